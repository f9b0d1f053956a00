"""The scenario model: account, courses, people, and one step model per step kind."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import (
    BeforeValidator,
    Discriminator,
    Field,
    Tag,
    create_model,
    field_validator,
    model_validator,
)

from ..durations import datetime_to_ms
from ..specs import GroupSpec, PersonSpec, check_zone
from ..steps.base import StepKind
from ..steps.registry import STEP_KINDS
from ..values import CountRange, Duration, Key, Level, Model, Timing


def _empty_params(value: object) -> object:
    """``- enroll:`` with nothing after it means the defaults."""
    return {} if value is None else value


def _step_model(kind: StepKind[Any]) -> type[Timing]:
    """``<Kind>Step``: a step's timing and its one action key, which holds the kind's params."""
    params: Any = kind.params
    if kind.empty_ok:
        params = Annotated[params, BeforeValidator(_empty_params)]
    name = "".join(part.title() for part in kind.name.split("_")) + "Step"
    fields: dict[str, Any] = {kind.name: (params, ...)}
    return create_model(name, __base__=Timing, __module__=__name__, **fields)


STEP_MODELS: dict[str, type[Timing]] = {
    name: _step_model(kind) for name, kind in STEP_KINDS.items()
}
TIMING_KEYS = frozenset(Timing.model_fields)


def step_action(step: Any) -> str | None:
    """The action key of a raw or validated step."""
    keys = step.keys() if isinstance(step, Mapping) else type(step).model_fields
    for key in keys:
        if key in STEP_MODELS:
            return str(key)
    return None


if TYPE_CHECKING:
    Step = Timing
else:
    Step = Annotated[
        Union[tuple(Annotated[model, Tag(name)] for name, model in STEP_MODELS.items())],  # noqa: UP007
        Discriminator(step_action),
    ]


# --- the course -----------------------------------------------------------------------------


class AccountSpec(Model):
    """The root account the course lives in."""

    domain: str = Field(
        "canvas.example.edu", description="Canvas host name, e.g. school.instructure.com"
    )
    shard: int = Field(
        2107, ge=1, le=99_999, description="Shard id: global id = shard * 10**13 + local id"
    )
    id: int = Field(1, ge=1, description="Local id of the root account")
    sub_account_id: int = Field(1, ge=1, description="Local id of the course's (sub-)account")


class RootAccountSpec(AccountSpec):
    """One of several root accounts (institutions), each on its shard, named by courses."""

    key: Key = Field(description="The name courses use to be placed in it (account: KEY)")
    uuid: str | None = Field(
        None, description="root_account_uuid (40 characters); drawn from the seed by default"
    )
    time_zone: str | None = Field(
        None, description="IANA name; default time zone of its courses (and their people)"
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return None if value is None else check_zone(value)


People = Annotated[int, Field(ge=0, le=1_000_000)] | list[PersonSpec] | CountRange


class PersonaSpec(Model):
    """A kind of student: how many of them, how well they do, how often they hand work in."""

    name: Key
    share: float = Field(gt=0, le=1, description="Fraction of the students (0.25 = a quarter)")
    level: Level = Field(
        description="Score as a fraction of points possible: 0.9, {normal: [0.9, 0.05]}, "
        "{uniform: [0.5, 0.8]}, {beta: [8, 2]}; used by steps with score: persona"
    )
    submits: float = Field(1.0, ge=0, le=1, description="Chance of handing in at each submit")


class CourseSpec(Model):
    account: Key | None = Field(
        None, description="The root account (a key of accounts) it belongs to; the first by default"
    )
    name: str = "Introduction to Biology"
    code: str | None = None
    sis_id: str | None = None
    time_zone: str = Field("America/Denver", description="IANA name; default for generated people")
    weighted: bool = Field(False, description="Weight final grade by assignment group")
    grading_scheme: dict[str, float] | None = Field(
        None, description="Letter -> lower bound in percent; Canvas's default scheme otherwise"
    )
    custom_statuses: list[str] = Field(
        default_factory=list, description="Custom grade status names"
    )
    teachers: People = 1
    tas: People = 0
    students: People = 10
    groups: list[GroupSpec] = Field(default_factory=list)
    personas: list[PersonaSpec] = Field(
        default_factory=list,
        description="Kinds of students; shares are drawn (seeded) over the students, the rest "
        "have none",
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return check_zone(value)


class CourseBlock(CourseSpec):
    """A course definition stamped out ``count`` times, each copy with its own people and draws."""

    count: int = Field(
        1,
        ge=1,
        le=100_000,
        description="How many copies of this course; ${i} in name, code and sis_id is the copy "
        "number (1..count)",
    )
    stagger: Duration = Field(
        0,
        description="Each copy's timeline starts at a seeded offset between 0 and this, so "
        "copies do not act in lockstep",
    )
    steps: list[Step] | None = Field(
        None, description="This course's steps; the scenario's top-level steps by default"
    )


class Scenario(Model):
    """A course and what happens in it."""

    name: str = "scenario"
    description: str | None = None
    seed: int = Field(1, description="Default seed; --seed overrides it")
    start: datetime = Field(description="Simulated time of the first step (with offset)")
    job_delay: Duration = Field(5000, description="Delay of the course score recompute job")
    setup_events: bool = Field(
        True,
        description="Emit course_created, user_created, assignment_group_created and "
        "assignment_created before the first step; false for scenarios that start mid-term",
    )
    account: AccountSpec = AccountSpec()
    accounts: list[RootAccountSpec] = Field(
        default_factory=list,
        description="Several root accounts, each on its shard, with its domain, uuid and time "
        "zone; courses say which one they are in (account: KEY); replaces account",
    )
    course: CourseSpec = Field(
        CourseSpec(), description="The one course of a single-course scenario (or use courses)"
    )
    courses: list[CourseBlock] = Field(
        default_factory=list,
        description="Several course definitions, each stamped out count times; replaces course",
    )
    params: dict[str, str | int | float | bool | None] = Field(
        default_factory=dict,
        description="Named values used as ${name} anywhere below; --set name=value overrides",
    )
    steps: list[Step] = Field(default_factory=list)

    @field_validator("start")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        datetime_to_ms(value)
        return value

    @model_validator(mode="after")
    def _course_or_courses(self) -> Scenario:
        if self.courses and "course" in self.model_fields_set:
            raise ValueError("give either course (one course) or courses (several), not both")
        return self

    def blocks(self) -> list[tuple[tuple[str | int, ...], CourseBlock]]:
        """Every course definition with its path in the file; ``course`` is a block of one."""
        if self.courses:
            return [(("courses", index), block) for index, block in enumerate(self.courses)]
        single = CourseBlock.model_construct(self.course.model_fields_set, **dict(self.course))
        return [(("course",), single)]

    def steps_of(
        self, path: tuple[str | int, ...], block: CourseBlock
    ) -> tuple[tuple[str | int, ...], list[Any]]:
        """A block's steps and where they are in the file (the top-level steps by default)."""
        if block.steps is not None:
            return (*path, "steps"), list(block.steps)
        return ("steps",), list(self.steps)
