"""``update_group``: a teacher changes an assignment group; recomputes follow."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import Field

from .. import events as ev
from ..values import Key, Model
from ..world import User
from .base import Step, StepKind, save_given
from .checks import References

if TYPE_CHECKING:
    from ..course import CourseEngine


class UpdateGroupParams(Model):
    group: Key
    name: str | None = None
    weight: Decimal | None = Field(None, ge=0)
    drop_lowest: int | None = Field(None, ge=0)
    drop_highest: int | None = Field(None, ge=0)
    never_drop: list[Key] | None = None
    grader: Key | None = None


def _check(refs: References, step: Step, params: UpdateGroupParams) -> None:
    refs.unknown_group(step, params.group, "group")
    members = refs.groups[params.group]
    for i, key in enumerate(params.never_drop or ()):
        if key not in members:
            message = f"never_drop names {key!r}, not an assignment of group {params.group!r}"
            raise step.error(message, "update_group", "never_drop", i)


def update_group(
    ctx: CourseEngine, step: Step, params: UpdateGroupParams, user: User | None
) -> None:
    course = ctx.course
    group = next(g for g in course.groups if g.key == params.group)
    before = (group.weight, group.drop_lowest, group.drop_highest, group.never_drop)
    never_drop = None
    if params.never_drop is not None:
        never_drop = frozenset(course.assignments[k].id for k in params.never_drop)
    saved = save_given(
        ctx,
        group,
        "assignment_group_updated",
        lambda: ctx.requests.request(
            ctx.people.grader(params.grader),
            "PUT",
            f"/api/v1/courses/{course.id}/assignment_groups/{group.id}",
            f"/courses/{course.id}/assignments",
        ),
        lambda request: ev.assignment_group_fields(ctx.world, group),
        name=params.name,
        weight=params.weight,
        drop_lowest=params.drop_lowest,
        drop_highest=params.drop_highest,
        never_drop=never_drop,
    )
    after = (group.weight, group.drop_lowest, group.drop_highest, group.never_drop)
    if saved is not None and before != after:
        ctx.scores.recompute_everyone()


KIND = StepKind(
    "update_group",
    UpdateGroupParams,
    update_group,
    emits=("assignment_group_updated", "course_grade_change"),
    check=_check,
    whole=True,
)
