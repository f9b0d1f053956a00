"""Canvas course scores: pure functions over plain data (grade strings are in ``grades``).

Follows CANVAS_REFERENCE.md section 4, which mirrors canvas-lms ``lib/grade_calculator.rb``
(server side course scores). Sums and
ratios are exact (integer ratios inside, ``Decimal`` in and out), rounded once, at the end, to 2
places half up; only the drop rules' bisection runs in binary floats, as canvas-lms's does.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import MAX_PREC, Context, Decimal
from functools import lru_cache
from typing import NamedTuple

from .grades import DEFAULT_GRADING_SCHEME, GRADING_TYPES, grade_string, round2

__all__ = [
    "DEFAULT_GRADING_SCHEME",
    "GRADING_TYPES",
    "AssignmentInput",
    "CourseScores",
    "GroupInput",
    "GroupScore",
    "SubmissionGrade",
    "counts_toward_grade",
    "course_scores",
    "grade_string",
    "group_score",
]

NEVER_COUNTED_SUBMISSION_TYPES = frozenset({"not_graded", "wiki_page"})


class SubmissionGrade(NamedTuple):
    """One student's submission as the calculator sees it."""

    score: Decimal | None  # None = no score
    excused: bool = False
    posted: bool = True  # False = not posted (manual post policy, grade hidden)
    pending_review: bool = False  # workflow_state pending_review


class AssignmentInput(NamedTuple):
    """An assignment with the student's submission (None = no submission at all)."""

    id: int  # local id; ties break on the lowest id
    points_possible: Decimal
    submission: SubmissionGrade | None = None
    published: bool = True
    submission_types: tuple[str, ...] = ("online_text_entry",)
    omit_from_final_grade: bool = False


class GroupInput(NamedTuple):
    """An assignment group with its weight (percent) and drop rules."""

    id: int
    assignments: tuple[AssignmentInput, ...]
    weight: Decimal = Decimal(0)
    drop_lowest: int = 0
    drop_highest: int = 0
    never_drop: frozenset[int] = frozenset()
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class GroupScore:
    """A group's kept points; ``kept`` and ``dropped`` are sorted assignment ids."""

    score: Decimal
    possible: Decimal
    kept: tuple[int, ...]
    dropped: tuple[int, ...]


class CourseScores(NamedTuple):
    """The four course scores of a score row (percent, 2 places), None when undefined."""

    current_score: Decimal | None
    final_score: Decimal | None
    unposted_current_score: Decimal | None
    unposted_final_score: Decimal | None


# An item the calculator counts: (assignment id, score, points possible), exact.
_Raw = tuple[int, Decimal, Decimal]
# The same item for the drop rules: (id, score, possible, position among the counted items).
# The bisection works in binary floats, as canvas-lms does (to_f).
_Rated = tuple[int, float, float, int]

_ZERO = Decimal(0)
_EXACT = Context(prec=MAX_PREC)  # sums of decimals in it never round


def counts_toward_grade(assignment: AssignmentInput) -> bool:
    """Published and gradeable (no ``not_graded`` / ``wiki_page`` submission type)."""
    return assignment.published and NEVER_COUNTED_SUBMISSION_TYPES.isdisjoint(
        assignment.submission_types
    )


def _counted(group: GroupInput) -> list[AssignmentInput]:
    """The group's assignments that can count: gradeable and not omitted from the grade."""
    return [a for a in group.assignments if counts_toward_grade(a) and not a.omit_from_final_grade]


def _items(
    counted: Iterable[AssignmentInput], *, final: bool, posted_only: bool, concluded: bool
) -> list[_Raw]:
    """The counted items of one pass, filtered in canvas-lms's order (create_group_sums)."""
    items: list[_Raw] = []
    for a in counted:
        sub = a.submission
        if sub is not None and (
            (posted_only and not sub.posted)  # the posted pass treats it as absent
            or (not final and sub.pending_review)
        ):
            sub = None
        if sub is None:
            if concluded or not final:
                continue
            items.append((a.id, _ZERO, a.points_possible))
        elif sub.excused:
            continue
        elif sub.score is None:
            if final:
                items.append((a.id, _ZERO, a.points_possible))
        else:
            items.append((a.id, sub.score, a.points_possible))
    return items


