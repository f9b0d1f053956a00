"""Canvas course scores: pure functions over plain data (grade strings are in ``grades``).

Follows CANVAS_REFERENCE.md section 4, which mirrors canvas-lms ``lib/grade_calculator.rb``
(server side course scores). Sums and
ratios are exact (integer ratios inside, ``Decimal`` in and out), rounded once, at the end, to 2
places half up; only the drop rules' bisection (``drops``) runs in binary floats, as
canvas-lms's does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import MAX_PREC, Context, Decimal
from functools import lru_cache
from typing import NamedTuple

from .drops import Raw, kept_positions
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


# A counted assignment as one student's passes see it: (assignment id, points possible, score,
# excused, posted, pending review, has a submission). Both the engine (from its records) and
# ``course_scores`` (from ``AssignmentInput``) reduce a group to these rows.
Row = tuple[int, Decimal, Decimal | None, bool, bool, bool, bool]

Ratio = tuple[int, int]  # an exact rational as (numerator, positive denominator)
# A group's kept score and possible points in one pass, as exact ratios.
Sums = tuple[Ratio, Ratio]
# A group's sums for one student: (hides a grade, current, final, posted current, posted
# final, concluded); the posted passes are the unposted ones when nothing is hidden.
GroupSums = tuple[bool, Sums, Sums, Sums, Sums, bool]

_ZERO = Decimal(0)
_EXACT = Context(prec=MAX_PREC)  # sums of decimals in it never round


def counts_toward_grade(assignment: AssignmentInput) -> bool:
    """Published and gradeable (no ``not_graded`` / ``wiki_page`` submission type)."""
    return assignment.published and NEVER_COUNTED_SUBMISSION_TYPES.isdisjoint(
        assignment.submission_types
    )


def _rows(group: GroupInput) -> list[Row]:
    """The group's assignments that can count (gradeable, not omitted from the grade)."""
    rows: list[Row] = []
    for a in group.assignments:
        if not counts_toward_grade(a) or a.omit_from_final_grade:
            continue
        sub = a.submission
        if sub is None:
            rows.append((a.id, a.points_possible, None, False, False, False, False))
        else:
            posted, pending = sub.posted, sub.pending_review
            rows.append((a.id, a.points_possible, sub.score, sub.excused, posted, pending, True))
    return rows


def _items(rows: Iterable[Row], final: bool, posted_only: bool, concluded: bool) -> tuple[Raw, ...]:
    """The counted items of one pass, filtered in canvas-lms's order (create_group_sums): the
    posted pass treats an unposted submission as absent, the current one a pending review."""
    items: list[Raw] = []
    for i, points, score, excused, posted, pending, present in rows:
        if present and not ((posted_only and not posted) or (not final and pending)):
            if excused:
                continue
            if score is None:
                if final:
                    items.append((i, _ZERO, points))
            else:
                items.append((i, score, points))
        elif final and not concluded:  # absent: 0 in the final passes
            items.append((i, _ZERO, points))
    return tuple(items)


def _exact_sums(kept: Iterable[Raw]) -> tuple[Decimal, Decimal]:
    """The kept items' score and possible points, summed exactly (never rounded)."""
    score = possible = _ZERO
    add = _EXACT.add
    for _, s, p in kept:
        score, possible = add(score, s), add(possible, p)
    return score, possible


@lru_cache(maxsize=1 << 14)
def _ratios(
    items: tuple[Raw, ...], drop_lowest: int, drop_highest: int, never_drop: frozenset[int]
) -> Sums:
    """A group's kept score and possible points as exact ratios. Cached: they depend only on
    the items' values (not on how the decimals are written), and many students share them."""
    positions = kept_positions(items, drop_lowest, drop_highest, never_drop)
    score, possible = _exact_sums(items if positions is None else [items[j] for j in positions])
    return score.as_integer_ratio(), possible.as_integer_ratio()


_SHARED_SUMS: dict[GroupSums, GroupSums] = {}
_SHARED_KEPT = 1 << 15


