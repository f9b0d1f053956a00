"""``reopen``: a teacher re-activates concluded enrollments (Canvas's unconclude)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..world import User
from .base import Step, StepKind
from .enrollment_change import EMITS, EnrollmentChangeParams, set_state

if TYPE_CHECKING:
    from ..course import CourseEngine


def reopen(
    ctx: CourseEngine, step: Step, params: EnrollmentChangeParams, user: User | None
) -> None:
    assert user is not None
    enrollment = ctx.people.student_enrollment(step, user)
    if enrollment.workflow_state != "completed":
        return  # only a concluded enrollment reopens
    course_id = ctx.course.id
    request = ctx.requests.request(
        ctx.people.grader(None),
        "POST",
        f"/courses/{course_id}/unconclude_user/{enrollment.id}",
        f"/courses/{course_id}/users",
    )
    set_state(ctx, enrollment, "active", request)


KIND = StepKind("reopen", EnrollmentChangeParams, reopen, emits=EMITS)
