"""``update_assignment``: a teacher changes an assignment; regrades and recomputes follow."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import Field

from .. import events as ev
from ..values import GradingType, Key, Model
from ..world import User
from .announce import save_assignment
from .base import Step, StepKind, assign_given

if TYPE_CHECKING:
    from ..course import CourseEngine


class UpdateAssignmentParams(Model):
    assignment: Key
    points: Decimal | None = Field(None, ge=0)
    grading_type: GradingType | None = None
    published: bool | None = Field(None, description="Publish (true) or unpublish (false)")
    omit_from_final_grade: bool | None = None
    title: str | None = None
    grader: Key | None = None


def update_assignment(
    ctx: CourseEngine, step: Step, params: UpdateAssignmentParams, user: User | None
) -> None:
    course = ctx.course
    assignment = course.assignments[params.assignment]
    old_points, old_type = assignment.points_possible, assignment.grading_type
    before = (old_points, old_type, assignment.published, assignment.omit_from_final_grade)
    title_changed = params.title is not None and params.title != assignment.title
    assign_given(
        assignment,
        points_possible=params.points,
        grading_type=params.grading_type,
        published=params.published,
        omit_from_final_grade=params.omit_from_final_grade,
        title=params.title,
    )
    after = (
        assignment.points_possible,
        assignment.grading_type,
        assignment.published,
        assignment.omit_from_final_grade,
    )
    if before == after and not title_changed:
        return
    save_assignment(
        ctx,
        "assignment_updated",
        assignment,
        ctx.people.grader(params.grader),
        "PUT",
        f"/api/v1/courses/{course.id}/assignments/{assignment.id}",
        f"/courses/{course.id}/assignments/{assignment.id}/edit",
    )
    if (old_points, old_type) != (assignment.points_possible, assignment.grading_type):
        job = ctx.requests.job("Assignment#update_student_submissions")
        for (assignment_id, _), sub in course.submissions.items():
            if assignment_id != assignment.id or sub.score is None:
                continue
            old = ev.GradeSnapshot(sub.score, sub.grade, old_points)
            ctx.scores.set_grade(sub, sub.score)
            sub.updated_at = ctx.clock.now
            grader = ctx.people.by_id(sub.grader_id)
            ctx.clock.emit("grade_change", job, ev.grade_change_fields(ctx.world, sub, old, grader))
    if before != after:
        ctx.scores.recompute_everyone()


KIND = StepKind(
    "update_assignment",
    UpdateAssignmentParams,
    update_assignment,
    emits=("assignment_updated", "grade_change", "course_grade_change"),
    whole=True,
)
