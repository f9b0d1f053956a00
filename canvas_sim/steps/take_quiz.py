"""``take_quiz``: students take a quiz, graded at once or pending review."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from .. import events as ev
from ..values import Key, Model, Score, Students
from ..world import User
from .base import Step, StepKind
from .checks import References
from .scoring import Audit, draw_score

if TYPE_CHECKING:
    from ..course import CourseEngine


class TakeQuizParams(Model):
    assignment: Key
    students: Students = "all"
    score: Score
    needs_review: bool = Field(False, description="Essay questions: pending_review, partial score")


def _check(refs: References, step: Step, params: TakeQuizParams) -> None:
    if "online_quiz" not in refs.kinds[params.assignment]:
        raise step.error(
            f"{params.assignment!r} is not a quiz (its submission_types lack online_quiz)",
            step.action,
            "assignment",
        )


def take_quiz(ctx: CourseEngine, step: Step, params: TakeQuizParams, user: User | None) -> None:
    assert user is not None
    world, course, now = ctx.world, ctx.course, ctx.clock.now
    assignment = course.assignments[params.assignment]
    sub = ctx.people.submission(step, assignment, user)
    ctx.people.require_active(step, user)
    score = draw_score(ctx, step, params.score, assignment.points_possible, False, user)
    assert assignment.quiz_id is not None
    if sub.quiz_submission_id is None:  # one quiz submission per student; attempts on it
        sub.quiz_submission_id = world.ids.next("quiz_submissions")
    request = ctx.requests.request(
        user,
        "POST",
        f"/courses/{course.id}/quizzes/{assignment.quiz_id}/submissions/"
        f"{sub.quiz_submission_id}/complete",
        f"/courses/{course.id}/quizzes/{assignment.quiz_id}/take",
    )
    audit = Audit(sub)
    sub.attempt = (sub.attempt or 0) + 1
    sub.submitted_at = now
    sub.updated_at = now
    sub.submission_type = "online_quiz"
    sub.excused = False
    ctx.scores.set_grade(sub, score)
    sub.grader_id = None
    sub.graded_at = now
    sub.workflow_state = "pending_review" if params.needs_review else "graded"
    if not assignment.post_manually and sub.posted_at is None:
        sub.posted_at = now
    ctx.scores.touch(sub)
    emit = ctx.clock.emit
    emit("quiz_submitted", request, ev.quiz_submitted_fields(world, sub))
    name = "submission_created" if params.needs_review else "submission_updated"
    emit(name, request, ev.submission_fields(world, sub, now, request.zone))
    if audit.changed(sub):
        emit("grade_change", request, ev.grade_change_fields(world, sub, audit.old, None))
        ctx.scores.schedule_recompute(course.enrollments[user.id])


KIND = StepKind(
    "take_quiz",
    TakeQuizParams,
    take_quiz,
    emits=(
        "quiz_submitted",
        "submission_created",
        "submission_updated",
        "grade_change",
        "course_grade_change",
    ),
    check=_check,
    gap_s=(30, 900),
)
