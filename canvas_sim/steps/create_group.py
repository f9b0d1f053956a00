"""``create_group``: a teacher adds an assignment group and its assignments."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from ..content import add_group
from ..specs import AssignmentSpec, GroupSpec
from ..values import Key
from ..world import User
from .announce import announce_group
from .base import Step, StepKind
from .checks import References

if TYPE_CHECKING:
    from ..course import CourseEngine


class CreateGroupParams(GroupSpec):
    """A new assignment group (with any assignments in it), added at the step's time."""

    grader: Key | None = Field(None, description="The teacher who creates it")


def _declare(refs: References, step: Step, params: CreateGroupParams) -> None:
    """A new key; never_drop names its own assignments, which get new keys too."""
    if params.key in refs.groups:
        raise step.error(f"group {params.key!r} already exists", step.action, "key")
    members = {a.key for a in params.assignments}
    for i, key in enumerate(params.never_drop):
        if key not in members:
            message = f"never_drop names {key!r}, not an assignment of group {params.key!r}"
            raise step.error(message, step.action, "never_drop", i)
    refs.groups[params.key] = members
    specs: list[tuple[tuple[str | int, ...], AssignmentSpec]] = [
        (("assignments", i), a) for i, a in enumerate(params.assignments)
    ]
    refs.declare_assignments(step, specs)


def create_group(
    ctx: CourseEngine, step: Step, params: CreateGroupParams, user: User | None
) -> None:
    group = add_group(
        ctx.world, params, ctx.start_ms, ctx.clock.now, ctx.rng, ctx.located, step.path
    )
    announce_group(ctx, group, ctx.people.grader(params.grader))


KIND = StepKind(
    "create_group",
    CreateGroupParams,
    create_group,
    emits=("assignment_group_created", "assignment_created", "course_grade_change"),
    declare=_declare,
    whole=True,
)
