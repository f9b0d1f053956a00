"""``create_page``: a teacher writes a wiki page: wiki_page_created and, in the same request,
asset_accessed (wiki_page, wiki, participate)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from ..coursework import Page, slug
from ..values import Key, Model
from ..world import User
from .base import Step, StepKind
from .checks import References
from .content_saves import page_fields, teacher_request

if TYPE_CHECKING:
    from ..course import CourseEngine


class CreatePageParams(Model):
    key: Key
    title: str | None = Field(None, description="The page's title; from the key by default")
    body: str | None = Field(None, description="HTML body; a generated paragraph by default")
    published: bool = True
    grader: Key | None = Field(None, description="The teacher who writes it")


def _declare(refs: References, step: Step, params: CreatePageParams) -> None:
    refs.declare(step, "page", params.key, "key")


def create_page(ctx: CourseEngine, step: Step, params: CreatePageParams, user: User | None) -> None:
    teacher = ctx.people.grader(params.grader)
    title = params.title or params.key.replace("_", " ").title()
    taken = {page.url for page in ctx.coursework.pages.values()}
    url, number = slug(title), 2
    while url in taken:  # Canvas numbers a repeated title's slug
        url, number = f"{slug(title)}-{number}", number + 1
    body = (
        params.body
        if params.body is not None
        else f"<p>{ctx.activity_rng.choice(ctx.draw.paragraphs)}</p>"
    )
    page = Page(ctx.world.ids.next("wiki_pages"), params.key, title, url, body, params.published)
    ctx.coursework.pages[params.key] = page
    request = teacher_request(ctx, teacher, "POST", "/pages", "/pages")
    ctx.clock.emit("wiki_page_created", request, page_fields(ctx, page))
    ctx.views.content(teacher, page, level="participate", request=request)


KIND = StepKind(
    "create_page",
    CreatePageParams,
    create_page,
    emits=("wiki_page_created", "asset_accessed"),
    declare=_declare,
    whole=True,
)
