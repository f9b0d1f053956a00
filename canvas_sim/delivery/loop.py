"""The delivery loop: events on schedule to every target's workers, stops, drains, outcomes."""

from __future__ import annotations

import asyncio
import itertools
import signal
import time
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Callable,
    Coroutine,
    Iterable,
    Iterator,
    Sequence,
)
from typing import Any, TypeVar

from ..errors import DeliveryError, SimulatorError
from .ledger import DeliveryStats
from .model import DEFAULT_DRAIN_S, INTERRUPTED, NOT_SENT, Batched, Parcel, Rendered, Sender
from .pacing import Schedule
from .series import Series
from .workers import Pullers, Workers

LATE_AFTER_S = 0.05
DEFAULT_MAX_FAILURES = 100

_T = TypeVar("_T")
ALL_SENT = "all events sent"
DURATION = "--duration reached"
MAX_EVENTS = "--max-events reached"


async def _as_async(
    events: Iterable[Rendered] | AsyncIterable[Rendered], stats: DeliveryStats
) -> AsyncIterator[Rendered]:
    if isinstance(events, AsyncIterable):  # from other processes or a thread: time the waits
        clock, asked = time.perf_counter, None  # from the first event, as the statistics
        async for event in events:
            if asked is not None:
                stats.waited_for_events_s += clock() - asked
            yield event
            asked = clock()
    else:
        for event in events:
            yield event


