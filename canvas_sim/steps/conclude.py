"""``conclude``: a teacher concludes students' enrollments (enrollment_updated, state row)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..world import User
from .base import Step, StepKind
from .enrollment_change import EMITS, EnrollmentChangeParams, change_enrollment

if TYPE_CHECKING:
    from ..course import CourseEngine


def conclude(
    ctx: CourseEngine, step: Step, params: EnrollmentChangeParams, user: User | None
) -> None:
    change_enrollment(ctx, step, user, "completed")


KIND = StepKind("conclude", EnrollmentChangeParams, conclude, emits=EMITS)
