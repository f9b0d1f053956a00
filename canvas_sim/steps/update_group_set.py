"""``update_group_set``: a teacher renames a group set or one of its groups, or deletes either:
group_category_updated, group_updated (deleted groups end their memberships silently)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from ..bodies.groups import group_fields, group_set_fields
from ..values import Key, Model
from ..world import User
from .base import Step, StepKind, require_alive, save_given
from .checks import References

if TYPE_CHECKING:
    from ..course import CourseEngine


class UpdateGroupSetParams(Model):
    set: Key = Field(description="The group set")
    name: str | None = Field(None, description="The set's new name")
    group: Annotated[int, Field(ge=1)] | None = Field(
        None, description="A group of the set by number (1 = first): the step changes it"
    )
    group_name: str | None = Field(None, description="That group's new name")
    delete: bool = Field(False, description="Delete the group (with group) or the whole set")
    author: Key | None = None


def _check(refs: References, step: Step, params: UpdateGroupSetParams) -> None:
    refs.known(step, "group set", params.set, "set")
    if params.author is not None:
        refs.person(step, params.author, ("teacher", "ta"), "author")
    if params.group_name is not None and params.group is None:
        raise step.error("group_name needs group (which group to rename)", step.action)


def update_group_set(
    ctx: CourseEngine, step: Step, params: UpdateGroupSetParams, user: User | None
) -> None:
    world, course = ctx.world, ctx.course
    group_set = world.records.group_sets[params.set]
    require_alive(step, group_set, "group set", "set")
    teacher = ctx.people.grader(params.author)
    page = f"/courses/{course.id}/groups"
    if params.group is None:
        if params.name is None and not params.delete:
            return
        group_set.name = params.name or group_set.name
        path = f"/api/v1/group_categories/{group_set.id}"
        request = ctx.requests.outside_course(
            teacher, "DELETE" if params.delete else "PUT", path, page
        )
        ctx.clock.emit("group_category_updated", request, group_set_fields(world, group_set))
        if params.delete:
            group_set.workflow_state = "deleted"
            for group in group_set.groups:
                if group.workflow_state != "deleted":
                    group.workflow_state = "deleted"
                    ctx.clock.emit("group_updated", request, group_fields(world, group))
        return
    if params.group > len(group_set.groups):
        message = f"group set {params.set!r} has {len(group_set.groups)} groups"
        raise step.error(message, step.action, "group")
    group = group_set.groups[params.group - 1]
    if group.workflow_state == "deleted":
        raise step.error(f"group {group.name!r} was deleted", step.action, "group")
    path = f"/api/v1/groups/{group.id}"
    save_given(
        ctx,
        group,
        "group_updated",
        lambda: ctx.requests.outside_course(
            teacher, "DELETE" if params.delete else "PUT", path, page
        ),
        lambda request: group_fields(world, group),
        name=params.group_name or None,
        workflow_state="deleted" if params.delete else None,
    )


KIND = StepKind(
    "update_group_set",
    UpdateGroupSetParams,
    update_group_set,
    emits=("group_category_updated", "group_updated"),
    check=_check,
    whole=True,
)
