"""``accept_invitation``: invited students accept the course invitation (enrollment active)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..values import Model, Students
from ..world import User
from .base import Step, StepKind
from .enrollment_change import EMITS, set_state

if TYPE_CHECKING:
    from ..course import CourseEngine


class AcceptParams(Model):
    students: Students = "all"


def accept(ctx: CourseEngine, step: Step, params: AcceptParams, user: User | None) -> None:
    assert user is not None
    enrollment = ctx.people.student_enrollment(step, user)
    if enrollment.workflow_state != "invited":
        return
    course_id = ctx.course.id
    request = ctx.requests.request(
        user,
        "POST",
        f"/courses/{course_id}/enrollment_invitation",
        f"/courses/{course_id}",
    )
    set_state(ctx, enrollment, "active", request)


KIND = StepKind(
    "accept_invitation", AcceptParams, accept, emits=EMITS, gap_s=(60, 3600), empty_ok=True
)
