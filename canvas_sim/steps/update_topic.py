"""``update_topic``: a teacher edits, publishes, locks or deletes a discussion topic:
discussion_topic_updated (any change); a graded topic's title and publishing carry over to its
assignment (assignment_updated)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from ..bodies.discussions import topic_fields
from ..values import Key, Model, When
from ..world import User
from .announce import save_assignment
from .base import Step, StepKind, require_alive, when_ms
from .checks import References

if TYPE_CHECKING:
    from ..course import CourseEngine


class UpdateTopicParams(Model):
    topic: Key
    title: str | None = None
    message: str | None = None
    published: bool | None = Field(None, description="Publish (true) or unpublish (false)")
    locked: bool | None = Field(None, description="Close (true) or reopen (false) for posts")
    lock_at: When | None = None
    delete: bool = Field(False, description="Delete the topic (workflow_state deleted)")
    author: Key | None = Field(None, description="The teacher or TA who edits it")


def _check(refs: References, step: Step, params: UpdateTopicParams) -> None:
    refs.known(step, "topic", params.topic, "topic")
    if params.author is not None:
        refs.person(step, params.author, ("teacher", "ta"), "author")


def _state(published: bool, locked: bool) -> str:
    if not published:
        return "unpublished"
    return "locked" if locked else "active"


def update_topic(
    ctx: CourseEngine, step: Step, params: UpdateTopicParams, user: User | None
) -> None:
    world, course, now = ctx.world, ctx.course, ctx.clock.now
    topic = world.records.topics[params.topic]
    require_alive(step, topic, "topic")
    assignment = topic.assignment
    if params.delete and assignment is not None:
        message = "a graded topic is not deleted by this step (its assignment would go too)"
        raise step.error(message, "update_topic", "delete")
    state = topic.workflow_state
    published = state != "unpublished" if params.published is None else params.published
    locked = state == "locked" if params.locked is None else params.locked
    before = (topic.title, topic.message, topic.workflow_state, topic.lock_at)
    topic.title = params.title or topic.title
    topic.message = params.message or topic.message
    topic.workflow_state = "deleted" if params.delete else _state(published, locked)
    if params.lock_at is not None:
        topic.lock_at = when_ms(ctx.start_ms, params.lock_at)
    if before == (topic.title, topic.message, topic.workflow_state, topic.lock_at):
        return  # nothing saved, nothing sent
    topic.updated_at = now
    teacher = ctx.people.grader(params.author)
    path = f"/courses/{course.id}/discussion_topics/{topic.id}"
    method, referrer = (
        ("DELETE", f"/courses/{course.id}/discussion_topics")
        if params.delete
        else (
            "PUT",
            f"{path}/edit",
        )
    )
    request = ctx.requests.request(teacher, method, f"/api/v1{path}", referrer)
    ctx.clock.emit("discussion_topic_updated", request, topic_fields(world, topic, request.zone))
    if assignment is None:
        return
    was_published = assignment.published
    if (assignment.title, was_published) == (topic.title, published):
        return
    assignment.title, assignment.published = topic.title, published
    url = f"/api/v1/courses/{course.id}/assignments/{assignment.id}"
    save_assignment(ctx, "assignment_updated", assignment, teacher, "PUT", url, f"{path}/edit")
    if was_published != published:
        ctx.scores.recompute_everyone()


KIND = StepKind(
    "update_topic",
    UpdateTopicParams,
    update_topic,
    emits=("discussion_topic_updated", "assignment_updated", "course_grade_change"),
    check=_check,
    whole=True,
)
