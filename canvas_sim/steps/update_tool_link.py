"""``update_tool_link``: the tool changes one of its resource links through Canvas's LTI
Resource Links API (a tool's call: no user keys): lti_resource_link_updated."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from ..bodies.admin import tool_link_fields
from ..values import Key, Model
from ..world import User
from .base import Step, StepKind, require_alive, save_given
from .checks import References

if TYPE_CHECKING:
    from ..course import CourseEngine


class UpdateToolLinkParams(Model):
    link: Key
    title: str | None = None
    url: str | None = None
    delete: bool = Field(False, description="Remove the link (workflow_state deleted)")


def _check(refs: References, step: Step, params: UpdateToolLinkParams) -> None:
    refs.known(step, "tool link", params.link, "link")


def update_tool_link(
    ctx: CourseEngine, step: Step, params: UpdateToolLinkParams, user: User | None
) -> None:
    world, course = ctx.world, ctx.course
    link = world.records.tool_links[params.link]
    require_alive(step, link, "tool link", "link")
    path = f"/api/lti/courses/{course.id}/resource_links/{link.id}"
    save_given(
        ctx,
        link,
        "lti_resource_link_updated",
        lambda: ctx.requests.request(
            ctx.people.teachers[0], "DELETE" if params.delete else "PUT", path, None, "lti"
        ),
        lambda request: tool_link_fields(world, link),
        title=params.title,
        url=params.url,
        workflow_state="deleted" if params.delete else None,
    )


KIND = StepKind(
    "update_tool_link",
    UpdateToolLinkParams,
    update_tool_link,
    emits=("lti_resource_link_updated",),
    check=_check,
    whole=True,
)
