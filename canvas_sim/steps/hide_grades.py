"""``hide_grades``: a teacher hides an assignment's posted grades again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..world import User
from .base import Step, StepKind
from .post_grades import EMITS, PostParams, post_or_hide

if TYPE_CHECKING:
    from ..course import CourseEngine


def hide_grades(ctx: CourseEngine, step: Step, params: PostParams, user: User | None) -> None:
    post_or_hide(ctx, step, params, post=False)


KIND = StepKind("hide_grades", PostParams, hide_grades, emits=EMITS, whole=True)
