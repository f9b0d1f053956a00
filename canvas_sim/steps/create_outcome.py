"""``create_outcome``: a teacher adds a learning outcome to an outcome group of the course (the
group, and the course's root group, are announced on first use): learning_outcome_group_created,
learning_outcome_created, learning_outcome_link_created."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field, model_validator

from ..bodies.outcomes import outcome_fields, outcome_group_fields, outcome_link_fields
from ..metadata import Request
from ..records import Outcome, OutcomeGroup
from ..values import Key, Model
from ..world import User
from .base import Step, StepKind
from .checks import References

if TYPE_CHECKING:
    from ..course import CourseEngine

CALCULATION_METHODS = ("decaying_average", "n_mastery", "latest", "highest", "average")
DEFAULT_RATINGS = (("Exceeds Mastery", 4.0), ("Meets Mastery", 3.0), ("Near Mastery", 2.0),
                   ("Below Mastery", 1.0), ("No Evidence", 0.0))  # fmt: skip


class Rating(Model):
    description: str
    points: Annotated[float, Field(ge=0)]


class CreateOutcomeParams(Model):
    key: Key = Field(description="How later steps name the outcome")
    title: str | None = Field(None, description="The key, titled, by default")
    description: str | None = None
    group: str = Field("Course outcomes", description="Title of the outcome group it goes in")
    mastery_points: Annotated[float, Field(ge=0)] = 3.0
    ratings: list[Rating] = Field(
        default_factory=lambda: [Rating(description=d, points=p) for d, p in DEFAULT_RATINGS],
        min_length=1,
        description="Rubric ratings, best first (Canvas's default five, 4 to 0 points)",
    )
    calculation_method: str = Field("decaying_average", description="How results combine")
    calculation_int: Annotated[int, Field(ge=1, le=99)] | None = Field(
        65, description="The method's number (decaying_average: weight %, n_mastery: count)"
    )
    author: Key | None = None

    @model_validator(mode="after")
    def _known_method(self) -> CreateOutcomeParams:
        if self.calculation_method not in CALCULATION_METHODS:
            raise ValueError(f"calculation_method: one of {', '.join(CALCULATION_METHODS)}")
        return self


def _declare(refs: References, step: Step, params: CreateOutcomeParams) -> None:
    refs.declare(step, "outcome", params.key, "key")
    if params.author is not None:
        refs.person(step, params.author, ("teacher", "ta"), "author")


def outcome_group(ctx: CourseEngine, request: Request, title: str) -> OutcomeGroup:
    """The course's outcome group called ``title`` (announced, with the root, when new)."""
    world = ctx.world
    records = world.records
    if records.outcome_root is None:
        records.outcome_root = OutcomeGroup(
            world.ids.next("learning_outcome_groups"), ctx.course.name, None
        )
        ctx.clock.emit(
            "learning_outcome_group_created",
            request,
            outcome_group_fields(world, records.outcome_root, None, request.zone),
        )
    group = records.outcome_groups.get(title)
    if group is None:
        group = OutcomeGroup(world.ids.next("learning_outcome_groups"), title, records.outcome_root)
        records.outcome_groups[title] = group
        fields = outcome_group_fields(world, group, None, request.zone)
        ctx.clock.emit("learning_outcome_group_created", request, fields)
    return group


def create_outcome(
    ctx: CourseEngine, step: Step, params: CreateOutcomeParams, user: User | None
) -> None:
    world, course = ctx.world, ctx.course
    teacher = ctx.people.grader(params.author)
    path = f"/api/v1/courses/{course.id}/outcome_groups"
    request = ctx.requests.request(teacher, "POST", path, f"/courses/{course.id}/outcomes")
    group = outcome_group(ctx, request, params.group)
    ratings = [(r.description, r.points) for r in params.ratings]
    outcome = Outcome(
        id=world.ids.next("learning_outcomes"),
        key=params.key,
        title=params.title or params.key.replace("_", " ").title(),
        description=params.description,
        mastery_points=params.mastery_points,
        points_possible=max(points for _, points in ratings),
        ratings=ratings,
        calculation_method=params.calculation_method,
        calculation_int=params.calculation_int
        if params.calculation_method in ("decaying_average", "n_mastery")
        else None,
        group=group,
        link_id=world.ids.next("learning_outcome_links"),
    )
    world.records.outcomes[outcome.key] = outcome
    zone = request.zone
    ctx.clock.emit("learning_outcome_created", request, outcome_fields(world, outcome, None, zone))
    ctx.clock.emit(
        "learning_outcome_link_created", request, outcome_link_fields(world, outcome, None, zone)
    )


KIND = StepKind(
    "create_outcome",
    CreateOutcomeParams,
    create_outcome,
    emits=(
        "learning_outcome_group_created",
        "learning_outcome_created",
        "learning_outcome_link_created",
    ),
    declare=_declare,
    whole=True,
)
