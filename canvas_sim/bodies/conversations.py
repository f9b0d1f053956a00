"""conversation_created / conversation_forwarded and conversation_message_created (ids local)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from ..clock import body_time
from ..records import Conversation
from ..world import User


def conversation_fields(conversation: Conversation, zone: ZoneInfo | None) -> dict[str, Any]:
    return {
        "conversation_id": str(conversation.id),
        "updated_at": body_time(conversation.updated_at, zone),
    }


def message_fields(
    message_id: int, conversation: Conversation, author: User, now: int, zone: ZoneInfo | None
) -> dict[str, Any]:
    return {
        "author_id": str(author.id),
        "conversation_id": str(conversation.id),
        "created_at": body_time(now, zone),
        "message_id": str(message_id),
    }
