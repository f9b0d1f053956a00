"""What a course holds as a scenario writes it: people, assignment groups, assignments."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .values import GradingType, Key, Model, SubmissionType, When


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
        return None if value is None else check_zone(value)


def check_zone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA time zone {value!r}, e.g. 'America/Denver'") from None
    return value