def _ranked(keys: list[tuple[float, int]], keep: int) -> list[int]:
    """Positions of the ``keep`` smallest keys, in order (a stable sort, as sorted() is)."""
    return sorted(range(len(keys)), key=keys.__getitem__)[:keep]


def _by_score(items: list[_Rated], keep: int, *, highest: bool) -> list[_Rated]:
    """Keep the ``keep`` highest (or lowest) scores; ties keep the lowest ids."""
    keys = [(-s if highest else s, i) for i, s, _, _ in items]
    return [items[j] for j in _ranked(keys, keep)]


def _big_f(
    subs: list[_Rated], cant_drop: list[_Rated], keep: int, *, best: bool
) -> Callable[[float], tuple[float, list[int]]]:
    """Kane & Kane's F(q): the top (or bottom) ``keep`` items by score - q * possible.

    The returned function gives F and the kept items' positions in ``subs``, in canvas-lms's
    order (ties keep the lowest ids). For the top items it sorts q * possible - score, which is
    exactly -(score - q * possible), and negates the sum: exactly the sum of the negations.
    """

    def f(q: float) -> tuple[float, list[int]]:
        if best:
            rated = sorted([(q * p - s, i, j) for j, (i, s, p, _) in enumerate(subs)])
        else:
            rated = sorted([(s - q * p, i, j) for j, (i, s, p, _) in enumerate(subs)])
        top = rated[:keep]
        total = sum([r for r, _, _ in top])
        fixed = sum([s - q * p for _, s, p, _ in cant_drop])
        return (-total if best else total) + fixed, [j for _, _, j in top]

    return f


_SEPARATED = 1e-3  # distinct scores at least this far apart ...
_BOUNDED = 1e9  # ... and this small can never tie in the bisection's floats


def _same_points(subs: list[_Rated], cant_drop: list[_Rated]) -> bool:
    """Whether every item has the same (non-zero) points possible and the scores are plain
    enough that the bisection keeps exactly the ``keep`` best (or worst) scores, ties to the
    lowest ids, whatever q it ends at.

    With one p for all, q lies between the lowest and highest score / p, so every
    ``q * p - s`` is below 2 * _BOUNDED: its rounding error (under 1e-6) cannot reorder scores
    _SEPARATED apart, and ordering by ``q * p - s`` is ordering by score.
    """
    points = subs[0][2]
    if points <= 0 or any(i[2] != points for i in subs) or any(i[2] != points for i in cant_drop):
        return False
    scores = sorted({i[1] for i in subs + cant_drop})
    if scores[0] < -_BOUNDED or scores[-1] > _BOUNDED:
        return False
    return all(b - a >= _SEPARATED for a, b in itertools.pairwise(scores))


def _keep(
    subs: list[_Rated], cant_drop: list[_Rated], keep: int, max_total: float, *, best: bool
) -> list[_Rated]:
    """One drop stage: canvas-lms's keep_helper bisection (in floats, like canvas-lms)."""
    if len(subs) <= keep:
        return subs
    if _same_points(subs, cant_drop):
        return _by_score(subs, keep, highest=best)
    return _bisection(subs, cant_drop, keep, max_total, best=best)


def _bisection(
    subs: list[_Rated], cant_drop: list[_Rated], keep: int, max_total: float, *, best: bool
) -> list[_Rated]:
    """canvas-lms's keep_helper: bisect on q for the ``keep`` items maximising (or minimising)
    the group's ratio."""
    pool = subs + cant_drop
    pointed = [i for i in pool if i[2] != 0]
    if not pointed:
        # canvas-lms crashes here (no ratio to start from, only reachable in the second stage
        # when the first kept only 0-point work): fall back to ordering by score.
        return _by_score(subs, keep, highest=best)
    unpointed = [i for i in pool if i[2] == 0]
    grades = sorted(s / p for _, s, p, _ in pointed)
    if unpointed:  # estimate_q_high: 100 % (or the extra credit) plus every 0-point score
        possible = sum(p for _, _, p, _ in pointed)
        best_pointed = max(possible, sum(s for _, s, _, _ in pointed))
        q_high = (best_pointed + sum(s for _, s, _, _ in unpointed)) / possible
    else:
        q_high = grades[-1]
    q_low = grades[0]
    q_mid = (q_low + q_high) / 2
    big_f = _big_f(subs, cant_drop, keep, best=best)
    x, kept = big_f(q_mid)
    threshold = 1 / (2 * keep * max_total**2)
    while q_high - q_low >= threshold:
        if x < 0:
            q_high = q_mid
        else:
            q_low = q_mid
        q_mid = (q_low + q_high) / 2
        x, kept = big_f(q_mid)
    return [subs[j] for j in kept]


