"""``discuss``: people post to a discussion, top-level entries and replies to earlier ones:
discussion_entry_created (and discussion_entry_submitted through the REST API); a student's
post to a graded topic hands the work in (submission_created, then submission_updated)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field

from .. import events as ev
from ..bodies.discussions import entry_fields, entry_submitted_fields
from ..randoms import text_of
from ..records import Entry, Topic
from ..values import CountRange, Key, Model, Percent, Students
from ..world import Submission, User
from .base import Step, StepKind, Targets, count
from .checks import References

if TYPE_CHECKING:
    from ..course import CourseEngine


class DiscussParams(Model):
    topic: Key
    students: Students = "all"
    authors: list[Key] | None = Field(
        None, description="People who post instead of the students (teachers, TAs, students)"
    )
    entries: Annotated[int, Field(ge=0, le=100)] | CountRange = Field(
        1, description="Posts per person: 2 or {uniform: [0, 3]}"
    )
    replies: Percent = Field(
        "50%", description="Share of posts that reply to an earlier entry of the topic"
    )
    via: Literal["graphql", "rest"] = Field(
        "graphql",
        description="graphql (Canvas's discussions page) or rest (the REST API, which also "
        "sends discussion_entry_submitted)",
    )
    text: str | None = Field(None, description="Each post's text; generated if absent")
    words: Annotated[int, Field(ge=1, le=1000)] | CountRange | None = Field(
        None, description="Length of generated text in words: 40 or {uniform: [10, 120]}"
    )


def _check(refs: References, step: Step, params: DiscussParams) -> None:
    refs.known(step, "topic", params.topic, "topic")
    for i, key in enumerate(params.authors or ()):
        refs.person(step, key, ("teacher", "ta", "student"), "authors", i)


def _targets(ctx: CourseEngine, step: Step, params: DiscussParams) -> Targets:
    """Each poster, once per post drawn for them."""
    if params.authors is not None:
        people = [ctx.world.users[key] for key in params.authors]
    else:
        people = ctx.people.select_students(params.students)
    return [user for user in people for _ in range(count(ctx.rng, params.entries))]


def _open_topic(step: Step, topic: Topic) -> None:
    if topic.workflow_state != "active":
        state = {"unpublished": "not published", "locked": "locked", "deleted": "deleted"}
        message = f"topic {topic.key!r} is {state[topic.workflow_state]}: nobody can post to it"
        raise step.error(message, "discuss", "topic")


def discuss(ctx: CourseEngine, step: Step, params: DiscussParams, user: User | None) -> None:
    assert user is not None
    world, course, rng, now = ctx.world, ctx.course, ctx.rng, ctx.clock.now
    topic = world.records.topics[params.topic]
    _open_topic(step, topic)
    if world.roles.get(user.key) == "student":
        ctx.people.student_enrollment(step, user)
        ctx.people.require_active(step, user)
    parent = None
    if topic.entries and rng.random() * 100 < float(params.replies[:-1]):
        parent = rng.choice(topic.entries)
    if params.text is not None:
        text = params.text
    elif params.words is not None:
        text = text_of(rng, ctx.draw.words, count(rng, params.words))
    else:
        text = rng.choice(ctx.draw.sentences)
    entry = Entry(world.ids.next("discussion_entries"), topic, user, parent, f"<p>{text}</p>", now)
    topic.entries.append(entry)
    page = f"/courses/{course.id}/discussion_topics/{topic.id}"
    if params.via == "graphql":
        request = ctx.requests.request(user, "POST", "/api/graphql", page)
    else:
        path = f"/api/v1/courses/{course.id}/discussion_topics/{topic.id}/entries"
        if parent is not None:
            path += f"/{parent.id}/replies"
        request = ctx.requests.request(user, "POST", path, page)
    zone = request.zone
    ctx.clock.emit("discussion_entry_created", request, entry_fields(entry, zone))
    sub = None
    if topic.assignment is not None and world.roles.get(user.key) == "student":
        sub = ctx.people.submission(step, topic.assignment, user)
    if params.via == "rest":
        fields = entry_submitted_fields(entry, sub, zone)
        ctx.clock.emit("discussion_entry_submitted", request, fields)
    if sub is not None:
        name = "submission_created" if _hand_in(ctx, sub, now) else "submission_updated"
        ctx.clock.emit(name, request, ev.submission_fields(world, sub, now, zone))


def _hand_in(ctx: CourseEngine, sub: Submission, now: int) -> bool:
    """A graded topic's first post submits the work (True); later posts only touch it."""
    sub.updated_at = now
    if sub.submitted_at is not None:
        return False
    sub.attempt = (sub.attempt or 0) + 1
    sub.submitted_at = now
    sub.submission_type = "discussion_topic"
    if sub.workflow_state == "unsubmitted":
        sub.workflow_state = "submitted"
    ctx.scores.touch(sub)
    return True


KIND = StepKind(
    "discuss",
    DiscussParams,
    discuss,
    emits=(
        "discussion_entry_created",
        "discussion_entry_submitted",
        "submission_created",
        "submission_updated",
    ),
    check=_check,
    targets=_targets,
    gap_s=(60, 1200),
)
