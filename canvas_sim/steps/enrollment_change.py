"""What the enrollment steps share: a teacher's change of a student's enrollment state, and the
enrollment_updated + enrollment_state_updated pair every change emits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from .. import events as ev
from ..metadata import Request
from ..values import Model, Students
from ..world import Enrollment, User
from .base import Step

if TYPE_CHECKING:
    from ..course import CourseEngine

EMITS = ("enrollment_updated", "enrollment_state_updated")


class EnrollmentChangeParams(Model):
    students: Students = Field(description="Students whose enrollment changes")


def emit_enrollment_update(ctx: CourseEngine, enrollment: Enrollment, request: Request) -> None:
    fields = ev.enrollment_fields(ctx.world, enrollment, request.zone)
    ctx.clock.emit("enrollment_updated", request, fields)
    state = ev.enrollment_state_fields(ctx.world, enrollment, ctx.clock.now, request.zone)
    ctx.clock.emit("enrollment_state_updated", request, state)


def change_enrollment(
    ctx: CourseEngine, step: Step, user: User | None, state: str, *, dropped_ok: bool = False
) -> Enrollment | None:
    """A teacher moves a student's enrollment to ``state``; the enrollment, or None when it was
    in that state already (nothing happens)."""
    assert user is not None
    enrollment = ctx.people.student_enrollment(step, user, dropped_ok=dropped_ok)
    if enrollment.workflow_state == state:
        return None
    teacher = ctx.people.grader(None)
    verb = "DELETE" if state == "deleted" else "PUT"
    course_id = ctx.course.id
    path = f"/api/v1/courses/{course_id}/enrollments/{enrollment.id}"
    request = ctx.requests.request(teacher, verb, path, f"/courses/{course_id}/users")
    enrollment.workflow_state = state
    enrollment.updated_at = ctx.clock.now
    emit_enrollment_update(ctx, enrollment, request)
    return enrollment
