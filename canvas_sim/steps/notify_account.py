"""``notify_account``: an admin posts a global announcement: account_notification_created."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from ..bodies.admin import notification_fields
from ..values import Duration, Model
from ..world import User
from .base import Step, StepKind

if TYPE_CHECKING:
    from ..course import CourseEngine


class NotifyAccountParams(Model):
    subject: str = "Scheduled maintenance"
    message: str = Field(
        "<p>Canvas will be unavailable on Sunday from 2 to 4 am.</p>", description="HTML"
    )
    icon: Literal["warning", "information", "question", "error", "calendar"] = "information"
    lasts: Duration = Field(7 * 86_400_000, description="Shown from now for this long")


def notify_account(
    ctx: CourseEngine, step: Step, params: NotifyAccountParams, user: User | None
) -> None:
    world, now = ctx.world, ctx.clock.now
    admin = ctx.people.admin
    path = f"/accounts/{world.account.id}/account_notifications"
    request = ctx.requests.request(
        admin, "POST", f"/api/v1{path}", f"/accounts/{world.account.id}/settings",
        context="Account",
    )  # fmt: skip
    fields = notification_fields(
        world.ids.next("account_notifications"), world, params.subject, params.message,
        params.icon, now, now + params.lasts, request.zone,
    )  # fmt: skip
    ctx.clock.emit("account_notification_created", request, fields)


KIND = StepKind(
    "notify_account",
    NotifyAccountParams,
    notify_account,
    emits=("account_notification_created",),
    whole=True,
    empty_ok=True,
)
