"""``update_account``: an admin renames a sub-account, changes its time zone or deletes it:
account_updated (ids global strings)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field, field_validator

from ..bodies.admin import account_fields
from ..specs import check_zone
from ..values import Key, Model
from ..world import User
from .base import Step, StepKind
from .checks import References

if TYPE_CHECKING:
    from ..course import CourseEngine


class UpdateAccountParams(Model):
    account: Key = Field(description="A sub-account made by create_account")
    name: str | None = None
    time_zone: str | None = None
    delete: bool = False

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return None if value is None else check_zone(value)


def _check(refs: References, step: Step, params: UpdateAccountParams) -> None:
    refs.known(step, "account", params.account, "account")


def update_account(
    ctx: CourseEngine, step: Step, params: UpdateAccountParams, user: User | None
) -> None:
    world = ctx.world
    admin = world.admin
    assert admin is not None
    sub = world.records.accounts[params.account]
    if sub.workflow_state == "deleted":
        raise step.error(f"account {sub.key!r} was deleted", step.action, "account")
    before = (sub.name, sub.time_zone, sub.workflow_state)
    sub.name = params.name or sub.name
    sub.time_zone = params.time_zone or sub.time_zone
    if params.delete:
        sub.workflow_state = "deleted"
    if before == (sub.name, sub.time_zone, sub.workflow_state):
        return
    path = f"/accounts/{sub.parent_id}/sub_accounts/{sub.id}"
    method = "DELETE" if params.delete else "PUT"
    request = ctx.requests.request(
        admin, method, f"/api/v1{path}", f"/accounts/{sub.id}/settings", context="Account"
    )
    ctx.clock.emit("account_updated", request, account_fields(world, sub))


KIND = StepKind(
    "update_account",
    UpdateAccountParams,
    update_account,
    emits=("account_updated",),
    check=_check,
    whole=True,
)
