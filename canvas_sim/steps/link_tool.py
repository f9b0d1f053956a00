"""``link_tool``: a teacher places an LTI 1.3 tool in the course (deep linking into a module or
onto an assignment): lti_resource_link_created."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from ..bodies.admin import tool_link_fields
from ..randoms import rfc_uuid
from ..records import ToolLink
from ..values import Key, Model
from ..world import User
from .base import Step, StepKind
from .checks import References

if TYPE_CHECKING:
    from ..course import CourseEngine


class LinkToolParams(Model):
    key: Key = Field(description="How later steps name the link")
    title: str = "Interactive lab"
    url: str = Field("https://tool.example.com/launch", description="The tool's launch URL")
    assignment: Key | None = Field(None, description="Place it on this assignment (context)")
    author: Key | None = None


def _declare(refs: References, step: Step, params: LinkToolParams) -> None:
    refs.declare(step, "tool link", params.key, "key")
    if params.author is not None:
        refs.person(step, params.author, ("teacher", "ta"), "author")


def link_tool(ctx: CourseEngine, step: Step, params: LinkToolParams, user: User | None) -> None:
    world, course, records = ctx.world, ctx.course, ctx.world.records
    if records.tool_id is None:
        records.tool_id = world.ids.next("context_external_tools")
    assignment = None if params.assignment is None else course.assignments[params.assignment]
    link = ToolLink(
        world.ids.next("lti_resource_links"),
        params.key,
        rfc_uuid(ctx.rng),
        rfc_uuid(ctx.rng),
        records.tool_id,
        params.url,
        params.title,
        None if assignment is None else assignment.id,
    )
    records.tool_links[link.key] = link
    path = f"/courses/{course.id}/deep_linking_response"
    request = ctx.requests.request(
        ctx.people.grader(params.author), "POST", path, f"/courses/{course.id}/modules"
    )
    ctx.clock.emit("lti_resource_link_created", request, tool_link_fields(world, link))


KIND = StepKind(
    "link_tool",
    LinkToolParams,
    link_tool,
    emits=("lti_resource_link_created",),
    declare=_declare,
    whole=True,
)
