"""``update_outcome``: a teacher edits an outcome (or renames its group), or removes it from
the course: learning_outcome_updated (learning_outcome_group_updated); removal deletes its link
(learning_outcome_link_updated)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from ..bodies.outcomes import outcome_fields, outcome_group_fields, outcome_link_fields
from ..values import Key, Model
from ..world import User
from .base import Step, StepKind, require_alive, save_given
from .checks import References
from .create_outcome import CALCULATION_METHODS

if TYPE_CHECKING:
    from ..course import CourseEngine


class UpdateOutcomeParams(Model):
    outcome: Key
    title: str | None = None
    description: str | None = None
    mastery_points: Annotated[float, Field(ge=0)] | None = None
    calculation_method: str | None = None
    calculation_int: Annotated[int, Field(ge=1, le=99)] | None = None
    group_title: str | None = Field(None, description="A new title for the outcome's group")
    delete: bool = Field(False, description="Remove it from the course (unlink and delete)")
    author: Key | None = None


def _check(refs: References, step: Step, params: UpdateOutcomeParams) -> None:
    refs.known(step, "outcome", params.outcome, "outcome")
    method = params.calculation_method
    if method is not None and method not in CALCULATION_METHODS:
        message = f"calculation_method: one of {', '.join(CALCULATION_METHODS)}"
        raise step.error(message, step.action, "calculation_method")


def update_outcome(
    ctx: CourseEngine, step: Step, params: UpdateOutcomeParams, user: User | None
) -> None:
    world, course, now = ctx.world, ctx.course, ctx.clock.now
    outcome = world.records.outcomes[params.outcome]
    require_alive(step, outcome, "outcome", "outcome")
    teacher, page = ctx.people.grader(params.author), f"/courses/{course.id}/outcomes"
    group = outcome.group
    if params.group_title is not None and params.group_title != group.title:
        records = world.records
        records.outcome_groups[params.group_title] = records.outcome_groups.pop(group.title)
        group.title = params.group_title
        path = f"/api/v1/courses/{course.id}/outcome_groups/{group.id}"
        request = ctx.requests.request(teacher, "PUT", path, page)
        fields_ = outcome_group_fields(world, group, now, request.zone)
        ctx.clock.emit("learning_outcome_group_updated", request, fields_)
    method = "DELETE" if params.delete else "PUT"
    saved = save_given(
        ctx,
        outcome,
        "learning_outcome_updated",
        lambda: ctx.requests.request(teacher, method, f"/api/v1/outcomes/{outcome.id}", page),
        lambda request: outcome_fields(world, outcome, now, request.zone),
        title=params.title,
        description=params.description,
        mastery_points=params.mastery_points,
        calculation_method=params.calculation_method,
        calculation_int=params.calculation_int,
        workflow_state="deleted" if params.delete else None,
    )
    if saved is not None and params.delete:
        fields_ = outcome_link_fields(world, outcome, now, saved.zone)
        ctx.clock.emit("learning_outcome_link_updated", saved, fields_)


KIND = StepKind(
    "update_outcome",
    UpdateOutcomeParams,
    update_outcome,
    emits=(
        "learning_outcome_group_updated",
        "learning_outcome_updated",
        "learning_outcome_link_updated",
    ),
    check=_check,
    whole=True,
)
