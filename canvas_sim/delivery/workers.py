"""A target's requests in flight: workers fed by the delivery loop's queue, or pulling events."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from .ledger import DeliveryStats
from .model import NOT_SENT, Parcel, Sender

Take = Callable[[int], "list[Parcel] | None"]  # the next events to send; None: none at hand
Refill = Callable[[], Awaitable[bool]]  # wait for more events; False: there are no more


class Workers:
    """One sender's requests in flight: ``concurrency`` workers, each sending one batch at a
    time from a short queue, as a client with that many keep-alive connections would."""

    def __init__(
        self, sender: Sender, stop: asyncio.Event, stats: DeliveryStats, max_failures: int | None
    ) -> None:
        self.sender = sender
        self.failure: BaseException | None = None  # what stopped a worker, raised by deliver()
        size = max(1, sender.concurrency)
        self._queue: asyncio.Queue[list[Parcel]] = asyncio.Queue(maxsize=size)
        self._stop = stop
        self._cancelled = False
        self._stats = stats
        self._ledger = sender.stats
        self._limit = max_failures
        sender.give_up = self._failing
        self._tasks = self._start(size)

    def _start(self, size: int) -> list[asyncio.Task[None]]:
        return [asyncio.create_task(self._work()) for _ in range(size)]

    def _failing(self) -> bool:
        """Whether the target failed ``max_failures`` connections in a row (then stop)."""
        ledger, limit = self._ledger, self._limit
        if limit is None or ledger.failures_in_a_row < limit:
            return False
        if not self._stop.is_set():
            self._stats.stop_reason = (
                f"{ledger.failures_in_a_row} connection failures in a row at {ledger.name} "
                f"(--max-consecutive-failures {limit}); last error: {ledger.last_error}"
            )
            self._stop.set()
        return True

    async def _send(self, batch: list[Parcel]) -> bool:
        """Send ``batch``; False when the run must stop (the failure kept, for deliver())."""
        try:
            await self.sender.send(batch)  # a cancel lands here as a dead letter, not an error
            self._failing()
            return True
        except Exception as exc:  # e.g. the dead-letter file cannot be written
            self.failure = self.failure or exc
            self._stop.set()
            return False

    async def _work(self) -> None:
        queue = self._queue
        while not self._cancelled:
            batch = await queue.get()
            try:
                if not await self._send(batch):
                    return
            finally:
                queue.task_done()

    def drop_queued(self) -> None:
        """Dead-letter the batches not yet started (after a stop)."""
        while not self._queue.empty():
            batch = self._queue.get_nowait()
            self._queue.task_done()
            try:
                self.sender.dead_letter(batch, NOT_SENT, 0)
            except Exception as exc:  # the dead-letter file cannot be written: say so
                self.failure = self.failure or exc

    async def put(self, batch: list[Parcel]) -> None:
        """Queue a batch; while every worker is busy and the queue is full, wait for room or
        for the stop (then the batch is dead-lettered: it will not be sent)."""
        queue = self._queue
        if not queue.full():
            queue.put_nowait(batch)
            return
        self._stats.waits_for_room += len(batch)
        room = asyncio.ensure_future(queue.put(batch))
        stopped = asyncio.ensure_future(self._stop.wait())
        started = time.perf_counter()
        await asyncio.wait({room, stopped}, return_when=asyncio.FIRST_COMPLETED)
        self._stats.waited_for_room_s += time.perf_counter() - started
        stopped.cancel()
        if not room.done():
            room.cancel()
            self.sender.dead_letter(batch, NOT_SENT, 0)

    async def finish(self) -> None:
        """Wait until every queued batch has been sent (or dead-lettered)."""
        await self._queue.join()

    async def cancel(self) -> None:
        """Stop now: requests in flight and batches still queued are dead-lettered."""
        self._cancelled = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.drop_queued()


class Pullers(Workers):
    """One sender's requests in flight when it is the only target and nothing is paced:
    ``concurrency`` workers, each taking its next batch straight from the source."""

    source_error: BaseException | None = None  # what the source raised, as it is

    def _start(self, size: int) -> list[asyncio.Task[None]]:
        return []  # (started by run)

    async def run(self, take: Take, refill: Refill | None = None) -> None:
        """Start the workers on ``take`` and, when it runs dry, ``refill`` (see ``deliver``)."""
        size = max(1, self.sender.concurrency)
        self._tasks = [asyncio.create_task(self._pull(take, refill)) for _ in range(size)]

    async def _pull(self, take: Take, refill: Refill | None) -> None:
        size = max(1, self.sender.batch)
        while not self._cancelled:
            try:
                batch = take(size)
                if batch is None and refill is not None and await refill():
                    continue  # the next batch of events is at hand
            except Exception as exc:  # a bad line midway through a replay, say
                self.source_error = self.source_error or exc
                self._stop.set()
                return
            if batch is None or not await self._send(batch):
                return

    def drop_queued(self) -> None:
        """Nothing waits in a queue here."""

    async def finish(self) -> None:
        """Wait until the source is done and every batch taken is sent (or dead-lettered)."""
        await asyncio.gather(*self._tasks, return_exceptions=True)
