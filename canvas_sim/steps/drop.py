"""``drop``: a teacher removes students from the course (their enrollments are deleted)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..world import User
from .base import Step, StepKind
from .enrollment_change import EMITS, EnrollmentChangeParams, change_enrollment

if TYPE_CHECKING:
    from ..course import CourseEngine


def drop(ctx: CourseEngine, step: Step, params: EnrollmentChangeParams, user: User | None) -> None:
    change_enrollment(ctx, step, user, "deleted", dropped_ok=True)


KIND = StepKind("drop", EnrollmentChangeParams, drop, emits=EMITS)
