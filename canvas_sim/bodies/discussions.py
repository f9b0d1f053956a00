"""discussion_topic_created / _updated (topic id global, the rest local) and
discussion_entry_created / _submitted (all local)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from ..clock import body_time
from ..events import truncate
from ..records import Entry, Topic
from ..world import Submission, World


def topic_fields(world: World, topic: Topic, zone: ZoneInfo | None) -> dict[str, Any]:
    assignment = topic.assignment
    return {
        "discussion_topic_id": world.account.gid(topic.id),
        "is_announcement": topic.is_announcement,
        "title": truncate(topic.title),
        "body": truncate(topic.message),
        "assignment_id": None if assignment is None else str(assignment.id),
        "context_id": str(world.course.id),
        "context_type": "Course",
        "workflow_state": topic.workflow_state,
        "lock_at": body_time(topic.lock_at, zone),
        "updated_at": body_time(topic.updated_at, zone),
    }


def entry_fields(entry: Entry, zone: ZoneInfo | None) -> dict[str, Any]:
    """discussion_entry_created; the parent key is None (left out) for top-level entries."""
    parent = entry.parent
    return {
        "user_id": str(entry.user.id),
        "created_at": body_time(entry.created_at, zone),
        "discussion_entry_id": str(entry.id),
        "discussion_topic_id": str(entry.topic.id),
        "text": truncate(entry.text),
        "parent_discussion_entry_id": None if parent is None else str(parent.id),
    }


def entry_submitted_fields(
    entry: Entry, submission: Submission | None, zone: ZoneInfo | None
) -> dict[str, Any]:
    """discussion_entry_submitted: the entry's fields, and for graded topics the assignment
    and the author's submission."""
    fields = entry_fields(entry, zone)
    fields["assignment_id"] = None if submission is None else str(submission.assignment.id)
    fields["submission_id"] = None if submission is None else str(submission.id)
    return fields
