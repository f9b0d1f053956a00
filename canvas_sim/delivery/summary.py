"""What a delivery shows: the live line while it runs and the summary when it ends (stderr)."""

from __future__ import annotations

import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.live import Live
from rich.table import Column, Table

from ..clock import event_time
from .ledger import DeliveryStats, Latencies

if TYPE_CHECKING:
    from ..sqs_drain import DrainStats

PLAIN_STATUS_EVERY_S = 10.0  # without a terminal: one status line this often
RATE_WINDOW_S = 5.0  # the live rate is over the last few seconds
LAGGING_S = 0.1  # a schedule lag p99 above this says the sender could not keep up


def _ms(latencies: Latencies, *percents: float) -> str:
    figures = latencies.as_dict(*percents)
    if figures["max"] is None:
        return "-"
    return ", ".join(f"{name} {value:,.1f}" for name, value in figures.items() if value is not None)


class LiveLine:
    """The one-line status: progress, current and target rate, lag, outcomes, last error."""

    def __init__(self, stats: DeliveryStats) -> None:
        self.stats = stats
        # from the start: a first line (the plain one, 10 s in) shows the rate until then, not 0
        self._samples: deque[tuple[float, int]] = deque([(time.monotonic(), stats.generated)])

    def current_rate(self) -> float:
        """Events/s sent over the last RATE_WINDOW_S seconds."""
        now = time.monotonic()
        samples = self._samples
        samples.append((now, self.stats.generated))
        while len(samples) > 2 and now - samples[1][0] >= RATE_WINDOW_S:
            samples.popleft()
        (then, sent_then), (_, sent) = samples[0], samples[-1]
        return (sent - sent_then) / (now - then) if now > then else 0.0

    def story(self) -> list[str]:
        """With --speed, a demo's story first: the simulated clock, and for a run the scenario
        step the last event sent comes from, for a replay (no scenario) its place in the stream."""
        stats = self.stats
        if stats.clock_ms is None or not stats.speed:
            return []
        clock = f"simulated {event_time(stats.clock_ms)}"
        if stats.last_ms is not None:
            clock += f" of {event_time(stats.last_ms)}"
        if stats.step is not None:
            return [clock, str(stats.step)]
        if stats.total:
            return [clock, f"event {stats.generated:,} of {stats.total:,}"]
        return [clock]

    def __call__(self) -> str:
        stats = self.stats
        if not stats.generated and stats.clock_ms is None:  # a build or a read still under way
            return "waiting for the first event"
        story = self.story()
        delivered = sum(stats.delivered.values())
        parts = [f"delivered {delivered:,} of {stats.generated:,}"]
        if not stats.targets:  # paced output to files only
            parts = [f"sent {stats.generated:,}"]
        if stats.total and not story:
            parts[0] += f" ({stats.generated / stats.total:.0%} of {stats.total:,})"
        rate = f"{self.current_rate():,.0f}/s"
        target = stats.target_rate_now()
        if target is not None:
            rate += f" (target {target:,.0f}/s)"
        parts.append(rate)
        if stats.target_paced:
            parts.append(f"behind schedule {max(0.0, stats.lag_now) * 1000:,.0f} ms")
        parts[:0] = story
        parts.append(f"in flight {stats.in_flight}")
        parts.append(f"retries {stats.retries:,}")
        parts.append(f"dead-lettered {sum(stats.dead_lettered.values()):,}")
        unknown = sum(stats.unknown.values())
        if unknown:
            parts.append(f"unknown {unknown:,}")
        failing = f" | last error: {stats.last_error}" if stats.last_error else ""
        return " | ".join(parts) + failing


class _Status:
    """A line rich re-renders on every refresh (4 times a second)."""

    def __init__(self, describe: Callable[[], Any]) -> None:
        self._describe = describe

    def __rich__(self) -> Any:
        return self._describe()


@contextmanager
def live_status(
    describe: Callable[[], Any], *, enabled: bool, plain_every_s: float = PLAIN_STATUS_EVERY_S
) -> Iterator[None]:
    """``describe()`` live on stderr when it is a terminal; when it is not (a log, CI), as a
    plain line every ``plain_every_s`` seconds, so a long run is never silent until its end."""
    if not enabled:
        yield
        return
    console = Console(stderr=True)
    if console.is_terminal:
        with Live(_Status(describe), console=console, refresh_per_second=4, transient=True):
            yield
        return
    done = threading.Event()

    def report() -> None:  # reads counters the work updates; never changes them
        while not done.wait(plain_every_s):
            print(describe(), file=sys.stderr, flush=True)

    reporter = threading.Thread(target=report, name="live-status", daemon=True)
    reporter.start()
    try:
        yield
    finally:
        done.set()
        reporter.join()


def live_delivery(
    stats: DeliveryStats, *, enabled: bool, plain_every_s: float = PLAIN_STATUS_EVERY_S
) -> AbstractContextManager[None]:
    """The delivery's live line (see LiveLine)."""
    return live_status(LiveLine(stats), enabled=enabled, plain_every_s=plain_every_s)


