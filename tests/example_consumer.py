"""A small Canvas Live Events consumer, the subject of docs/testing-consumers.md.

A WSGI app that receives one event per POST and routes it by ``metadata.event_name``: each
student's course scores from course_grade_change (newest event wins: events can arrive out of
order), page views per course and person from asset_accessed, each person's current session
from logged_in, module progress from course_progress / course_completed (counts never go
backwards, so the highest wins), discussion threads, inbox conversations and group
memberships; other types are counted. Ids are kept as strings, in the form each event sends
them.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class ScoreKeeper:
    def __init__(self) -> None:
        self.scores: dict[tuple[str, str], dict[str, Any]] = {}  # (course, user) -> latest
        self.seen: set[bytes] = set()  # Canvas events have no id: dedupe on content
        self.views: Counter[tuple[str, str]] = Counter()  # (course, user) page views, global ids
        self.sessions: dict[str, str] = {}  # user -> session id of their latest sign-in
        self.progress: dict[tuple[str, str], dict[str, Any]] = {}  # (course, user), local ids
        self.topics: dict[str, str] = {}  # topic id (local) -> title
        self.entries: dict[str, tuple[str, str | None]] = {}  # entry -> (topic, parent entry)
        self.messages: Counter[str] = Counter()  # conversation id -> messages
        self.members: dict[tuple[str, str], str] = {}  # (user, group set) -> group, current
        self.other: Counter[str] = Counter()  # event types not routed, by name
        self.routes: dict[str, Callable[[dict[str, Any]], None]] = {
            "course_grade_change": self._keep,
            "asset_accessed": self._view,
            "logged_in": self._sign_in,
            "course_progress": self._progress,
            "course_completed": self._progress,
            "discussion_topic_created": self._topic,
            "discussion_topic_updated": self._topic,
            "discussion_entry_created": self._entry,
            "conversation_created": self._conversation,
            "conversation_message_created": self._message,
            "group_membership_created": self._membership,
            "group_membership_updated": self._membership,
        }

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(size)
        try:
            event = json.loads(raw)
            name = event["metadata"]["event_name"]
        except (ValueError, KeyError, TypeError):
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"not a Canvas event"]
        if raw not in self.seen:
            self.seen.add(raw)
            route = self.routes.get(name)
            if route is None:
                self.other[name] += 1
            else:
                route(event)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    def _keep(self, event: dict[str, Any]) -> None:
        body = event["body"]
        key = (body["course_id"], body["user_id"])  # local ids in this event
        current = self.scores.get(key)
        if current is None or body["updated_at"] >= current["updated_at"]:
            self.scores[key] = body

    def _view(self, event: dict[str, Any]) -> None:
        meta = event["metadata"]
        self.views[(meta["context_id"], meta["user_id"])] += 1

    def _sign_in(self, event: dict[str, Any]) -> None:
        meta = event["metadata"]
        self.sessions[meta["user_id"]] = meta["session_id"]

    def _progress(self, event: dict[str, Any]) -> None:
        body = event["body"]
        key = (body["course"]["id"], body["user"]["id"])  # local ids in this event
        current = self.progress.get(key)
        done = body["progress"]["requirement_completed_count"]
        if current is None or done >= current["progress"]["requirement_completed_count"]:
            self.progress[key] = body

    def _topic(self, event: dict[str, Any]) -> None:
        body = event["body"]
        # the topic events send the topic's global id, entries its local one
        self.topics[str(int(body["discussion_topic_id"]) % 10**13)] = body.get("title") or ""

    def _entry(self, event: dict[str, Any]) -> None:
        body = event["body"]
        parent = body.get("parent_discussion_entry_id")  # absent or null for top-level posts
        self.entries[body["discussion_entry_id"]] = (body["discussion_topic_id"], parent)

    def _conversation(self, event: dict[str, Any]) -> None:
        self.messages.setdefault(event["body"]["conversation_id"], 0)

    def _message(self, event: dict[str, Any]) -> None:
        self.messages[event["body"]["conversation_id"]] += 1

    def _membership(self, event: dict[str, Any]) -> None:
        body = event["body"]
        key = (body["user_id"], body["group_category_id"])
        if body["workflow_state"] == "deleted":
            if self.members.get(key) == body["group_id"]:
                del self.members[key]
        else:
            self.members[key] = body["group_id"]
