"""``update_user``: an admin changes people's names, SIS ids or time zones: user_updated."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator

from .. import events as ev
from ..clock import body_time
from ..specs import check_zone
from ..values import Key, Model
from ..world import User
from .base import Step, StepKind, Targets
from .checks import References

if TYPE_CHECKING:
    from ..course import CourseEngine


class UpdateUserParams(Model):
    users: list[Key] = Field(min_length=1, description="The people whose record changes")
    name: str | None = Field(None, description="A new name (one person only)")
    sis_id: str | None = Field(None, description="A new SIS id (one person only)")
    time_zone: str | None = Field(None, description="A new IANA time zone")

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return None if value is None else check_zone(value)


def _check(refs: References, step: Step, params: UpdateUserParams) -> None:
    for i, key in enumerate(params.users):
        refs.person(step, key, ("teacher", "ta", "student"), "users", i)
    if len(params.users) > 1 and (params.name or params.sis_id):
        raise step.error("name and sis_id change one person: list one user", step.action)


def _targets(ctx: CourseEngine, step: Step, params: UpdateUserParams) -> Targets:
    return [ctx.world.users[key] for key in params.users]


def update_user(ctx: CourseEngine, step: Step, params: UpdateUserParams, user: User | None) -> None:
    assert user is not None
    admin = ctx.people.admin
    before = (user.name, user.sis_id, user.time_zone)
    if params.name is not None:
        user.name = user.sortable_name = params.name
    user.sis_id = params.sis_id or user.sis_id
    if params.time_zone is not None:
        user.time_zone, user.zone = params.time_zone, ZoneInfo(params.time_zone)
    if before == (user.name, user.sis_id, user.time_zone):
        return
    path = f"/api/v1/users/{user.id}"
    request = ctx.requests.request(admin, "PUT", path, f"/users/{user.id}", context="Account")
    fields = ev.user_fields(ctx.world, user, request.zone)
    fields["updated_at"] = body_time(ctx.clock.now, request.zone)
    ctx.clock.emit("user_updated", request, fields)


KIND = StepKind(
    "update_user",
    UpdateUserParams,
    update_user,
    emits=("user_updated",),
    check=_check,
    targets=_targets,
)
