"""The delivery ledger: each event's outcome per target, run totals, latency histograms."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hdrh.histogram import HdrHistogram

from .model import Parcel
from .pacing import Schedule

if TYPE_CHECKING:
    from ..marks import StepMark

DELIVERED = "delivered"
DEAD = "dead_lettered"
UNKNOWN = "unknown"  # the last attempt timed out: the consumer may have processed it
SKIPPED = "skipped"  # the target's payload format has no form of the event
_SEVERITY = {SKIPPED: -1, DELIVERED: 0, UNKNOWN: 1, DEAD: 2}
_MAX_US = 3_600_000_000  # an hour, in microseconds
_WAITING = 4096  # values recorded at once (at the latest each second)


def _histogram() -> HdrHistogram:
    return HdrHistogram(1, _MAX_US, 3)


class Latencies:
    """Durations in HdrHistograms: three significant digits, memory flat however many. Each
    value is recorded once, into the current second's histogram; seconds are added to the
    total as they end (``roll``), which also gives the time series its per-second figures.
    Values wait in a short list and go in as (value, count) pairs: recording one at a time
    is a dozen Python calls, and many values repeat (whole microseconds)."""

    def __init__(self) -> None:
        self._now = _histogram()
        self._total = _histogram()
        self._waiting: list[int] = []

    def record(self, seconds: float) -> None:
        waiting = self._waiting
        waiting.append(int(seconds * 1_000_000))
        if len(waiting) >= _WAITING:
            self._record()

    def _record(self) -> None:
        """Put the waiting values into the current second's histogram."""
        histogram, waiting = self._now, self._waiting
        self._waiting = []
        for micros, count in Counter(waiting).items():
            histogram.record_value(
                micros if 0 < micros < _MAX_US else min(_MAX_US, max(1, micros)), count
            )

    def roll(self) -> None:
        """Add the current second to the total."""
        if self._waiting:
            self._record()
        if self._now.get_total_count():
            self._total.add(self._now)
            self._now = _histogram()  # (a new one costs far less than reset())

    @staticmethod
    def second(parts: Sequence[Latencies], *percents: float) -> dict[str, float | None]:
        """``{"p50": ms, ...}`` of the current second over ``parts``; then each part rolls."""
        for part in parts:
            if part._waiting:
                part._record()
        current = [part._now for part in parts if part._now.get_total_count()]
        if len(current) > 1:
            merged = _histogram()
            for histogram in current:
                merged.add(histogram)
            current = [merged]
        values = current[0].get_percentile_to_value_dict(list(percents)) if current else {}
        figures = {
            f"p{percent:g}": _ms(values[percent] / 1e6) if percent in values else None
            for percent in percents
        }
        for part in parts:
            part.roll()
        return figures

    @property
    def count(self) -> int:
        self.roll()
        return int(self._total.get_total_count())

    def percentile(self, percent: float) -> float | None:
        """Seconds at or below which ``percent`` % of the durations are (None when empty)."""
        if not self.count:
            return None
        return float(self._total.get_value_at_percentile(percent)) / 1_000_000

    @property
    def max(self) -> float | None:
        return float(self._total.get_max_value()) / 1_000_000 if self.count else None

    def as_dict(self, *percents: float) -> dict[str, float | None]:
        """``{"p50": ms, ..., "max": ms}`` rounded to microseconds (one pass)."""
        values = self._total.get_percentile_to_value_dict(list(percents)) if self.count else {}
        figures = {
            f"p{percent:g}": _ms(values[percent] / 1e6) if percent in values else None
            for percent in percents
        }
        figures["max"] = _ms(self.max)
        return figures


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 3)