def drain_view(
    stats: DrainStats, *, enabled: bool, plain_every_s: float = PLAIN_STATUS_EVERY_S
) -> AbstractContextManager[None]:
    """A drain's live line: events read, their rate, by type."""

    def describe() -> str:
        seconds = max(1e-9, time.monotonic() - stats.started)
        types = ", ".join(f"{name} {count:,}" for name, count in stats.received.most_common(4))
        more = " ..." if len(stats.received) > 4 else ""
        return (
            f"drained {stats.total:,} events ({stats.total / seconds:,.0f}/s) | {types}{more}"
            + (f" | attribute mismatches {stats.mismatched:,}" if stats.mismatched else "")
        )

    return live_status(describe, enabled=enabled, plain_every_s=plain_every_s)


def print_delivery(stats: DeliveryStats, console: Console | None = None) -> None:
    """The delivery summary: per target, totals, latency beside service time, why it stopped."""
    console = console or Console(stderr=True, highlight=False)
    summary = stats.as_dict()
    table = Table(
        Column("target", overflow="fold"),
        "delivered",
        "dead-lettered",
        "unknown (timed out)",
        "requests",
        "retries",
        title="Delivery by target",
        title_justify="left",
    )
    for target in stats.targets:
        totals = target.totals()
        table.add_row(
            target.name,
            f"{totals['delivered']:,}",
            f"{totals['dead_lettered']:,}",
            f"{totals['unknown']:,}",
            f"{target.requests:,}",
            f"{target.retries:,}",
        )
    console.print(table)
    for target in stats.targets:
        statuses = ", ".join(f"{k}: {v:,}" for k, v in sorted(target.statuses.items())) or "none"
        console.print(f"{target.name}: answers {statuses}")
        console.print(f"  latency from the schedule ms: {_ms(target.latency, 50, 90, 99)}")
        console.print(f"  service time ms: {_ms(target.service, 50, 90, 99)}")
    not_sent = summary["events_not_sent"]
    console.print(
        f"events: {stats.generated:,} sent, {summary['events_delivered']:,} delivered"
        + (" to every target" if len(stats.targets) > 1 else "")
        + f", {summary['events_dead_lettered']:,} dead-lettered, "
        f"{summary['events_outcome_unknown']:,} outcome unknown (timed out)"
        + (f", {not_sent:,} not sent" if not_sent else "")
    )
    console.print(f"stopped: {stats.stop_reason}")
    rate = f"achieved {summary['achieved_rate']} events/s over {summary['seconds']} s"
    if stats.target_paced:
        lag = _ms(stats.lag, 50, 99)
        ramp = stats.schedule.ramp
        aim = f"target {stats.target_rate:g}/s; " if stats.target_rate else ""
        if ramp:
            aim = f"target ramp {ramp[0][1]:g}/s to {ramp[-1][1]:g}/s; "
        rate += f" ({aim}schedule lag ms: {lag}; {stats.late:,} sends over 50 ms late)"
    console.print(rate)
    if stats.faults:
        console.print("faults: " + ", ".join(f"{k} {v:,}" for k, v in sorted(stats.faults.items())))
    for line in hints(stats):
        console.print(f"[bold]{line}[/bold]")


def hints(stats: DeliveryStats) -> list[str]:
    """What the figures say a person should know: unknown outcomes, a sender at its limit."""
    notes: list[str] = []
    unknown = sum(stats.unknown.values())
    if unknown:
        notes.append(
            f"{unknown:,} events timed out: the consumer may have processed them; replaying "
            "their dead letters may deliver duplicates (a Canvas consumer must accept those "
            "anyway)"
        )
    lag = stats.lag.percentile(99)
    if stats.target_paced and lag is not None and lag > LAGGING_S:
        # Slots were the limit if sending waited for them a tenth of the time or more, and
        # longer than for the events (a batch of signed events fills them for a moment).
        waited = stats.waited_for_room_s
        if waited >= max(stats.elapsed / 10, stats.waited_for_events_s) and waited > 0:
            notes.append(
                f"the sender was the limit: every --concurrency slot was busy while the "
                f"schedule lagged ({stats.waits_for_room:,} events waited for one); raise "
                "--concurrency, unless the consumer's latency above is the real limit"
            )
        elif stats.signing:
            notes.append(_signing_hint(stats))
        else:
            notes.append(
                "the sender was the limit: the schedule lagged with --concurrency slots free "
                "(generation could not keep up); replay a pre-generated file "
                "(`canvas-sim replay`) to send faster"
            )
    return notes


def _signing_hint(stats: DeliveryStats) -> str:
    """Signing (RS256, where the events are generated or read) was the limit."""
    if stats.workers_possible > stats.workers:
        more = stats.workers_possible
        return (
            "the sender was the limit: generating and signing could not keep up with the "
            f"schedule; --workers {more} generates and signs in {more} processes"
        )
    return (
        "the sender was the limit: signing could not keep up with the schedule on this "
        "machine's cores; sign fewer events per second (a lower --rate), or send from more "
        "machines"
    )


def summary_dict(stats: DeliveryStats) -> dict[str, Any]:
    """``--stats-json``: the summary and the hints."""
    return {**stats.as_dict(), "hints": hints(stats)}
