"""``grade``: a teacher grades students' work (submission_updated, grade_change, recompute)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from ..values import Duration, DurationRange, Key, Model, Score, Students, Via
from ..world import User
from .base import Step, StepKind, Targets, Timed
from .scoring import apply_grade, draw_score

if TYPE_CHECKING:
    from ..course import CourseEngine

GRADING_EMITS = ("submission_updated", "grade_change", "course_grade_change")


class GradeParams(Model):
    assignment: Key
    students: Students = "all"
    score: Score = Field(
        description="A number, 'NN%' of points, {uniform: [lo, hi]}, {normal: [mean, sd]}, "
        "{beta: [alpha, beta]} (a fraction of points), or persona"
    )
    extra_credit: bool = Field(False, description="Allow scores above points possible")
    via: Via = "speedgrader"
    grader: Key | None = Field(None, description="Teacher or TA key; the first teacher by default")
    delay: Duration | DurationRange | None = Field(
        None,
        description="Grade each student's work this long after they handed it in ('1d' or "
        "{uniform: ['2h', '3d']}); work not handed in is graded that long after the step "
        "starts. Replaces the step's own spacing",
    )


def _times(
    ctx: CourseEngine, step: Step, params: GradeParams, start: int, targets: Targets
) -> Timed | None:
    """Each student's work graded a (drawn) delay after it was handed in."""
    delay = params.delay
    if delay is None:
        return None
    assignment = ctx.course.assignments[params.assignment]
    timed: Timed = []
    for user in targets:
        assert user is not None
        sub = ctx.course.submissions.get((assignment.id, user.id))
        handed_in = None if sub is None else sub.submitted_at
        wait = delay if isinstance(delay, int) else ctx.rng.randint(*delay.uniform)
        timed.append((user, max(start, (handed_in or start) + wait)))
    timed.sort(key=lambda pair: pair[1])
    return timed


def grade(ctx: CourseEngine, step: Step, params: GradeParams, user: User | None) -> None:
    assert user is not None
    assignment = ctx.course.assignments[params.assignment]
    sub = ctx.people.submission(step, assignment, user)
    if assignment.grading_type == "not_graded":
        raise step.error(f"{assignment.key!r} is not graded", "grade", "assignment")
    score = draw_score(
        ctx, step, params.score, assignment.points_possible, params.extra_credit, user
    )
    grader = ctx.people.grader(params.grader)
    apply_grade(ctx, sub, grader, params.via, score=score, excused=False)


KIND = StepKind("grade", GradeParams, grade, emits=GRADING_EMITS, times=_times, gap_s=(20, 120))
