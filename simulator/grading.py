"""Canvas course scores and grade strings: pure functions over plain data.

Follows CANVAS_REFERENCE.md section 4, which mirrors canvas-lms ``lib/grade_calculator.rb``
(server side course scores) and ``app/models/assignment.rb`` ``score_to_grade``. Sums and
ratios are exact (integer ratios inside, ``Decimal`` in and out), rounded once, at the end, to 2
places half up; only the drop rules' bisection runs in binary floats, as canvas-lms's does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import MAX_PREC, Decimal, localcontext
from fractions import Fraction

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

GRADING_TYPES = ("points", "percent", "pass_fail", "letter_grade", "gpa_scale", "not_graded")

DEFAULT_GRADING_SCHEME: tuple[tuple[str, Decimal], ...] = tuple(
    (name, Decimal(bound))
    for name, bound in (
        ("A", 94),
        ("A-", 90),
        ("B+", 87),
        ("B", 84),
        ("B-", 80),
        ("C+", 77),
        ("C", 74),
        ("C-", 70),
        ("D+", 67),
        ("D", 64),
        ("D-", 61),
        ("F", 0),
    )
)


@dataclass(frozen=True, slots=True)
class SubmissionGrade:
    """One student's submission as the calculator sees it."""

    score: Decimal | None  # None = no score
    excused: bool = False
    posted: bool = True  # False = not posted (manual post policy, grade hidden)
    pending_review: bool = False  # workflow_state pending_review


@dataclass(frozen=True, slots=True)
class AssignmentInput:
    """An assignment with the student's submission (None = no submission at all)."""

    id: int  # local id; ties break on the lowest id
    points_possible: Decimal
    submission: SubmissionGrade | None = None
    published: bool = True
    submission_types: tuple[str, ...] = ("online_text_entry",)
    omit_from_final_grade: bool = False


@dataclass(frozen=True, slots=True)
class GroupInput:
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


@dataclass(frozen=True, slots=True)
class CourseScores:
    """The four course scores of a score row (percent, 2 places), None when undefined."""

    current_score: Decimal | None
    final_score: Decimal | None
    unposted_current_score: Decimal | None
    unposted_final_score: Decimal | None


@dataclass(frozen=True, slots=True)
class _Item:
    id: int
    score: float  # the drop bisection works in binary floats, as canvas-lms does (to_f)
    possible: float
    raw_score: Decimal
    raw_possible: Decimal


def counts_toward_grade(assignment: AssignmentInput) -> bool:
    """Published and gradeable (no ``not_graded`` / ``wiki_page`` submission type)."""
    return assignment.published and not (
        NEVER_COUNTED_SUBMISSION_TYPES.intersection(assignment.submission_types)
    )


def _items(group: GroupInput, *, final: bool, posted_only: bool, concluded: bool) -> list[_Item]:
    """The group's counted items, filtered in canvas-lms's order (create_group_sums)."""
    items: list[_Item] = []
    for a in group.assignments:
        if not counts_toward_grade(a):
            continue
        sub = a.submission
        if posted_only and sub is not None and not sub.posted:
            sub = None  # the posted pass treats an unposted submission as absent
        if not final and sub is not None and sub.pending_review:
            sub = None
        if concluded and sub is None:
            continue
        score = None if sub is None else sub.score
        if not final and score is None:
            continue
        if (sub is not None and sub.excused) or a.omit_from_final_grade:
            continue
        raw = Decimal(0) if score is None else score
        items.append(_Item(a.id, float(raw), float(a.points_possible), raw, a.points_possible))
    return items


def _by_score(items: list[_Item], keep: int, *, highest: bool) -> list[_Item]:
    """Keep the ``keep`` highest (or lowest) scores; ties keep the lowest ids."""
    ordered = sorted(items, key=lambda i: (-i.score if highest else i.score, i.id))
    return ordered[:keep]


def _big_f(
    q: float, subs: list[_Item], cant_drop: list[_Item], keep: int, *, best: bool
) -> tuple[float, list[_Item]]:
    """Kane & Kane's F(q): the top (or bottom) ``keep`` items by score - q * possible."""
    rated = sorted(
        ((i.score - q * i.possible, i) for i in subs),
        key=lambda r: (-r[0] if best else r[0], r[1].id),
    )[:keep]
    x = sum(r for r, _ in rated) + sum(i.score - q * i.possible for i in cant_drop)
    return x, [i for _, i in rated]


