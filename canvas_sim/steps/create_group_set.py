"""``create_group_set``: a teacher makes a group set with its groups, and may have Canvas
assign the students at random (a job): group_category_created, group_created each,
group_membership_created each."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field

from ..bodies.groups import group_fields, group_set_fields
from ..randoms import canvas_uuid
from ..records import GroupSet, StudentGroup
from ..values import Key, Model
from ..world import User
from .base import Step, StepKind
from .checks import References
from .join_group import add_member

if TYPE_CHECKING:
    from ..course import CourseEngine


class CreateGroupSetParams(Model):
    key: Key = Field(description="How later steps name the set")
    name: str | None = Field(None, description="The key, titled, by default")
    groups: Annotated[int, Field(ge=0, le=1000)] = Field(4, description="How many groups")
    group_limit: Annotated[int, Field(ge=1)] | None = Field(
        None, description="Most members per group (self sign-up)"
    )
    assign: Literal["none", "random"] = Field(
        "none", description="random: Canvas spreads the enrolled students over the groups (a job)"
    )
    author: Key | None = Field(None, description="The teacher or TA who makes it")


def _declare(refs: References, step: Step, params: CreateGroupSetParams) -> None:
    refs.declare(step, "group set", params.key, "key")
    if params.author is not None:
        refs.person(step, params.author, ("teacher", "ta"), "author")


def create_group_set(
    ctx: CourseEngine, step: Step, params: CreateGroupSetParams, user: User | None
) -> None:
    world, course = ctx.world, ctx.course
    name = params.name or params.key.replace("_", " ").title()
    group_set = GroupSet(world.ids.next("group_categories"), params.key, name, params.group_limit)
    world.records.group_sets[params.key] = group_set
    teacher = ctx.people.grader(params.author)
    page = f"/courses/{course.id}/groups"
    path = f"/api/v1/courses/{course.id}/group_categories"
    request = ctx.requests.request(teacher, "POST", path, page)
    ctx.clock.emit("group_category_created", request, group_set_fields(world, group_set))
    for number in range(1, params.groups + 1):
        group = StudentGroup(
            world.ids.next("groups"),
            canvas_uuid(ctx.rng),
            f"{name} {number}",
            group_set,
            params.group_limit,
        )
        group_set.groups.append(group)
        ctx.clock.emit("group_created", request, group_fields(world, group))
    if params.assign == "random" and group_set.groups:
        job = ctx.requests.job("GroupCategory#assign_unassigned_members")
        students = ctx.people.select_students("all")
        ctx.rng.shuffle(students)
        for i, student in enumerate(students):
            add_member(ctx, job, student, group_set.groups[i % len(group_set.groups)])


KIND = StepKind(
    "create_group_set",
    CreateGroupSetParams,
    create_group_set,
    emits=("group_category_created", "group_created", "group_membership_created"),
    declare=_declare,
    whole=True,
)
