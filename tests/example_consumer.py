"""A small Canvas Live Events consumer, the subject of docs/testing-consumers.md.

A WSGI app that receives one event per POST and keeps each student's course scores from
course_grade_change, newest event wins (events can arrive out of order), ids kept as strings.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class ScoreKeeper:
    def __init__(self) -> None:
        self.scores: dict[tuple[str, str], dict[str, Any]] = {}  # (course, user) -> latest
        self.seen: set[bytes] = set()  # Canvas events have no id: dedupe on content

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
            if name == "course_grade_change":
                self._keep(event)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    def _keep(self, event: dict[str, Any]) -> None:
        body = event["body"]
        key = (body["course_id"], body["user_id"])  # local ids in this event
        current = self.scores.get(key)
        if current is None or body["updated_at"] >= current["updated_at"]:
            self.scores[key] = body