def _keep(
    subs: list[_Item], cant_drop: list[_Item], keep: int, max_total: float, *, best: bool
) -> list[_Item]:
    """One drop stage: canvas-lms's keep_helper bisection (in floats, like canvas-lms)."""
    if len(subs) <= keep:
        return subs
    pool = subs + cant_drop
    pointed = [i for i in pool if i.possible != 0]
    if not pointed:
        # canvas-lms crashes here (no ratio to start from, only reachable in the second stage
        # when the first kept only 0-point work): fall back to ordering by score.
        return _by_score(subs, keep, highest=best)
    unpointed = [i for i in pool if i.possible == 0]
    grades = sorted(i.score / i.possible for i in pointed)
    if unpointed:  # estimate_q_high: 100 % (or the extra credit) plus every 0-point score
        possible = sum(i.possible for i in pointed)
        best_pointed = max(possible, sum(i.score for i in pointed))
        q_high = (best_pointed + sum(i.score for i in unpointed)) / possible
    else:
        q_high = grades[-1]
    q_low = grades[0]
    q_mid = (q_low + q_high) / 2
    x, kept = _big_f(q_mid, subs, cant_drop, keep, best=best)
    threshold = 1 / (2 * keep * max_total**2)
    while q_high - q_low >= threshold:
        if x < 0:
            q_high = q_mid
        else:
            q_low = q_mid
        q_mid = (q_low + q_high) / 2
        x, kept = _big_f(q_mid, subs, cant_drop, keep, best=best)
    return kept


def _drop(items: list[_Item], group: GroupInput) -> list[_Item]:
    """Apply the group's drop rules (canvas-lms drop_assignments); returns the kept items."""
    drop_lowest, drop_highest = max(group.drop_lowest, 0), max(group.drop_highest, 0)
    if drop_lowest == 0 and drop_highest == 0:
        return items
    cant_drop = [i for i in items if i.id in group.never_drop]
    subs = [i for i in items if i.id not in group.never_drop]
    if not subs:
        return cant_drop
    n = len(subs)
    drop_lowest = min(drop_lowest, n - 1)
    if drop_lowest + drop_highest >= n:
        drop_highest = 0
    keep_highest = n - drop_lowest
    keep_lowest = keep_highest - drop_highest
    if any(i.possible > 0 for i in items):
        max_total = max(i.possible for i in items)
        kept = _keep(subs, cant_drop, keep_highest, max_total, best=True)
        kept = _keep(kept, cant_drop, keep_lowest, max_total, best=False)
    else:  # no possible points at all: drop_unpointed
        kept = _by_score(subs, keep_highest, highest=True)
        kept = _by_score(kept, keep_lowest, highest=False)
    return kept + cant_drop


def _dsum(values: Iterable[Decimal]) -> Decimal:
    """Exact sum of decimals (no context rounding)."""
    with localcontext() as ctx:
        ctx.prec = MAX_PREC
        return sum(values, Decimal(0))


def group_score(
    group: GroupInput, *, final: bool, posted_only: bool = False, concluded: bool = False
) -> GroupScore:
    """A group's kept score and possible points for one pass (current or final).

    ``posted_only`` is the posted pass (unposted submissions treated as absent); ``concluded``
    leaves absent submissions out instead of counting them 0. The group's ``deleted`` flag is
    not looked at here (``course_scores`` skips deleted groups).
    """
    items = _items(group, final=final, posted_only=posted_only, concluded=concluded)
    kept = _drop(items, group)
    kept_ids = {i.id for i in kept}
    return GroupScore(
        score=_dsum(i.raw_score for i in kept),
        possible=_dsum(i.raw_possible for i in kept),
        kept=tuple(sorted(kept_ids)),
        dropped=tuple(sorted(i.id for i in items if i.id not in kept_ids)),
    )


Ratio = tuple[int, int]  # an exact rational as (numerator, positive denominator)


def _round2(value: Ratio) -> Decimal:
    """Round n/d to 2 places, half away from zero (Decimal ROUND_HALF_UP), exactly."""
    numerator, denominator = value
    cents = (200 * abs(numerator) + denominator) // (2 * denominator)
    return Decimal(-cents if numerator < 0 else cents).scaleb(-2)


