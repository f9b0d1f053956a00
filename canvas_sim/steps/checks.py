"""Reference checks: the names a course defines, and the checks every step's params get."""

from __future__ import annotations

from dataclasses import dataclass

from ..specs import AssignmentSpec
from ..world import CustomStatus, User
from .base import Step


@dataclass(slots=True)
class References:
    """The names a course defines as its steps see them, in order (creations add theirs)."""

    users: dict[str, User]
    roles: dict[str, str]
    kinds: dict[str, tuple[str, ...]]  # assignment key -> its submission types
    groups: dict[str, set[str]]  # group key -> its assignments' keys
    personas: list[str]
    statuses: dict[str, CustomStatus]
    has_teacher: bool

    def unknown_group(self, step: Step, key: str, *field: str | int) -> None:
        """A located error when ``key`` names no group of the course."""
        if key not in self.groups:
            known = ", ".join(self.groups) or "none"
            message = f"unknown group {key!r} (the course has: {known})"
            raise step.error(message, step.action, *field)

    def declare_assignments(
        self, step: Step, specs: list[tuple[tuple[str | int, ...], AssignmentSpec]]
    ) -> None:
        """Assignments a step creates: each needs a new key."""
        for where, spec in specs:
            if spec.key in self.kinds:
                raise step.error(
                    f"assignment {spec.key!r} already exists", step.action, *where, "key"
                )
            self.kinds[spec.key] = tuple(spec.submission_types)


def check_common(refs: References, step: Step) -> None:
    """The checks of the params most steps share: assignment, score, students, grader."""
    params, action = step.params, step.action
    kinds = refs.kinds
    assignment_key = getattr(params, "assignment", None)
    if assignment_key is not None and assignment_key not in kinds:
        raise step.error(
            f"unknown assignment {assignment_key!r} (the course has: {', '.join(kinds) or 'none'})",
            action,
            "assignment",
        )
    if getattr(params, "score", None) == "persona" and not refs.personas:
        message = "score: persona, but the course defines no personas (course.personas)"
        raise step.error(message, action, "score")
    students = getattr(params, "students", None)
    if students in ("submitted", "unsubmitted") and assignment_key is None:
        message = f"students: {students} needs a step with an assignment"
        raise step.error(message, action, "students")
    if isinstance(students, str) and students.startswith("persona:"):
        personas = refs.personas
        if students.removeprefix("persona:") not in personas:
            names = ", ".join(sorted(personas)) or "none defined"
            message = f"unknown persona {students!r} (the course's personas: {names})"
            raise step.error(message, action, "students")
    if isinstance(students, list):
        for i, key in enumerate(students):
            if refs.roles.get(key) != "student":
                raise step.error(f"{key!r} is not a student of the course", action, "students", i)
    grader = getattr(params, "grader", None)
    if grader is not None and refs.roles.get(grader) not in ("teacher", "ta"):
        raise step.error(
            f"grader {grader!r} is not a teacher or TA of the course", action, "grader"
        )
    if grader is None and hasattr(params, "grader") and not refs.has_teacher:
        raise step.error("the course has no teacher to act in this step", action)
