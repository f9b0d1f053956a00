"""``create_quiz``: a teacher makes an ungraded classic quiz (a practice quiz or a survey):
quiz_created. (A graded quiz is an assignment with submission_types [online_quiz].)"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from ..coursework import Quiz
from ..values import Key, Model
from ..world import User
from .base import Step, StepKind
from .checks import References
from .content_saves import quiz_fields, teacher_request

if TYPE_CHECKING:
    from ..course import CourseEngine


class QuizSettings(Model):
    """Classic quiz settings a teacher may set (what quiz_created / quiz_updated report)."""

    title: str | None = None
    description: str | None = None
    time_limit: Annotated[int, Field(ge=1)] | None = Field(None, description="Minutes")
    allowed_attempts: Annotated[int, Field(ge=-1)] | None = Field(None, description="-1: unlimited")
    access_code: str | None = Field(None, description="Events only say that there is one")
    ip_filter: str | None = None
    shuffle_answers: bool | None = None
    one_question_at_a_time: bool | None = None
    show_correct_answers: bool | None = None
    published: bool | None = None

    def settings(self) -> dict[str, Any]:
        """The settings given (title and published are the quiz's own fields)."""
        skip = {"title", "published"}
        return {k: v for k, v in self.model_dump().items() if v is not None and k not in skip}


class CreateQuizParams(QuizSettings):
    key: Key
    quiz_type: Literal["practice_quiz", "survey"] = "practice_quiz"
    grader: Key | None = Field(None, description="The teacher who makes it")


def _declare(refs: References, step: Step, params: CreateQuizParams) -> None:
    refs.declare(step, "quiz", params.key, "key")


def create_quiz(ctx: CourseEngine, step: Step, params: CreateQuizParams, user: User | None) -> None:
    teacher = ctx.people.grader(params.grader)
    quiz = Quiz(
        id=ctx.world.ids.next("quizzes"),
        key=params.key,
        title=params.title or params.key.replace("_", " ").title(),
        quiz_type=params.quiz_type,
        assignment=None,
        settings=params.settings(),
        workflow_state="available" if params.published is not False else "unpublished",
        updated_at=ctx.clock.now,
    )
    ctx.coursework.quizzes[params.key] = quiz
    request = teacher_request(ctx, teacher, "POST", "/quizzes", "/quizzes")
    ctx.clock.emit("quiz_created", request, quiz_fields(ctx, quiz, request))


KIND = StepKind(
    "create_quiz",
    CreateQuizParams,
    create_quiz,
    emits=("quiz_created",),
    declare=_declare,
    whole=True,
)
