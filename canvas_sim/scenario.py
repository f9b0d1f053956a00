"""Scenario files: YAML -> a typed, validated Scenario (every error located at file:line:column)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .durations import datetime_to_ms, parse_duration_ms
from .errors import ScenarioError
from .includes import resolve_includes
from .resources import shipped_dir
from .yamlsource import Located, load_yaml

GradingType = Literal["points", "percent", "pass_fail", "letter_grade", "gpa_scale", "not_graded"]
SubmissionType = Literal[
    "online_text_entry",
    "online_url",
    "online_upload",
    "media_recording",
    "online_quiz",
    "discussion_topic",
    "external_tool",
    "on_paper",
    "none",
    "not_graded",
    "wiki_page",
]


def _duration(value: object) -> int:
    if isinstance(value, (dict, list)):  # not this union member's shape: a type error
        raise PydanticCustomError("duration_type", "expected a duration like '2h' or '1d 4h'")
    return parse_duration_ms(value)


Duration = Annotated[
    int,
    BeforeValidator(_duration),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\+?(\s*\d+(\.\d+)?\s*(ms|w|d|h|m|s))+\s*$"},
                {"type": "number", "minimum": 0},
            ],
            "description": "A duration: '90s', '15m', '2h', '1d 4h', or a number of seconds.",
        }
    ),
]


_DATE = re.compile(r"\s*\d{4}-\d\d-\d\d")
TIMESTAMP_EXAMPLE = "2024-09-05T23:59:00-06:00 (or ...Z for UTC)"


def _when(value: object) -> object:
    """An absolute timestamp (with its UTC offset) stays a datetime; anything else is an offset
    from the start. ValueError says which form was meant and what it lacks."""
    moment = value
    if isinstance(value, str) and _DATE.match(value):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"expected a timestamp like {TIMESTAMP_EXAMPLE}") from None
    if isinstance(moment, date) and not isinstance(moment, datetime):
        raise ValueError(f"a date needs a time and its UTC offset, e.g. {TIMESTAMP_EXAMPLE}")
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            raise ValueError(f"a timestamp needs its UTC offset, e.g. {TIMESTAMP_EXAMPLE}")
        return moment
    try:
        return parse_duration_ms(value)
    except ValueError as exc:
        raise ValueError(f"{exc}; or a timestamp like {TIMESTAMP_EXAMPLE}") from None


When = Annotated[
    datetime | int,
    BeforeValidator(_when),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date-time"},
                {"type": "string", "pattern": r"^\+?(\s*\d+(\.\d+)?\s*(ms|w|d|h|m|s))+\s*$"},
                {"type": "number", "minimum": 0},
            ],
            "description": "An ISO 8601 timestamp with offset, or an offset from the scenario "
            "start ('3d', '+2w 1d 9h').",
        }
    ),
]

_PERCENT = re.compile(r"\d+(\.\d+)?%")


def _at_most_all(value: str) -> str:
    if float(value[:-1]) > 100:
        raise ValueError(f"a share of at most 100% (got {value!r})")
    return value


# A share of something (students, hand-ins): at most 100%.
Percent = Annotated[str, Field(pattern=r"^\d+(\.\d+)?%$"), AfterValidator(_at_most_all)]
# A score as a percentage of the points possible: above 100% with extra_credit.
ScorePercent = Annotated[str, Field(pattern=r"^\d+(\.\d+)?%$")]
Key = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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


class PersonSpec(Model):
    """A named person; anything left out is generated (seeded)."""

    key: Key = Field(description="How steps refer to this person")
    name: str | None = None
    login: str | None = None
    sis_id: str | None = None
    time_zone: str | None = None

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return None if value is None else _check_zone(value)


class CountRange(Model):
    """A number of people drawn per course copy (seeded), both ends included."""

    uniform: tuple[
        Annotated[int, Field(ge=0, le=1_000_000)], Annotated[int, Field(ge=0, le=1_000_000)]
    ] = Field(description="[fewest, most]")

    @model_validator(mode="after")
    def _ordered(self) -> CountRange:
        if self.uniform[0] > self.uniform[1]:
            raise ValueError("uniform: [fewest, most] needs fewest <= most")
        return self


People = Annotated[int, Field(ge=0, le=1_000_000)] | list[PersonSpec] | CountRange


class AssignmentSpec(Model):
    key: Key
    title: str | None = None
    points: Decimal = Field(Decimal(10), ge=0, description="points_possible")
    grading_type: GradingType = "points"
    submission_types: list[SubmissionType] = Field(
        default_factory=lambda: list[SubmissionType](["online_text_entry"]), min_length=1
    )
    due: When | None = Field(None, description="Due date: timestamp or offset from the start")
    post_policy: Literal["automatic", "manual"] = "automatic"
    omit_from_final_grade: bool = False
    published: bool = True

    @model_validator(mode="after")
    def _not_graded_types(self) -> AssignmentSpec:
        if self.grading_type == "not_graded" and self.submission_types != ["not_graded"]:
            object.__setattr__(self, "submission_types", ["not_graded"])
        return self


class GroupSpec(Model):
    key: Key
    name: str | None = None
    weight: Decimal = Field(
        Decimal(0), ge=0, description="Percent of the course grade (weighted courses)"
    )
    drop_lowest: int = Field(0, ge=0)
    drop_highest: int = Field(0, ge=0)
    never_drop: list[Key] = Field(default_factory=list, description="Assignment keys never dropped")
    assignments: list[AssignmentSpec] = Field(default_factory=list)


class PersonaSpec(Model):
    """A kind of student: how many of them, how well they do, how often they hand work in."""

    name: Key
    share: float = Field(gt=0, le=1, description="Fraction of the students (0.25 = a quarter)")
    level: Uniform | Normal | Beta | float = Field(
        description="Score as a fraction of points possible: 0.9, {normal: [0.9, 0.05]}, "
        "{uniform: [0.5, 0.8]}, {beta: [8, 2]}; used by steps with score: persona"
    )
    submits: float = Field(1.0, ge=0, le=1, description="Chance of handing in at each submit")


class CourseSpec(Model):
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
        return _check_zone(value)


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


def _check_zone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA time zone {value!r}, e.g. 'America/Denver'") from None
    return value


# --- steps ----------------------------------------------------------------------------------

Via = Literal["speedgrader", "gradebook", "api", "lti"]


def _score(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError(_SCORE_HELP)
    if isinstance(value, (int, float, Decimal)):
        return float(value)
    if isinstance(value, str) and (_PERCENT.fullmatch(value) or value == "persona"):
        return value
    if isinstance(value, dict) and len(value) == 1:
        return value
    raise ValueError(_SCORE_HELP)


_PERSONA = re.compile(r"persona:[A-Za-z0-9_.\-]+")
_SCORE_HELP = (
    "expected a score: a number, 'NN%' of points, {uniform: [low, high]}, {normal: [mean, sd]}, "
    "{beta: [alpha, beta]} or persona"
)


class Uniform(Model):
    uniform: tuple[float, float] = Field(description="[low, high], drawn uniformly")


class Normal(Model):
    normal: tuple[float, float] = Field(description="[mean, standard deviation]")


class Beta(Model):
    """A fraction of the points possible drawn from Beta(alpha, beta): skewed, bounded 0..1."""

    beta: tuple[Annotated[float, Field(gt=0)], Annotated[float, Field(gt=0)]] = Field(
        description="[alpha, beta]; [8, 2] bunches scores near 80% of points"
    )


Score = Annotated[
    float | ScorePercent | Literal["persona"] | Uniform | Normal | Beta, BeforeValidator(_score)
]


def _students(value: object) -> object:
    if value in STUDENT_SETS or (isinstance(value, str) and _PERCENT.fullmatch(value)):
        return value
    if isinstance(value, str) and _PERSONA.fullmatch(value):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    raise ValueError(
        "expected students: 'all', 'submitted', 'unsubmitted', a percentage like '30%', "
        "'persona:NAME', or a list of keys"
    )


# submitted / unsubmitted: the students who have (not) handed in the step's assignment
STUDENT_SETS = ("all", "submitted", "unsubmitted")
PersonaSelection = Annotated[str, Field(pattern=r"^persona:[A-Za-z0-9_.\-]+$")]
Students = Annotated[
    Literal["all", "submitted", "unsubmitted"] | Percent | PersonaSelection | list[Key],
    BeforeValidator(_students),
]


class Timing(Model):
    at: When | None = Field(
        None, description="When the step starts: timestamp or offset from start"
    )
    after: Duration | None = Field(None, description="Start this long after the previous step ends")
    over: Duration | None = Field(None, description="Spread the step's actions over this window")


class EnrollParams(Model):
    users: Literal["all", "students", "teachers", "tas"] | list[Key] = "all"
    state: Literal["active", "invited"] = "active"


class AcceptParams(Model):
    students: Students = "all"


class SubmitParams(Model):
    assignment: Key
    students: Students = "all"
    type: str | None = Field(None, description="Submission type; the assignment's first by default")
    body: str | None = Field(None, description="Text of an online_text_entry; generated if absent")
    url: str | None = None
    missing: Percent | None = Field(
        None, description="Share of the selected students who never hand this in"
    )
    before_due: Duration | None = Field(
        None,
        description="Hand-ins arrive in this window before the assignment's due date, bunched "
        "up near the deadline (instead of the step's own timing)",
    )
    late: Percent | None = Field(
        None, description="Share of the students handing in who do so after the due date"
    )
    late_by: Annotated[Duration, Field(gt=0)] = Field(
        86_400_000, description="Late work arrives up to this long after the due date"
    )

    @model_validator(mode="after")
    def _late_needs_window(self) -> SubmitParams:
        if self.late is not None and self.before_due is None:
            raise ValueError("late needs before_due (hand-ins are then timed around the due date)")
        return self


class DurationRange(Model):
    """A duration drawn per action (seeded), both ends included."""

    uniform: tuple[Duration, Duration] = Field(description="[shortest, longest]: ['2h', '3d']")

    @model_validator(mode="after")
    def _ordered(self) -> DurationRange:
        if self.uniform[0] > self.uniform[1]:
            raise ValueError("uniform: [shortest, longest] needs shortest <= longest")
        return self


class GradeParams(Model):
    assignment: Key
    students: Students = "all"
    score: Score = Field(
        description="A number, 'NN%' of points, {uniform: [lo, hi]}, {normal: [mean, sd]}, "
        "{beta: [alpha, beta]} (a fraction of points), or persona"
    )
    extra_credit: bool = Field(False, description="Allow scores above points possible")
    via: Via = "speedgrader"
    grader: Key | None = Field(None, description="Teacher or TA key; the first teacher by default")
    delay: Duration | DurationRange | None = Field(
        None,
        description="Grade each student's work this long after they handed it in ('1d' or "
        "{uniform: ['2h', '3d']}); work not handed in is graded that long after the step "
        "starts. Replaces the step's own spacing",
    )


class ExcuseParams(Model):
    assignment: Key
    students: Students = "all"
    via: Via = "speedgrader"
    grader: Key | None = None


class TakeQuizParams(Model):
    assignment: Key
    students: Students = "all"
    score: Score
    needs_review: bool = Field(False, description="Essay questions: pending_review, partial score")


class UpdateAssignmentParams(Model):
    assignment: Key
    points: Decimal | None = Field(None, ge=0)
    grading_type: GradingType | None = None
    published: bool | None = Field(None, description="Publish (true) or unpublish (false)")
    omit_from_final_grade: bool | None = None
    title: str | None = None
    grader: Key | None = None


class CreateAssignmentParams(AssignmentSpec):
    """A new assignment, added to an existing group at the step's time."""

    group: Key = Field(description="The group it belongs to")
    grader: Key | None = Field(None, description="The teacher who creates it")


