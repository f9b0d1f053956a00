"""What saving a module or a module item emits (shared by the module steps): module_created /
module_updated and module_item_created / module_item_updated, all ids local."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..coursework import Module, ModuleItem
from ..world import User

if TYPE_CHECKING:
    from ..course import CourseEngine


def module_fields(ctx: CourseEngine, module: Module) -> dict[str, Any]:
    return {
        "module_id": str(module.id),
        "context_id": str(ctx.course.id),
        "context_type": "Course",
        "name": module.name,
        "position": module.position,
        "workflow_state": module.workflow_state,
    }


def item_fields(ctx: CourseEngine, item: ModuleItem) -> dict[str, Any]:
    return {
        "module_item_id": str(item.id),
        "module_id": str(item.module.id),
        "context_id": str(ctx.course.id),
        "context_type": "Course",
        "position": item.position,
        "workflow_state": item.workflow_state,
    }


def save_module(ctx: CourseEngine, teacher: User, module: Module, *, new: bool = False) -> None:
    """The teacher's create (POST) or update (PUT) of a module through the API."""
    base = f"/api/v1/courses/{ctx.course.id}/modules"
    _save(ctx, teacher, "module", base, module.id, new, module_fields(ctx, module))


def save_item(ctx: CourseEngine, teacher: User, item: ModuleItem, *, new: bool = False) -> None:
    """The teacher's create or update of a module item."""
    base = f"/api/v1/courses/{ctx.course.id}/modules/{item.module.id}/items"
    _save(ctx, teacher, "module_item", base, item.id, new, item_fields(ctx, item))


def _save(
    ctx: CourseEngine,
    teacher: User,
    kind: str,
    base: str,
    record_id: int,
    new: bool,
    fields: dict[str, Any],
) -> None:
    """POST to ``base`` (``<kind>_created``) or PUT to its record (``<kind>_updated``)."""
    path = base if new else f"{base}/{record_id}"
    request = ctx.requests.request(
        teacher, "POST" if new else "PUT", path, f"/courses/{ctx.course.id}/modules"
    )
    ctx.clock.emit(f"{kind}_{'created' if new else 'updated'}", request, fields)
