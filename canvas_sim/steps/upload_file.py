"""``upload_file``: a teacher uploads a file to the course's Files: attachment_created."""

from __future__ import annotations

import mimetypes
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import Field

from ..coursework import File
from ..durations import datetime_to_ms
from ..values import Key, Model, When
from ..world import User
from .base import Step, StepKind
from .checks import References
from .content_saves import file_fields, teacher_request

if TYPE_CHECKING:
    from ..course import CourseEngine


class UploadFileParams(Model):
    key: Key
    name: str | None = Field(None, description="The file's display name; '<key>.pdf' by default")
    content_type: str | None = Field(None, description="MIME type; from the name by default")
    lock_at: When | None = None
    unlock_at: When | None = None
    grader: Key | None = Field(None, description="The teacher who uploads it")


def _declare(refs: References, step: Step, params: UploadFileParams) -> None:
    refs.declare(step, "file", params.key, "key")


def when_ms(ctx: CourseEngine, value: datetime | int | None) -> int | None:
    """A step's time: an offset from the course's start, or a timestamp."""
    if value is None:
        return None
    return ctx.start_ms + value if isinstance(value, int) else datetime_to_ms(value)


def upload_file(ctx: CourseEngine, step: Step, params: UploadFileParams, user: User | None) -> None:
    teacher = ctx.people.grader(params.grader)
    name = params.name or f"{params.key}.pdf"
    content_type = (
        params.content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    )
    now = ctx.clock.now
    file = File(
        id=ctx.world.ids.next("attachments"),
        key=params.key,
        display_name=name,
        content_type=content_type,
        folder_id=ctx.coursework.folder_id,
        uploader=teacher,
        created_at=now,
        updated_at=now,
        lock_at=when_ms(ctx, params.lock_at),
        unlock_at=when_ms(ctx, params.unlock_at),
    )
    ctx.coursework.files[params.key] = file
    request = teacher_request(ctx, teacher, "POST", "/files", "/files")
    ctx.clock.emit("attachment_created", request, file_fields(ctx, file, request))


KIND = StepKind(
    "upload_file",
    UploadFileParams,
    upload_file,
    emits=("attachment_created",),
    declare=_declare,
    whole=True,
)
