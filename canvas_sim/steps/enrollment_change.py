"""What the enrollment steps share: a state change and the two events it emits."""

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


def set_state(ctx: CourseEngine, enrollment: Enrollment, state: str, request: Request) -> None:
    """The enrollment moves to ``state`` by ``request``: enrollment_updated, its state row."""
    enrollment.workflow_state = state
    enrollment.updated_at = ctx.clock.now
    fields = ev.enrollment_fields(ctx.world, enrollment, request.zone)
    ctx.clock.emit("enrollment_updated", request, fields)
    row = ev.enrollment_state_fields(ctx.world, enrollment, ctx.clock.now, request.zone)
    ctx.clock.emit("enrollment_state_updated", request, row)


def change_enrollment(
    ctx: CourseEngine, step: Step, user: User | None, state: str, *, dropped_ok: bool = False
) -> None:
    """A teacher moves a student's enrollment to ``state`` (nothing happens when it is in that
    state already)."""
    assert user is not None
    enrollment = ctx.people.student_enrollment(step, user, dropped_ok=dropped_ok)
    if enrollment.workflow_state == state:
        return
    teacher = ctx.people.grader(None)
    verb = "DELETE" if state == "deleted" else "PUT"
    course_id = ctx.course.id
    path = f"/api/v1/courses/{course_id}/enrollments/{enrollment.id}"
    request = ctx.requests.request(teacher, verb, path, f"/courses/{course_id}/users")
    set_state(ctx, enrollment, state, request)
