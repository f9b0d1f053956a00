"""``update_quiz``: a teacher changes a classic quiz's settings (time limit, attempts, access
code, shuffling...): quiz_updated when something changed. The graded quiz's assignment is not
touched (its own changes are update_assignment's)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field, model_validator

from ..coursework import Quiz
from ..values import Key
from ..world import User
from .base import Step, StepKind
from .checks import References
from .content_saves import quiz_fields, teacher_request
from .create_quiz import QuizSettings

if TYPE_CHECKING:
    from ..course import CourseEngine


class UpdateQuizParams(QuizSettings):
    quiz: Key | None = Field(None, description="A quiz made by create_quiz")
    assignment: Key | None = Field(None, description="Or a graded quiz (an online_quiz assignment)")
    grader: Key | None = Field(None, description="The teacher who saves it")

    @model_validator(mode="after")
    def _one_quiz(self) -> UpdateQuizParams:
        if (self.quiz is None) == (self.assignment is None):
            raise ValueError("give either quiz or assignment")
        return self


def _check(refs: References, step: Step, params: UpdateQuizParams) -> None:
    if params.quiz is not None:
        refs.known(step, "quiz", params.quiz, "quiz")
    elif "online_quiz" not in refs.kinds[params.assignment or ""]:
        message = f"{params.assignment!r} is not a quiz (submission_types: [online_quiz])"
        raise step.error(message, step.action, "assignment")


def quiz_of(ctx: CourseEngine, params: UpdateQuizParams) -> Quiz:
    """The quiz a step names; a graded quiz's record is made on first use."""
    work = ctx.coursework
    if params.quiz is not None:
        return work.quizzes[params.quiz]
    assert params.assignment is not None
    key = f"assignment:{params.assignment}"
    if key not in work.quizzes:
        assignment = ctx.course.assignments[params.assignment]
        assert assignment.quiz_id is not None
        work.quizzes[key] = Quiz(
            assignment.quiz_id,
            key,
            assignment.title,
            "assignment",
            assignment,
            {},
            "available" if assignment.published else "unpublished",
            assignment.created_at,
        )
    return work.quizzes[key]


def update_quiz(ctx: CourseEngine, step: Step, params: UpdateQuizParams, user: User | None) -> None:
    quiz = quiz_of(ctx, params)
    old = (quiz.title, quiz.workflow_state, dict(quiz.settings))
    if params.title is not None:
        quiz.title = params.title
    if params.published is not None:
        quiz.workflow_state = "available" if params.published else "unpublished"
    quiz.settings.update(params.settings())
    if (quiz.title, quiz.workflow_state, quiz.settings) == old:
        return
    quiz.updated_at = ctx.clock.now
    teacher = ctx.people.grader(params.grader)
    request = teacher_request(
        ctx, teacher, "PUT", f"/quizzes/{quiz.id}", f"/quizzes/{quiz.id}/edit"
    )
    ctx.clock.emit("quiz_updated", request, quiz_fields(ctx, quiz, request))


KIND = StepKind(
    "update_quiz",
    UpdateQuizParams,
    update_quiz,
    emits=("quiz_updated",),
    check=_check,
    whole=True,
)