@dataclass
class TargetStats:
    """What happened at one target: outcomes by event type, answers, retries, timings."""

    name: str
    kind: str = "http"  # or "sqs"
    delivered: Counter[str] = field(default_factory=Counter)
    dead_lettered: Counter[str] = field(default_factory=Counter)
    unknown: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    retries: int = 0
    in_flight: int = 0
    failures_in_a_row: int = 0  # connection failures since the last answer
    skipped: int = 0  # events its payload format has no form of
    service: Latencies = field(default_factory=Latencies)  # request sent -> answer
    latency: Latencies = field(default_factory=Latencies)  # due -> final outcome
    last_error: str | None = None
    run: DeliveryStats | None = field(default=None, repr=False)

    def attempt(self, seconds: float, status: str) -> None:
        """One request's answer (or timeout, or connection failure) after ``seconds``."""
        self.service.record(seconds)
        self.statuses[status] += 1

    def settle(self, batch: Sequence[Parcel], outcome: str, now: float) -> None:
        """The final ``outcome`` of ``batch``'s events here, ``now`` on the loop's clock."""
        if outcome == DELIVERED:
            counter, record = self.delivered, self.latency.record
            for parcel in batch:
                counter[parcel.event.name] += 1
                record(max(0.0, now - parcel.due))
        else:
            counter = self.dead_lettered if outcome == DEAD else self.unknown
            for parcel in batch:
                counter[parcel.event.name] += 1
                if outcome != DEAD or parcel.due <= now:  # a stop dead-letters events not due
                    self.latency.record(max(0.0, now - parcel.due))
        if self.run is not None:
            self.run.settled(self, batch, outcome, now)

    def skip(self, parcel: Parcel) -> None:
        """An event this target does not get (its format has no form of it)."""
        self.skipped += 1
        if self.run is not None:
            self.run.settled(self, (parcel,), SKIPPED, 0.0)

    def totals(self) -> dict[str, int]:
        return {
            DELIVERED: sum(self.delivered.values()),
            DEAD: sum(self.dead_lettered.values()),
            UNKNOWN: sum(self.unknown.values()),
        }

    def as_dict(self) -> dict[str, Any]:
        totals = self.totals()
        return {
            "target": self.name,
            "kind": self.kind,
            "events_delivered": totals[DELIVERED],
            "events_dead_lettered": totals[DEAD],
            "events_outcome_unknown": totals[UNKNOWN],
            "events_skipped": self.skipped,
            "delivered_by_type": dict(sorted(self.delivered.items())),
            "dead_lettered_by_type": dict(sorted(self.dead_lettered.items())),
            "outcome_unknown_by_type": dict(sorted(self.unknown.items())),
            "requests": self.requests,
            "statuses": dict(sorted(self.statuses.items())),
            "retries": self.retries,
            "service_time_ms": self.service.as_dict(50, 90, 99),
            "latency_ms": self.latency.as_dict(50, 90, 99),
            "last_error": self.last_error,
        }


