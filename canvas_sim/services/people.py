"""The course's people as steps use them: graders, selected students, enrollments."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..steps.base import Step
from ..world import Assignment, Enrollment, Submission, User, World


def share(percent: str, count: int) -> int:
    """How many of ``count`` a percentage like ``'30%'`` selects (half up)."""
    return min(int((Decimal(percent[:-1]) / 100 * count).to_integral_value(ROUND_HALF_UP)), count)


class People:
    """Who is in the course, and who a step acts on."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self.world = world
        self.course = world.course
        self._rng = rng
        self._by_id = {user.id: user for user in world.users.values()}
        self.teachers = [user for key, user in world.users.items() if world.roles[key] == "teacher"]

    def grader(self, key: str | None) -> User:
        """The person a step names, or the first teacher."""
        return self.world.users[key] if key else self.teachers[0]

    def by_id(self, user_id: int | None) -> User | None:
        return None if user_id is None else self._by_id[user_id]

    def select_students(self, selection: Any, assignment_key: str | None = None) -> list[User]:
        """Enrolled students picked by 'all', 'submitted' / 'unsubmitted' (whether they handed
        in the assignment), a percentage (seeded draw), a persona or a list of keys."""
        enrolled = [
            e.user
            for e in self.course.enrollments.values()
            if e.is_student and e.workflow_state != "deleted"
        ]
        if selection == "all":
            return list(enrolled)
        if selection in ("submitted", "unsubmitted"):
            assert assignment_key is not None
            assignment_id = self.course.assignments[assignment_key].id
            wanted = selection == "submitted"
            submissions = self.course.submissions
            return [
                user
                for user in enrolled
                if (getattr(submissions.get((assignment_id, user.id)), "submitted_at", None)
                    is not None) == wanted
            ]  # fmt: skip
        if isinstance(selection, str) and selection.startswith("persona:"):
            name = selection.removeprefix("persona:")
            personas = self.world.personas
            return [u for u in enrolled if u.key in personas and personas[u.key].name == name]
        if isinstance(selection, str):  # a percentage
            chosen = set(self._rng.sample(range(len(enrolled)), share(selection, len(enrolled))))
            return [user for i, user in enumerate(enrolled) if i in chosen]
        return [self.world.users[key] for key in selection]

    def student_enrollment(self, step: Step, user: User, *, dropped_ok: bool = False) -> Enrollment:
        """The student's enrollment; a located error when there is none, or when the student
        was dropped (unless ``dropped_ok``: dropping again changes nothing)."""
        enrollment = self.course.enrollments.get(user.id)
        if enrollment is None or not enrollment.is_student:
            raise step.error(
                f"student {user.key!r} is not enrolled at this point; add an enroll step before it",
                step.action,
            )
        if enrollment.workflow_state == "deleted" and not dropped_ok:
            raise step.error(
                f"student {user.key!r} was dropped (a drop step came before)", step.action
            )
        return enrollment

    def require_active(self, step: Step, user: User) -> None:
        """Students act only once their enrollment is active (invitation accepted)."""
        state = self.course.enrollments[user.id].workflow_state
        if state == "completed":
            message = f"student {user.key!r} has been concluded (a conclude step came before)"
            raise step.error(message, step.action)
        if state != "active":
            raise step.error(
                f"student {user.key!r} has not accepted the course invitation yet "
                "(add an accept_invitation step)",
                step.action,
            )

    def submission(self, step: Step, assignment: Assignment, user: User) -> Submission:
        """The student's submission of a published assignment (a located error otherwise)."""
        self.student_enrollment(step, user)
        if not assignment.published:
            raise step.error(f"assignment {assignment.key!r} is not published", step.action)
        return self.course.submissions[(assignment.id, user.id)]
