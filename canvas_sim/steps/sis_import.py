"""``sis_import``: an admin uploads an SIS import that Canvas then processes in a job:
sis_batch_created, then sis_batch_updated at each workflow_state change (importing, then the
outcome)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from ..bodies.admin import sis_batch_fields
from ..randoms import randint
from ..values import Duration, Model
from ..world import User
from .base import Step, StepKind, job_sends

if TYPE_CHECKING:
    from ..course import CourseEngine


class SisImportParams(Model):
    outcome: Literal["imported", "imported_with_messages", "failed_with_messages", "aborted"] = (
        Field("imported", description="How the import ends")
    )
    takes: Duration = Field(120_000, description="How long the import job runs")


def sis_import(ctx: CourseEngine, step: Step, params: SisImportParams, user: User | None) -> None:
    world = ctx.world
    admin = ctx.people.admin
    batch_id = world.ids.next("sis_batches")
    path = f"/accounts/{world.account.id}/sis_imports"
    request = ctx.requests.request(
        admin, "POST", f"/api/v1{path}", f"/accounts/{world.account.id}/sis_import",
        context="Account",
    )  # fmt: skip
    ctx.clock.emit("sis_batch_created", request, sis_batch_fields(world, batch_id, "created"))
    job = ctx.requests.job("SisBatch#process_without_send_later")
    starts = ctx.clock.now + randint(ctx.rng.getrandbits, 1_000, 30_000)
    importing = sis_batch_fields(world, batch_id, "importing")
    job_sends(ctx, starts, job, "sis_batch_updated", importing)
    done = sis_batch_fields(world, batch_id, params.outcome)
    job_sends(ctx, starts + params.takes, job, "sis_batch_updated", done)


KIND = StepKind(
    "sis_import",
    SisImportParams,
    sis_import,
    emits=("sis_batch_created", "sis_batch_updated"),
    whole=True,
    empty_ok=True,
)