@dataclass
class DeliveryStats:
    """Everything a delivery run measured: per target, and totals over the stream."""

    targets: list[TargetStats] = field(default_factory=list)
    generated: int = 0
    late: int = 0  # sends that started over LATE_AFTER_S behind the schedule
    lag: Latencies = field(default_factory=Latencies)  # how late each send started
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    target_rate: float | None = None
    interrupted_by: str | None = None  # SIGINT / SIGTERM
    stop_reason: str | None = None
    not_sent: int | None = None  # events of the stream never sent (None: not known)
    faults: Counter[str] = field(default_factory=Counter)
    series: list[dict[str, Any]] = field(default_factory=list)
    waits_for_room: int = 0  # events that waited for a free --concurrency slot
    waited_for_room_s: float = 0.0  # how long sending waited for one, in all
    waited_for_events_s: float = 0.0  # how long it waited for events from other processes
    clock_ms: int | None = None  # simulated time of the last event sent
    step: StepMark | None = None  # the scenario step of the last event sent (with --speed)
    total: int | None = None  # events the stream holds, when known (progress)
    last_ms: int | None = None  # simulated time of the stream's last event, when known
    schedule: Schedule = field(default_factory=Schedule)
    signing: bool = False
    workers: int = 1  # processes generating the signed events (--workers)
    workers_possible: int = 1  # as many as could help: up to the cores and the courses
    lag_now: float = 0.0  # how far behind the schedule the last send started, seconds
    _totals: dict[str, Counter[str]] = field(
        default_factory=lambda: {DELIVERED: Counter(), DEAD: Counter(), UNKNOWN: Counter()}
    )
    _pending: dict[int, list[Any]] = field(default_factory=dict, repr=False)

    def target(self, name: str, kind: str = "http") -> TargetStats:
        """A new target's ledger, counted in this run's totals."""
        stats = TargetStats(name, kind, run=self)
        self.targets.append(stats)
        return stats

    def settled(
        self, target: TargetStats, batch: Sequence[Parcel], outcome: str, now: float
    ) -> None:
        """Add up an event's outcomes across targets: its total is the worst of them (with
        one target, the totals are that target's own counts)."""
        if len(self.targets) <= 1:
            return
        pending = self._pending
        for parcel in batch:
            entry = pending.get(parcel.seq)
            if entry is None:
                entry = pending[parcel.seq] = [len(self.targets), SKIPPED]
            entry[0] -= 1
            if _SEVERITY[outcome] > _SEVERITY[entry[1]]:
                entry[1] = outcome
            if entry[0] == 0:
                del pending[parcel.seq]
                if entry[1] != SKIPPED:  # (an event no target got counts nowhere)
                    self._totals[entry[1]][parcel.event.name] += 1

    @property
    def failed_fast(self) -> bool:
        """Whether the run stopped at --max-consecutive-failures."""
        return bool(self.stop_reason and "connection failures in a row" in self.stop_reason)

    @property
    def target_paced(self) -> bool:
        return self.schedule.paced

    @property
    def speed(self) -> float | None:
        return self.schedule.speed

    def target_rate_now(self) -> float | None:
        """The schedule's intended events/s now (None unless rate-paced)."""
        return self.schedule.target_rate(self.elapsed)

    def _total(self, outcome: str) -> Counter[str]:
        if len(self.targets) == 1:
            target = self.targets[0]
            return {DELIVERED: target.delivered, DEAD: target.dead_lettered}.get(
                outcome, target.unknown
            )
        return self._totals[outcome]

    @property
    def delivered(self) -> Counter[str]:
        """Events delivered (to every target)."""
        return self._total(DELIVERED)

    @property
    def dead_lettered(self) -> Counter[str]:
        """Events dead-lettered (at one target at least)."""
        return self._total(DEAD)

    @property
    def unknown(self) -> Counter[str]:
        """Events whose last attempt timed out (somewhere), none dead-lettered."""
        return self._total(UNKNOWN)

    @property
    def retries(self) -> int:
        return sum(target.retries for target in self.targets)

    @property
    def requests(self) -> int:
        return sum(target.requests for target in self.targets)

    @property
    def in_flight(self) -> int:
        return sum(target.in_flight for target in self.targets)

    @property
    def last_error(self) -> str | None:
        return next((t.last_error for t in self.targets if t.last_error), None)

    @property
    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def as_dict(self) -> dict[str, Any]:
        elapsed = self.elapsed
        return {
            "events_generated": self.generated,
            "events_delivered": sum(self.delivered.values()),
            "events_dead_lettered": sum(self.dead_lettered.values()),
            "events_outcome_unknown": sum(self.unknown.values()),
            "events_not_sent": self.not_sent,
            "stop_reason": self.stop_reason,
            "interrupted_by": self.interrupted_by,
            "delivered_by_type": dict(sorted(self.delivered.items())),
            "dead_lettered_by_type": dict(sorted(self.dead_lettered.items())),
            "outcome_unknown_by_type": dict(sorted(self.unknown.items())),
            "targets": [target.as_dict() for target in self.targets],
            "requests": self.requests,
            "retries": self.retries,
            "late_sends": self.late,
            "schedule_lag_ms": self.lag.as_dict(50, 99),
            "faults": dict(sorted(self.faults.items())),
            "seconds": round(elapsed, 3),
            "achieved_rate": round(self.generated / elapsed, 1) if elapsed else None,
            "target_rate": self.target_rate,
            "ramp": [list(point) for point in self.schedule.ramp] or None,
            "speed": self.schedule.speed,
            "last_error": self.last_error,
            "series": self.series,
        }
