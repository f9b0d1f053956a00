"""``associate_users``: Canvas associates people with the accounts above their courses (the
job User.update_account_associations, after enrollments or SIS imports):
user_account_association_created, one per person and account."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from ..bodies.admin import association_fields
from ..values import Key, Model, Students
from ..world import User
from .base import Step, StepKind, Targets
from .checks import References

if TYPE_CHECKING:
    from ..course import CourseEngine


class AssociateUsersParams(Model):
    students: Students = "all"
    users: list[Key] | None = Field(None, description="These people instead of the students")
    accounts: Literal["chain", "root", "sub"] = Field(
        "chain", description="chain: the course's account and the root (when they differ)"
    )


def _check(refs: References, step: Step, params: AssociateUsersParams) -> None:
    for i, key in enumerate(params.users or ()):
        refs.person(step, key, ("teacher", "ta", "student"), "users", i)


def _targets(ctx: CourseEngine, step: Step, params: AssociateUsersParams) -> Targets:
    if params.users is not None:
        return [ctx.world.users[key] for key in params.users]
    return list(ctx.people.select_students(params.students))


def associate_users(
    ctx: CourseEngine, step: Step, params: AssociateUsersParams, user: User | None
) -> None:
    assert user is not None
    account = ctx.world.account
    ids = {"root": [account.id], "sub": [account.sub_account_id]}.get(params.accounts)
    if ids is None:
        ids = list(dict.fromkeys((account.sub_account_id, account.id)))
    job = ctx.requests.job("User.update_account_associations")
    for account_id in ids:  # course people hold no admin role in the account
        fields = association_fields(ctx.world, user, account_id, False, ctx.clock.now)
        ctx.clock.emit("user_account_association_created", job, fields)


KIND = StepKind(
    "associate_users",
    AssociateUsersParams,
    associate_users,
    emits=("user_account_association_created",),
    check=_check,
    targets=_targets,
    gap_s=(0, 2),
)
