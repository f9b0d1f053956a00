"""``enroll``: the admin enrolls people (enrollment_created, enrollment_state_created)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from .. import events as ev
from ..services.requests import ROLE_ENROLLMENT
from ..values import Key, Model
from ..world import Enrollment, User
from .base import Step, StepKind, Targets
from .checks import References

if TYPE_CHECKING:
    from ..course import CourseEngine


class EnrollParams(Model):
    users: Literal["all", "students", "teachers", "tas"] | list[Key] = "all"
    state: Literal["active", "invited"] = "active"


def _check(refs: References, step: Step, params: EnrollParams) -> None:
    if isinstance(params.users, list):
        for i, key in enumerate(params.users):
            if key not in refs.users:
                raise step.error(f"unknown person {key!r}", step.action, "users", i)


def _targets(ctx: CourseEngine, step: Step, params: EnrollParams) -> Targets:
    world = ctx.world
    users = params.users
    if isinstance(users, list):
        return [world.users[key] for key in users]
    roles = {"all": ("teacher", "ta", "student"), "students": ("student",)}.get(
        users, (users.rstrip("s"),)
    )
    return [
        user
        for key, user in world.users.items()
        if world.roles[key] in roles and user.id not in ctx.course.enrollments
    ]


def enroll(ctx: CourseEngine, step: Step, params: EnrollParams, user: User | None) -> None:
    world, course, now = ctx.world, ctx.course, ctx.clock.now
    assert user is not None and world.admin is not None
    if user.id in course.enrollments:
        raise step.error(f"{user.key!r} is already enrolled", "enroll")
    admin = world.admin
    request = ctx.requests.request(
        admin, "POST", f"/courses/{course.id}/enroll_users", f"/courses/{course.id}/users"
    )
    enrollment = Enrollment(
        id=world.ids.next("enrollments"),
        user=user,
        type=ROLE_ENROLLMENT[world.roles[user.key]],
        workflow_state=params.state,
        section_id=course.default_section_id,
        created_at=now,
        updated_at=now,
    )
    course.enrollments[user.id] = enrollment
    if enrollment.is_student:
        for assignment in course.assignments.values():
            if assignment.published:
                ctx.scores.add_placeholder(assignment, user)
        enrollment.score = ctx.scores.new_row(user)
    ctx.clock.emit(
        "enrollment_created", request, ev.enrollment_fields(world, enrollment, request.zone)
    )
    ctx.clock.emit(
        "enrollment_state_created",
        request,
        ev.enrollment_state_fields(world, enrollment, now, request.zone),
    )


KIND = StepKind(
    "enroll",
    EnrollParams,
    enroll,
    emits=("enrollment_created", "enrollment_state_created"),
    check=_check,
    targets=_targets,
    gap_s=(2, 20),
    empty_ok=True,
)
