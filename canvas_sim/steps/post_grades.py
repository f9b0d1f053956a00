"""``post_grades``: a teacher posts an assignment's grades (grade_change, recompute)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import events as ev
from ..values import Key, Model, Students
from ..world import Enrollment, User
from .base import Step, StepKind

if TYPE_CHECKING:
    from ..course import CourseEngine

EMITS = ("grade_change", "course_grade_change")


class PostParams(Model):
    assignment: Key
    students: Students = "all"
    grader: Key | None = None


def post_or_hide(ctx: CourseEngine, step: Step, params: PostParams, *, post: bool) -> None:
    """Post (or hide) the selected students' grades, as one job."""
    course, now = ctx.course, ctx.clock.now
    assignment = course.assignments[params.assignment]
    job = ctx.requests.job("Assignment#post_submissions" if post else "Assignment#hide_submissions")
    changed: list[Enrollment] = []
    for target in ctx.people.select_students(params.students, params.assignment):
        sub = ctx.people.submission(step, assignment, target)
        if (sub.posted_at is not None) == post:
            continue
        sub.posted_at = now if post else None
        ctx.scores.touch(sub)
        if sub.score is None and not sub.excused:
            continue
        snapshot = ev.grade_snapshot(sub)
        grader = ctx.people.by_id(sub.grader_id)
        ctx.clock.emit(
            "grade_change", job, ev.grade_change_fields(ctx.world, sub, snapshot, grader)
        )
        changed.append(course.enrollments[target.id])
    for enrollment in changed:
        ctx.scores.recompute(enrollment, job)


def post_grades(ctx: CourseEngine, step: Step, params: PostParams, user: User | None) -> None:
    post_or_hide(ctx, step, params, post=True)


KIND = StepKind("post_grades", PostParams, post_grades, emits=EMITS, whole=True)
