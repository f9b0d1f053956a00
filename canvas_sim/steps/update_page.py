"""``update_page``: a teacher edits, publishes or deletes a wiki page: wiki_page_updated only
when the title or body changed (publishing alone sends nothing), with asset_accessed
(participate) for an edit; wiki_page_deleted for a delete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from ..events import truncate
from ..values import Key, Model
from ..world import User
from .base import Step, StepKind
from .checks import References
from .content_saves import teacher_request

if TYPE_CHECKING:
    from ..course import CourseEngine


class UpdatePageParams(Model):
    page: Key
    title: str | None = None
    body: str | None = Field(None, description="New HTML body ('' empties it)")
    published: bool | None = None
    deleted: bool = False
    grader: Key | None = Field(None, description="The teacher who saves it")


def _check(refs: References, step: Step, params: UpdatePageParams) -> None:
    refs.known(step, "page", params.page, "page")


def update_page(ctx: CourseEngine, step: Step, params: UpdatePageParams, user: User | None) -> None:
    page = ctx.coursework.pages[params.page]
    if page.deleted:
        raise step.error(
            f"page {page.key!r} was deleted (an update_page step came before)",
            "update_page",
            "page",
        )
    teacher = ctx.people.grader(params.grader)
    gid = ctx.world.account.gid
    path = f"/pages/{page.url}"
    if params.deleted:
        page.deleted = True
        request = teacher_request(ctx, teacher, "DELETE", path, "/pages")
        gone = {"wiki_page_id": gid(page.id), "title": truncate(page.title)}
        ctx.clock.emit("wiki_page_deleted", request, gone)
        return
    old_title, old_body = page.title, page.body
    if params.title is not None:
        page.title = params.title
    if params.body is not None:
        page.body = params.body
    if params.published is not None:
        page.published = params.published
    request = teacher_request(ctx, teacher, "PUT", path, path + "/edit")
    if (page.title, page.body) != (old_title, old_body):
        fields: dict[str, Any] = {
            "wiki_page_id": gid(page.id),
            "title": truncate(page.title),
            "body": truncate(page.body),
            "workflow_state": "active" if page.published else "unpublished",
        }
        if page.title != old_title:
            fields["old_title"] = truncate(old_title)
        if page.body != old_body:
            fields["old_body"] = truncate(old_body)
        ctx.clock.emit("wiki_page_updated", request, fields)
    ctx.views.content(teacher, page, level="participate", request=request)


KIND = StepKind(
    "update_page",
    UpdatePageParams,
    update_page,
    emits=("wiki_page_updated", "wiki_page_deleted", "asset_accessed"),
    check=_check,
    whole=True,
)