def _kept(
    raw: Sequence[_Raw], drop_lowest: int, drop_highest: int, never_drop: frozenset[int]
) -> tuple[int, ...] | None:
    """Positions in ``raw`` of the items the drop rules keep (canvas-lms drop_assignments);
    None when there are no drop rules (all kept)."""
    drop_lowest, drop_highest = max(drop_lowest, 0), max(drop_highest, 0)
    if drop_lowest == 0 and drop_highest == 0:
        return None
    items: list[_Rated] = [(i, float(s), float(p), j) for j, (i, s, p) in enumerate(raw)]
    cant_drop = [i for i in items if i[0] in never_drop]
    subs = [i for i in items if i[0] not in never_drop]
    if not subs:
        return tuple(i[3] for i in cant_drop)
    n = len(subs)
    drop_lowest = min(drop_lowest, n - 1)
    if drop_lowest + drop_highest >= n:
        drop_highest = 0
    keep_highest = n - drop_lowest
    keep_lowest = keep_highest - drop_highest
    if any(i[2] > 0 for i in items):
        max_total = max(i[2] for i in items)
        kept = _keep(subs, cant_drop, keep_highest, max_total, best=True)
        kept = _keep(kept, cant_drop, keep_lowest, max_total, best=False)
    else:  # no possible points at all: drop_unpointed
        kept = _by_score(subs, keep_highest, highest=True)
        kept = _by_score(kept, keep_lowest, highest=False)
    return tuple(i[3] for i in kept + cant_drop)


Ratio = tuple[int, int]  # an exact rational as (numerator, positive denominator)

# A group's kept score and possible points in one pass, as exact ratios.
_Sums = tuple[Ratio, Ratio]


def _scored(
    group: GroupInput,
    counted: Iterable[AssignmentInput],
    *,
    final: bool,
    posted_only: bool,
    concluded: bool,
) -> GroupScore:
    """``group_score`` of the group's ``counted`` assignments."""
    items = _items(counted, final=final, posted_only=posted_only, concluded=concluded)
    positions = _kept(items, group.drop_lowest, group.drop_highest, group.never_drop)
    kept = items if positions is None else [items[j] for j in positions]
    kept_ids = {i for i, _, _ in kept}
    dropped = () if positions is None else (i for i, _, _ in items if i not in kept_ids)
    score, possible = _exact_sums(kept)
    return GroupScore(score, possible, tuple(sorted(kept_ids)), tuple(sorted(dropped)))


def _exact_sums(kept: Iterable[_Raw]) -> tuple[Decimal, Decimal]:
    """The kept items' score and possible points, summed exactly (never rounded)."""
    score = possible = _ZERO
    add = _EXACT.add
    for _, s, p in kept:
        score, possible = add(score, s), add(possible, p)
    return score, possible


@lru_cache(maxsize=1 << 14)
def _ratios(
    items: tuple[_Raw, ...], drop_lowest: int, drop_highest: int, never_drop: frozenset[int]
) -> _Sums:
    """A group's kept score and possible points as exact ratios. Cached: they depend only on
    the items' values (not on how the decimals are written), and many students share them."""
    positions = _kept(items, drop_lowest, drop_highest, never_drop)
    score, possible = _exact_sums(items if positions is None else [items[j] for j in positions])
    return score.as_integer_ratio(), possible.as_integer_ratio()


def group_score(
    group: GroupInput, *, final: bool, posted_only: bool = False, concluded: bool = False
) -> GroupScore:
    """A group's kept score and possible points for one pass (current or final).

    ``posted_only`` is the posted pass (unposted submissions treated as absent); ``concluded``
    leaves absent submissions out instead of counting them 0. The group's ``deleted`` flag is
    not looked at here (``course_scores`` skips deleted groups).
    """
    counted = _counted(group)
    return _scored(group, counted, final=final, posted_only=posted_only, concluded=concluded)