class CreateGroupParams(GroupSpec):
    """A new assignment group (with any assignments in it), added at the step's time."""

    grader: Key | None = Field(None, description="The teacher who creates it")


class UpdateGroupParams(Model):
    group: Key
    name: str | None = None
    weight: Decimal | None = Field(None, ge=0)
    drop_lowest: int | None = Field(None, ge=0)
    drop_highest: int | None = Field(None, ge=0)
    never_drop: list[Key] | None = None
    grader: Key | None = None


class EnrollmentChangeParams(Model):
    students: Students = Field(description="Students whose enrollment changes")


class PostParams(Model):
    assignment: Key
    students: Students = "all"
    grader: Key | None = None


class OverrideParams(Model):
    students: Students = "all"
    score: Score | None = Field(description="The final grade override in percent; null removes it")
    grader: Key | None = None


class StatusParams(Model):
    assignment: Key
    students: Students = "all"
    status: str | None = Field(description="A course custom status name; null removes it")
    grader: Key | None = None


class CommentParams(Model):
    assignment: Key
    students: Students = "all"
    author: Literal["student", "teacher"] | Key = "teacher"
    text: str | None = Field(None, description="Comment text; generated if absent")
    words: Annotated[int, Field(ge=1, le=1000)] | CountRange | None = Field(
        None, description="Length of generated text in words: 25 or {uniform: [5, 60]}"
    )
    count: Annotated[int, Field(ge=0, le=100)] | CountRange = Field(
        1, description="Comments per student: 2 or {uniform: [0, 3]}"
    )
    attachments: Annotated[int, Field(ge=0, le=10)] | CountRange = Field(
        0, description="Files attached to each comment: 1 or {uniform: [0, 2]}"
    )

    @model_validator(mode="after")
    def _ranges_within_limits(self) -> CommentParams:
        for name, most in (("words", 1000), ("count", 100), ("attachments", 10)):
            value = getattr(self, name)
            if isinstance(value, CountRange) and value.uniform[1] > most:
                raise ValueError(f"{name}: at most {most}")
        return self


