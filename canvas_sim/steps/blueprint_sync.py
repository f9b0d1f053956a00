"""``blueprint_sync``: the course, as a blueprint, syncs its content to its associated courses
(the job MasterCourses::MasterMigration#perform_exports): master_migration_started, then
master_migration_completed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from ..bodies.admin import master_migration_fields
from ..values import Duration, Model
from ..world import User
from .base import Step, StepKind, job_sends

if TYPE_CHECKING:
    from ..course import CourseEngine


class BlueprintSyncParams(Model):
    takes: Duration = Field(300_000, description="How long the sync runs")


def blueprint_sync(
    ctx: CourseEngine, step: Step, params: BlueprintSyncParams, user: User | None
) -> None:
    world, records = ctx.world, ctx.world.records
    if records.master_template_id is None:
        records.master_template_id = world.ids.next("master_templates")
    fields = master_migration_fields(
        world, world.ids.next("master_migrations"), records.master_template_id
    )
    job = ctx.requests.job("MasterCourses::MasterMigration#perform_exports")
    starts = ctx.clock.now + 1_000
    job_sends(ctx, starts, job, "master_migration_started", fields)
    job_sends(ctx, starts + params.takes, job, "master_migration_completed", dict(fields))


KIND = StepKind(
    "blueprint_sync",
    BlueprintSyncParams,
    blueprint_sync,
    emits=("master_migration_started", "master_migration_completed"),
    whole=True,
    empty_ok=True,
)