class _Entry:
    """A group's memo entry: its input, whether it hides a grade, its weight as a ratio and
    its scores so far, per (final, posted_only, concluded) pass."""

    __slots__ = ("counted", "group", "hidden", "passes", "weight")

    def __init__(self, group: GroupInput) -> None:
        self.group = group
        self.hidden = any(
            a.submission is not None and not a.submission.posted for a in group.assignments
        )
        self.weight: Ratio = group.weight.as_integer_ratio()
        self.counted = _counted(group)
        self.passes: dict[tuple[bool, bool, bool], _Sums] = {}

    def sums(self, key: tuple[bool, bool, bool]) -> _Sums:
        """The group's sums in the pass ``key`` = (final, posted_only, concluded)."""
        found = self.passes.get(key)
        if found is None:
            g = self.group
            final, posted_only, concluded = key
            items = _items(self.counted, final=final, posted_only=posted_only, concluded=concluded)
            found = self.passes[key] = _ratios(
                tuple(items), g.drop_lowest, g.drop_highest, g.never_drop
            )
        return found


def _total(entries: Sequence[_Entry], sums: Sequence[_Sums], weighted: bool) -> Ratio | None:
    """calculate_total_from_group_scores, unrounded, in exact integer ratios (fast)."""
    if weighted:
        grade_n, grade_d = 0, 1
        weight_n, weight_d = 0, 1
        for entry, ((sn, sd), (pn, pd)) in zip(entries, sums, strict=True):
            if pn <= 0:  # no possible points
                continue
            wn, wd = entry.weight
            term_n, term_d = sn * pd * wn, sd * pn * wd  # score / possible * weight
            grade_n, grade_d = grade_n * term_d + term_n * grade_d, grade_d * term_d
            weight_n, weight_d = weight_n * wd + wn * weight_d, weight_d * wd
        if weight_n == 0:
            return None
        if weight_n < 100 * weight_d:  # scale up to 100 when the used weights fall short
            return grade_n * 100 * weight_d, grade_d * weight_n
        return grade_n, grade_d
    score_n, score_d = 0, 1
    possible_n, possible_d = 0, 1
    for (sn, sd), (pn, pd) in sums:
        score_n, score_d = score_n * sd + sn * score_d, score_d * sd
        possible_n, possible_d = possible_n * pd + pn * possible_d, possible_d * pd
    if possible_n <= 0:
        return None
    return 100 * score_n * possible_d, score_d * possible_n


GroupMemo = dict[int, _Entry]


def course_scores(
    groups: Iterable[GroupInput],
    *,
    weighted: bool,
    concluded: bool = False,
    memo: GroupMemo | None = None,
) -> CourseScores:
    """Canvas's four course scores, each rounded to 2 places half up, or None.

    ``weighted`` is the course's ``group_weighting_scheme == "percent"``; ``concluded`` is an
    enrollment in the completed state. ``memo`` (one per student, kept by the caller) reuses
    the scores of groups whose inputs did not change since the last call.
    """
    memo = {} if memo is None else memo
    entries = []
    hidden = False
    for g in groups:
        if g.deleted:
            continue
        entry = memo.get(g.id)
        if entry is None or not (entry.group is g or entry.group == g):
            entry = memo[g.id] = _Entry(g)
        hidden = hidden or entry.hidden
        entries.append(entry)

    def score(sums: Sequence[_Sums]) -> Decimal | None:
        total = _total(entries, sums, weighted)
        return None if total is None else round2(total)

    unposted = [
        [e.passes.get(key) or e.sums(key) for e in entries]  # a memo hit without a call
        for key in ((False, False, concluded), (True, False, concluded))
    ]
    unposted_current, unposted_final = score(unposted[0]), score(unposted[1])
    if not hidden:
        # Every grade is posted: the posted passes are the same as the unposted ones.
        return CourseScores(unposted_current, unposted_final, unposted_current, unposted_final)
    posted = [
        [
            e.sums((final, True, concluded)) if e.hidden else s
            for e, s in zip(entries, shared, strict=True)
        ]
        for final, shared in zip((False, True), unposted, strict=True)
    ]
    return CourseScores(
        current_score=score(posted[0]),
        final_score=score(posted[1]),
        unposted_current_score=unposted_current,
        unposted_final_score=unposted_final,
    )