def _empty_params(value: object) -> object:
    """``- enroll:`` with nothing after it means the defaults."""
    return {} if value is None else value


class EnrollStep(Timing):
    enroll: Annotated[EnrollParams, BeforeValidator(_empty_params)]


class AcceptInvitationStep(Timing):
    accept_invitation: Annotated[AcceptParams, BeforeValidator(_empty_params)]


class SubmitStep(Timing):
    submit: SubmitParams


class GradeStep(Timing):
    grade: GradeParams


class ExcuseStep(Timing):
    excuse: ExcuseParams


class TakeQuizStep(Timing):
    take_quiz: TakeQuizParams


class UpdateAssignmentStep(Timing):
    update_assignment: UpdateAssignmentParams


class UpdateGroupStep(Timing):
    update_group: UpdateGroupParams


class CreateAssignmentStep(Timing):
    create_assignment: CreateAssignmentParams


class CreateGroupStep(Timing):
    create_group: CreateGroupParams


class ConcludeStep(Timing):
    conclude: EnrollmentChangeParams


class DropStep(Timing):
    drop: EnrollmentChangeParams


class PostGradesStep(Timing):
    post_grades: PostParams


class HideGradesStep(Timing):
    hide_grades: PostParams


class OverrideGradeStep(Timing):
    override_grade: OverrideParams


