"""``mark_done``: students click "Mark as done" on a module item: no event of its own, but a
must_mark_done requirement met moves their course progress (course_progress two minutes
later)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from ..values import Key, Model, Students
from ..world import User
from .base import Step, StepKind
from .checks import References

if TYPE_CHECKING:
    from ..course import CourseEngine


class MarkDoneParams(Model):
    module: Key
    item: Annotated[int, Field(ge=1)] = Field(description="The item's position (1 = first)")
    students: Students = "all"


def _check(refs: References, step: Step, params: MarkDoneParams) -> None:
    refs.known(step, "module", params.module, "module")


def mark_done(ctx: CourseEngine, step: Step, params: MarkDoneParams, user: User | None) -> None:
    assert user is not None
    module = ctx.coursework.modules[params.module]
    if params.item > len(module.items):
        message = f"module {module.key!r} has {len(module.items)} items"
        raise step.error(message, step.action, "item")
    ctx.people.require_active(step, user)
    ctx.progress.marked_done(user, module.items[params.item - 1])


KIND = StepKind(
    "mark_done",
    MarkDoneParams,
    mark_done,
    emits=("course_progress", "course_completed"),
    check=_check,
)
