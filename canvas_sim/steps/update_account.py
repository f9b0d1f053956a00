"""``update_account``: an admin renames a sub-account, changes its time zone or deletes it:
account_updated (ids global strings)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field, field_validator

from ..bodies.admin import account_fields
from ..specs import check_zone
from ..values import Key, Model
from ..world import User
from .base import Step, StepKind, require_alive, save_given
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
    admin = ctx.people.admin
    sub = world.records.accounts[params.account]
    require_alive(step, sub, "account", "account")
    path = f"/accounts/{sub.parent_id}/sub_accounts/{sub.id}"
    save_given(
        ctx,
        sub,
        "account_updated",
        lambda: ctx.requests.request(
            admin,
            "DELETE" if params.delete else "PUT",
            f"/api/v1{path}",
            f"/accounts/{sub.id}/settings",
            context="Account",
        ),
        lambda request: account_fields(world, sub),
        name=params.name,
        time_zone=params.time_zone,
        workflow_state="deleted" if params.delete else None,
    )


KIND = StepKind(
    "update_account",
    UpdateAccountParams,
    update_account,
    emits=("account_updated",),
    check=_check,
    whole=True,
)