class SetStatusStep(Timing):
    set_status: StatusParams


class CommentStep(Timing):
    comment: CommentParams


STEP_MODELS: dict[str, type[Timing]] = {
    "enroll": EnrollStep,
    "accept_invitation": AcceptInvitationStep,
    "submit": SubmitStep,
    "grade": GradeStep,
    "excuse": ExcuseStep,
    "take_quiz": TakeQuizStep,
    "update_assignment": UpdateAssignmentStep,
    "update_group": UpdateGroupStep,
    "create_assignment": CreateAssignmentStep,
    "create_group": CreateGroupStep,
    "conclude": ConcludeStep,
    "drop": DropStep,
    "post_grades": PostGradesStep,
    "hide_grades": HideGradesStep,
    "override_grade": OverrideGradeStep,
    "set_status": SetStatusStep,
    "comment": CommentStep,
}
TIMING_KEYS = frozenset(Timing.model_fields)


def step_action(step: Any) -> str | None:
    """The action key of a raw or validated step."""
    keys = step.keys() if isinstance(step, Mapping) else type(step).model_fields
    for key in keys:
        if key in STEP_MODELS:
            return str(key)
    return None


Step = Annotated[
    Annotated[EnrollStep, Tag("enroll")]
    | Annotated[AcceptInvitationStep, Tag("accept_invitation")]
    | Annotated[SubmitStep, Tag("submit")]
    | Annotated[GradeStep, Tag("grade")]
    | Annotated[ExcuseStep, Tag("excuse")]
    | Annotated[TakeQuizStep, Tag("take_quiz")]
    | Annotated[UpdateAssignmentStep, Tag("update_assignment")]
    | Annotated[UpdateGroupStep, Tag("update_group")]
    | Annotated[CreateAssignmentStep, Tag("create_assignment")]
    | Annotated[CreateGroupStep, Tag("create_group")]
    | Annotated[ConcludeStep, Tag("conclude")]
    | Annotated[DropStep, Tag("drop")]
    | Annotated[PostGradesStep, Tag("post_grades")]
    | Annotated[HideGradesStep, Tag("hide_grades")]
    | Annotated[OverrideGradeStep, Tag("override_grade")]
    | Annotated[SetStatusStep, Tag("set_status")]
    | Annotated[CommentStep, Tag("comment")],
    Discriminator(step_action),
]


CourseBlock.model_rebuild()


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
        single = CourseBlock.model_construct(**dict(self.course))
        return [(("course",), single)]

    def steps_of(
        self, path: tuple[str | int, ...], block: CourseBlock
    ) -> tuple[tuple[str | int, ...], list[Any]]:
        """A block's steps and where they are in the file (the top-level steps by default)."""
        if block.steps is not None:
            return (*path, "steps"), list(block.steps)
        return ("steps",), list(self.steps)


# --- loading --------------------------------------------------------------------------------


