"""``set_status``: a teacher sets or clears a custom grade status on submissions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from .. import events as ev
from ..values import Key, Model, Students
from ..world import User
from .base import Step, StepKind
from .checks import References

if TYPE_CHECKING:
    from ..course import CourseEngine


class StatusParams(Model):
    assignment: Key
    students: Students = "all"
    status: str | None = Field(description="A course custom status name; null removes it")
    grader: Key | None = None


def _check(refs: References, step: Step, params: StatusParams) -> None:
    statuses = refs.statuses
    if params.status not in (None, *statuses):
        known = ", ".join(statuses) or "none defined"
        raise step.error(
            f"unknown custom status {params.status!r} (course.custom_statuses: {known})",
            step.action,
            "status",
        )


def set_status(ctx: CourseEngine, step: Step, params: StatusParams, user: User | None) -> None:
    assert user is not None
    course, now = ctx.course, ctx.clock.now
    sub = ctx.people.submission(step, course.assignments[params.assignment], user)
    status = None if params.status is None else course.custom_statuses[params.status]
    if status is sub.custom_status:
        return
    old = sub.custom_status
    grader = ctx.people.grader(params.grader)
    request = ctx.requests.grading(grader, "gradebook", sub)
    sub.custom_status = status
    sub.updated_at = now
    ctx.clock.emit(
        "submission_custom_grade_status",
        request,
        ev.custom_status_fields(
            ctx.world,
            sub,
            "" if old is None else old.name,
            "" if old is None else str(old.id),
            now,
            request.zone,
        ),
    )


KIND = StepKind(
    "set_status",
    StatusParams,
    set_status,
    emits=("submission_custom_grade_status",),
    check=_check,
)
