"""The typed values scenario files are written in: durations, times, shares, scores, timing."""

from __future__ import annotations

import difflib
import math
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .durations import parse_duration_ms

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


def parse_when(value: object) -> object:
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
    BeforeValidator(parse_when),
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


Via = Literal["speedgrader", "gradebook", "api", "lti"]


def _score(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError(_SCORE_HELP)
    if isinstance(value, (int, float, Decimal)):
        return float(value)
    if isinstance(value, str) and (_PERCENT.fullmatch(value) or value == "persona"):
        return value
    if isinstance(value, dict) and len(value) == 1:
        return check_distribution(value)
    raise ValueError(_SCORE_HELP)


# A distribution's name -> its parameters, as the scenario writes them.
DISTRIBUTIONS = {"uniform": "[low, high]", "normal": "[mean, sd]", "beta": "[alpha, beta]"}
_DISTRIBUTIONS_HELP = ", ".join(f"{{{name}: {args}}}" for name, args in DISTRIBUTIONS.items())


def check_distribution(value: dict[Any, Any]) -> dict[Any, Any]:
    """A one-key distribution mapping, checked in the author's words: the name (with 'did you
    mean'), two numbers, low <= high, a positive sd, positive alpha and beta."""
    [(name, numbers)] = value.items()
    if name not in DISTRIBUTIONS:
        close = difflib.get_close_matches(str(name), list(DISTRIBUTIONS), n=1)
        close = ["normal"] if str(name).lower() in ("gaussian", "gauss") else close
        hint = f", did you mean {close[0]!r}?" if close else ""
        raise ValueError(
            f"unknown distribution {name!r}{hint} (expected one of: {_DISTRIBUTIONS_HELP})"
        )
    shape = f"{{{name}: {DISTRIBUTIONS[name]}}}"
    if (
        not isinstance(numbers, list)
        or len(numbers) != 2
        or not all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in numbers)
    ):
        raise ValueError(f"{shape} takes a list of two numbers (got {numbers!r})")
    first, second = numbers
    if not all(math.isfinite(n) for n in numbers):
        raise ValueError(f"{shape} takes finite numbers (got {numbers!r})")
    if name == "uniform" and first > second:
        raise ValueError(f"{shape} needs low <= high (got {numbers!r})")
    if name == "normal" and second <= 0:
        raise ValueError(f"{shape} needs a positive sd, the spread (got {second!r})")
    if name == "beta" and (first <= 0 or second <= 0):
        raise ValueError(f"{shape} needs alpha > 0 and beta > 0 (got {numbers!r})")
    return value


def _level(value: object) -> object:
    """A persona's level: a fraction, or a checked distribution."""
    return check_distribution(value) if isinstance(value, dict) and len(value) == 1 else value


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
Level = Annotated[Uniform | Normal | Beta | float, BeforeValidator(_level)]


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


class DurationRange(Model):
    """A duration drawn per action (seeded), both ends included."""

    uniform: tuple[Duration, Duration] = Field(description="[shortest, longest]: ['2h', '3d']")

    @model_validator(mode="after")
    def _ordered(self) -> DurationRange:
        if self.uniform[0] > self.uniform[1]:
            raise ValueError("uniform: [shortest, longest] needs shortest <= longest")
        return self
