"""``copy_course``: a teacher imports content from another course (course copy, Common
Cartridge, ...), run as a job: content_migration_started, then content_migration_completed
(job metadata with the course context)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from ..bodies.admin import content_migration_fields
from ..randoms import canvas_uuid
from ..values import Duration, Key, Model
from ..world import User
from .base import Step, StepKind, job_sends

if TYPE_CHECKING:
    from ..course import CourseEngine

TYPES = {  # migration type -> the worker's job tag
    "course_copy_importer": "Canvas::Migration::Worker::CourseCopyWorker#perform",
    "common_cartridge_importer": "CC::Importer::CCWorker#perform",
    "canvas_cartridge_importer": "CC::Importer::CCWorker#perform",
    "zip_file_importer": "ContentMigration#import_content",
    "qti_converter": "ContentMigration#import_content",
}


class CopyCourseParams(Model):
    migration_type: str = Field("course_copy_importer", description=f"One of {', '.join(TYPES)}")
    takes: Duration = Field(180_000, description="How long the import job runs")
    started: bool = Field(True, description="Also send content_migration_started")
    author: Key | None = None


def copy_course(ctx: CourseEngine, step: Step, params: CopyCourseParams, user: User | None) -> None:
    tag = TYPES.get(params.migration_type)
    if tag is None:
        message = f"migration_type: one of {', '.join(TYPES)}"
        raise step.error(message, step.action, "migration_type")
    migration_id = ctx.world.ids.next("content_migrations")
    source = canvas_uuid(ctx.rng)  # a course of another term, outside the simulation
    job = ctx.requests.job(tag)
    world, kind = ctx.world, params.migration_type
    starts = ctx.clock.now + 2_000
    if params.started:
        fields = content_migration_fields(world, migration_id, source, kind, completed=False)
        job_sends(ctx, starts, job, "content_migration_started", fields)
    fields = content_migration_fields(world, migration_id, source, kind, completed=True)
    job_sends(ctx, starts + params.takes, job, "content_migration_completed", fields)


KIND = StepKind(
    "copy_course",
    CopyCourseParams,
    copy_course,
    emits=("content_migration_started", "content_migration_completed"),
    whole=True,
    empty_ok=True,
)