def json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files (for editors: the YAML language server)."""
    schema = Scenario.model_json_schema()
    defs = schema["$defs"]
    step = dict(schema["properties"]["steps"]["items"])
    step["oneOf"] = [*step["oneOf"], {"$ref": "#/$defs/RepeatBlock"}]
    defs["Step"] = step
    defs["RepeatBlock"] = {
        "type": "object",
        "title": "RepeatBlock",
        "description": "Steps repeated N times; ${n} is the iteration number (1..N).",
        "additionalProperties": False,
        "required": ["repeat", "steps"],
        "properties": {
            "repeat": {"type": "integer", "minimum": 1, "maximum": 10_000},
            "at": defs["GradeStep"]["properties"]["at"],
            "every": defs["GradeStep"]["properties"]["after"],
            "steps": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/Step"}},
        },
    }
    include = {
        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
        "description": "Other YAML file(s), relative to this one, merged under this mapping's "
        "own keys",
    }
    defs["Include"] = {
        "type": "object",
        "title": "Include",
        "description": "Replaced by the items of the named file's list.",
        "additionalProperties": False,
        "required": ["include"],
        "properties": {"include": {"type": "string"}},
    }
    step["oneOf"].append({"$ref": "#/$defs/Include"})
    for node in [schema, *defs.values()]:
        if node.get("additionalProperties") is False and node is not defs["Include"]:
            node["properties"].setdefault("include", include)
    schema["properties"]["steps"]["items"] = {"$ref": "#/$defs/Step"}
    block_steps = defs["CourseBlock"]["properties"]["steps"]["anyOf"]
    next(s for s in block_steps if s.get("type") == "array")["items"] = {"$ref": "#/$defs/Step"}
    _allow_placeholders(schema)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Canvas Live Events simulator scenario"
    return schema


_KEY_PATTERN = r"^[A-Za-z0-9_.\-]+$"
_KEY_OR_PLACEHOLDER = r"^([A-Za-z0-9_.\-]|\$\{[A-Za-z_][A-Za-z0-9_]*\})+$"


_WHOLE_PLACEHOLDER = {"type": "string", "pattern": r"^\$\{[A-Za-z_][A-Za-z0-9_]*\}$"}
_KEPT_OUTSIDE = ("title", "description", "default")


def _allow_placeholders(node: Any) -> None:
    """The file may hold ``${name}`` placeholders (resolved before validation): in keys, and
    as a whole number or flag (``count: ${courses}``), so editors accept what the loader does."""
    if isinstance(node, dict):
        if node.get("pattern") == _KEY_PATTERN:
            node["pattern"] = _KEY_OR_PLACEHOLDER
        for value in node.values():
            _allow_placeholders(value)
        if node.get("type") in ("integer", "number", "boolean"):
            inner = {k: v for k, v in node.items() if k not in _KEPT_OUTSIDE}
            for key in inner:
                del node[key]
            node["anyOf"] = [inner, dict(_WHOLE_PLACEHOLDER)]
    elif isinstance(node, list):
        for value in node:
            _allow_placeholders(value)


def load_scenario(
    path: str | Path, overrides: Mapping[str, str] | None = None
) -> tuple[Scenario, Located]:
    """Read and validate a scenario file; ScenarioError (file:line:col) on any mistake.

    A bare name that is no file here (``quickstart``, ``load.yaml``) is a shipped scenario.
    """
    path = _shipped_scenario(Path(path))
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        shipped = ", ".join(sorted(p.stem for p in shipped_dir("scenarios").glob("*.yaml")))
        raise ScenarioError(
            f"no such scenario file (shipped scenarios, by name: {shipped})", file=file
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read scenario: {exc}", file=file) from None
    return parse_scenario(text, file, overrides)


def _shipped_scenario(path: Path) -> Path:
    """``path``, or the shipped scenario it names when it is a bare name and no file here."""
    if path.exists() or path.parent != Path("."):
        return path
    for name in (path.name, path.name + ".yaml"):
        shipped = shipped_dir("scenarios") / name
        if shipped.is_file():
            return shipped
    return path


def parse_scenario(
    text: str, file: str = "<scenario>", overrides: Mapping[str, str] | None = None
) -> tuple[Scenario, Located]:
    """Validate YAML text as a scenario; ``overrides`` are ``--set`` values of its params."""
    located = load_yaml(text, file)
    resolve_includes(located)
    if not isinstance(located.data, dict):
        raise located.error("expected a mapping at the top of the scenario", ())
    if "course" in located.data and "courses" in located.data:
        raise located.error(
            "give either course (one course) or courses (several), not both", ("courses",)
        )
    from_set = resolve_params(located, overrides or {})
    expand_repeats(located)
    _refuse_stray_index(located.data, (), located)
    _precheck_steps(located)
    try:
        scenario = Scenario.model_validate(located.data)
    except ValidationError as exc:
        raise _first_error(exc, located, from_set) from None
    return scenario, located


_PARAM = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Filled in later: ${n} by a repeat block's unrolling, ${i} by each copy of a course.
RESERVED_PARAMS = frozenset({"n", "i"})
COPY_FIELDS = ("name", "code", "sis_id")


PERSON_COPY_FIELDS = ("name", "login", "sis_id")


def _check_reserved(located: Located, name: str, path: tuple[str | int, ...]) -> None:
    if name != "i":
        return
    in_course = len(path) == 3 and path[0] == "courses" and path[2] in COPY_FIELDS
    in_person = (
        len(path) == 5
        and path[0] == "courses"
        and path[2] in ("teachers", "tas", "students")
        and path[4] in PERSON_COPY_FIELDS
    )
    if not (in_course or in_person):
        raise located.error(
            "${i} (the copy number) may only appear under courses: in a course's "
            + ", ".join(COPY_FIELDS)
            + ", or a listed person's "
            + ", ".join(PERSON_COPY_FIELDS),
            path,
        )


def resolve_params(
    located: Located, overrides: Mapping[str, str]
) -> dict[tuple[str | int, ...], str]:
    """Replace ``${name}`` by the scenario's params (a whole ``${name}`` keeps its type).

    Returns where a ``--set`` value went: path -> ``--set name=value``, so that an error there
    can say where the value came from.
    """
    data = located.data
    params = data.get("params", {})
    if not isinstance(params, dict):
        raise located.error("params must be a mapping of names to values", ("params",))
    values = dict(params)
    for name in values:
        if name in RESERVED_PARAMS:
            meaning = "a repeat block's iteration" if name == "n" else "a course's copy"
            message = f"params: {name!r} is reserved (${{{name}}} is {meaning} number)"
            raise located.error(message, ("params", name))
    for name, raw in overrides.items():
        if name not in values:
            declared = ", ".join(sorted(values)) or "none"
            raise ScenarioError(
                f"--set {name}: the scenario declares no such parameter (params: {declared})",
                file=located.file,
            )
        try:
            values[name] = yaml.safe_load(raw) if raw.strip() else raw
        except yaml.YAMLError:
            values[name] = raw
    data["params"] = values
    from_set: dict[tuple[str | int, ...], str] = {}

    def substitute(value: Any, path: tuple[str | int, ...]) -> Any:
        if isinstance(value, dict):
            return {k: substitute(v, (*path, str(k))) for k, v in value.items()}
        if isinstance(value, list):
            return [substitute(v, (*path, i)) for i, v in enumerate(value)]
        if not isinstance(value, str) or "${" not in value:
            return value
        for name in _PARAM.findall(value):
            if name in RESERVED_PARAMS:
                _check_reserved(located, name, path)
                continue
            if name not in values:
                declared = ", ".join(sorted(values)) or "none"
                raise located.error(f"unknown parameter ${{{name}}} (params: {declared})", path)
            if name in overrides:
                from_set[path] = f"--set {name}={overrides[name]}"
        whole = _PARAM.fullmatch(value)
        if whole and whole.group(1) not in RESERVED_PARAMS:
            return values[whole.group(1)]
        return _PARAM.sub(
            lambda m: m.group(0) if m.group(1) in RESERVED_PARAMS else str(values[m.group(1)]),
            value,
        )

    for key in list(data):
        if key != "params":
            data[key] = substitute(data[key], (key,))
    return from_set


REPEAT_KEYS = frozenset({"repeat", "every", "at", "steps"})
_INDEX = re.compile(r"\$\{n\}")


def step_lists(data: Any) -> list[tuple[str | int, ...]]:
    """Paths of every list of steps in raw scenario data: the top level's and each course's."""
    paths: list[tuple[str | int, ...]] = []
    if isinstance(data.get("steps"), list):
        paths.append(("steps",))
    courses = data.get("courses")
    if isinstance(courses, list):
        for index, block in enumerate(courses):
            if isinstance(block, dict) and isinstance(block.get("steps"), list):
                paths.append(("courses", index, "steps"))
    return paths


def _at(data: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def _refuse_stray_index(value: Any, path: tuple[str | int, ...], located: Located) -> None:
    """After unrolling, a ``${n}`` left anywhere was written outside a repeat block."""
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_stray_index(item, (*path, str(key)), located)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_stray_index(item, (*path, index), located)
    elif isinstance(value, str) and "${n}" in value:
        raise located.error(
            "${n} (the iteration number) is only defined in the steps of a repeat block", path
        )


def expand_repeats(located: Located) -> None:
    """Unroll ``- repeat: N`` blocks into N copies of their ``steps`` (``${n}`` = 1..N).

    Iteration k starts at the block's ``at`` plus k times ``every``; without ``every`` the
    iterations follow one another. Errors in a copy point at the block's own lines.
    """
    for path in step_lists(located.data):
        _expand_repeats_at(located, path)


def _expand_repeats_at(located: Located, base: tuple[str | int, ...]) -> None:
    steps = _at(located.data, base)
    if not any(isinstance(step, dict) and "repeat" in step for step in steps):
        return
    expanded: list[Any] = []
    moved: list[tuple[tuple[str | int, ...], tuple[str | int, ...]]] = []  # new path <- old
    for index, step in enumerate(steps):
        if not (isinstance(step, dict) and "repeat" in step):
            moved.append(((*base, len(expanded)), (*base, index)))
            expanded.append(step)
            continue
        here = (*base, index)
        unknown = sorted(set(step) - REPEAT_KEYS)
        if unknown:
            raise located.error(
                f"unknown key {unknown[0]!r} in a repeat block "
                "(expected: repeat, every, at, steps)",
                (*here, unknown[0]),
            )
        times, block = step.get("repeat"), step.get("steps")
        if not isinstance(times, int) or isinstance(times, bool) or not 1 <= times <= 10_000:
            raise located.error(
                "repeat takes a whole number of times, 1 to 10000", (*here, "repeat")
            )
        if not isinstance(block, list) or not block:
            raise located.error("a repeat block needs a list of steps", (*here, "steps"))
        every = step.get("every")
        if every is not None and step.get("at") is None:
            raise located.error(
                "every needs the block's at (when the first iteration starts)", here
            )
        try:
            start = _when(step["at"]) if "at" in step else None
            period = parse_duration_ms(every) if every is not None else None
        except ValueError as exc:
            raise located.error(str(exc), here) from None
        for k in range(times):
            for inner, template in enumerate(block):
                copy = _with_index(template, k + 1)
                if inner == 0 and start is not None and isinstance(copy, dict):
                    offset = (period or 0) * k
                    copy = {"at": _shifted(start, offset), **{
                        key: value for key, value in copy.items() if key not in ("at", "after")
                    }}  # fmt: skip
                moved.append(((*base, len(expanded)), (*here, "steps", inner)))
                expanded.append(copy)
    parent = _at(located.data, base[:-1])
    parent[base[-1]] = expanded
    old = dict(located.positions)
    for path in old:
        if path[: len(base)] == base and len(path) > len(base):
            del located.positions[path]
    for new_path, old_path in moved:
        size = len(old_path)
        for path, position in old.items():
            if path[:size] == old_path:
                located.positions[(*new_path, *path[size:])] = position


def _with_index(value: Any, n: int) -> Any:
    if isinstance(value, dict):
        return {key: _with_index(item, n) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_index(item, n) for item in value]
    if isinstance(value, str) and "${n}" in value:
        return _INDEX.sub(str(n), value)
    return value


def _shifted(start: object, offset_ms: int) -> object:
    if isinstance(start, datetime):
        return start + timedelta(milliseconds=offset_ms)
    assert isinstance(start, int)
    return f"{(start + offset_ms) / 1000}s"


def _precheck_steps(located: Located) -> None:
    """Name the step's action before pydantic does, with a 'did you mean' for typos."""
    for base in step_lists(located.data):
        for index, step in enumerate(_at(located.data, base)):
            _precheck_step(located, step, (*base, index))


