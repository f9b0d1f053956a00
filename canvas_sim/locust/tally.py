"""The load test's own delivery ledger: each shard's report, and the master's summary of them.

Locust's statistics give rates and latencies, but they miss requests in flight when users stop
and a lost worker's last seconds; this ledger is what says whether every event arrived. Pure
data: nothing here imports Locust.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..delivery import TargetStats

OUTCOMES = ("delivered", "dead_lettered", "outcome_unknown")
LISTED = 20  # courses a message names


def shard_report(
    stats: TargetStats, *, generated: int, courses_done: int, dead_letter: str | None
) -> dict[str, Any]:
    """What one worker tells the master about its shard: events generated and their outcomes
    by type, requests, retries, and its dead-letter file (when it wrote one)."""
    return {
        "generated": generated,
        "courses_done": courses_done,
        "delivered": dict(sorted(stats.delivered.items())),
        "dead_lettered": dict(sorted(stats.dead_lettered.items())),
        "outcome_unknown": dict(sorted(stats.unknown.items())),
        "requests": stats.requests,
        "retries": stats.retries,
        "last_error": stats.last_error,
        "dead_letter_file": dead_letter,
    }


@dataclass
class ShardRecord:
    """The master's view of one shard: who runs it, its courses, its latest report."""

    number: int
    shards: int
    worker: str  # how the worker is named in messages (Locust's worker index, client id)
    courses: list[str]  # "CODE (id N)" of each course
    done: bool = False
    report: dict[str, Any] | None = None

    @property
    def label(self) -> str:
        return f"shard {self.number} of {self.shards} ({self.worker})"

    def unfinished(self) -> str:
        """The shard and its courses, for a message about a shard that did not finish (the
        first LISTED of them; the ledger's JSON lists them all)."""
        listed = ", ".join(self.courses[:LISTED]) if self.courses else "no course"
        if len(self.courses) > LISTED:
            listed += f" and {len(self.courses) - LISTED} more"
        return f"{self.label}, {len(self.courses)} course(s): {listed}"


def _sum(reports: Iterable[dict[str, Any]], key: str) -> Counter[str]:
    total: Counter[str] = Counter()
    for report in reports:
        total.update(report.get(key, {}))
    return total


@dataclass
class Ledger:
    """Every shard of a test and how the test ended."""

    records: list[ShardRecord] = field(default_factory=list)
    failure: str | None = None  # why the test failed, as soon as it is known
    exit_code: int = 0

    def fail(self, message: str, code: int = 1) -> None:
        """Record the first failure (later ones are consequences)."""
        if self.failure is None:
            self.failure, self.exit_code = message, code

    @property
    def all_done(self) -> bool:
        return bool(self.records) and all(record.done for record in self.records)

    def summary(self) -> dict[str, Any]:
        """The ledger as JSON data: per shard and in total; ``complete`` when every shard
        finished and every event was delivered."""
        reports = [record.report or {} for record in self.records]
        totals = {key: _sum(reports, key) for key in OUTCOMES}
        counts = {key: sum(totals[key].values()) for key in OUTCOMES}
        generated = sum(report.get("generated", 0) for report in reports)
        unfinished = [record.unfinished() for record in self.records if not record.done]
        not_settled = generated - sum(counts.values())
        complete = (
            self.failure is None
            and self.all_done
            and not unfinished
            and counts["dead_lettered"] == counts["outcome_unknown"] == not_settled == 0
        )
        types = sorted(set().union(*totals.values()))
        return {
            "complete": complete,
            "failure": self.failure,
            "unfinished_shards": unfinished,
            "events_generated": generated,
            "events_delivered": counts["delivered"],
            "events_dead_lettered": counts["dead_lettered"],
            "events_outcome_unknown": counts["outcome_unknown"],
            "events_not_sent": not_settled,
            "by_type": {name: {key: totals[key][name] for key in OUTCOMES} for name in types},
            "shards": [
                {
                    "shard": record.number,
                    "shards": record.shards,
                    "worker": record.worker,
                    "courses": record.courses,
                    "done": record.done,
                    **(record.report or {}),
                }
                for record in self.records
            ],
        }

    def finish_code(self) -> int:
        """The test's exit code: the failure's, else 1 unless every event was delivered."""
        if self.failure is not None:
            return self.exit_code
        return 0 if self.summary()["complete"] else 1


def summary_lines(summary: dict[str, Any]) -> Sequence[str]:
    """The summary in words, for stderr at the end of a test."""
    shards = summary["shards"]
    lines = [f"canvas-sim delivery ledger ({len(shards)} shard(s)):"]
    for shard in shards:
        outcome = (
            f"{shard.get('generated', 0):,} generated, "
            f"{sum(shard.get('delivered', {}).values()):,} delivered, "
            f"{sum(shard.get('dead_lettered', {}).values()):,} dead-lettered, "
            f"{sum(shard.get('outcome_unknown', {}).values()):,} outcome unknown"
        )
        state = "done" if shard["done"] else "NOT FINISHED"
        lines.append(
            f"  shard {shard['shard']} of {shard['shards']} ({shard['worker']}, "
            f"{len(shard['courses'])} courses): {outcome}; {state}"
        )
        if shard.get("dead_letter_file"):
            lines.append(f"    dead letters in {shard['dead_letter_file']}")
    width = max((len(name) for name in summary["by_type"]), default=10)
    for name, outcome in summary["by_type"].items():
        lines.append(
            f"  {name:<{width}}  {outcome['delivered']:>9,} delivered"
            f"  {outcome['dead_lettered']:>6,} dead  {outcome['outcome_unknown']:>6,} unknown"
        )
    lines.append(
        f"  total: {summary['events_generated']:,} generated, "
        f"{summary['events_delivered']:,} delivered, "
        f"{summary['events_dead_lettered']:,} dead-lettered, "
        f"{summary['events_outcome_unknown']:,} outcome unknown, "
        f"{summary['events_not_sent']:,} not sent"
    )
    if summary["failure"]:
        lines.append(f"error: {summary['failure']}")
    elif summary["unfinished_shards"]:
        lines.append("error: the test stopped before every shard finished (-t, Ctrl-C):")
        lines.extend(f"  {text}" for text in summary["unfinished_shards"])
    elif not summary["complete"]:
        lines.append("error: not every event was delivered (see the dead letters)")
    else:
        lines.append("every event was delivered")
    return lines
