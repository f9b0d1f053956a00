"""``resubmit_plagiarism``: a teacher sends students' work to the plagiarism tool again from
SpeedGrader: plagiarism_resubmit (the submission's fields, ids global but group_id local)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from .. import events as ev
from ..values import Key, Model, Students
from ..world import User
from .base import Step, StepKind

if TYPE_CHECKING:
    from ..course import CourseEngine

ORDER = (  # the body's keys as Canvas builds them
    "submission_id", "assignment_id", "user_id", "submitted_at", "lti_user_id", "graded_at",
    "updated_at", "score", "grade", "submission_type", "body", "url", "attempt", "late",
    "missing", "lti_assignment_id", "group_id", "posted_at", "workflow_state",
)  # fmt: skip


class ResubmitPlagiarismParams(Model):
    assignment: Key
    students: Students = Field("submitted", description="Whose work goes to the tool again")
    grader: Key | None = None


def resubmit_plagiarism(
    ctx: CourseEngine, step: Step, params: ResubmitPlagiarismParams, user: User | None
) -> None:
    assert user is not None
    course, now = ctx.course, ctx.clock.now
    assignment = course.assignments[params.assignment]
    sub = ctx.people.submission(step, assignment, user)
    if sub.submitted_at is None:
        message = f"student {user.key!r} has not handed in {assignment.key!r}: nothing to resend"
        raise step.error(message, step.action, "students")
    speedgrader = (
        f"/courses/{course.id}/gradebook/speed_grader?assignment_id={assignment.id}"
        f"&student_id={user.id}"
    )
    path = f"/api/v1/courses/{course.id}/assignments/{assignment.id}/submissions/{user.id}"
    request = ctx.requests.request(
        ctx.people.grader(params.grader), "POST", f"{path}/turnitin/resubmit", speedgrader
    )
    fields = ev.submission_fields(ctx.world, sub, now, request.zone)
    ctx.clock.emit("plagiarism_resubmit", request, {key: fields[key] for key in ORDER})


KIND = StepKind(
    "resubmit_plagiarism",
    ResubmitPlagiarismParams,
    resubmit_plagiarism,
    emits=("plagiarism_resubmit",),
    gap_s=(5, 60),
)