async def deliver(
    events: Iterable[Rendered] | AsyncIterable[Rendered],
    senders: Sequence[Sender],
    *,
    stats: DeliveryStats,
    line_sinks: Sequence[Any] = (),
    schedule: Schedule | None = None,
    max_events: int | None = None,
    duration_s: float | None = None,
    drain_s: float = DEFAULT_DRAIN_S,
    handle_signals: bool = False,
    passed: Callable[[Rendered], None] | None = None,
    check: bool = False,
    max_failures: int | None = DEFAULT_MAX_FAILURES,
    total: int | None = None,
) -> DeliveryStats:
    """Send ``events`` on schedule to every sender (and line sink); wait for the answers.

    ``passed`` is told of each event handed on (within the limits: an event read and then
    left out by ``max_events``, ``duration_s`` or a stop is not). ``check``: first make sure
    every target takes connections (DeliveryError if one does not; nothing is sent).
    ``max_failures`` connection failures in a row at a target stop the run (what is left is
    dead-lettered). ``total``: the events in the stream, when known, to count those not sent.

    Ctrl-C / SIGTERM (with ``handle_signals``) stop generation, give in-flight requests
    ``drain_s`` seconds, and dead-letter what is still unanswered.
    """
    schedule = schedule or Schedule()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    if handle_signals:
        for sig, name in ((signal.SIGINT, "SIGINT"), (signal.SIGTERM, "SIGTERM")):
            loop.add_signal_handler(sig, _stopper(stop, stats, name))
    if check:
        try:
            await asyncio.gather(*(sender.check() for sender in senders))
        except BaseException:
            if handle_signals:
                for sig in (signal.SIGINT, signal.SIGTERM):
                    loop.remove_signal_handler(sig)
            raise
    # One target, unpaced, events at hand or in batches: its workers take events straight
    # from the source (no loop in between, no queue); otherwise the loop hands batches to each
    # target's queue.
    batched = events if isinstance(events, Batched) else None
    at_hand = batched is not None or not isinstance(events, AsyncIterable)
    direct = len(senders) == 1 and not schedule.paced and at_hand
    pools = [
        Pullers(sender, stop, stats, max_failures)
        if direct
        else Workers(sender, stop, stats, max_failures)
        for sender in senders
    ]
    batches: list[list[Parcel]] = [[] for _ in senders]
    start = loop.time()
    end = None if duration_s is None else start + duration_s
    stats.started = time.monotonic()  # again at the first event
    stats.target_rate = schedule.rate
    stats.schedule = schedule
    stats.total = stats.total if total is None else total
    series = Series(stats, schedule, start)
    ticker: asyncio.Task[None] | None = None
    first_ms: int | None = None
    sim_ms = previous_ms = 0  # simulated time since the first event (idle gaps compressed)
    max_gap = schedule.max_gap_ms

    async def flush() -> None:
        for index, pool in enumerate(pools):
            if batches[index]:
                batch, batches[index] = batches[index], []
                await pool.put(batch)

    if max_events is not None and not isinstance(events, AsyncIterable):
        events = itertools.islice(events, max_events)  # pull no event beyond the limit
    count = -1
    reason = ALL_SENT
    source: Iterator[Rendered] = iter(())  # direct delivery: the events at hand
    emptied: Iterator[Rendered] | None = None  # (of a batched source) the batch taken whole
    carried: list[Parcel] = []  # taken from it, fewer than a request holds
    drained = over = False  # the batched source ran out; no more events will be taken
    refilling = asyncio.Lock()

    def ended(now: float, time_ms: int) -> bool:
        """Whether a stop, ``max_events`` or ``duration_s`` ends the run before the event
        numbered ``count`` (simulated at ``time_ms``), taken at ``now``; the first event
        starts the run's clock."""
        nonlocal reason, first_ms, start, ticker, end
        if stop.is_set():
            return True
        if max_events is not None and count >= max_events:
            reason = MAX_EVENTS
            return True
        if end is not None and now >= end:
            reason = DURATION
            return True
        if first_ms is None:  # the run's clock (and the schedule) starts with the first event
            first_ms = time_ms
            start = now
            stats.started = time.monotonic()
            series.restart(start)
            ticker = asyncio.create_task(series.run())
            end = None if duration_s is None else start + duration_s
        return False

    def hand_on(event: Rendered) -> None:
        """Count ``event`` as handed on, and give it to the line sinks."""
        stats.generated += 1
        stats.clock_ms = event.time_ms
        stats.step = event.step
        series.sent += 1
        if passed is not None:
            passed(event)
        for sink in line_sinks:
            sink.send(event.line)

    def finished_reason() -> str:
        """Why the run ended once the source ran out."""
        max_events_hit = max_events is not None and count + 1 >= max_events
        return MAX_EVENTS if max_events_hit and total != max_events else ALL_SENT

    def take(size: int) -> list[Parcel] | None:
        """The next ``size`` events (fewer at the end) as parcels, counted as handed on;
        None once the source, a limit or a stop ends the run, or when a batched source's
        batch at hand is used up (then ``refill``) (direct delivery)."""
        nonlocal count, reason, emptied, carried, over
        taken, carried = carried, []
        convert = senders[0].convert
        for event in source:
            count += 1
            now = loop.time()
            if ended(now, event.time_ms):
                over = True
                break
            hand_on(event)
            if convert is None:
                taken.append(Parcel(event, now, count))
            else:  # the target's own payload format
                sent = convert(event)
                if sent is None:  # nothing of this event goes to this target
                    senders[0].stats.skip(Parcel(event, now, count))
                    continue
                taken.append(Parcel(sent, now, count))
            if len(taken) >= size:
                return taken
        else:
            if batched is not None and not drained:
                emptied, carried = source, taken
                return None
            reason, over = finished_reason(), True
        return taken or None

    async def refill() -> bool:
        """The next batch of a batched source at hand (unless another worker already took
        it); False when no more events will be taken."""
        nonlocal source, drained, over
        assert batched is not None
        async with refilling:
            if over or source is not emptied:
                return not over
            asked = time.perf_counter()
            try:
                batch = await anext(batched.batches)
            except StopAsyncIteration:
                drained, batch = True, ()
            except BaseException:  # (raised by the worker's deliver(); nothing more is taken)
                over = True
                raise
            if first_ms is not None:  # (from the first event, as the statistics)
                stats.waited_for_events_s += time.perf_counter() - asked
            source = iter(batch)
            return True

    try:
        if direct:
            assert isinstance(pools[0], Pullers)
            if batched is None:
                source = iter(events)  # type: ignore[arg-type]
                await pools[0].run(take)
            else:
                await pools[0].run(take, refill)
        else:
            async for event in _as_async(events, stats):
                count += 1
                now = loop.time()
                if ended(now, event.time_ms):
                    break
                due = now
                if schedule.paced:
                    assert first_ms is not None  # set by ended() at the first event
                    step = event.time_ms - first_ms - previous_ms
                    if step > 0:
                        previous_ms += step
                        sim_ms += step if max_gap is None else min(step, max_gap)
                    due, over = start + schedule.due(count, sim_ms), False
                    if end is not None and due > end:  # due after --duration: wait until then
                        due, over = end, True
                        reason = DURATION
                    delay = due - now
                    if delay > 0:
                        await flush()  # nothing else to do before then: send partial batches
                        try:
                            await asyncio.wait_for(stop.wait(), due - loop.time())
                            break
                        except TimeoutError:
                            pass
                    if over:
                        break
                    lag = loop.time() - due
                    stats.lag.record(max(0.0, lag))
                    stats.lag_now = lag
                    if lag > LATE_AFTER_S:
                        stats.late += 1
                elif count % 64 == 0:
                    await asyncio.sleep(0)
                hand_on(event)
                parcel = Parcel(event, due, count)
                for index, pool in enumerate(pools):
                    item, convert = parcel, pool.sender.convert
                    if convert is not None:  # the target's own payload format
                        sent = convert(event)
                        if sent is None:  # nothing of this event goes to this target
                            pool.sender.stats.skip(parcel)
                            continue
                        item = Parcel(sent, due, count)
                    batch = batches[index]
                    batch.append(item)
                    if len(batch) >= pool.sender.batch:
                        batches[index] = []
                        await pool.put(batch)
            else:
                reason = finished_reason()
        await flush()
        finished: asyncio.Future[Any] = asyncio.gather(*(pool.finish() for pool in pools))
        stopper: asyncio.Future[Any] = asyncio.ensure_future(stop.wait())
        await asyncio.wait({finished, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if not finished.done():  # stopped: only requests in flight get drain_s to finish
            for pool in pools:
                pool.drop_queued()
            await asyncio.wait({finished}, timeout=drain_s)
            finished.cancel()
            await asyncio.gather(finished, return_exceptions=True)
    finally:
        for pool in pools:
            await pool.cancel()
        if handle_signals:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
        if ticker is not None:
            ticker.cancel()
            await asyncio.gather(ticker, return_exceptions=True)
            series.close()
        stats.finished = time.monotonic()
        stats.stop_reason = stats.stop_reason or reason
        if stats.interrupted_by:
            stats.stop_reason = f"interrupted ({stats.interrupted_by})"
        if total is not None:
            stats.not_sent = max(0, total - stats.generated)
        elif stats.stop_reason == ALL_SENT:
            stats.not_sent = 0
    if carried:  # taken from a batched source that then failed: not sent
        senders[0].dead_letter(carried, NOT_SENT, 0)
    for pool in pools:
        if isinstance(pool, Pullers) and pool.source_error is not None:
            raise pool.source_error
    failure = next((pool.failure for pool in pools if pool.failure is not None), None)
    if isinstance(failure, SimulatorError):
        raise failure
    if failure is not None:
        raise DeliveryError(f"delivery failed: {type(failure).__name__}: {failure}") from failure
    return stats


def run_loop(main: Coroutine[Any, Any, _T]) -> _T:
    """``asyncio.run(main)`` on uvloop's event loop where it is installed (it costs a quarter
    less CPU per request than asyncio's own), else on asyncio's."""
    try:
        import uvloop
    except ImportError:  # e.g. on Windows
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


def _stopper(stop: asyncio.Event, stats: DeliveryStats, name: str) -> Callable[[], None]:
    def handler() -> None:
        stats.interrupted_by = stats.interrupted_by or name
        stop.set()

    return handler


__all__ = ["INTERRUPTED", "LATE_AFTER_S", "deliver", "run_loop"]
