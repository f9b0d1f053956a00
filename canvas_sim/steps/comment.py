"""``comment``: students or teachers comment on submissions (submission_comment_created)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, model_validator

from .. import events as ev
from ..randoms import text_of
from ..values import CountRange, Key, Model, Students
from ..world import User
from .base import Step, StepKind, Targets, count
from .checks import References

if TYPE_CHECKING:
    from ..course import CourseEngine


class CommentParams(Model):
    assignment: Key
    students: Students = "all"
    author: Literal["student", "teacher"] | Key = "teacher"
    text: str | None = Field(None, description="Comment text; generated if absent")
    words: Annotated[int, Field(ge=1, le=1000)] | CountRange | None = Field(
        None, description="Length of generated text in words: 25 or {uniform: [5, 60]}"
    )
    count: Annotated[int, Field(ge=0, le=100)] | CountRange = Field(
        1, description="Comments per student: 2 or {uniform: [0, 3]}"
    )
    attachments: Annotated[int, Field(ge=0, le=10)] | CountRange = Field(
        0, description="Files attached to each comment: 1 or {uniform: [0, 2]}"
    )

    @model_validator(mode="after")
    def _ranges_within_limits(self) -> CommentParams:
        for name, most in (("words", 1000), ("count", 100), ("attachments", 10)):
            value = getattr(self, name)
            if isinstance(value, CountRange) and value.uniform[1] > most:
                raise ValueError(f"{name}: at most {most}")
        return self


def _check(refs: References, step: Step, params: CommentParams) -> None:
    if params.author not in ("student", "teacher", *refs.users):
        raise step.error(
            f"unknown author {params.author!r} (expected student, teacher, or a "
            "teacher's, TA's or student's key)",
            step.action,
            "author",
        )


def _targets(ctx: CourseEngine, step: Step, params: CommentParams) -> Targets:
    """Each selected student, once per comment drawn for them."""
    students = ctx.people.select_students(params.students, params.assignment)
    if params.count == 1:
        return list(students)
    return [user for user in students for _ in range(count(ctx.rng, params.count))]


def comment(ctx: CourseEngine, step: Step, params: CommentParams, user: User | None) -> None:
    assert user is not None
    world, course = ctx.world, ctx.course
    assignment = course.assignments[params.assignment]
    sub = ctx.people.submission(step, assignment, user)
    if params.author == "student":
        ctx.people.require_active(step, user)
        author = user
    elif params.author == "teacher":
        author = ctx.people.teachers[0]
    else:
        author = world.users[params.author]
    if author is user:
        path = f"/courses/{course.id}/assignments/{assignment.id}/submissions/{user.id}"
        request = ctx.requests.request(author, "POST", path, path)
    else:
        request = ctx.requests.request(
            author,
            "PUT",
            f"/api/v1/courses/{course.id}/assignments/{assignment.id}/submissions/{user.id}",
            f"/courses/{course.id}/gradebook/speed_grader?assignment_id={assignment.id}"
            f"&student_id={user.id}",
        )
    attachments = [world.ids.next("attachments") for _ in range(count(ctx.rng, params.attachments))]
    if params.text is not None:
        text = params.text
    elif params.words is not None:
        text = text_of(ctx.rng, ctx.draw.words, count(ctx.rng, params.words))
    else:
        text = ctx.rng.choice(ctx.draw.sentences)
    comment_id = world.ids.next("submission_comments")
    ctx.clock.emit(
        "submission_comment_created",
        request,
        ev.comment_fields(comment_id, sub, author, text, attachments, ctx.clock.now),
    )


KIND = StepKind(
    "comment",
    CommentParams,
    comment,
    emits=("submission_comment_created",),
    check=_check,
    targets=_targets,
    gap_s=(30, 180),
)
