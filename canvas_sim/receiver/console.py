"""``canvas-sim receive`` in the terminal: the address, a live status, ``--tail``, the summary."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from .server import Receiver, ReceiverConfig

PLAIN_STATUS_EVERY_S = 10.0  # without a terminal: one status line this often
TAIL_FLUSH_S = 0.25


def serve_receiver(
    config: ReceiverConfig,
    *,
    live: bool,
    tail: bool = False,
    plain_every_s: float = PLAIN_STATUS_EVERY_S,
) -> None:
    """Run the receiver until Ctrl-C / SIGTERM: a live status on stderr (a table on terminals,
    else a plain line every ``plain_every_s``), the feed on stdout with ``tail``; a summary."""
    console = Console(stderr=True, highlight=False)

    async def serve() -> Receiver:
        receiver = Receiver(config)
        await receiver.start()
        console.print(
            f"receiving Canvas Live Events on http://{config.host}:{receiver.port}/ "
            "(open it in a browser for the dashboard; Ctrl-C to stop)"
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        fancy = live and console.is_terminal
        try:
            if fancy:
                live_view = Live(
                    _table(receiver), console=console, refresh_per_second=4, transient=True
                )
                with live_view as view:  # transient: the summary below is printed once
                    shown = _tail(receiver, view.console.print if sys.stdout.isatty() else None)

                    def refresh() -> None:
                        if shown is not None:
                            shown()
                        view.update(_table(receiver))

                    await _every(stop, 0.25, refresh)
                    receiver.dashboard.digest()  # what is still queued, for --tail
                    refresh()
            else:
                write = _tail(receiver, None)
                last = [time.monotonic()]

                def beat() -> None:
                    if write is not None:
                        write()
                    if live and time.monotonic() - last[0] >= plain_every_s:
                        last[0] = time.monotonic()
                        print(status_line(receiver), file=sys.stderr, flush=True)

                await _every(stop, min(TAIL_FLUSH_S, plain_every_s), beat)
                if write is not None:
                    receiver.dashboard.digest()  # what is still queued
                    write()
        finally:
            await receiver.stop()
        return receiver

    def _tail(
        receiver: Receiver, printer: Callable[[str], Any] | None
    ) -> Callable[[], None] | None:
        return None if not tail else tail_feed(receiver, sys.stdout, printer)

    receiver = asyncio.run(serve())
    console.print(_table(receiver))


async def _every(stop: asyncio.Event, seconds: float, beat: Callable[[], Any]) -> None:
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)
        beat()


def tail_feed(
    receiver: Receiver, out: TextIO, printer: Callable[[str], Any] | None = None
) -> Callable[[], None]:
    """Write each accepted event's feed line to ``out`` (or through ``printer``, the live
    view's console); returns the function that flushes them (called a few times a second)."""
    feed = receiver.dashboard.feed
    pending: list[str] = []
    receiver.dashboard.listeners.append(lambda event: pending.append(feed.line(event)))

    def flush() -> None:
        lines, pending[:] = list(pending), []
        if printer is not None:
            for line in lines:
                printer(line)
        elif lines:
            with contextlib.suppress(BrokenPipeError):
                out.write("".join(line + "\n" for line in lines))
                out.flush()

    return flush


def status_line(receiver: Receiver) -> str:
    stats, dashboard = receiver.stats, receiver.dashboard
    problems = sum(dashboard.problem_counts.values())
    return (
        f"received {stats.events:,} events in {stats.requests:,} requests | "
        f"{dashboard.rate_now():,.0f}/s now | {problems:,} problems"
    )


def _table(receiver: Receiver) -> Group:
    """The totals on one line (a table's title would wrap to the table's width), then the
    counts by type."""
    stats = receiver.stats.as_dict()
    rate = stats["events"] / stats["seconds"] if stats["seconds"] else 0.0
    totals = Text(
        f"{stats['events']} events in {stats['requests']} requests, "
        f"{receiver.dashboard.rate_now():,.0f}/s now ({rate:.0f}/s on average); "
        f"{stats['injected_failures']} injected failures, "
        f"{sum(stats['rejected'].values())} rejected",
        style="italic",
    )
    table = Table("event type", "received")
    for name, count in stats["accepted"].items():
        table.add_row(name, str(count))
    for reason, count in stats["rejected"].items():
        table.add_row(f"[red]rejected: {reason}[/red]", str(count))
    return Group(totals, table)
