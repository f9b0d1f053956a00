"""A Caliper stream as a whole, for ``canvas-sim validate`` (which hands each payload to the
checker of the format that claims it): each envelope checked, event ids unique."""

from __future__ import annotations

from typing import Any, Protocol

from .checks import check_envelope


def is_caliper(payload: dict[str, Any]) -> bool:
    """A Caliper envelope (``dataVersion``, ``data`` or ``sensor``) rather than a Canvas event."""
    return "metadata" not in payload and bool({"dataVersion", "data", "sensor"} & payload.keys())


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
