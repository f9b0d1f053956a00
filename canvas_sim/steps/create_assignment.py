"""``create_assignment``: a teacher adds an assignment to a group (assignment_created)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from ..content import add_assignment
from ..specs import AssignmentSpec
from ..values import Key
from ..world import User
from .announce import announce_assignment
from .base import Step, StepKind
from .checks import References

if TYPE_CHECKING:
    from ..course import CourseEngine


class CreateAssignmentParams(AssignmentSpec):
    """A new assignment, added to an existing group at the step's time."""

    group: Key = Field(description="The group it belongs to")
    grader: Key | None = Field(None, description="The teacher who creates it")


def _declare(refs: References, step: Step, params: CreateAssignmentParams) -> None:
    """A new key, in an existing group."""
    refs.unknown_group(step, params.group, "group")
    refs.groups[params.group].add(params.key)
    refs.declare_assignments(step, [((), params)])


def create_assignment(
    ctx: CourseEngine, step: Step, params: CreateAssignmentParams, user: User | None
) -> None:
    group = next(g for g in ctx.course.groups if g.key == params.group)
    assignment = add_assignment(ctx.world, group, params, ctx.start_ms, ctx.clock.now, ctx.rng)
    announce_assignment(ctx, assignment, ctx.people.grader(params.grader))


KIND = StepKind(
    "create_assignment",
    CreateAssignmentParams,
    create_assignment,
    emits=("assignment_created", "course_grade_change"),
    declare=_declare,
    whole=True,
)
