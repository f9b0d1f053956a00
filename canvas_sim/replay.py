"""Events read back from JSON Lines files, to deliver again.

A replay file holds one event per line: a run's JSONL output, a receiver's ``--out`` file, or a
dead-letter file (whose lines wrap the event with its URL and last error). Every line is checked
before anything is sent, so a bad file is reported at its line and nothing goes out; then the
files are streamed again, so memory stays flat however large they are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from .delivery import Rendered
from .errors import SimulatorError


class ReplayError(SimulatorError):
    """A replay file is missing, unreadable, or holds a line that is not an event."""

    exit_code = 2


EXPECTED = (
    'expected a Canvas live event {"metadata": {"event_name": ..., "event_time": ...}, '
    '"body": {...}}, a Caliper envelope {"sensor": ..., "data": [{..., "eventTime": ...}]} '
    'or a dead-letter line {"url": ..., "error": ..., "event": {...}}'
)


@dataclass(frozen=True)
class ReplayPlan:
    """What a check of the files found: their events by type, what will be replayed (after
    ``only``, ``skip`` and ``limit``) and its time span, and the form of the lines."""

    events: int
    by_type: dict[str, int]
    first_ms: int | None  # of what is replayed
    last_ms: int | None
    selected: int = 0  # the events replayed
    available: int = 0  # the events replayed without the limit (``--max-events``)
    no_form: dict[str, int] = field(default_factory=dict)  # left out: no Caliper form
    envelopes: int = 0  # lines that are Caliper envelopes
    first_envelope: str | None = None  # FILE:LINE of the first one


def _time_ms(value: Any) -> int | None:
    """``metadata.event_time`` (ISO 8601, e.g. ``2024-04-15T20:46:05.187Z``) in epoch ms."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return round(moment.timestamp() * 1000)


def _event(line: bytes) -> tuple[Rendered, bool]:
    """One line as an event to send (a dead letter's event is unwrapped), and whether it is a
    Caliper envelope; ReplayError says what is wrong with it (the caller adds where it is)."""
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise ReplayError(f"not JSON ({exc}); {EXPECTED}") from None
    if isinstance(value, dict) and "metadata" not in value and "event" in value:
        value = value["event"]  # a dead letter
        line = orjson.dumps(value)
    if isinstance(value, dict) and "metadata" not in value and "data" in value:
        return _caliper_event(value, line), True
    if not isinstance(value, dict) or not isinstance(value.get("body"), dict):
        raise ReplayError(EXPECTED)
    metadata = value.get("metadata")
    name = metadata.get("event_name") if isinstance(metadata, dict) else None
    if not isinstance(name, str) or not name:
        raise ReplayError(f"metadata.event_name is missing; {EXPECTED}")
    time_ms = _time_ms(metadata.get("event_time")) if isinstance(metadata, dict) else None
    if time_ms is None:
        raise ReplayError(
            "metadata.event_time must be an ISO 8601 time with an offset, "
            "e.g. 2024-04-15T20:46:05.187Z"
        )
    return Rendered(name, time_ms, line), False


def _caliper_event(envelope: dict[str, Any], line: bytes) -> Rendered:
    """A Caliper envelope (a Caliper run's output or dead letter), named by its event's
    ``<type> <action> <object type>`` since nothing in it names the Canvas event."""
    from .caliper.stream import label  # only for Caliper files: Canvas runs never load it

    name = label(envelope)
    data = envelope.get("data")
    time_ms = _time_ms(data[0].get("eventTime")) if name and isinstance(data, list) else None
    if name is None or time_ms is None:
        raise ReplayError(f"a Caliper envelope needs data[0] with an eventTime; {EXPECTED}")
    return Rendered(name, time_ms, line)


def _lines(paths: Sequence[Path]) -> Iterator[tuple[Rendered, bool, str]]:
    """Every event of ``paths`` in file order, whether it is a Caliper envelope, and where it
    is (``FILE:LINE``)."""
    for path in paths:
        if str(path) == "-":
            raise ReplayError(
                "cannot replay standard input (-): every line is checked before anything is "
                "sent, so save the stream to a file first"
            )
        if not path.exists():
            raise ReplayError(f"cannot read {path}: no such file")
        if not path.is_file():  # a pipe could not be read a second time, after the check
            raise ReplayError(
                f"cannot read {path}: it is not a regular file (save the stream to a file first)"
            )
        try:
            with open(path, "rb") as handle:
                for number, raw in enumerate(handle, start=1):
                    line = raw.strip()
                    if not line:
                        continue
                    try:
                        event, envelope = _event(line)
                    except ReplayError as exc:
                        raise ReplayError(f"{path}:{number}: {exc}") from None
                    yield event, envelope, f"{path}:{number}"
        except OSError as exc:
            raise ReplayError(f"cannot read {path}: {exc.strerror or exc}") from None


def read_events(
    paths: Sequence[Path],
    only: frozenset[str] = frozenset(),
    keep: Callable[[Rendered, bool], bool] | None = None,
) -> Iterator[Rendered]:
    """The events of ``paths`` in file order (only the types in ``only``, when given, and
    those ``keep(event, is_envelope)`` accepts)."""
    for event, envelope, _ in _lines(paths):
        if (not only or event.name in only) and (keep is None or keep(event, envelope)):
            yield event


def has_caliper_form(event: Rendered, envelope: bool) -> bool:
    """Whether a replayed event can go to a Caliper target: an envelope already, or a Canvas
    event Canvas has a Caliper form for."""
    from .caliper.mapping import FORMS

    return envelope or event.name in FORMS


def check_files(
    paths: Sequence[Path],
    *,
    only: frozenset[str] = frozenset(),
    skip: int = 0,
    limit: int | None = None,
    caliper_only: bool = False,
) -> ReplayPlan:
    """Read every line of ``paths`` once; a bad line raises ReplayError naming it. What is
    replayed: the events of ``only`` (all when empty), without those that have no Caliper form
    when ``caliper_only``, after the first ``skip``, at most ``limit``."""
    by_type: dict[str, int] = {}
    no_form: dict[str, int] = {}
    first = last = None
    seen = available = selected = envelopes = 0
    first_envelope = None
    for event, envelope, where in _lines(paths):
        by_type[event.name] = by_type.get(event.name, 0) + 1
        if envelope:
            envelopes += 1
            first_envelope = first_envelope or where
        if only and event.name not in only:
            continue
        full = limit is not None and selected >= limit
        if caliper_only and not has_caliper_form(event, envelope):
            if seen >= skip and not full:  # those before belong to the replay being resumed
                no_form[event.name] = no_form.get(event.name, 0) + 1
            continue
        seen += 1
        if seen <= skip:
            continue
        available += 1
        if full:
            continue
        selected += 1
        first = event.time_ms if first is None else min(first, event.time_ms)
        last = event.time_ms if last is None else max(last, event.time_ms)
    return ReplayPlan(
        sum(by_type.values()),
        dict(sorted(by_type.items())),
        first,
        last,
        selected=selected,
        available=available,
        no_form=dict(sorted(no_form.items())),
        envelopes=envelopes,
        first_envelope=first_envelope,
    )
