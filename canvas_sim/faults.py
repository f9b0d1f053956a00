"""Delivery faults as Canvas really delivers: duplicates, reordering, delays, losses, quirks.

A seeded transformer between the renderer and the sinks; every fault it injects is written to a
manifest (one JSON object per line: which event, which fault) so that a consumer's test can
assert it handled each one. With no fault enabled the stream passes through untouched.
"""

from __future__ import annotations

import heapq
import random
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson

from .delivery import Rendered
from .sinks.jsonl import LazyLines

_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
OFFSETS_MIN = (-600, -480, -420, -360, -300, -240, 0, 60, 120, 330, 540, 600)
EXTRA_KEYS = {"x_simulated_future_field": "added by --extra-keys", "x_shard": 7}


@dataclass(frozen=True)
class FaultConfig:
    """Which faults to inject; all off by default."""

    duplicates: float = 0.0  # probability an event is delivered twice
    drop: float = 0.0  # probability an event is lost
    reorder_ms: int = 0  # events within this simulated window arrive in shuffled order
    delay_ms: tuple[int, int] = (0, 0)  # some events arrive this much later (uniform range)
    delay_share: float = 0.0  # the share of events that are delayed
    compact_nulls: bool = False  # request-driven events omit null-valued body keys
    mixed_offsets: bool = False  # body timestamps in varied UTC offsets (same instants)
    extra_keys: bool = False  # unknown keys in metadata and body
    seed: int = 0

    @property
    def active(self) -> bool:
        return bool(
            self.duplicates
            or self.drop
            or self.reorder_ms
            or self.delay_share
            or self.compact_nulls
            or self.mixed_offsets
            or self.extra_keys
        )


class Manifest(LazyLines):
    """The faults injected, one JSON object per line (created with the first fault)."""

    def __init__(self, path: str | Path) -> None:
        super().__init__(path, append=False, what="the fault manifest")

    def record(self, entry: dict[str, Any]) -> None:
        self.write(orjson.dumps(entry))


def count_faults(path: Path) -> Counter[str]:
    """The faults a manifest lists, by kind (none when it was not created)."""
    counts: Counter[str] = Counter()
    try:
        with open(path, "rb") as handle:
            for line in handle:
                counts[str(orjson.loads(line).get("fault"))] += 1
    except FileNotFoundError:
        pass
    return counts


class FaultInjector:
    """Turns a stream of rendered events into the stream a consumer would receive."""

    def __init__(self, config: FaultConfig, manifest: Manifest) -> None:
        self.config = config
        self.manifest = manifest
        self._rng = random.Random(f"{config.seed}/faults")

    def apply(self, events: Iterable[Rendered]) -> Iterator[Rendered]:
        if not self.config.active:
            yield from events
            return
        pending: list[tuple[int, int, int, Rendered]] = []  # (arrival ms, order, index, event)
        order = 0
        latest = -1  # the highest original index delivered so far
        for index, event in enumerate(events):
            for arrival, copy in self._arrivals(index, event):
                order += 1
                heapq.heappush(pending, (arrival, order, index, copy))
            horizon = event.time_ms - self.config.reorder_ms
            while pending and pending[0][0] <= horizon:
                _, _, original, ready = heapq.heappop(pending)
                latest = self._note_order(original, ready, latest)
                yield ready
        while pending:
            _, _, original, ready = heapq.heappop(pending)
            latest = self._note_order(original, ready, latest)
            yield ready

    def _note_order(self, index: int, event: Rendered, latest: int) -> int:
        """Record an event that arrives after one generated later than it."""
        if index < latest:
            self.manifest.record(
                {"index": index, "event_name": event.name, "fault": "reordered", "after": latest}
            )
        return max(latest, index)

    def _arrivals(self, index: int, event: Rendered) -> list[tuple[int, Rendered]]:
        config, rng = self.config, self._rng
        note = {"index": index, "event_name": event.name}
        if config.drop and rng.random() < config.drop:
            self.manifest.record({**note, "fault": "dropped"})
            return []
        event = self._quirks(event, note)
        arrival = event.time_ms
        if config.reorder_ms:
            arrival += rng.randrange(config.reorder_ms + 1)
        if config.delay_share and rng.random() < config.delay_share:
            extra = rng.randint(*config.delay_ms)
            arrival += extra
            self.manifest.record({**note, "fault": "delayed", "delay_ms": extra})
        arrivals = [(arrival, event)]
        if config.duplicates and rng.random() < config.duplicates:
            later = arrival + rng.randint(0, max(config.reorder_ms, 60_000))
            arrivals.append((later, event))
            self.manifest.record({**note, "fault": "duplicated"})
        return arrivals

    def _quirks(self, event: Rendered, note: dict[str, Any]) -> Rendered:
        config = self.config
        if not (config.compact_nulls or config.mixed_offsets or config.extra_keys):
            return event
        payload = orjson.loads(event.line)
        metadata, body = payload["metadata"], payload["body"]
        # Each fault gets its own row built from `note` (index, event_name) and its own details
        # only: one quirk's keys never leak into another's row.
        rows: list[dict[str, Any]] = []
        if config.compact_nulls and "job_id" not in metadata:
            dropped = [key for key, value in body.items() if value is None]
            if dropped:
                payload["body"] = body = {k: v for k, v in body.items() if v is not None}
                rows.append({**note, "fault": "compact_nulls", "omitted_keys": dropped})
        if config.mixed_offsets:
            minutes = self._rng.choice(OFFSETS_MIN)
            shifted = [key for key, value in body.items() if _shift(body, key, value, minutes)]
            if shifted:
                rows.append(
                    {
                        **note,
                        "fault": "mixed_offsets",
                        "offset_minutes": minutes,
                        "shifted_keys": shifted,
                    }
                )
        if config.extra_keys:
            metadata.update(EXTRA_KEYS)
            body.update(EXTRA_KEYS)
            added = [f"{part}.{key}" for part in ("metadata", "body") for key in EXTRA_KEYS]
            rows.append({**note, "fault": "extra_keys", "added_keys": added})
        for row in rows:
            self.manifest.record(row)
        return event._replace(line=orjson.dumps(payload))


def _shift(body: dict[str, Any], key: str, value: Any, minutes: int) -> bool:
    """Rewrite one ISO timestamp in another UTC offset, keeping the instant."""
    if not isinstance(value, str) or not _TIMESTAMP.match(value):
        return False
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    zone = timezone(timedelta(minutes=minutes))
    text = moment.astimezone(zone).isoformat(timespec="milliseconds" if "." in value else "seconds")
    body[key] = text.replace("+00:00", "Z") if minutes == 0 else text
    return True
