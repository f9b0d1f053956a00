"""``override_grade``: a teacher overrides (or clears) students' final grades: grade_override."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import Field

from .. import events as ev
from ..values import Key, Model, Score, Students
from ..world import User
from .base import Step, StepKind
from .scoring import CENT, draw_score

if TYPE_CHECKING:
    from ..course import CourseEngine


class OverrideParams(Model):
    students: Students = "all"
    score: Score | None = Field(description="The final grade override in percent; null removes it")
    grader: Key | None = None


def override_grade(
    ctx: CourseEngine, step: Step, params: OverrideParams, user: User | None
) -> None:
    assert user is not None
    enrollment = ctx.people.student_enrollment(step, user)
    row = enrollment.score
    assert row is not None
    new = (
        None
        if params.score is None
        else draw_score(ctx, step, params.score, Decimal(100), True, user)
        .quantize(CENT)
        .normalize()
    )
    if new == row.override:
        return
    grader = ctx.people.grader(params.grader)
    course_id, now = ctx.course.id, ctx.clock.now
    request = ctx.requests.request(
        grader, "POST", "/api/graphql", f"/courses/{course_id}/gradebook"
    )
    old, row.override = row.override, new
    row.updated_at = now
    ctx.clock.emit(
        "grade_override", request, ev.grade_override_fields(ctx.world, enrollment, old, now)
    )


KIND = StepKind(
    "override_grade", OverrideParams, override_grade, emits=("grade_override",), gap_s=(10, 60)
)