def _total(
    groups: Sequence[GroupInput], sums: Sequence[GroupScore], weighted: bool
) -> Ratio | None:
    """calculate_total_from_group_scores, unrounded, in exact integer ratios (fast)."""
    if weighted:
        grade_n, grade_d = 0, 1
        weight_n, weight_d = 0, 1
        for group, total in zip(groups, sums, strict=True):
            if total.possible <= 0:
                continue
            sn, sd = total.score.as_integer_ratio()
            pn, pd = total.possible.as_integer_ratio()
            wn, wd = group.weight.as_integer_ratio()
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
    for total in sums:
        sn, sd = total.score.as_integer_ratio()
        pn, pd = total.possible.as_integer_ratio()
        score_n, score_d = score_n * sd + sn * score_d, score_d * sd
        possible_n, possible_d = possible_n * pd + pn * possible_d, possible_d * pd
    if possible_n <= 0:
        return None
    return 100 * score_n * possible_d, score_d * possible_n


GroupMemo = dict[int, tuple[GroupInput, dict[tuple[bool, bool, bool], GroupScore]]]


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
    active = [g for g in groups if not g.deleted]
    memo = {} if memo is None else memo

    def memoised(
        g: GroupInput, *, final: bool, posted_only: bool = False, concluded: bool = False
    ) -> GroupScore:
        entry = memo.get(g.id)
        if entry is None or entry[0] != g:
            entry = memo[g.id] = (g, {})
        key = (final, posted_only, concluded)
        found = entry[1].get(key)
        if found is None:
            found = entry[1][key] = group_score(
                g, final=final, posted_only=posted_only, concluded=concluded
            )
        return found

    # A group whose submissions are all posted scores the same in both passes: compute once.
    hidden = [
        any(a.submission is not None and not a.submission.posted for a in g.assignments)
        for g in active
    ]
    unposted: dict[bool, list[GroupScore]] = {}

    def score(*, final: bool, posted_only: bool) -> Decimal | None:
        if posted_only:
            shared = unposted[final]
            sums = [
                memoised(g, final=final, posted_only=True, concluded=concluded) if h else s
                for g, h, s in zip(active, hidden, shared, strict=True)
            ]
        else:
            sums = [memoised(g, final=final, concluded=concluded) for g in active]
            unposted[final] = sums
        total = _total(active, sums, weighted)
        return None if total is None else _round2(total)

    unposted_current = score(final=False, posted_only=False)
    unposted_final = score(final=True, posted_only=False)

    return CourseScores(
        current_score=score(final=False, posted_only=True),
        final_score=score(final=True, posted_only=True),
        unposted_current_score=unposted_current,
        unposted_final_score=unposted_final,
    )


def _fmt(value: Decimal) -> str:
    """A number as Canvas prints it: ``8``, ``8.5`` (round_if_whole, no exponent)."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def _scheme_grade(percent: Fraction, scheme: Sequence[tuple[str, Decimal]]) -> str:
    """The highest scheme entry whose lower bound <= percent (below all: the lowest entry)."""
    if not scheme:
        raise ValueError("empty grading scheme")
    reached = [(Fraction(bound), name) for name, bound in scheme if Fraction(bound) <= percent]
    if not reached:
        return min(scheme, key=lambda entry: entry[1])[0]
    top = max(bound for bound, _ in reached)
    return next(name for bound, name in reached if bound == top)


def grade_string(
    score: Decimal | None,
    points_possible: Decimal,
    grading_type: str,
    scheme: Sequence[tuple[str, Decimal]] = DEFAULT_GRADING_SCHEME,
    *,
    excused: bool = False,
    given_grade: str | None = None,
) -> str | None:
    """The grade string Canvas stores for a score (Assignment#score_to_grade).

    points ``"8"`` / ``"8.5"``; percent ``"92.5%"`` (2 places, half up); pass_fail
    ``"complete"`` when score > 0; letter_grade / gpa_scale from ``scheme`` (percent lower
    bounds). not_graded, excused or no score give None.

    A 0-point assignment follows canvas-lms: percent shows the raw score (``"3%"``), pass_fail
    and letter grades keep ``given_grade`` (the grade the grader typed) when there is one, else
    pass_fail is ``"incomplete"`` and the letter comes from the raw score read as a percent.
    """
    if grading_type not in GRADING_TYPES:
        raise ValueError(f"unknown grading type {grading_type!r}")
    if excused or score is None or grading_type == "not_graded":
        return None
    if grading_type == "points":
        return _fmt(score)
    pointed = points_possible > 0
    percent = Fraction(score) * 100 / Fraction(points_possible) if pointed else Fraction(score)
    if grading_type == "percent":
        exact = (percent.numerator, percent.denominator)
        return f"{_fmt(_round2(exact) if pointed else score)}%"
    if grading_type == "pass_fail":
        passed = score > 0 if pointed else given_grade in ("complete", "pass")
        return "complete" if passed else "incomplete"
    if not pointed and given_grade is not None:
        return given_grade
    return _scheme_grade(percent, scheme)