def _precheck_step(located: Located, step: Any, here: tuple[str | int, ...]) -> None:
    if not isinstance(step, dict):
        raise located.error(
            f"expected a step mapping with one action ({', '.join(STEP_MODELS)})", here
        )
    actions = [key for key in step if key in STEP_MODELS]
    if len(actions) > 1:
        raise located.error(f"a step has exactly one action, found {', '.join(actions)}", here)
    if not actions:
        unknown = [key for key in step if key not in TIMING_KEYS]
        hint = ""
        if unknown:
            close = difflib.get_close_matches(str(unknown[0]), list(STEP_MODELS), n=1)
            hint = f" (unknown step {unknown[0]!r}" + (
                f", did you mean {close[0]!r}?)" if close else ")"
            )
        raise located.error(
            f"expected one action: {', '.join(STEP_MODELS)}{hint}", (*here, *(unknown[:1]))
        )


def _rank(errors: list[Any]) -> Callable[[Any], int]:
    """Which error to report first, of all pydantic found (one per union member tried).

    A value of the right shape but out of bounds (from a mapping whose keys all fit) says the
    most; then a misspelt key (it also makes the real key "missing", reported last); then a
    value of the wrong type.
    """
    keyed = [e["loc"][:-1] for e in errors if _key_error(e)]

    def rank(error: Any) -> int:
        kind, loc = error["type"], error["loc"]
        if kind == "missing" and _key_error(error):
            return 4
        if kind == "extra_forbidden":
            return 1
        shaped = not (kind.endswith("_type") or kind in ("literal_error", "union_tag_invalid"))
        clean = not any(loc[: len(prefix)] == prefix for prefix in keyed)
        if shaped and clean:
            return 0
        return 2 if clean else 3

    return rank


