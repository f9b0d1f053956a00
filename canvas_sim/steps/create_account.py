"""``create_account``: an admin adds a sub-account under the root account (or another
sub-account): account_created (ids global strings)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field, field_validator

from ..bodies.admin import account_fields
from ..records import SubAccount
from ..specs import check_zone
from ..values import Key, Model
from ..world import User
from .base import Step, StepKind
from .checks import References

if TYPE_CHECKING:
    from ..course import CourseEngine


class CreateAccountParams(Model):
    key: Key = Field(description="How later steps name the account")
    name: str | None = Field(None, description="The key, titled, by default")
    parent: Key | None = Field(None, description="A sub-account made before (the root by default)")
    time_zone: str = "America/Denver"

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return check_zone(value)


def _declare(refs: References, step: Step, params: CreateAccountParams) -> None:
    if params.parent is not None:
        refs.known(step, "account", params.parent, "parent")
    refs.declare(step, "account", params.key, "key")


def create_account(
    ctx: CourseEngine, step: Step, params: CreateAccountParams, user: User | None
) -> None:
    world = ctx.world
    admin = ctx.people.admin
    records = world.records
    parent = world.account.id if params.parent is None else records.accounts[params.parent].id
    sub = SubAccount(
        world.ids.next("accounts"),
        params.key,
        params.name or params.key.replace("_", " ").title(),
        parent,
        params.time_zone,
    )
    records.accounts[sub.key] = sub
    path = f"/accounts/{parent}/sub_accounts"
    request = ctx.requests.request(
        admin, "POST", f"/api/v1{path}", f"/accounts/{parent}/sub_accounts", context="Account"
    )
    ctx.clock.emit("account_created", request, account_fields(world, sub))


KIND = StepKind(
    "create_account",
    CreateAccountParams,
    create_account,
    emits=("account_created",),
    declare=_declare,
    whole=True,
)
