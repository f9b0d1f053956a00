"""``message``: people write to each other in the inbox. A private conversation of two people
is reused (message only); a new one is announced first; recipients may answer later, and the
sender may add people: conversation_created, conversation_message_created,
conversation_forwarded."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from ..bodies.conversations import conversation_fields, message_fields
from ..kernel import PRIORITY_ACTION
from ..metadata import Request
from ..randoms import randint
from ..records import Conversation
from ..values import Duration, Key, Model, Percent, Students
from ..world import User
from .base import Step, StepKind, Targets
from .checks import References

if TYPE_CHECKING:
    from ..course import CourseEngine

INBOX = "/conversations"


class MessageParams(Model):
    sender: Literal["student", "teacher"] | Key = Field(
        "student",
        description="student: each selected student writes; teacher (the first) or a person's "
        "key: one sender writing to the selected students",
    )
    students: Students = "all"
    to: Literal["teacher", "students"] | list[Key] = Field(
        "teacher", description="Whom a student writes to (teacher: the first teacher)"
    )
    individual: bool = Field(
        True,
        description="With several recipients, one private conversation each (Canvas's 'send "
        "individual messages'); false: one group conversation",
    )
    replies: Percent = Field("0%", description="Share of conversations a recipient answers")
    reply_within: Duration = Field(86_400_000, description="Answers come within this long")
    add: list[Key] = Field(
        default_factory=list, description="People the sender adds to each conversation after"
    )


def _check(refs: References, step: Step, params: MessageParams) -> None:
    if params.sender not in ("student", "teacher"):
        refs.person(step, params.sender, ("teacher", "ta", "student"), "sender")
    if isinstance(params.to, list):
        for i, key in enumerate(params.to):
            refs.person(step, key, ("teacher", "ta", "student"), "to", i)
    for i, key in enumerate(params.add):
        refs.person(step, key, ("teacher", "ta", "student"), "add", i)


def _targets(ctx: CourseEngine, step: Step, params: MessageParams) -> Targets:
    """Each writing student, or the one sender (None)."""
    if params.sender == "student":
        return list(ctx.people.select_students(params.students))
    return [None]


def inbox_request(ctx: CourseEngine, user: User) -> Request:
    """The inbox's GraphQL call: no course context, no context role."""
    return ctx.requests.outside_course(user, "POST", "/api/graphql", INBOX)


def message(ctx: CourseEngine, step: Step, params: MessageParams, user: User | None) -> None:
    people = ctx.people
    if user is not None:
        sender = user
        if params.to == "teacher":
            recipients = people.teachers[:1]
        elif params.to == "students":
            recipients = [s for s in people.select_students("all") if s is not user]
        else:
            recipients = [ctx.world.users[key] for key in params.to]
    else:
        sender = people.grader(None if params.sender == "teacher" else params.sender)
        recipients = people.select_students(params.students)
    recipients = [r for r in recipients if r is not sender]
    if not recipients:
        return
    groups = [[r] for r in recipients] if params.individual else [recipients]
    for group in groups:
        conversation = send(ctx, sender, group)
        if params.add:
            forward(ctx, sender, conversation, [ctx.world.users[key] for key in params.add])
        if ctx.rng.random() * 100 < float(params.replies[:-1]):
            answerer = ctx.rng.choice(group)
            wait = randint(ctx.rng.getrandbits, 0, params.reply_within)
            ctx.clock.push(
                ctx.clock.now + wait, PRIORITY_ACTION, partial(reply, ctx, answerer, conversation)
            )


def send(ctx: CourseEngine, sender: User, recipients: list[User]) -> Conversation:
    """A new message to ``recipients``: in the private conversation of the two if there is
    one, else in a new conversation (announced first)."""
    records, now = ctx.world.records, ctx.clock.now
    pair = frozenset((sender.id, recipients[0].id)) if len(recipients) == 1 else None
    conversation = None if pair is None else records.private.get(pair)
    request = inbox_request(ctx, sender)
    if conversation is None:
        conversation = Conversation(
            ctx.world.ids.next("conversations"), [sender, *recipients], pair is not None, now
        )
        records.conversations.append(conversation)
        if pair is not None:
            records.private[pair] = conversation
        ctx.clock.emit(
            "conversation_created", request, conversation_fields(conversation, request.zone)
        )
    _post(ctx, request, sender, conversation)
    return conversation


def reply(ctx: CourseEngine, author: User, conversation: Conversation) -> None:
    """A participant answers in the conversation: the message only."""
    _post(ctx, inbox_request(ctx, author), author, conversation)


def forward(ctx: CourseEngine, sender: User, conversation: Conversation, added: list[User]) -> None:
    """People added to a conversation: conversation_forwarded and the generated message."""
    new = [user for user in added if user not in conversation.participants]
    if not new:
        return
    conversation.participants.extend(new)
    if conversation.private:  # three or more people: no longer the pair's private one
        conversation.private = False
        ids = frozenset(user.id for user in conversation.participants[:2])
        ctx.world.records.private.pop(ids, None)
    conversation.updated_at = ctx.clock.now
    request = inbox_request(ctx, sender)
    ctx.clock.emit(
        "conversation_forwarded", request, conversation_fields(conversation, request.zone)
    )
    _post(ctx, request, sender, conversation)


def _post(ctx: CourseEngine, request: Request, author: User, conversation: Conversation) -> None:
    now = ctx.clock.now
    conversation.updated_at = now
    message_id = ctx.world.ids.next("conversation_messages")
    fields = message_fields(message_id, conversation, author, now, request.zone)
    ctx.clock.emit("conversation_message_created", request, fields)


KIND = StepKind(
    "message",
    MessageParams,
    message,
    emits=("conversation_created", "conversation_message_created", "conversation_forwarded"),
    check=_check,
    targets=_targets,
    gap_s=(60, 900),
)
