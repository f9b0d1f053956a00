"""The per-second time series of a delivery: sent, answers, retries, latency, target rate."""

from __future__ import annotations

import asyncio
import csv
import io
from collections import Counter
from pathlib import Path
from typing import Any

from ..errors import SimulatorError
from .ledger import DeliveryStats, Latencies
from .pacing import Schedule

FIELDS = (
    "second",
    "sent",
    "target_rate",
    "answered_2xx",
    "answered_3xx",
    "answered_4xx",
    "answered_5xx",
    "timeouts",
    "connection_errors",
    "failed_entries",
    "other_errors",
    "retries",
    "delivered",
    "dead_lettered",
    "outcome_unknown",
    "in_flight",
    "service_p50_ms",
    "service_p99_ms",
    "latency_p50_ms",
    "latency_p99_ms",
)


def _status_class(status: str) -> str:
    if status == "timeout":
        return "timeouts"
    if status[:1].isdigit():
        return f"answered_{status[0]}xx"
    if status == "connection error":
        return "connection_errors"
    if status.startswith("failed entry"):
        return "failed_entries"  # SQS: entries a SendMessageBatch answer lists as failed
    return "other_errors"


class Series:
    """Appends one row per second of delivery to ``stats.series`` (and one for the last,
    partial second when it closes)."""

    def __init__(self, stats: DeliveryStats, schedule: Schedule, start: float) -> None:
        self.stats = stats
        self.sent = 0  # events handed on since the start (the loop counts them)
        self._schedule = schedule
        self._start = start
        self._seen: Counter[str] = Counter()
        self._row_sent = 0

    def _totals(self) -> Counter[str]:
        stats = self.stats
        totals: Counter[str] = Counter()
        for target in stats.targets:
            for status, count in target.statuses.items():
                totals[_status_class(status)] += count
            for key, value in target.totals().items():
                totals[key.replace("unknown", "outcome_unknown")] += value
        totals["retries"] = stats.retries
        return totals

    def row(self, second: int, elapsed: float) -> dict[str, Any]:
        """The figures since the last row; ``elapsed``: seconds since the start."""
        stats = self.stats
        totals = self._totals()
        row: dict[str, Any] = {key: 0 for key in FIELDS}
        for key, value in totals.items():
            row[key] = value - self._seen[key]
        self._seen = totals
        row["second"] = second
        row["sent"] = self.sent - self._row_sent
        self._row_sent = self.sent
        rate = self._schedule.target_rate(elapsed)
        row["target_rate"] = None if rate is None else round(rate, 1)
        row["in_flight"] = stats.in_flight
        for name in ("service", "latency"):
            parts = [getattr(target, name) for target in stats.targets]
            for key, figure in Latencies.second(parts, 50, 99).items():
                row[f"{name}_{key}_ms"] = figure
        return row

    def restart(self, start: float) -> None:
        """Count seconds from ``start`` (the first event) instead."""
        self._start = start

    async def run(self) -> None:
        """Add a row at the end of every second after ``start``, until cancelled."""
        loop = asyncio.get_running_loop()
        second = 0
        while True:
            second += 1
            await asyncio.sleep(max(0.0, self._start + second - loop.time()))
            self.stats.series.append(self.row(second, float(second)))

    def close(self) -> None:
        """The last, partial second (when anything happened in it)."""
        loop_time = asyncio.get_running_loop().time() - self._start
        second = len(self.stats.series) + 1
        row = self.row(second, loop_time)
        if any(row[key] for key in FIELDS if key not in ("second", "target_rate")):
            self.stats.series.append(row)


def write_csv(path: Path, series: list[dict[str, Any]]) -> None:
    """The time series as CSV (one row per second, FIELDS as columns), written atomically."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in series:
        writer.writerow({key: "" if row.get(key) is None else row[key] for key in FIELDS})
    temporary = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(text.getvalue())
        temporary.replace(path)
    except OSError as exc:
        raise SimulatorError(f"cannot write {path}: {exc.strerror or exc}") from None
