"""``update_file``: a teacher renames a file, changes its lock dates or deletes it:
attachment_updated only when the name or a lock date changed (with old_display_name when
renamed), attachment_deleted for a delete."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from ..values import Key, Model, When
from ..world import User
from .base import Step, StepKind
from .checks import References
from .content_saves import file_fields, teacher_request
from .upload_file import when_ms

if TYPE_CHECKING:
    from ..course import CourseEngine


class UpdateFileParams(Model):
    file: Key
    name: str | None = Field(None, description="A new display name")
    lock_at: When | None = None
    unlock_at: When | None = None
    deleted: bool = False
    grader: Key | None = Field(None, description="The teacher who saves it")


def _check(refs: References, step: Step, params: UpdateFileParams) -> None:
    refs.known(step, "file", params.file, "file")


def update_file(ctx: CourseEngine, step: Step, params: UpdateFileParams, user: User | None) -> None:
    file = ctx.coursework.files[params.file]
    if file.deleted:
        message = f"file {file.key!r} was deleted (an update_file step came before)"
        raise step.error(message, step.action, "file")
    teacher = ctx.people.grader(params.grader)
    path = f"/files/{file.id}"
    if params.deleted:
        file.deleted = True
        file.updated_at = ctx.clock.now
        request = teacher_request(ctx, teacher, "DELETE", path, "/files")
        ctx.clock.emit("attachment_deleted", request, file_fields(ctx, file, request))
        return
    old = (file.display_name, file.lock_at, file.unlock_at)
    old_name = file.display_name
    if params.name is not None:
        file.display_name = params.name
    if params.lock_at is not None:
        file.lock_at = when_ms(ctx, params.lock_at)
    if params.unlock_at is not None:
        file.unlock_at = when_ms(ctx, params.unlock_at)
    if (file.display_name, file.lock_at, file.unlock_at) == old:
        return
    file.updated_at = ctx.clock.now
    request = teacher_request(ctx, teacher, "PUT", path, "/files")
    renamed = old_name if file.display_name != old_name else None
    ctx.clock.emit("attachment_updated", request, file_fields(ctx, file, request, renamed))


KIND = StepKind(
    "update_file",
    UpdateFileParams,
    update_file,
    emits=("attachment_updated", "attachment_deleted"),
    check=_check,
    whole=True,
)
