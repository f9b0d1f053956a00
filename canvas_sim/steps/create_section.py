"""``create_section``: a teacher adds a course section: course_section_created (ids local)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from ..bodies.groups import section_fields
from ..records import Section
from ..values import Key, Model, When
from ..world import User
from .base import Step, StepKind, when_ms
from .checks import References

if TYPE_CHECKING:
    from ..course import CourseEngine


class SectionParams(Model):
    name: str | None = None
    sis_id: str | None = Field(None, description="The section's SIS id (sis_source_id)")
    start_at: When | None = None
    end_at: When | None = None
    restrict_to_dates: bool | None = Field(
        None, description="Students may act only between start_at and end_at"
    )
    author: Key | None = Field(None, description="The teacher who saves it")


class CreateSectionParams(SectionParams):
    key: Key = Field(description="How later steps name the section")


def _declare(refs: References, step: Step, params: CreateSectionParams) -> None:
    refs.declare(step, "section", params.key, "key")
    if params.author is not None:
        refs.person(step, params.author, ("teacher", "ta"), "author")


def create_section(
    ctx: CourseEngine, step: Step, params: CreateSectionParams, user: User | None
) -> None:
    world, course = ctx.world, ctx.course
    section = Section(
        world.ids.next("course_sections"),
        params.key,
        params.name or params.key.replace("_", " ").title(),
        params.sis_id,
        when_ms(ctx.start_ms, params.start_at),
        when_ms(ctx.start_ms, params.end_at),
        bool(params.restrict_to_dates),
    )
    world.records.sections[params.key] = section
    request = ctx.requests.request(
        ctx.people.grader(params.author),
        "POST",
        f"/api/v1/courses/{course.id}/sections",
        f"/courses/{course.id}/settings#tab-sections",
    )
    ctx.clock.emit("course_section_created", request, section_fields(world, section, request.zone))


KIND = StepKind(
    "create_section",
    CreateSectionParams,
    create_section,
    emits=("course_section_created",),
    declare=_declare,
    whole=True,
)
