"""Tests for canvas_sim.grading: hand-computed tables and hypothesis properties.

Every expected value in the tables was worked out by hand; the arithmetic is in the comment
next to the case.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from canvas_sim.grading import (
    DEFAULT_GRADING_SCHEME,
    GRADING_TYPES,
    AssignmentInput,
    CourseScores,
    GroupInput,
    GroupMemo,
    SubmissionGrade,
    course_scores,
    grade_string,
    group_score,
)

D = Decimal
NONE4 = CourseScores(None, None, None, None)


def asg(
    id: int,
    possible: int | str,
    score: int | str | None = None,
    *,
    absent: bool = False,
    excused: bool = False,
    posted: bool = True,
    pending: bool = False,
    published: bool = True,
    types: tuple[str, ...] = ("online_text_entry",),
    omit: bool = False,
) -> AssignmentInput:
    """An assignment; the submission is absent when ``absent`` is set."""
    sub = None
    if not absent:
        sub = SubmissionGrade(
            score=None if score is None else D(str(score)),
            excused=excused,
            posted=posted,
            pending_review=pending,
        )
    return AssignmentInput(
        id=id,
        points_possible=D(str(possible)),
        submission=sub,
        published=published,
        submission_types=types,
        omit_from_final_grade=omit,
    )


def grp(
    id: int, *assignments: AssignmentInput, weight: int | str = 0, **rules: object
) -> GroupInput:
    return GroupInput(id=id, assignments=assignments, weight=D(str(weight)), **rules)  # type: ignore[arg-type]


def scores(
    current: str | None, final: str | None, u_current: str | None, u_final: str | None
) -> CourseScores:
    def dec(v: str | None) -> Decimal | None:
        return None if v is None else D(v)

    return CourseScores(dec(current), dec(final), dec(u_current), dec(u_final))


def same(value: str | None) -> CourseScores:
    return scores(value, value, value, value)


# --------------------------------------------------------------------------------------------
# Course scores: table of hand-computed cases
# (groups, weighted, concluded, expected)
# --------------------------------------------------------------------------------------------

COURSE_CASES: list[tuple[str, list[GroupInput], bool, bool, CourseScores]] = [
    (
        # current: (8+15)/(10+20) = 23/30 = 76.666.. -> 76.67
        # final: the absent 10-pointer counts 0: 23/40 = 57.5 -> 57.50
        "points_based",
        [grp(1, asg(1, 10, 8), asg(2, 20, 15), asg(3, 10, absent=True))],
        False,
        False,
        scores("76.67", "57.50", "76.67", "57.50"),
    ),
    (
        # G1 8/10 = 0.8 x 30 = 24; G2 15/20 = 0.75 x 20 = 15; sum 39 over weights 50 < 100:
        # 39 x 100/50 = 78.00
        "weighted_scaled_up",
        [grp(1, asg(1, 10, 8), weight=30), grp(2, asg(2, 20, 15), weight=20)],
        True,
        False,
        same("78.00"),
    ),
    (
        # weights 80 + 40 = 120 > 100 are never scaled down: 1 x 80 + 0.5 x 40 = 100.00
        "weighted_never_scaled_down",
        [grp(1, asg(1, 10, 10), weight=80), grp(2, asg(2, 10, 5), weight=40)],
        True,
        False,
        same("100.00"),
    ),
    (
        # G2 has 0 possible points: ignored even with a score; 0.8 x 50 = 40 x 100/50 = 80.00
        "weighted_zero_possible_group_ignored",
        [grp(1, asg(1, 10, 8), weight=50), grp(2, asg(2, 0, 5), weight=50)],
        True,
        False,
        same("80.00"),
    ),
    (
        # points-based, same course: 0-point work adds its score: (8+5)/10 = 130.00
        "points_zero_point_work_adds_score",
        [grp(1, asg(1, 10, 8)), grp(2, asg(2, 0, 5))],
        False,
        False,
        same("130.00"),
    ),
    (
        # only 0-point work, with a score: total possible 0 -> null
        "points_total_possible_zero_is_null",
        [grp(1, asg(1, 0, 5))],
        False,
        False,
        NONE4,
    ),
    (
        # every weight 0 -> null
        "weighted_all_zero_weights",
        [grp(1, asg(1, 10, 8)), grp(2, asg(2, 10, 9))],
        True,
        False,
        NONE4,
    ),
    (
        # G2 weight 0 still sums its ratio x 0: 0.8 x 50 + 0.9 x 0 = 40, x 100/50 = 80.00
        "weighted_one_zero_weight",
        [grp(1, asg(1, 10, 8), weight=50), grp(2, asg(2, 10, 9))],
        True,
        False,
        same("80.00"),
    ),
    (
        # excused left out of both: 8/10 = 80.00
        "excused",
        [grp(1, asg(1, 10, 8), asg(2, 10, None, excused=True))],
        False,
        False,
        same("80.00"),
    ),
    (
        # posted pass drops the unposted excused submission entirely (absent):
        # current 8/10 = 80.00; final (8+0)/20 = 40.00; unposted pass: excused out -> 80.00
        "excused_but_unposted",
        [grp(1, asg(1, 10, 8), asg(2, 10, None, excused=True, posted=False))],
        False,
        False,
        scores("80.00", "40.00", "80.00", "80.00"),
    ),
    (
        # posted current 8/10 = 80.00; posted final 8/(10+10) = 40.00;
        # unposted current and final (8+10)/20 = 90.00
        "unposted_in_both_passes",
        [grp(1, asg(1, 10, 8), asg(2, 10, 10, posted=False))],
        False,
        False,
        scores("80.00", "40.00", "90.00", "90.00"),
    ),
    (
        # current skips pending_review: 8/10 = 80.00; final counts its partial score:
        # (8+4)/20 = 60.00
        "pending_review_partial",
        [grp(1, asg(1, 10, 8), asg(2, 10, 4, pending=True))],
        False,
        False,
        scores("80.00", "60.00", "80.00", "60.00"),
    ),
    (
        # pending_review without a score: current 80.00, final (8+0)/20 = 40.00
        "pending_review_unscored",
        [grp(1, asg(1, 10, 8), asg(2, 10, None, pending=True))],
        False,
        False,
        scores("80.00", "40.00", "80.00", "40.00"),
    ),
    (
        # omitted from final grade, left out: 8/10 = 80.00
        "omit_from_final",
        [grp(1, asg(1, 10, 8), asg(2, 10, 2, omit=True))],
        False,
        False,
        same("80.00"),
    ),
    (
        # unpublished, not_graded and wiki_page never count: 8/10 = 80.00
        "unpublished_not_graded_wiki_page",
        [
            grp(
                1,
                asg(1, 10, 8),
                asg(2, 10, 0, published=False),
                asg(3, 10, 0, types=("not_graded",)),
                asg(4, 10, 0, types=("wiki_page",)),
            )
        ],
        False,
        False,
        same("80.00"),
    ),
    (
        # the deleted group does not count: 8/10 = 80.00
        "deleted_group_points",
        [grp(1, asg(1, 10, 8)), GroupInput(2, (asg(2, 10, 0),), deleted=True)],
        False,
        False,
        same("80.00"),
    ),
    (
        # deleted group's weight is not used either: 0.8 x 50 x 100/50 = 80.00
        "deleted_group_weighted",
        [
            grp(1, asg(1, 10, 8), weight=50),
            GroupInput(2, (asg(2, 10, 0),), weight=D(50), deleted=True),
        ],
        True,
        False,
        same("80.00"),
    ),
    (
        # A1 8/10, A2 absent, A3 present without score, A4 10/10 unposted. Active enrollment:
        # posted current 8/10 = 80.00; posted final 8/(4 x 10) = 20.00;
        # unposted current 18/20 = 90.00; unposted final 18/40 = 45.00
        "active_enrollment",
        [
            grp(
                1,
                asg(1, 10, 8),
                asg(2, 10, absent=True),
                asg(3, 10, None),
                asg(4, 10, 10, posted=False),
            )
        ],
        False,
        False,
        scores("80.00", "20.00", "90.00", "45.00"),
    ),
    (
        # Same, concluded: absent A2 left out of final, and in the posted pass unposted A4 too:
        # posted final (8+0)/(10+10) = 40.00; unposted final (8+0+10)/30 = 60.00;
        # currents unchanged (80.00, 90.00)
        "concluded_enrollment",
        [
            grp(
                1,
                asg(1, 10, 8),
                asg(2, 10, absent=True),
                asg(3, 10, None),
                asg(4, 10, 10, posted=False),
            )
        ],
        False,
        True,
        scores("80.00", "40.00", "90.00", "60.00"),
    ),
    (
        # extra credit: (12+3)/10 = 150.00
        "extra_credit",
        [grp(1, asg(1, 10, 12), asg(2, 0, 3))],
        False,
        False,
        same("150.00"),
    ),
    ("empty_course", [], False, False, NONE4),
    ("empty_course_weighted", [], True, False, NONE4),
    ("empty_group", [grp(1, weight=100)], True, False, NONE4),
    (
        # nothing graded yet: current null (no possible), final 0/10 = 0.00
        "nothing_graded",
        [grp(1, asg(1, 10, None))],
        False,
        False,
        scores(None, "0.00", None, "0.00"),
    ),
    (
        # 100 x 5/32 = 15.625 -> half up 15.63 (Python round() gives 15.62)
        "half_up_points",
        [grp(1, asg(1, 32, 5))],
        False,
        False,
        same("15.63"),
    ),
    (
        # G1 3/16 x 30 = 5.625; G2 41/800 x 45 = 2.30625; sum 7.93125 x 100/75 = 10.575
        # -> half up 10.58 (round(10.575, 2) gives 10.57)
        "half_up_weighted",
        [grp(1, asg(1, 16, 3), weight=30), grp(2, asg(2, 800, 41), weight=45)],
        True,
        False,
        same("10.58"),
    ),
    (
        # 100 x 2.82/80 = 3.525 exactly -> 3.53 (binary float gives 3.5249999.. -> 3.52)
        "decimal_2_82",
        [grp(1, asg(1, 80, "2.82"))],
        False,
        False,
        same("3.53"),
    ),
    (
        # 100 x 2.82/16 = 17.625 -> 17.63
        "decimal_2_82_over_16",
        [grp(1, asg(1, 16, "2.82"))],
        False,
        False,
        same("17.63"),
    ),
    (
        # 5 + 8 + 10 out of 10 each, drop_lowest 1: drops 5 -> 18/20 = 90.00
        "drop_lowest",
        [grp(1, asg(1, 10, 5), asg(2, 10, 8), asg(3, 10, 10), drop_lowest=1)],
        False,
        False,
        same("90.00"),
    ),
    (
        # drop_highest 1: drops 10 -> 13/20 = 65.00
        "drop_highest",
        [grp(1, asg(1, 10, 5), asg(2, 10, 8), asg(3, 10, 10), drop_highest=1)],
        False,
        False,
        same("65.00"),
    ),
    (
        # 6/10 (60 %), 70/100 (70 %), 10/10, drop_lowest 1. Dropping the lowest percentage
        # gives 80/110 = 72.73, but dropping 70/100 gives 16/20 = 80.00 (dropping 10/10:
        # 76/110 = 69.09): the best is 80.00
        "drop_lowest_maximises_ratio",
        [grp(1, asg(1, 10, 6), asg(2, 100, 70), asg(3, 10, 10), drop_lowest=1)],
        False,
        False,
        same("80.00"),
    ),
    (
        # 2, 5, 7, 10 out of 10, drop_lowest 1 then drop_highest 1: keep 5 and 7 -> 60.00
        "drop_both_two_stages",
        [
            grp(
                1,
                asg(1, 10, 2),
                asg(2, 10, 5),
                asg(3, 10, 7),
                asg(4, 10, 10),
                drop_lowest=1,
                drop_highest=1,
            )
        ],
        False,
        False,
        same("60.00"),
    ),
    (
        # never_drop A1 (5/10): droppable A2 8, A3 10; drop_lowest 1 drops A2: (5+10)/20 = 75.00
        "never_drop",
        [
            grp(
                1,
                asg(1, 10, 5),
                asg(2, 10, 8),
                asg(3, 10, 10),
                drop_lowest=1,
                never_drop=frozenset({1}),
            )
        ],
        False,
        False,
        same("75.00"),
    ),
    (
        # drop_lowest 5 of 3 is capped at 2: keep only 10/10 -> 100.00
        "drop_lowest_capped",
        [grp(1, asg(1, 10, 5), asg(2, 10, 8), asg(3, 10, 10), drop_lowest=5)],
        False,
        False,
        same("100.00"),
    ),
    (
        # drop_lowest 1 + drop_highest 2 >= 3: drop_highest ignored; keep 8 and 10 -> 90.00
        "drop_highest_ignored",
        [
            grp(
                1,
                asg(1, 10, 5),
                asg(2, 10, 8),
                asg(3, 10, 10),
                drop_lowest=1,
                drop_highest=2,
            )
        ],
        False,
        False,
        same("90.00"),
    ),
    (
        # drop_lowest 1 + drop_highest 1 < 3: keep 8 and 10, then keep the lower 8 -> 80.00
        "drop_lowest_and_highest_of_three",
        [
            grp(
                1,
                asg(1, 10, 5),
                asg(2, 10, 8),
                asg(3, 10, 10),
                drop_lowest=1,
                drop_highest=1,
            )
        ],
        False,
        False,
        same("80.00"),
    ),
    (
        # only never_drop work: nothing to drop: (5+8)/20 = 65.00
        "all_never_drop",
        [
            grp(
                1,
                asg(1, 10, 5),
                asg(2, 10, 8),
                drop_lowest=1,
                never_drop=frozenset({1, 2}),
            )
        ],
        False,
        False,
        same("65.00"),
    ),
    (
        # current has only A1 (n = 1, drop_lowest capped to 0): 80.00; final drops the absent
        # A2 (0/10): 8/10 = 80.00
        "drop_absent_in_final",
        [grp(1, asg(1, 10, 8), asg(2, 10, absent=True), drop_lowest=1)],
        False,
        False,
        same("80.00"),
    ),
    (
        # Canvas's bisection, not brute force: 24/20, 3/0, 11/10 drop_lowest 1.
        # q_low = 1.1, q_high = (max(30, 35) + 3)/30 = 38/30; at every q in between the top two
        # of 24-20q, 3, 11-10q are 3 and 24-20q (24-20q > 11-10q while q < 1.3), so Canvas keeps
        # 24/20 and 3/0: (24+3)/20 = 135.00 (brute force would keep 3/0 and 11/10: 140.00)
        "canvas_bisection_not_brute_force",
        [grp(1, asg(1, 20, 24), asg(2, 0, 3), asg(3, 10, 11), drop_lowest=1)],
        False,
        False,
        same("135.00"),
    ),
    (
        # Canvas's stopping width: 0.51/1, 0.99/1, 2.02/3 drop_lowest 1. keep 2, max possible 3:
        # width 1/(2 x 2 x 3^2) = 1/36. q_low 0.51, q_high 0.99 (highest ratio).
        # q 0.75: top two 0.24 (A2), -0.23 (A3; A1 -0.24), F = +0.01 -> q_low 0.75
        # q 0.87: A2 0.12, A1 -0.36 (A3 -0.59), F < 0 -> q_high 0.87; likewise q 0.81, 0.78
        # q 0.765: A2, A1, F = -0.03 -> q_high 0.765; q 0.7575: A2 0.2325, A1 -0.2475
        # (A3 -0.2525), F < 0; bracket 0.765 - 0.75 = 0.015 < 1/36: stop, keep A1, A2:
        # 1.5/2 = 75.00 (brute force keeps A2, A3: 3.01/4 = 75.25; A1 and A3 cross at 0.755)
        "canvas_stopping_width",
        [grp(1, asg(1, 1, "0.51"), asg(2, 1, "0.99"), asg(3, 3, "2.02"), drop_lowest=1)],
        False,
        False,
        same("75.00"),
    ),
    (
        # q_high estimate with 0-point work: 3/0, 0/2, 1/10 drop_lowest 1.
        # q_low 0; q_high = (max(12, 1) + 3)/12 = 1.25 (not the highest ratio 0.1).
        # Every q_mid is >= 0.625 > 0.125, where 0/2 (-2q) beats 1/10 (1 - 10q): keep 3/0 and
        # 0/2: 3/2 = 150.00 (bisecting below 0.1 would keep 1/10: 4/10 = 40.00)
        "canvas_q_high_estimate",
        [grp(1, asg(1, 0, 3), asg(2, 2, 0), asg(3, 10, 1), drop_lowest=1)],
        False,
        False,
        same("150.00"),
    ),
    (
        # A group with no possible points: scores 3, 5, 1 out of 0, drop_lowest 1 keeps 3 and 5;
        # with G2 8/10: (3+5+8)/10 = 160.00
        "drop_unpointed_group",
        [
            grp(1, asg(1, 0, 3), asg(2, 0, 5), asg(3, 0, 1), drop_lowest=1),
            grp(2, asg(4, 10, 8)),
        ],
        False,
        False,
        same("160.00"),
    ),
    (
        # weighted with drops: G1 drops 5/10 -> 18/20 = 0.9 x 60 = 54; G2 1/4 x 40 = 10;
        # 64.00 (weights sum to 100, no scaling)
        "weighted_with_drops",
        [
            grp(1, asg(1, 10, 5), asg(2, 10, 8), asg(3, 10, 10), weight=60, drop_lowest=1),
            grp(2, asg(4, 4, 1), weight=40),
        ],
        True,
        False,
        same("64.00"),
    ),
]


@pytest.mark.parametrize(
    ("groups", "weighted", "concluded", "expected"),
    [pytest.param(g, w, c, e, id=name) for name, g, w, c, e in COURSE_CASES],
)
def test_course_scores(
    groups: list[GroupInput], weighted: bool, concluded: bool, expected: CourseScores
) -> None:
    got = course_scores(groups, weighted=weighted, concluded=concluded)
    assert got == expected
    # Two places exactly (Decimal equality ignores the exponent, so check it too).
    for value in (got.current_score, got.final_score):
        if value is not None:
            assert value.as_tuple().exponent == -2


def test_accepts_any_iterable() -> None:
    gen = (g for g in [grp(1, asg(1, 10, 8))])
    assert course_scores(gen, weighted=False) == same("80.00")


def test_dropped_ids_and_ties_keep_lowest_ids() -> None:
    # 5/10, 5/10, 9/10 drop_lowest 1: the two 5s tie; keep the lowest id (1), drop 2
    g = grp(1, asg(1, 10, 5), asg(2, 10, 5), asg(3, 10, 9), drop_lowest=1)
    got = group_score(g, final=True)
    assert (got.kept, got.dropped) == ((1, 3), (2,))
    assert (got.score, got.possible) == (D(14), D(20))
    # 9/10, 9/10, 1/10 drop_highest 1: the 9s tie; keep id 1, drop id 2
    g = grp(1, asg(1, 10, 9), asg(2, 10, 9), asg(3, 10, 1), drop_highest=1)
    got = group_score(g, final=True)
    assert (got.kept, got.dropped) == ((1, 3), (2,))
    # no possible points: 3, 3, 1 out of 0, drop_lowest 1 drops 1; then with drop_highest
    # 1 too (3 >= 1 + 1? n = 3, so both apply): keep 3 and 3, then keep the lower, id 1
    g = grp(1, asg(1, 0, 3), asg(2, 0, 3), asg(3, 0, 1), drop_lowest=1, drop_highest=1)
    got = group_score(g, final=True)
    assert (got.kept, got.dropped) == ((1,), (2, 3))


def test_canvas_bisection_kept_set() -> None:
    g = grp(1, asg(1, 20, 24), asg(2, 0, 3), asg(3, 10, 11), drop_lowest=1)
    got = group_score(g, final=True)
    # Canvas keeps 24/20 and 3/0 (135 %), not 3/0 and 11/10 (140 %)
    assert (got.kept, got.dropped) == ((1, 2), (3,))
    assert (got.score, got.possible) == (D(27), D(20))


def test_second_stage_with_only_zero_point_work_left() -> None:
    # 5/0, 6/0, 0/10, drop_lowest 1, drop_highest 1: stage 1 keeps the two 0-point items
    # (rated 5 and 6 beat -10q for q > 0); stage 2 has no pointed item left, so it keeps the
    # lowest score: 5/0 (id 1)
    g = grp(1, asg(1, 0, 5), asg(2, 0, 6), asg(3, 10, 0), drop_lowest=1, drop_highest=1)
    got = group_score(g, final=True)
    assert (got.kept, got.dropped) == ((1,), (2, 3))


def test_group_score_passes() -> None:
    g = grp(1, asg(1, 10, 8), asg(2, 10, 10, posted=False), asg(3, 10, 4, pending=True))
    # posted current: A1 only
    assert group_score(g, final=False, posted_only=True).kept == (1,)
    # posted final: A1, A2 as absent (0), A3 partial: 8 + 0 + 4 of 30
    got = group_score(g, final=True, posted_only=True)
    assert (got.score, got.possible, got.kept) == (D(12), D(30), (1, 2, 3))
    # concluded posted final: A2 left out
    got = group_score(g, final=True, posted_only=True, concluded=True)
    assert (got.score, got.possible, got.kept) == (D(12), D(20), (1, 3))


# --------------------------------------------------------------------------------------------
# Grade strings
# --------------------------------------------------------------------------------------------

CUSTOM_SCHEME = (("Pass", D(50)), ("Fail", D(0)), ("Distinction", D("85")))  # unsorted on purpose
GPA_SCHEME = (("4.0", D(90)), ("3.0", D(80)), ("2.0", D(70)), ("1.0", D(60)), ("0.0", D(0)))

GRADE_CASES: list[tuple[str | None, str, str, tuple[tuple[str, Decimal], ...], str | None]] = [
    # (score, points_possible, grading_type, scheme, expected)
    ("8", "10", "points", DEFAULT_GRADING_SCHEME, "8"),
    ("8.5", "10", "points", DEFAULT_GRADING_SCHEME, "8.5"),
    ("8.50", "10", "points", DEFAULT_GRADING_SCHEME, "8.5"),
    ("8.0", "10", "points", DEFAULT_GRADING_SCHEME, "8"),
    ("1E+1", "10", "points", DEFAULT_GRADING_SCHEME, "10"),
    ("100", "10", "points", DEFAULT_GRADING_SCHEME, "100"),
    ("0", "10", "points", DEFAULT_GRADING_SCHEME, "0"),
    ("2.82", "3", "points", DEFAULT_GRADING_SCHEME, "2.82"),
    ("9.25", "10", "percent", DEFAULT_GRADING_SCHEME, "92.5%"),  # 92.5
    ("10", "10", "percent", DEFAULT_GRADING_SCHEME, "100%"),  # 100
    ("5", "32", "percent", DEFAULT_GRADING_SCHEME, "15.63%"),  # 15.625 half up
    ("2.82", "80", "percent", DEFAULT_GRADING_SCHEME, "3.53%"),  # 3.525 half up
    ("1", "3", "percent", DEFAULT_GRADING_SCHEME, "33.33%"),  # 33.333..
    ("2", "3", "percent", DEFAULT_GRADING_SCHEME, "66.67%"),  # 66.666..
    ("12", "10", "percent", DEFAULT_GRADING_SCHEME, "120%"),  # extra credit
    ("0", "10", "percent", DEFAULT_GRADING_SCHEME, "0%"),
    ("3", "0", "percent", DEFAULT_GRADING_SCHEME, "3%"),  # 0 points: the raw score
    ("10", "10", "pass_fail", DEFAULT_GRADING_SCHEME, "complete"),
    ("0.5", "10", "pass_fail", DEFAULT_GRADING_SCHEME, "complete"),  # any score > 0
    ("0", "10", "pass_fail", DEFAULT_GRADING_SCHEME, "incomplete"),
    ("0", "0", "pass_fail", DEFAULT_GRADING_SCHEME, "incomplete"),  # 0 points, no given grade
    ("94", "100", "letter_grade", DEFAULT_GRADING_SCHEME, "A"),  # exactly 94
    ("93.99", "100", "letter_grade", DEFAULT_GRADING_SCHEME, "A-"),
    ("9.4", "10", "letter_grade", DEFAULT_GRADING_SCHEME, "A"),  # 94 exactly, not 93.999..
    ("90", "100", "letter_grade", DEFAULT_GRADING_SCHEME, "A-"),
    ("89.99", "100", "letter_grade", DEFAULT_GRADING_SCHEME, "B+"),
    ("87", "100", "letter_grade", DEFAULT_GRADING_SCHEME, "B+"),
    ("8.4", "10", "letter_grade", DEFAULT_GRADING_SCHEME, "B"),  # 84
    ("79.99", "100", "letter_grade", DEFAULT_GRADING_SCHEME, "C+"),
    ("74", "100", "letter_grade", DEFAULT_GRADING_SCHEME, "C"),
    ("70", "100", "letter_grade", DEFAULT_GRADING_SCHEME, "C-"),
    ("67", "100", "letter_grade", DEFAULT_GRADING_SCHEME, "D+"),
    ("64", "100", "letter_grade", DEFAULT_GRADING_SCHEME, "D"),
    ("61", "100", "letter_grade", DEFAULT_GRADING_SCHEME, "D-"),
    ("60.99", "100", "letter_grade", DEFAULT_GRADING_SCHEME, "F"),
    ("0", "100", "letter_grade", DEFAULT_GRADING_SCHEME, "F"),
    ("12", "10", "letter_grade", DEFAULT_GRADING_SCHEME, "A"),  # 120 %
    ("95", "0", "letter_grade", DEFAULT_GRADING_SCHEME, "A"),  # 0 points: raw score as percent
    ("5", "0", "letter_grade", DEFAULT_GRADING_SCHEME, "F"),
    ("45", "50", "gpa_scale", GPA_SCHEME, "4.0"),  # 90
    ("42.5", "50", "gpa_scale", GPA_SCHEME, "3.0"),  # 85
    ("34.99", "50", "gpa_scale", GPA_SCHEME, "1.0"),  # 69.98
    ("90", "100", "letter_grade", CUSTOM_SCHEME, "Distinction"),
    ("85", "100", "letter_grade", CUSTOM_SCHEME, "Distinction"),
    ("84.99", "100", "letter_grade", CUSTOM_SCHEME, "Pass"),
    ("50", "100", "letter_grade", CUSTOM_SCHEME, "Pass"),
    ("49.99", "100", "letter_grade", CUSTOM_SCHEME, "Fail"),
    ("10", "100", "letter_grade", (("High", D(80)), ("Low", D(40))), "Low"),  # below all
    ("10", "10", "not_graded", DEFAULT_GRADING_SCHEME, None),
    (None, "10", "points", DEFAULT_GRADING_SCHEME, None),
    (None, "10", "letter_grade", DEFAULT_GRADING_SCHEME, None),
]


@pytest.mark.parametrize(("score", "possible", "grading_type", "scheme", "expected"), GRADE_CASES)
def test_grade_string(
    score: str | None,
    possible: str,
    grading_type: str,
    scheme: tuple[tuple[str, Decimal], ...],
    expected: str | None,
) -> None:
    value = None if score is None else D(score)
    assert grade_string(value, D(possible), grading_type, scheme) == expected


@pytest.mark.parametrize("grading_type", GRADING_TYPES)
def test_excused_has_no_grade(grading_type: str) -> None:
    assert grade_string(D(8), D(10), grading_type, excused=True) is None
    assert grade_string(None, D(10), grading_type) is None


def test_zero_point_given_grade() -> None:
    assert grade_string(D(0), D(0), "pass_fail", given_grade="complete") == "complete"
    assert grade_string(D(0), D(0), "pass_fail", given_grade="pass") == "complete"
    assert grade_string(D(0), D(0), "pass_fail", given_grade="incomplete") == "incomplete"
    assert grade_string(D(0), D(0), "letter_grade", given_grade="B") == "B"
    # with points possible, the given grade is ignored
    assert grade_string(D(0), D(10), "pass_fail", given_grade="complete") == "incomplete"
    assert grade_string(D(10), D(10), "letter_grade", given_grade="B") == "A"


def test_grade_string_errors() -> None:
    with pytest.raises(ValueError, match="grading type"):
        grade_string(D(1), D(1), "stars")
    with pytest.raises(ValueError, match="scheme"):
        grade_string(D(1), D(1), "letter_grade", ())


def test_default_scheme() -> None:
    assert [name for name, _ in DEFAULT_GRADING_SCHEME] == [
        "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F"
    ]  # fmt: skip
    bounds = [bound for _, bound in DEFAULT_GRADING_SCHEME]
    assert bounds == [D(b) for b in (94, 90, 87, 84, 80, 77, 74, 70, 67, 64, 61, 0)]


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------


@st.composite
def courses(
    draw: st.DrawFn,
    *,
    extra_credit: bool = True,
    all_posted: bool = False,
    all_scored: bool = False,
    drops: bool = True,
    max_groups: int = 3,
) -> list[GroupInput]:
    """Random courses with unique assignment ids across groups."""
    n_groups = draw(st.integers(0 if max_groups > 1 else 1, max_groups))
    ids = itertools.count(1)
    groups = []
    for gid in range(1, n_groups + 1):
        assignments = []
        for _ in range(draw(st.integers(0, 5))):
            aid = next(ids)
            possible = D(draw(st.sampled_from([0, 0, 1, 5, 10, 10, 20, 100]))) / draw(
                st.sampled_from([1, 1, 2])
            )
            cap = int(possible * 100) if not extra_credit else int(possible * 150) + 500
            score = D(draw(st.integers(0, cap))).scaleb(-2)
            if all_scored:
                sub: SubmissionGrade | None = SubmissionGrade(
                    score,
                    excused=draw(st.booleans()),
                    posted=True if all_posted else draw(st.booleans()),
                )
            elif draw(st.integers(0, 5)) == 0:
                sub = None
            else:
                sub = SubmissionGrade(
                    score if draw(st.integers(0, 4)) else None,
                    excused=draw(st.integers(0, 6)) == 0,
                    posted=True if all_posted else draw(st.integers(0, 3)) > 0,
                    pending_review=draw(st.integers(0, 6)) == 0,
                )
            assignments.append(
                AssignmentInput(
                    id=aid,
                    points_possible=possible,
                    submission=sub,
                    published=draw(st.integers(0, 8)) > 0,
                    submission_types=draw(
                        st.sampled_from(
                            [("online_text_entry",)] * 6 + [("not_graded",), ("wiki_page",)]
                        )
                    ),
                    omit_from_final_grade=draw(st.integers(0, 8)) == 0,
                )
            )
        ids_here = [a.id for a in assignments]
        groups.append(
            GroupInput(
                id=gid,
                assignments=tuple(assignments),
                weight=D(draw(st.sampled_from([0, 10, 25, 40, 50, 100]))),
                drop_lowest=draw(st.integers(0, 4)) if drops else 0,
                drop_highest=draw(st.integers(0, 3)) if drops else 0,
                never_drop=frozenset(
                    draw(st.lists(st.sampled_from(ids_here), max_size=2)) if ids_here else []
                ),
                deleted=draw(st.integers(0, 8)) == 0,
            )
        )
    return groups


def four(s: CourseScores) -> list[Decimal | None]:
    return [s.current_score, s.final_score, s.unposted_current_score, s.unposted_final_score]


@settings(max_examples=300, deadline=None)
@given(courses(extra_credit=False), st.booleans(), st.booleans())
def test_scores_within_bounds_without_extra_credit(
    groups: list[GroupInput], weighted: bool, concluded: bool
) -> None:
    upper = D(100)
    if weighted:  # weights above 100 in total are never scaled down
        upper = max(upper, sum((g.weight for g in groups if not g.deleted), D(0)))
    for value in four(course_scores(groups, weighted=weighted, concluded=concluded)):
        assert value is None or D(0) <= value <= upper


@settings(max_examples=200, deadline=None)
@given(courses(extra_credit=False, all_posted=True, all_scored=True, drops=False), st.booleans())
def test_score_between_lowest_and_highest_ratio(groups: list[GroupInput], weighted: bool) -> None:
    ratios = [
        Fraction(a.submission.score) * 100 / Fraction(a.points_possible)
        for g in groups
        if not g.deleted
        for a in g.assignments
        if a.submission is not None
        and a.submission.score is not None
        and not a.submission.excused
        and a.published
        and a.submission_types == ("online_text_entry",)
        and not a.omit_from_final_grade
        and a.points_possible > 0
    ]
    if weighted and sum((g.weight for g in groups if not g.deleted), D(0)) > 100:
        return  # not an average any more (never scaled down)
    got = course_scores(groups, weighted=weighted).final_score
    if got is None:
        return
    assert ratios  # a score exists only when some counted item has possible points
    # a mediant (and a weighted average of mediants) lies between the extreme ratios;
    # rounding moves it by at most 0.005
    half_cent = Fraction(1, 200)
    assert min(ratios) - half_cent <= Fraction(got) <= max(ratios) + half_cent


@settings(max_examples=300, deadline=None)
@given(courses(all_posted=True), st.booleans(), st.booleans())
def test_posted_equals_unposted_when_all_posted(
    groups: list[GroupInput], weighted: bool, concluded: bool
) -> None:
    got = course_scores(groups, weighted=weighted, concluded=concluded)
    assert got.current_score == got.unposted_current_score
    assert got.final_score == got.unposted_final_score


@settings(max_examples=300, deadline=None)
@given(courses(), st.booleans(), st.booleans(), st.booleans())
def test_drops_leave_at_least_one_droppable(
    groups: list[GroupInput], final: bool, posted_only: bool, concluded: bool
) -> None:
    for g in groups:
        got = group_score(g, final=final, posted_only=posted_only, concluded=concluded)
        candidates = set(got.kept) | set(got.dropped)
        assert not set(got.kept) & set(got.dropped)
        droppable = candidates - g.never_drop
        assert set(got.dropped) <= droppable  # never_drop is never dropped
        if not droppable:
            continue
        assert set(got.kept) - g.never_drop  # at least one droppable item kept
        n = len(droppable)
        lowest = min(g.drop_lowest, n - 1)
        highest = g.drop_highest if lowest + g.drop_highest < n else 0
        assert len(got.dropped) == lowest + highest


@settings(max_examples=300, deadline=None)
@given(courses(all_scored=True), st.booleans(), st.booleans())
def test_current_equals_final_when_everything_is_scored(
    groups: list[GroupInput], weighted: bool, concluded: bool
) -> None:
    # pending_review is never drawn with all_scored, and every submission is present
    got = course_scores(groups, weighted=weighted, concluded=concluded)
    assert got.unposted_current_score == got.unposted_final_score
    posted = all(a.submission is None or a.submission.posted for g in groups for a in g.assignments)
    if posted:
        assert got.current_score == got.final_score


@settings(max_examples=300, deadline=None)
@given(
    courses(drops=False, max_groups=1),
    st.integers(1, 100).map(D),
    st.booleans(),
)
def test_single_group_weighted_equals_points(
    groups: list[GroupInput], weight: Decimal, concluded: bool
) -> None:
    group = GroupInput(groups[0].id, groups[0].assignments, weight=weight)
    weighted = course_scores([group], weighted=True, concluded=concluded)
    points = course_scores([group], weighted=False, concluded=concluded)
    assert weighted == points


@settings(max_examples=300, deadline=None)
@given(courses(), st.booleans(), st.booleans(), st.data())
def test_order_invariance(
    groups: list[GroupInput], weighted: bool, concluded: bool, data: st.DataObject
) -> None:
    expected = course_scores(groups, weighted=weighted, concluded=concluded)
    shuffled = [
        GroupInput(
            g.id,
            tuple(data.draw(st.permutations(g.assignments))),
            g.weight,
            g.drop_lowest,
            g.drop_highest,
            g.never_drop,
            g.deleted,
        )
        for g in data.draw(st.permutations(groups))
    ]
    assert course_scores(shuffled, weighted=weighted, concluded=concluded) == expected


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 2000), min_size=1, max_size=7),
    st.sampled_from([1, 3, 10, 100]),
    st.integers(0, 7),
    st.integers(0, 7),
)
def test_equal_possibles_drop_by_score(
    cents: list[int], possible: int, drop_lowest: int, drop_highest: int
) -> None:
    # With equal possible points the bisection must keep exactly the highest scores
    # (then the lowest of those), whatever q it stops at.
    items = tuple(
        asg(i + 1, possible, str(D(c).scaleb(-2) * possible / 10)) for i, c in enumerate(cents)
    )
    g = grp(1, *items, drop_lowest=drop_lowest, drop_highest=drop_highest)
    n = len(items)
    lowest = min(drop_lowest, n - 1)
    highest = drop_highest if lowest + drop_highest < n else 0
    by_score = sorted(items, key=lambda a: (-a.submission.score, a.id))  # type: ignore[union-attr]
    kept = by_score[: n - lowest]
    kept = sorted(kept, key=lambda a: (a.submission.score, a.id))[: n - lowest - highest]  # type: ignore[union-attr]
    got = group_score(g, final=True)
    assert got.kept == tuple(sorted(a.id for a in kept))


def respelled(g: GroupInput) -> GroupInput:
    """The same group with every score and points value written with three more places."""

    def spell(value: Decimal) -> Decimal:
        return value + D("0.000")

    assignments = tuple(
        a._replace(
            points_possible=spell(a.points_possible),
            submission=a.submission
            if a.submission is None or a.submission.score is None
            else a.submission._replace(score=spell(a.submission.score)),
        )
        for a in g.assignments
    )
    return g._replace(assignments=assignments)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(courses(max_groups=2), st.booleans()), min_size=1, max_size=5),
    st.booleans(),
)
def test_memo_and_value_caches_change_nothing(
    runs: list[tuple[list[GroupInput], bool]], weighted: bool
) -> None:
    # One memo kept across changing inputs (as the engine keeps one per student), and the
    # scores cached by value, give what a fresh call gives, however the decimals are written.
    memo: GroupMemo = {}
    for groups, concluded in runs:
        fresh = course_scores(groups, weighted=weighted, concluded=concluded)
        assert course_scores(groups, weighted=weighted, concluded=concluded, memo=memo) == fresh
        again = [respelled(g) for g in groups]
        assert course_scores(again, weighted=weighted, concluded=concluded) == fresh
        for g, h in zip(groups, again, strict=True):
            a, b = group_score(g, final=True), group_score(h, final=True)
            assert (a.score, a.possible, a.kept, a.dropped) == (
                b.score,
                b.possible,
                b.kept,
                b.dropped,
            )


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(-20, 400), min_size=2, max_size=12),
    st.lists(st.integers(-20, 400), max_size=3),
    st.sampled_from([1, 5, 10, 100]),
    st.integers(1, 11),
    st.booleans(),
)
def test_equal_points_keep_is_the_bisections(
    scores: list[int], fixed: list[int], points: int, keep: int, best: bool
) -> None:
    """Groups whose items share their points possible keep by score (sorted once): the same
    items in the same order as canvas-lms's bisection (scores in quarter points)."""
    from canvas_sim.drops import _bisection, _by_score, _same_points

    subs = [(10 + n, s / 4, float(points), n) for n, s in enumerate(scores)]
    cant = [(100 + n, s / 4, float(points), 50 + n) for n, s in enumerate(fixed)]
    keep = min(keep, len(subs) - 1)
    assert _same_points(subs, cant)
    bisected = _bisection(subs, cant, keep, float(points), best=best)
    assert _by_score(subs, keep, highest=best) == bisected
