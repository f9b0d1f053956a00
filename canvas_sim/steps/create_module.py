"""``create_module``: a teacher builds a module: module_created, module_item_created per item,
then one module_updated saving its completion requirements and publishing it (and each item
published with it: module_item_updated)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from ..coursework import File, Module, ModuleItem, Page, Quiz
from ..values import Key, Model
from ..world import Assignment, User
from .base import Step, StepKind
from .checks import References
from .module_saves import save_item, save_module

if TYPE_CHECKING:
    from ..course import CourseEngine

REQUIREMENTS = {
    "view": "must_view",
    "submit": "must_submit",
    "min_score": "min_score",
    "mark_done": "must_mark_done",
}
TARGETS = ("assignment", "page", "file", "quiz", "url")


class ItemSpec(Model):
    """One module item: exactly one of assignment, page, file, quiz (keys) or url."""

    assignment: Key | None = None
    page: Key | None = None
    file: Key | None = None
    quiz: Key | None = Field(None, description="A quiz made by create_quiz")
    url: str | None = Field(None, description="An external URL (needs a title)")
    title: str | None = Field(None, description="The item's title; the content's by default")
    requirement: Literal["view", "submit", "min_score", "mark_done"] | None = None
    min_score: float | None = Field(None, ge=0, description="For requirement: min_score")
    published: bool = True

    @model_validator(mode="after")
    def _one_target(self) -> ItemSpec:
        given = [name for name in TARGETS if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(TARGETS)}")
        if self.url is not None and self.title is None:
            raise ValueError("an url item needs a title")
        if (self.requirement == "min_score") != (self.min_score is not None):
            raise ValueError("min_score goes with requirement: min_score (and only with it)")
        if self.requirement in ("submit", "min_score") and self.assignment is None:
            raise ValueError(f"requirement: {self.requirement} needs an assignment item")
        return self

    @property
    def kind(self) -> str:
        return next(name for name in TARGETS if getattr(self, name) is not None)


class CreateModuleParams(Model):
    key: Key
    name: str | None = Field(None, description="The module's name; from the key by default")
    items: list[ItemSpec] = Field(default_factory=list)
    published: bool = True
    sequential: bool = Field(False, description="Students must complete items in order")
    complete: Literal["all", "one"] = Field(
        "all", description="Complete all requirements, or any one of them"
    )
    grader: Key | None = Field(None, description="The teacher who builds it")


def _declare(refs: References, step: Step, params: CreateModuleParams) -> None:
    refs.declare(step, "module", params.key, "key")


def _check(refs: References, step: Step, params: CreateModuleParams) -> None:
    for index, item in enumerate(params.items):
        where = ("items", index, item.kind)
        if item.assignment is not None and item.assignment not in refs.kinds:
            known = ", ".join(refs.kinds) or "none"
            raise step.error(f"unknown assignment {item.assignment!r} (the course has: {known})",
                             step.action, *where)  # fmt: skip
        for kind in ("page", "file", "quiz"):
            key = getattr(item, kind)
            if key is not None:
                refs.known(step, kind, key, *where)


def target_of(ctx: CourseEngine, spec: ItemSpec) -> Assignment | Page | File | Quiz | None:
    work = ctx.coursework
    if spec.assignment is not None:
        return ctx.course.assignments[spec.assignment]
    if spec.page is not None:
        return work.pages[spec.page]
    if spec.file is not None:
        return work.files[spec.file]
    if spec.quiz is not None:
        return work.quizzes[spec.quiz]
    return None


def title_of(target: Assignment | Page | File | Quiz | None, spec: ItemSpec) -> str:
    if spec.title is not None:
        return spec.title
    assert target is not None
    return target.display_name if isinstance(target, File) else target.title


def create_module(
    ctx: CourseEngine, step: Step, params: CreateModuleParams, user: User | None
) -> None:
    teacher = ctx.people.grader(params.grader)
    work, ids = ctx.coursework, ctx.world.ids
    module = Module(
        id=ids.next("context_modules"),
        key=params.key,
        name=params.name or params.key.replace("_", " ").title(),
        position=len(work.modules) + 1,
        workflow_state="unpublished",
        sequential=False,
        complete_one=False,
    )
    work.modules[params.key] = module
    save_module(ctx, teacher, module, new=True)
    for position, spec in enumerate(params.items, start=1):
        target = target_of(ctx, spec)
        item = ModuleItem(
            id=ids.next("content_tags"),
            module=module,
            position=position,
            title=title_of(target, spec),
            kind=spec.kind,
            target=target,
            external_url=spec.url,
            requirement=None if spec.requirement is None else REQUIREMENTS[spec.requirement],
            min_score=None if spec.min_score is None else Decimal(str(spec.min_score)),
            workflow_state="unpublished",
        )
        module.items.append(item)
        save_item(ctx, teacher, item, new=True)
    module.sequential = params.sequential
    module.complete_one = params.complete == "one"
    has_requirements = any(spec.requirement for spec in params.items)
    if params.published or has_requirements or params.sequential:
        if params.published:
            module.workflow_state = "active"
        save_module(ctx, teacher, module)
    if params.published:
        for item, spec in zip(module.items, params.items, strict=True):
            if spec.published:
                item.workflow_state = "active"
                save_item(ctx, teacher, item)


KIND = StepKind(
    "create_module",
    CreateModuleParams,
    create_module,
    emits=("module_created", "module_item_created", "module_updated", "module_item_updated"),
    check=_check,
    declare=_declare,
    whole=True,
)
