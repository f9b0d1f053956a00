"""What the grading steps share: drawn scores, a grade or excuse, the grade change audit."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from .. import events as ev
from ..values import Beta, Normal, Uniform
from ..world import Submission, User
from .base import Step

if TYPE_CHECKING:
    from ..course import CourseEngine

CENT = Decimal("0.01")


def draw_score(
    ctx: CourseEngine,
    step: Step,
    spec: Any,
    points: Decimal,
    extra_credit: bool,
    user: User | None = None,
) -> Decimal:
    """A score drawn as the step says: a number, a share of points, a distribution, or the
    student's persona (a located error when it cannot be given)."""
    if spec == "persona":
        persona = None if user is None else ctx.world.personas.get(user.key)
        if persona is None:
            who = "this step" if user is None else f"student {user.key!r}"
            raise step.error(
                f"score: persona, but {who} has no persona (course.personas)", step.action
            )
        level = persona.level
        if isinstance(level, Uniform):
            fraction = ctx.rng.uniform(*level.uniform)
        elif isinstance(level, Beta):
            fraction = ctx.rng.betavariate(*level.beta)
        elif isinstance(level, Normal):
            fraction = ctx.rng.gauss(*level.normal)
        else:
            fraction = float(level)
        drawn = max(Decimal(str(round(fraction * float(points) * 2) / 2)), Decimal(0))
        return drawn.normalize() if extra_credit else min(drawn, points).normalize()
    if isinstance(spec, str):  # "85%"
        score = (points * Decimal(spec[:-1]) / 100).quantize(CENT, ROUND_HALF_UP).normalize()
    elif isinstance(spec, float):
        score = Decimal(str(spec))
        if score < 0:
            raise step.error(f"score {spec} is negative", step.action, "score")
    if isinstance(spec, (str, float)):
        if score > points and not extra_credit:
            raise step.error(
                f"score {spec} is above the {points} points possible; "
                "set extra_credit: true to allow it",
                step.action,
                "score",
            )
        return score
    if isinstance(spec, Uniform):
        value = ctx.rng.uniform(*spec.uniform)
    elif isinstance(spec, Beta):
        value = ctx.rng.betavariate(*spec.beta) * float(points)
    elif isinstance(spec, Normal):
        value = ctx.rng.gauss(*spec.normal)
    else:  # pragma: no cover - the scenario model admits nothing else
        raise TypeError(spec)
    score = (Decimal(str(round(value * 2) / 2))).normalize()
    upper = None if extra_credit else points
    score = max(score, Decimal(0))
    return min(score, upper) if upper is not None else score


class Audit:
    """What a save changed, as Canvas's grade change audit sees it.

    A grade_change is due when the score, grade, excused flag or posting changed, or when the
    submission has just become graded (a resubmission or a reviewed quiz graded again).
    """

    __slots__ = ("excused", "old", "posted", "state")

    def __init__(self, sub: Submission) -> None:
        self.old = ev.grade_snapshot(sub)
        self.excused = sub.excused
        self.posted = sub.posted_at is not None
        self.state = sub.workflow_state

    def changed(self, sub: Submission) -> bool:
        return (
            (self.old.score, self.old.grade, self.excused) != (sub.score, sub.grade, sub.excused)
            or self.posted != (sub.posted_at is not None)
            or (self.state != "graded" and sub.workflow_state == "graded")
        )


def apply_grade(
    ctx: CourseEngine,
    sub: Submission,
    grader: User,
    via: str,
    *,
    score: Decimal | None,
    excused: bool,
) -> None:
    """A teacher's grade or excuse: submission_updated, grade_change, a recompute job."""
    request = ctx.requests.grading(grader, via, sub)
    audit = Audit(sub)
    now = ctx.clock.now
    sub.excused = excused
    ctx.scores.set_grade(sub, score)
    sub.workflow_state = "graded"
    sub.graded_at = now
    sub.updated_at = now
    sub.grader_id = grader.id
    if not sub.assignment.post_manually and sub.posted_at is None:
        sub.posted_at = now
    ctx.scores.touch(sub)
    ctx.clock.emit(
        "submission_updated",
        request,
        ev.submission_fields(ctx.world, sub, now, request.zone),
    )
    if audit.changed(sub):
        ctx.clock.emit(
            "grade_change",
            request,
            ev.grade_change_fields(ctx.world, sub, audit.old, None if via == "lti" else grader),
        )
        ctx.scores.schedule_recompute(ctx.course.enrollments[sub.user.id])
