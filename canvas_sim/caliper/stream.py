"""A Caliper stream as a whole: each envelope checked, event ids unique; which format a payload
is in (for ``canvas-sim validate``, which dispatches each payload to its format's checker)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

from .checks import check_envelope


def is_caliper(payload: dict[str, Any]) -> bool:
    """A Caliper envelope (``dataVersion``, ``data`` or ``sensor``) rather than a Canvas event."""
    return "metadata" not in payload and bool({"dataVersion", "data", "sensor"} & payload.keys())


def detect_format(line: bytes | str) -> str | None:
    """``"caliper"``, ``"canvas"`` (``metadata`` or ``body``), or None for anything else."""
    try:
        payload = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(payload, dict):
        return None
    if is_caliper(payload):
        return "caliper"
    return "canvas" if "metadata" in payload or "body" in payload else None


class Findings(Protocol):
    """Where a checker reports (the validator's recorder): problems by line, notes when
    lenient, events counted in ``report.events``."""

    @property
    def report(self) -> Any: ...

    def problem(self, line: int, event: str | None, kind: str, message: str) -> None: ...

    def tolerated(self, line: int, event: str | None, note: str, message: str) -> None: ...


def label(payload: dict[str, Any]) -> str | None:
    """``"<type> <action> <object type>"`` of an envelope's event: how Caliper consumers tell
    events apart (nothing in the payload names the Canvas event)."""
    data = payload.get("data")
    event = data[0] if isinstance(data, list) and data else None
    if not isinstance(event, dict):
        return None
    shown = event.get("object")
    object_type = shown.get("type") if isinstance(shown, dict) else None
    return " ".join(str(part) for part in (event.get("type"), event.get("action"), object_type))


class CaliperChecker:
    """Checks the envelopes of a stream in order. An exact duplicate envelope is a duplicate
    delivery (reported as the recorder reports duplicates); an event id seen before on a
    different envelope is always a problem."""

    def __init__(self, findings: Findings) -> None:
        self.findings = findings
        self._ids: dict[str, int] = {}  # event id -> first line

    def check(self, payload: dict[str, Any], line: int, duplicate_of: int | None) -> None:
        name = label(payload)
        if name is not None:
            self.findings.report.events[name] += 1
        if duplicate_of is not None:
            message = f"an exact duplicate of line {duplicate_of}"
            self.findings.tolerated(line, name, "duplicate", message)
            return
        data = payload.get("data")
        event_id = data[0].get("id") if isinstance(data, list) and data else None
        if isinstance(event_id, str):
            first = self._ids.setdefault(event_id, line)
            if first != line:
                message = f"$.data[0].id: {event_id} is also the id of line {first}'s event"
                self.findings.problem(line, name, "caliper", message)
        for path, message in check_envelope(payload):
            self.findings.problem(line, name, "caliper", f"{path}: {message}")


@dataclass
class StreamReport:
    events: Counter[str] = field(default_factory=Counter)
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # (line, kind, message)
    notes: Counter[str] = field(default_factory=Counter)


class CaliperStream:
    """A Caliper stream checked on its own: :meth:`feed` lines, read :attr:`report`."""

    def __init__(self, *, lenient: bool = False) -> None:
        self.lenient = lenient
        self.report = StreamReport()
        self._checker = CaliperChecker(self)
        self._lines: dict[int, int] = {}  # line hash -> first line
        self._count = 0

    def problem(self, line: int, event: str | None, kind: str, message: str) -> None:
        self.report.problems.append((line, kind, message))

    def tolerated(self, line: int, event: str | None, note: str, message: str) -> None:
        if self.lenient:
            self.report.notes[note] += 1
        else:
            self.problem(line, event, note, message)

    def feed(self, raw: bytes) -> None:
        self._count += 1
        digest = hash(raw.strip())
        first = self._lines.setdefault(digest, self._count)
        payload = orjson.loads(raw)
        duplicate = None if first == self._count else first
        self._checker.check(payload, self._count, duplicate)
