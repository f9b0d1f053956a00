"""``update_syllabus``: a teacher edits the course syllabus: course_updated and
syllabus_updated (with the old body) in the same request, when the text changed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from .. import events as ev
from ..clock import body_time
from ..events import truncate
from ..values import Key, Model
from ..world import User
from .base import Step, StepKind

if TYPE_CHECKING:
    from ..course import CourseEngine


class UpdateSyllabusParams(Model):
    body: str | None = Field(description="The syllabus HTML; null clears it")
    grader: Key | None = Field(None, description="The teacher who saves it")


def update_syllabus(
    ctx: CourseEngine, step: Step, params: UpdateSyllabusParams, user: User | None
) -> None:
    work = ctx.coursework
    old = work.syllabus
    if params.body == old:
        return
    work.syllabus = params.body
    teacher = ctx.people.grader(params.grader)
    course_id = ctx.course.id
    request = ctx.requests.request(
        teacher, "PUT", f"/api/v1/courses/{course_id}", f"/courses/{course_id}/assignments/syllabus"
    )
    fields = ev.course_fields(ctx.world, "available", request.zone)
    fields["updated_at"] = body_time(ctx.clock.now, request.zone)
    ctx.clock.emit("course_updated", request, fields)
    syllabus = {
        "course_id": ctx.world.account.gid(course_id),
        "syllabus_body": truncate(params.body),
        "old_syllabus_body": truncate(old),
    }
    ctx.clock.emit("syllabus_updated", request, syllabus)


KIND = StepKind(
    "update_syllabus",
    UpdateSyllabusParams,
    update_syllabus,
    emits=("course_updated", "syllabus_updated"),
    whole=True,
)
