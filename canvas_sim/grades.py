"""Grade strings as Canvas stores them (Assignment#score_to_grade), and exact rounding."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

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


_CENTS: dict[int, Decimal] = {}  # round2's results by cents: one Decimal for each score
_CENTS_KEPT = 1 << 16


def round2(value: tuple[int, int]) -> Decimal:
    """Round n/d to 2 places, half away from zero (Decimal ROUND_HALF_UP), exactly."""
    numerator, denominator = value
    cents = (200 * abs(numerator) + denominator) // (2 * denominator)
    if numerator < 0:
        cents = -cents
    found = _CENTS.get(cents)
    if found is None:
        found = Decimal(cents).scaleb(-2)
        if len(_CENTS) < _CENTS_KEPT:
            _CENTS[cents] = found
    return found


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
        return f"{_fmt(round2(exact) if pointed else score)}%"
    if grading_type == "pass_fail":
        passed = score > 0 if pointed else given_grade in ("complete", "pass")
        return "complete" if passed else "incomplete"
    if not pointed and given_grade is not None:
        return given_grade
    return _scheme_grade(percent, scheme)
