"""``create_topic``: a teacher starts a discussion or posts an announcement; a graded one gets
its assignment first: assignment_created, then discussion_topic_created."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import Field, model_validator

from ..bodies.discussions import topic_fields
from ..content import add_assignment
from ..records import Topic
from ..specs import AssignmentSpec
from ..values import Key, Model, When
from ..world import User
from .announce import announce_assignment
from .base import Step, StepKind, when_ms
from .checks import References

if TYPE_CHECKING:
    from ..course import CourseEngine


class CreateTopicParams(Model):
    key: Key = Field(description="How later steps name the topic")
    title: str | None = Field(None, description="The key, titled, by default")
    message: str | None = Field(None, description="The topic's text; generated if absent")
    announcement: bool = False
    published: bool = True
    lock_at: When | None = Field(None, description="When the topic locks for new posts")
    points: Decimal | None = Field(
        None, ge=0, description="Graded: an assignment of these points, named by the topic's key"
    )
    due: When | None = Field(None, description="The graded topic's due date")
    group: Key | None = Field(None, description="The graded topic's assignment group (the first)")
    author: Key | None = Field(None, description="The teacher or TA who posts it")

    @model_validator(mode="after")
    def _graded_fields(self) -> CreateTopicParams:
        if self.points is None and (self.due is not None or self.group is not None):
            raise ValueError("due and group are for graded topics: give points too")
        if self.announcement and self.points is not None:
            raise ValueError("an announcement cannot be graded")
        return self


def _declare(refs: References, step: Step, params: CreateTopicParams) -> None:
    refs.declare(step, "topic", params.key, "key")
    if params.author is not None:
        refs.person(step, params.author, ("teacher", "ta"), "author")
    if params.points is None:
        return
    group = params.group or next(iter(refs.groups), None)
    if group is None:
        raise step.error("a graded topic needs an assignment group (course.groups)", "points")
    refs.unknown_group(step, group, "group")
    refs.groups[group].add(params.key)
    spec = AssignmentSpec(key=params.key, submission_types=["discussion_topic"])
    refs.declare_assignments(step, [(("key",), spec)])


def create_topic(
    ctx: CourseEngine, step: Step, params: CreateTopicParams, user: User | None
) -> None:
    world, course, now = ctx.world, ctx.course, ctx.clock.now
    author = ctx.people.grader(params.author)
    title = params.title or params.key.replace("_", " ").title()
    assignment = None
    if params.points is not None:
        group = (
            next(g for g in course.groups if g.key == params.group)
            if params.group
            else course.groups[0]
        )
        spec = AssignmentSpec(
            key=params.key,
            title=title,
            points=params.points,
            submission_types=["discussion_topic"],
            due=params.due,
            published=params.published,
        )
        assignment = add_assignment(world, group, spec, ctx.start_ms, now, ctx.rng)
        announce_assignment(ctx, assignment, author)
    topic = Topic(
        id=world.ids.next("discussion_topics"),
        key=params.key,
        title=title,
        message=params.message or f"<p>{ctx.rng.choice(ctx.draw.paragraphs)}</p>",
        author=author,
        is_announcement=params.announcement,
        assignment=assignment,
        workflow_state="active" if params.published else "unpublished",
        lock_at=when_ms(ctx.start_ms, params.lock_at),
        created_at=now,
        updated_at=now,
    )
    world.records.topics[topic.key] = topic
    path = f"/courses/{course.id}/discussion_topics"
    referrer = f"{path}/new" + ("?is_announcement=true" if topic.is_announcement else "")
    request = ctx.requests.request(author, "POST", f"/api/v1{path}", referrer)
    ctx.clock.emit("discussion_topic_created", request, topic_fields(world, topic, request.zone))


KIND = StepKind(
    "create_topic",
    CreateTopicParams,
    create_topic,
    emits=("assignment_created", "course_grade_change", "discussion_topic_created"),
    declare=_declare,
    whole=True,
)
