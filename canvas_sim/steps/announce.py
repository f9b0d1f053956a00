"""Content events shared by the setup and the content steps: groups, assignments, placeholders."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import events as ev
from ..world import Assignment, AssignmentGroup, User

if TYPE_CHECKING:
    from ..course import CourseEngine


def announce_group(ctx: CourseEngine, group: AssignmentGroup, teacher: User) -> None:
    """assignment_group_created, then each of its assignments."""
    course_id = ctx.course.id
    path = f"/api/v1/courses/{course_id}/assignment_groups"
    request = ctx.requests.request(teacher, "POST", path, f"/courses/{course_id}/assignments")
    ctx.clock.emit(
        "assignment_group_created", request, ev.assignment_group_fields(ctx.world, group)
    )
    for assignment in group.assignments:
        announce_assignment(ctx, assignment, teacher)


def announce_assignment(ctx: CourseEngine, assignment: Assignment, teacher: User) -> None:
    """assignment_created; a published one gets placeholders and moves final scores."""
    course_id = ctx.course.id
    save_assignment(
        ctx,
        "assignment_created",
        assignment,
        teacher,
        "POST",
        f"/api/v1/courses/{course_id}/assignments",
        f"/courses/{course_id}/assignments/new",
    )
    if assignment.published:
        ctx.scores.recompute_everyone()


def save_assignment(
    ctx: CourseEngine,
    name: str,
    assignment: Assignment,
    teacher: User,
    method: str,
    path: str,
    referrer: str,
) -> None:
    """The teacher's save of an assignment: its event; a published one gets placeholders."""
    request = ctx.requests.request(teacher, method, path, referrer)
    ctx.clock.emit(
        name, request, ev.assignment_fields(ctx.world, assignment, ctx.clock.now, request.zone)
    )
    if assignment.published:
        ctx.scores.add_placeholders(assignment)
