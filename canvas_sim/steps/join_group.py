"""``join_group``: students sign up for a group of a set, move to another, or leave:
group_membership_created; a move or a leave marks the old membership deleted
(group_membership_updated)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from ..bodies.groups import membership_fields
from ..metadata import Origin
from ..records import Membership, StudentGroup
from ..values import Key, Model, Students
from ..world import User
from .base import Step, StepKind
from .checks import References

if TYPE_CHECKING:
    from ..course import CourseEngine


class JoinGroupParams(Model):
    set: Key = Field(description="The group set")
    students: Students = "all"
    group: Annotated[int, Field(ge=1)] | None = Field(
        None, description="The group by number (1 = first); by default one with room, drawn"
    )
    leave: bool = Field(False, description="Leave the set's group instead of joining one")


def _check(refs: References, step: Step, params: JoinGroupParams) -> None:
    refs.known(step, "group set", params.set, "set")


def _current(groups: list[StudentGroup], user: User) -> Membership | None:
    for group in groups:
        if user.id in group.members:
            return group.members[user.id]
    return None


def join_group(ctx: CourseEngine, step: Step, params: JoinGroupParams, user: User | None) -> None:
    assert user is not None
    world = ctx.world
    ctx.people.student_enrollment(step, user)
    group_set = world.records.group_sets[params.set]
    groups = [g for g in group_set.groups if g.workflow_state != "deleted"]
    current = _current(groups, user)
    if params.leave:
        target = None
    elif params.group is not None:
        if params.group > len(group_set.groups):
            message = f"group set {params.set!r} has {len(group_set.groups)} groups"
            raise step.error(message, step.action, "group")
        target = group_set.groups[params.group - 1]
        if target.workflow_state == "deleted":
            raise step.error(f"group {target.name!r} was deleted", step.action, "group")
    else:
        room = [g for g in groups if g.max_membership is None or len(g.members) < g.max_membership]
        if not room:
            raise step.error(f"no group of set {params.set!r} has room", step.action, "set")
        target = ctx.rng.choice(room)
    if current is not None and current.group is target:
        return  # already there
    limit = None if target is None else target.max_membership
    if target is not None and limit is not None and len(target.members) >= limit:
        raise step.error(f"group {target.name!r} is full", step.action, "group")
    if target is not None:
        group = target
    elif current is not None:
        group = current.group
    else:
        return  # leaving no group changes nothing
    request = ctx.requests.outside_course(
        user,
        "DELETE" if target is None else "POST",
        f"/api/v1/groups/{group.id}/memberships",
        f"/courses/{ctx.course.id}/groups",
    )
    if current is not None:
        current.workflow_state = "deleted"
        del current.group.members[user.id]
        ctx.clock.emit("group_membership_updated", request, membership_fields(world, current))
    if target is not None:
        add_member(ctx, request, user, target)


def add_member(ctx: CourseEngine, origin: Origin, user: User, group: StudentGroup) -> None:
    """``user`` joins ``group``: a new accepted membership, group_membership_created."""
    membership = Membership(ctx.world.ids.next("group_memberships"), user, group)
    group.members[user.id] = membership
    ctx.clock.emit("group_membership_created", origin, membership_fields(ctx.world, membership))


KIND = StepKind(
    "join_group",
    JoinGroupParams,
    join_group,
    emits=("group_membership_created", "group_membership_updated"),
    check=_check,
    gap_s=(20, 600),
)
