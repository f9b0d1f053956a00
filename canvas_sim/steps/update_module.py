"""``update_module``: a teacher renames, publishes, unpublishes or deletes a module, or one of
its items: module_updated or module_item_updated (only when something changed). Requirements
of unpublished or deleted items and modules no longer count in course progress."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from ..values import Key, Model
from ..world import User
from .base import Step, StepKind
from .checks import References
from .module_saves import save_item, save_module

if TYPE_CHECKING:
    from ..course import CourseEngine


class UpdateModuleParams(Model):
    module: Key
    item: Annotated[int, Field(ge=1)] | None = Field(
        None, description="An item's position (1 = first): the change is to that item"
    )
    name: str | None = Field(None, description="A new name (modules only)")
    published: bool | None = None
    deleted: bool = Field(False, description="Delete it (workflow_state: deleted)")
    grader: Key | None = Field(None, description="The teacher who saves it")


def _check(refs: References, step: Step, params: UpdateModuleParams) -> None:
    refs.known(step, "module", params.module, "module")
    if params.item is not None and params.name is not None:
        raise step.error("name renames a module, not an item", step.action, "name")


def update_module(
    ctx: CourseEngine, step: Step, params: UpdateModuleParams, user: User | None
) -> None:
    module = ctx.coursework.modules[params.module]
    teacher = ctx.people.grader(params.grader)
    if params.deleted:
        state = "deleted"
    elif params.published is not None:
        state = "active" if params.published else "unpublished"
    else:
        state = None
    if params.item is not None:
        if params.item > len(module.items):
            message = f"module {module.key!r} has {len(module.items)} items"
            raise step.error(message, step.action, "item")
        item = module.items[params.item - 1]
        if state is not None and state != item.workflow_state and item.workflow_state != "deleted":
            item.workflow_state = state
            save_item(ctx, teacher, item)
        return
    changed = False
    if params.name is not None and params.name != module.name:
        module.name, changed = params.name, True
    if state is not None and state != module.workflow_state and module.workflow_state != "deleted":
        module.workflow_state, changed = state, True
    if changed:
        save_module(ctx, teacher, module)


KIND = StepKind(
    "update_module",
    UpdateModuleParams,
    update_module,
    emits=("module_updated", "module_item_updated"),
    check=_check,
    whole=True,
)
