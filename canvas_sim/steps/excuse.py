"""``excuse``: a teacher excuses students from an assignment (it stops counting for them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..values import Key, Model, Students, Via
from ..world import User
from .base import Step, StepKind
from .grade import GRADING_EMITS
from .scoring import apply_grade

if TYPE_CHECKING:
    from ..course import CourseEngine


class ExcuseParams(Model):
    assignment: Key
    students: Students = "all"
    via: Via = "speedgrader"
    grader: Key | None = None


def excuse(ctx: CourseEngine, step: Step, params: ExcuseParams, user: User | None) -> None:
    assert user is not None
    sub = ctx.people.submission(step, ctx.course.assignments[params.assignment], user)
    grader = ctx.people.grader(params.grader)
    apply_grade(ctx, sub, grader, params.via, score=None, excused=True)


KIND = StepKind("excuse", ExcuseParams, excuse, emits=GRADING_EMITS)