def _member_model(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The union member a misspelt key was checked against (its class name is in the loc)."""
    part = loc[-2] if len(loc) > 1 else None
    if isinstance(part, str):  # "CountRange", or "function-after[_ordered(), CountRange]"
        name = re.findall(r"[A-Za-z_]\w*", part)[-1:] or [""]
        models = {cls.__name__: cls for cls in _all_models(Model)}
        return models.get(name[0])
    return None


def _all_models(base: type[BaseModel]) -> list[type[BaseModel]]:
    found = []
    for cls in base.__subclasses__():
        found += [cls, *_all_models(cls)]
    return found


def _key_error(error: Any) -> bool:
    """A misspelt or missing key (a missing tuple position is a short list, not a key)."""
    kind, loc = error["type"], error["loc"]
    return kind == "extra_forbidden" or (kind == "missing" and not isinstance(loc[-1], int))


def _first_error(
    exc: ValidationError,
    located: Located,
    from_set: Mapping[tuple[str | int, ...], str],
) -> ScenarioError:
    errors = exc.errors(include_url=False)
    error = min(errors, key=_rank(errors))
    keyed = error["type"] in ("extra_forbidden", "missing")
    path = _data_path(located.data, error["loc"], keyed)
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        key = str(path[-1])
        model = _member_model(error["loc"]) or _model_at(located.data, path[:-1])
        allowed = sorted(model.model_fields) if model else []
        close = difflib.get_close_matches(key, allowed, n=1)
        message = f"unknown key {key!r}" + (f", did you mean {close[0]!r}?" if close else "")
        if allowed:
            message += f" (expected one of: {', '.join(allowed)})"
    elif error["type"] == "missing" and isinstance(error["loc"][-1], int):
        message = f"too few values: item {error['loc'][-1]} is missing"
    elif error["type"] == "missing":
        message = f"missing required key {str(error['loc'][-1])!r}"
    else:
        message = _plain_words(error) or message
        given = error.get("input")
        if isinstance(given, (str, int, float)) and repr(given) not in message:
            message += f" (got {given!r})"
    setting = next((v for k, v in from_set.items() if path[: len(k)] == k), None)
    if setting is not None:
        message += f"; the value comes from {setting}"
    return located.error(message, path)


# pydantic's error types, said in the scenario author's words.
_PLAIN_WORDS = {
    "int_parsing": "expected a whole number",
    "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "decimal_parsing": "expected a number",
    "decimal_type": "expected a number",
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "string_type": "expected text",
    "list_type": "expected a list, e.g. [a, b]",
    "dict_type": "expected a mapping, e.g. {key: value}",
    "model_type": "expected a mapping, e.g. {key: value}",
    "datetime_parsing": "expected a date and time like 2024-09-02T08:00:00-06:00",
    "datetime_from_date_parsing": "expected a date and time like 2024-09-02T08:00:00-06:00",
    "datetime_type": "expected a date and time like 2024-09-02T08:00:00-06:00",
}
# Patterns of the scenario model, said as examples.
_PATTERN_WORDS = {
    r"^\d+(\.\d+)?%$": "expected a percentage like '8%'",
    r"^[A-Za-z0-9_.\-]+$": "expected a key of letters, digits, '_', '.' or '-' (no spaces)",
    r"^persona:[A-Za-z0-9_.\-]+$": "expected persona:NAME",
}
_BOUNDS = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}


def _plain_words(error: Any) -> str | None:
    """The message for a pydantic error in plain words, or None to keep pydantic's."""
    kind, context = error["type"], error.get("ctx") or {}
    if kind in _PLAIN_WORDS:
        return _PLAIN_WORDS[kind]
    if kind == "literal_error":
        return f"expected {context['expected']}"
    if kind == "string_pattern_mismatch":
        return _PATTERN_WORDS.get(context.get("pattern", ""))
    bound = next((b for b in _BOUNDS if b in context), None)
    if bound is not None:
        return f"expected a number {_BOUNDS[bound]} {context[bound]}"
    return None


def _data_path(data: Any, loc: tuple[Any, ...], keyed: bool = True) -> tuple[str | int, ...]:
    """Follow pydantic's error location through the data, skipping union/tag names."""
    path: list[str | int] = []
    current = data
    for k in range(len(loc) - 2):
        if loc[k] == "steps" and isinstance(loc[k + 1], int):
            loc = loc[: k + 2] + loc[k + 3 :]  # drop the step's union tag
            break
    for part in loc:
        in_dict = isinstance(current, dict) and part in current
        if in_dict or (isinstance(current, list) and isinstance(part, int) and part < len(current)):
            path.append(part)
            current = current[part]
        elif keyed and isinstance(current, dict) and not isinstance(part, int) and part == loc[-1]:
            path.append(part)  # a missing or extra key: point at its mapping
    return tuple(path)


def _model_at(data: Any, path: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The model class that validates the mapping at ``path`` (for 'did you mean')."""
    model: type[BaseModel] | None = Scenario
    for index, part in enumerate(path):
        if model is None:
            return None
        if isinstance(part, int):
            if index and path[index - 1] == "steps":
                model = STEP_MODELS.get(step_action(_at(data, path[: index + 1])) or "")
            continue
        model = _field_model(model, part)
    return model


def _field_model(model: type[BaseModel], name: str) -> type[BaseModel] | None:
    field = model.model_fields.get(name)
    return None if field is None else _find_model(field.annotation)


def _find_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _find_model(arg)
        if found is not None:
            return found
    return None
