"""``set_mastery``: a teacher saves the course's mastery scale and calculation method:
outcome_proficiency_created (first save) or _updated, outcome_calculation_method_created or
_updated (the outcomes page saves them through /api/graphql)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from ..bodies.outcomes import calculation_fields, proficiency_fields
from ..records import MasteryScale
from ..values import Key, Model
from ..world import User
from .base import Step, StepKind
from .create_outcome import CALCULATION_METHODS

if TYPE_CHECKING:
    from ..course import CourseEngine


class Level(Model):
    description: str
    points: Annotated[float, Field(ge=0)]
    mastery: bool = False
    color: str = Field("0B874B", pattern=r"^[0-9A-Fa-f]{6}$", description="Hex, without '#'")


class SetMasteryParams(Model):
    ratings: list[Level] | None = Field(None, min_length=1, description="The mastery scale")
    calculation_method: str | None = None
    calculation_int: Annotated[int, Field(ge=1, le=99)] | None = None
    author: Key | None = None


def set_mastery(ctx: CourseEngine, step: Step, params: SetMasteryParams, user: User | None) -> None:
    world, records, now = ctx.world, ctx.world.records, ctx.clock.now
    course_path = f"/courses/{ctx.course.id}/outcomes"
    teacher = ctx.people.grader(params.author)
    if params.ratings is not None:
        request = ctx.requests.request(teacher, "POST", "/api/graphql", course_path)
        old = records.proficiency
        ids = [world.ids.next("outcome_proficiency_ratings") for _ in params.ratings]
        ratings = [
            (i, r.description, r.points, r.mastery, r.color)
            for i, r in zip(ids, params.ratings, strict=True)
        ]
        if old is None:
            records.proficiency = MasteryScale(world.ids.next("outcome_proficiencies"), ratings)
            fields = proficiency_fields(world, records.proficiency, None, request.zone)
            ctx.clock.emit("outcome_proficiency_created", request, fields)
        elif [r[1:] for r in old.ratings] != [r[1:] for r in ratings]:
            old.ratings = ratings
            fields = proficiency_fields(world, old, now, request.zone)
            ctx.clock.emit("outcome_proficiency_updated", request, fields)
    method = params.calculation_method
    if method is None:
        return
    if method not in CALCULATION_METHODS:
        message = f"calculation_method: one of {', '.join(CALCULATION_METHODS)}"
        raise step.error(message, step.action, "calculation_method")
    number = params.calculation_int if method in ("decaying_average", "n_mastery") else None
    request = ctx.requests.request(teacher, "POST", "/api/graphql", course_path)
    if records.calculation is None:
        records.calculation = (world.ids.next("outcome_calculation_methods"), method, number)
        fields = calculation_fields(world, *records.calculation, None, request.zone)
        ctx.clock.emit("outcome_calculation_method_created", request, fields)
    elif records.calculation[1:] != (method, number):
        records.calculation = (records.calculation[0], method, number)
        fields = calculation_fields(world, *records.calculation, now, request.zone)
        ctx.clock.emit("outcome_calculation_method_updated", request, fields)


KIND = StepKind(
    "set_mastery",
    SetMasteryParams,
    set_mastery,
    emits=(
        "outcome_proficiency_created",
        "outcome_proficiency_updated",
        "outcome_calculation_method_created",
        "outcome_calculation_method_updated",
    ),
    whole=True,
)