def group_sums(
    rows: Sequence[Row],
    hidden: bool,
    drops: tuple[int, int, frozenset[int]],
    concluded: bool,
) -> GroupSums:
    """A group's sums in every pass a student's course scores need; ``hidden``: some
    submission of the group (counted or not) is unposted; ``drops``: (drop lowest, drop
    highest, never drop)."""
    low, high, never = drops
    current_items = _items(rows, False, False, concluded)
    final_items = _items(rows, True, False, concluded)
    current = posted_current = _ratios(current_items, low, high, never)
    final = posted_final = _ratios(final_items, low, high, never)
    if hidden:  # the posted passes, where their items differ (an unposted placeholder does not)
        items = _items(rows, False, True, concluded)
        if items != current_items:
            posted_current = _ratios(items, low, high, never)
        items = _items(rows, True, True, concluded)
        if items != final_items:
            posted_final = _ratios(items, low, high, never)
    found: GroupSums = (hidden, current, final, posted_current, posted_final, concluded)
    shared = _SHARED_SUMS.get(found)  # many students' groups sum alike: keep one tuple
    if shared is None:
        shared = found
        if len(_SHARED_SUMS) < _SHARED_KEPT:
            _SHARED_SUMS[found] = found
    return shared


def group_score(
    group: GroupInput, *, final: bool, posted_only: bool = False, concluded: bool = False
) -> GroupScore:
    """A group's kept score and possible points for one pass (current or final).

    ``posted_only`` is the posted pass (unposted submissions treated as absent); ``concluded``
    leaves absent submissions out instead of counting them 0. The group's ``deleted`` flag is
    not looked at here (``course_scores`` skips deleted groups).
    """
    items = _items(_rows(group), final, posted_only, concluded)
    positions = kept_positions(items, group.drop_lowest, group.drop_highest, group.never_drop)
    kept = items if positions is None else [items[j] for j in positions]
    kept_ids = {i for i, _, _ in kept}
    dropped = () if positions is None else (i for i, _, _ in items if i not in kept_ids)
    score, possible = _exact_sums(kept)
    return GroupScore(score, possible, tuple(sorted(kept_ids)), tuple(sorted(dropped)))


def _total(weights: Sequence[Decimal], sums: Iterable[Sums], weighted: bool) -> Ratio | None:
    """calculate_total_from_group_scores, unrounded, in exact integer ratios (fast)."""
    if weighted:
        grade_n, grade_d = 0, 1
        weight_n, weight_d = 0, 1
        for weight, ((sn, sd), (pn, pd)) in zip(weights, sums, strict=True):
            if pn <= 0:  # no possible points
                continue
            wn, wd = weight.as_integer_ratio()
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


def combined_scores(
    weights: Sequence[Decimal], groups: Sequence[GroupSums], weighted: bool
) -> CourseScores:
    """The four course scores from each group's sums (``weights``: the groups' weights)."""

    def score(sums: list[Sums]) -> Decimal | None:
        total = _total(weights, sums, weighted)
        return None if total is None else round2(total)

    # Where the posted passes sum as the unposted ones (every grade posted, or only work
    # without a grade unposted), their scores are the same.
    unposted_current, unposted_final = [g[1] for g in groups], [g[2] for g in groups]
    posted_current, posted_final = [g[3] for g in groups], [g[4] for g in groups]
    current, final = score(unposted_current), score(unposted_final)
    return CourseScores(
        current if posted_current == unposted_current else score(posted_current),
        final if posted_final == unposted_final else score(posted_final),
        current,
        final,
    )


# Per group id: the input its sums were computed from, and the sums.
GroupMemo = dict[int, tuple[GroupInput, GroupSums]]


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
    weights, sums = [], []
    for g in groups:
        if g.deleted:
            continue
        found = memo.get(g.id)
        if found is None or found[1][5] != concluded or not (found[0] is g or found[0] == g):
            hidden = any(
                a.submission is not None and not a.submission.posted for a in g.assignments
            )
            drops = (g.drop_lowest, g.drop_highest, g.never_drop)
            found = memo[g.id] = g, group_sums(_rows(g), hidden, drops, concluded)
        weights.append(g.weight)
        sums.append(found[1])
    return combined_scores(weights, sums, weighted)
