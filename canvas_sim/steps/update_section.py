"""``update_section``: a teacher renames, re-dates or deletes a course section:
course_section_updated (ids local; the section API has no course context)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..bodies.groups import section_fields
from ..values import Key
from ..world import User
from .base import Step, StepKind, require_alive, save_given, when_ms
from .checks import References
from .create_section import SectionParams

if TYPE_CHECKING:
    from ..course import CourseEngine


class UpdateSectionParams(SectionParams):
    section: Key
    delete: bool = False


def _check(refs: References, step: Step, params: UpdateSectionParams) -> None:
    refs.known(step, "section", params.section, "section")
    if params.author is not None:
        refs.person(step, params.author, ("teacher", "ta"), "author")


def update_section(
    ctx: CourseEngine, step: Step, params: UpdateSectionParams, user: User | None
) -> None:
    world, course = ctx.world, ctx.course
    section = world.records.sections[params.section]
    require_alive(step, section, "section", "section")
    save_given(
        ctx,
        section,
        "course_section_updated",
        lambda: ctx.requests.outside_course(
            ctx.people.grader(params.author),
            "DELETE" if params.delete else "PUT",
            f"/api/v1/sections/{section.id}",
            f"/courses/{course.id}/sections/{section.id}",
        ),
        lambda request: section_fields(world, section, request.zone),
        name=params.name,
        sis_id=params.sis_id,
        start_at=when_ms(ctx.start_ms, params.start_at),
        end_at=when_ms(ctx.start_ms, params.end_at),
        restrict_to_dates=params.restrict_to_dates,
        workflow_state="deleted" if params.delete else None,
    )


KIND = StepKind(
    "update_section",
    UpdateSectionParams,
    update_section,
    emits=("course_section_updated",),
    check=_check,
    whole=True,
)
