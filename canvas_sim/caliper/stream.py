"""A Caliper stream as a whole: each envelope checked, event ids unique, and which format a
stream is in (for ``canvas-sim validate``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson

from .checks import check_envelope


def detect_format(line: bytes | str) -> str | None:
    """``"caliper"`` (an envelope: ``dataVersion`` or ``data``), ``"canvas"`` (``metadata``), or
    None when the line is neither."""
    try:
        payload = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if isinstance(payload, dict):
        if "dataVersion" in payload or "data" in payload or "sensor" in payload:
            return "caliper"
        if "metadata" in payload or "body" in payload:
            return "canvas"
    return None


@dataclass
class Finding:
    """One problem of a Caliper stream, at a 1-based line."""

    line: int
    kind: str  # json, caliper, duplicate
    message: str
    event: str | None = None  # "<type> <action>" when known


@dataclass
class StreamReport:
    events: Counter[str] = field(default_factory=Counter)  # "<type> <action> <object.type>"
    problems: list[Finding] = field(default_factory=list)
    lines: int = 0
    dropped: int = 0
    duplicates: int = 0  # whole-envelope duplicates (Canvas may deliver an event twice)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.dropped


def _label(event: Any) -> str | None:
    if not isinstance(event, dict):
        return None
    shown = event.get("object")
    object_type = shown.get("type") if isinstance(shown, dict) else None
    return " ".join(str(part) for part in (event.get("type"), event.get("action"), object_type))


class CaliperStream:
    """Feed it lines in order; :attr:`report` holds the result. An exact duplicate envelope is
    a duplicate delivery (a problem, or only counted when ``lenient``); the same event id on a
    different envelope is always a problem."""

    def __init__(self, *, lenient: bool = False, max_problems: int = 1000) -> None:
        self.lenient = lenient
        self.max_problems = max_problems
        self.report = StreamReport()
        self._ids: dict[str, tuple[int, int]] = {}  # event id -> (line, envelope hash)

    def _problem(self, finding: Finding) -> None:
        if len(self.report.problems) < self.max_problems:
            self.report.problems.append(finding)
        else:
            self.report.dropped += 1

    def feed(
        self, raw: bytes | str, line: int | None = None, event_name: str | None = None
    ) -> None:
        """Check one line; ``event_name`` (the SQS attribute) adds the check of its form."""
        self.report.lines += 1
        number = self.report.lines if line is None else line
        text = raw.strip()
        if not text:
            return
        try:
            envelope = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            self._problem(Finding(number, "json", f"not JSON: {exc}"))
            return
        data = envelope.get("data") if isinstance(envelope, dict) else None
        event = data[0] if isinstance(data, list) and data else None
        label = _label(event)
        if label is not None:
            self.report.events[label] += 1
        event_id = event.get("id") if isinstance(event, dict) else None
        if isinstance(event_id, str):
            digest = hash(text)
            seen = self._ids.get(event_id)
            if seen is not None and seen[1] == digest:
                self.report.duplicates += 1
                if not self.lenient:
                    message = f"an exact duplicate of line {seen[0]}"
                    self._problem(Finding(number, "duplicate", message, label))
                return
            if seen is not None:
                message = f"$.data[0].id: {event_id} is also the id of line {seen[0]}'s event"
                self._problem(Finding(number, "caliper", message, label))
            else:
                self._ids[event_id] = (number, digest)
        for path, message in check_envelope(envelope, event_name):
            self._problem(Finding(number, "caliper", f"{path}: {message}", label))
