"""Delivery over HTTP like a Canvas Data Services subscription: pacing, retries, dead letters.

One event per POST with ``Content-Type: application/json`` (or, as an explicit non-Canvas
option, JSON arrays of ``batch`` events), optionally signed as an RS256 JWT. Failures are
retried like Canvas (timeouts, connection errors, 5xx, 429 honouring Retry-After; not other
4xx) with exponential backoff and jitter; what still fails goes to a dead-letter JSONL file.
"""

from __future__ import annotations

import asyncio
import email.utils
import itertools
import random
import signal
import time
from array import array
from collections import Counter
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Sequence,
)
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import httpx
import orjson

from .errors import DeliveryError, SimulatorError
from .pacing import Schedule
from .signing import Signer
from .sinks.jsonl import LazyLines
from .transport import LeanTransport, origin_of

DEFAULT_TIMEOUT_S = 15.0
DEFAULT_DRAIN_S = 10.0
LATE_AFTER_S = 0.05
INTERRUPTED = "interrupted before delivery finished"

_T = TypeVar("_T")


class Rendered(NamedTuple):
    """One rendered event: its type, simulated time and JSON bytes."""

    name: str
    time_ms: int
    line: bytes


@dataclass(frozen=True)
class RetryPolicy:
    """Canvas-like retries: exponential backoff with jitter, Retry-After honoured."""

    retries: int = 3
    backoff_s: float = 0.5
    factor: float = 2.0
    max_backoff_s: float = 30.0

    def wait(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_backoff_s)
        base = min(self.backoff_s * self.factor ** (attempt - 1), self.max_backoff_s)
        return base / 2 + rng.uniform(0, base / 2)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """A Retry-After header (seconds or an HTTP date) in seconds, or None."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))


REASON_LIMIT = 200


def answer_reason(answer: bytes) -> str:
    """What a failed answer's body says, for the dead letter: the ``error`` (or ``message``)
    of a JSON object, else its text, on one line, at most REASON_LIMIT characters."""
    text = ""
    try:
        value = orjson.loads(answer)
    except orjson.JSONDecodeError:
        text = answer.decode("utf-8", "replace")
    else:
        if isinstance(value, dict):
            found = value.get("error", value.get("message"))
            text = found if isinstance(found, str) else ""
    text = " ".join(text.split())
    return text if len(text) <= REASON_LIMIT else text[: REASON_LIMIT - 3] + "..."


def is_retryable(status: int) -> bool:
    return status == 429 or status >= 500


@dataclass
class HttpTarget:
    """Where and how to POST events."""

    url: str
    headers: Sequence[tuple[str, str]] = ()
    timeout_s: float = DEFAULT_TIMEOUT_S
    concurrency: int = 16
    batch: int = 1
    retry: RetryPolicy = RetryPolicy()
    signer: Signer | None = None
    jwt_quoted: bool = False
    verify_tls: bool = True
    # The target's payload format: a Canvas-format event -> the event to send (None: nothing),
    # e.g. its Caliper envelope under its Canvas name (which SQS sends as event_name).
    convert: Callable[[Rendered], Rendered | None] | None = None


@dataclass
class DeliveryStats:
    """Everything a delivery run measured."""

    delivered: Counter[str] = field(default_factory=Counter)
    dead_lettered: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    requests: int = 0
    late: int = 0
    generated: int = 0
    in_flight: int = 0
    latencies: array[float] = field(default_factory=lambda: array("d"))
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    target_rate: float | None = None
    interrupted_by: str | None = None
    last_error: str | None = None  # why the last dead-lettered request failed

    @property
    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def percentile(self, fraction: float) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
        return ordered[index]

    def as_dict(self) -> dict[str, Any]:
        delivered = sum(self.delivered.values())

        def ms(value: float | None) -> float | None:
            return None if value is None else round(value * 1000, 3)

        return {
            "events_generated": self.generated,
            "events_delivered": delivered,
            "events_dead_lettered": sum(self.dead_lettered.values()),
            "delivered_by_type": dict(sorted(self.delivered.items())),
            "dead_lettered_by_type": dict(sorted(self.dead_lettered.items())),
            "requests": self.requests,
            "http_statuses": dict(sorted(self.statuses.items())),
            "retries": self.retries,
            "late_sends": self.late,
            "latency_ms": {
                "p50": ms(self.percentile(0.50)),
                "p90": ms(self.percentile(0.90)),
                "p99": ms(self.percentile(0.99)),
                "max": ms(max(self.latencies) if self.latencies else None),
            },
            "seconds": round(self.elapsed, 3),
            "achieved_rate": round(self.generated / self.elapsed, 1) if self.elapsed else None,
            "target_rate": self.target_rate,
            "interrupted_by": self.interrupted_by,
            "last_error": self.last_error,
        }


class DeadLetters(LazyLines):
    """Undeliverable events with their last error, one JSON object per line (opened lazily)."""

    def __init__(self, path: str | Path) -> None:
        super().__init__(path, append=True, what="dead letters")

    def record(self, events: Iterable[Rendered], error: str, attempts: int, url: str) -> None:
        for event in events:
            self.write(
                b'{"url":%b,"error":%b,"attempts":%d,"event":%b}'
                % (orjson.dumps(url), orjson.dumps(error), attempts, event.line)
            )
        self.flush()


class HttpSender:
    """POSTs batches of events to one target, with retries; failures become dead letters."""

    def __init__(
        self,
        target: HttpTarget,
        stats: DeliveryStats,
        dead_letters: DeadLetters,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        seed: int | None = None,
        sleep: Callable[[float], Any] = asyncio.sleep,
    ) -> None:
        self.target = target
        self.stats = stats
        self.dead_letters = dead_letters
        self._transport = transport or LeanTransport(verify=target.verify_tls)
        self._url = httpx.URL(target.url)
        self._headers = [("Content-Type", "application/json"), *target.headers]
        if not any(name.lower() == "host" for name, _ in self._headers):
            self._headers.insert(0, ("Host", self._url.netloc.decode("ascii")))
        self._origin = origin_of(self._url)
        self._head = f"POST {self._url.raw_path.decode('ascii')} HTTP/1.1\r\n".encode() + b"".join(
            f"{name}: {value}\r\n".encode("latin-1") for name, value in self._headers
        )
        self._rng = random.Random(seed)
        self._sleep = sleep
        self._deadlines = _Deadlines(target.timeout_s)

    def body(self, events: Sequence[Rendered]) -> bytes:
        """The POST body: one event, or a JSON array; signed events become JWT strings."""
        signer = self.target.signer
        if signer is None:
            parts = [event.line for event in events]
        else:
            tokens = [signer.sign(event.line) for event in events]
            parts = [
                orjson.dumps(token) if self.target.jwt_quoted or len(events) > 1 else token.encode()
                for token in tokens
            ]
        if self.target.batch > 1:
            return b"[" + b",".join(parts) + b"]"
        return parts[0]

    async def send(self, events: Sequence[Rendered]) -> bool:
        """Deliver one request's events; False when they were dead-lettered."""
        stats = self.stats
        stats.in_flight += len(events)
        attempts = 0
        error = "not sent"
        try:
            content = self.body(events)
            while True:
                attempts += 1
                retry_after: float | None = None
                started = time.perf_counter()
                stats.requests += 1
                try:
                    status, retry_header, answer = await self._deadlines.run(self._post(content))
                    stats.latencies.append(time.perf_counter() - started)
                    stats.statuses[str(status)] += 1
                    if 200 <= status < 300:
                        for event in events:
                            stats.delivered[event.name] += 1
                        return True
                    reason = answer_reason(answer)
                    error = f"HTTP {status}: {reason}" if reason else f"HTTP {status}"
                    if not is_retryable(status):
                        break
                    retry_after = retry_after_seconds(retry_header)
                except TimeoutError:
                    stats.statuses["timeout"] += 1
                    error = f"timeout after {self.target.timeout_s:g}s"
                except httpx.HTTPError as exc:
                    stats.statuses["connection error"] += 1
                    error = str(exc) or type(exc).__name__
                if attempts > self.target.retry.retries:
                    break
                stats.retries += 1
                await self._sleep(self.target.retry.wait(attempts, retry_after, self._rng))
        except asyncio.CancelledError:
            error = INTERRUPTED
        finally:
            stats.in_flight -= len(events)
        self.dead_letter(events, error, attempts)
        return False

    def dead_letter(self, events: Sequence[Rendered], error: str, attempts: int) -> None:
        """Record undelivered ``events`` in the dead-letter file and the statistics."""
        for event in events:
            self.stats.dead_lettered[event.name] += 1
        self.stats.last_error = error
        self.dead_letters.record(events, error, attempts, self.target.url)

    async def _post(self, content: bytes) -> tuple[int, str | None, bytes]:
        """POST ``content``; (status, Retry-After header, response body)."""
        if isinstance(self._transport, LeanTransport):
            # Fast path: the request head is built once, no httpx objects per event.
            payload = self._head + b"Content-Length: %d\r\n\r\n" % len(content) + content
            status, headers, answer = await self._transport.exchange(self._origin, payload)
            retry = next((v for n, v in headers if n.lower() == b"retry-after"), None)
            return status, None if retry is None else retry.decode("latin-1"), answer
        request = httpx.Request("POST", self._url, content=content, headers=self._headers)
        response = await self._transport.handle_async_request(request)
        answer = await response.aread()
        return response.status_code, response.headers.get("retry-after"), answer

    async def aclose(self) -> None:
        self._deadlines.close()
        await self._transport.aclose()


class _Deadlines:
    """Request timeouts for one sender: one watchdog task looks at the requests in flight
    eight times per timeout, instead of a timer per request (``asyncio.timeout`` costs about
    5 µs a request here). A request times out between ``timeout_s`` and an eighth of it (at
    most ``MAX_LATE_S``) later."""

    MAX_LATE_S = 0.25

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._tick = min(timeout_s / 8, self.MAX_LATE_S)
        self._due: dict[asyncio.Task[Any], float] = {}
        self._expired: set[asyncio.Task[Any]] = set()
        self._watchdog: asyncio.Task[None] | None = None

    async def run(self, request: Awaitable[_T]) -> _T:
        """Await ``request``; TimeoutError when it takes longer than the timeout."""
        task = asyncio.current_task()
        assert task is not None, "run() is awaited inside a task"
        self._due[task] = asyncio.get_running_loop().time() + self.timeout_s
        if self._watchdog is None or self._watchdog.done():
            self._watchdog = asyncio.create_task(self._watch())
        try:
            return await request
        except asyncio.CancelledError:
            if task in self._expired:
                self._expired.discard(task)
                if task.uncancel() == 0:  # ours alone, not also an outside cancel
                    raise TimeoutError from None
            raise
        finally:
            del self._due[task]
            if task in self._expired:  # expired, but the request swallowed the cancel
                self._expired.discard(task)
                task.uncancel()

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while self._due:
            await asyncio.sleep(self._tick)
            now = loop.time()
            for task, due in list(self._due.items()):
                if due <= now and task not in self._expired:
                    self._expired.add(task)
                    task.cancel()

    def close(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()


async def _as_async(
    events: Iterable[Rendered] | AsyncIterable[Rendered],
) -> AsyncIterator[Rendered]:
    if isinstance(events, AsyncIterable):
        async for event in events:
            yield event
    else:
        for event in events:
            yield event


async def deliver(
    events: Iterable[Rendered] | AsyncIterable[Rendered],
    senders: Sequence[HttpSender],
    *,
    stats: DeliveryStats,
    line_sinks: Sequence[Any] = (),
    schedule: Schedule | None = None,
    max_events: int | None = None,
    duration_s: float | None = None,
    drain_s: float = DEFAULT_DRAIN_S,
    handle_signals: bool = False,
    passed: Callable[[Rendered], None] | None = None,
) -> DeliveryStats:
    """Send ``events`` on schedule to every sender (and line sink); wait for the answers.

    ``passed`` is told of each event handed on (within the limits: an event read and then
    left out by ``max_events``, ``duration_s`` or a stop is not).

    Ctrl-C / SIGTERM (with ``handle_signals``) stop generation, give in-flight requests
    ``drain_s`` seconds, and dead-letter what is still unanswered.
    """
    schedule = schedule or Schedule()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    if handle_signals:
        for sig, name in ((signal.SIGINT, "SIGINT"), (signal.SIGTERM, "SIGTERM")):
            loop.add_signal_handler(sig, _stopper(stop, stats, name))
    pools = [_Workers(sender, stop) for sender in senders]
    batches: list[list[Rendered]] = [[] for _ in senders]
    start = loop.time()
    end = None if duration_s is None else start + duration_s
    stats.started = time.monotonic()
    stats.target_rate = schedule.rate
    first_ms: int | None = None

    if max_events is not None and not isinstance(events, AsyncIterable):
        events = itertools.islice(events, max_events)  # pull no event beyond the limit
    count = -1
    try:
        async for event in _as_async(events):
            count += 1
            if stop.is_set() or (max_events is not None and count >= max_events):
                break
            if end is not None and loop.time() >= end:
                break
            if first_ms is None:
                first_ms = event.time_ms
            if schedule.paced:
                wake, over = start + schedule.due(count, event.time_ms - first_ms), False
                if end is not None and wake > end:  # due after --duration: wait until then
                    wake, over = end, True
                delay = wake - loop.time()
                if delay > 0:
                    try:
                        await asyncio.wait_for(stop.wait(), delay)
                        break
                    except TimeoutError:
                        pass
                elif delay < -LATE_AFTER_S:
                    stats.late += 1
                if over:
                    break
            elif count % 64 == 0:
                await asyncio.sleep(0)
            stats.generated += 1
            if passed is not None:
                passed(event)
            for sink in line_sinks:
                sink.send(event.line)
            for index, pool in enumerate(pools):
                batch = batches[index]
                convert = pool.sender.target.convert
                sent = event if convert is None else convert(event)
                if sent is None:
                    continue
                batch.append(sent)
                if len(batch) >= pool.sender.target.batch:
                    batches[index] = []
                    await pool.put(batch)
        for index, pool in enumerate(pools):
            if batches[index]:
                await pool.put(batches[index])
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
        stats.finished = time.monotonic()
    failure = next((pool.failure for pool in pools if pool.failure is not None), None)
    if isinstance(failure, SimulatorError):
        raise failure
    if failure is not None:
        raise DeliveryError(f"delivery failed: {type(failure).__name__}: {failure}") from failure
    return stats


class _Workers:
    """One sender's requests in flight: ``concurrency`` workers, each sending one batch at a
    time from a short queue, as a client with that many keep-alive connections would."""

    def __init__(self, sender: HttpSender, stop: asyncio.Event) -> None:
        self.sender = sender
        self.failure: BaseException | None = None  # what stopped a worker, raised by deliver()
        size = max(1, sender.target.concurrency)
        self._queue: asyncio.Queue[list[Rendered]] = asyncio.Queue(maxsize=size)
        self._stop = stop
        self._cancelled = False
        self._tasks = [asyncio.create_task(self._work()) for _ in range(size)]

    async def _work(self) -> None:
        queue, send = self._queue, self.sender.send
        while not self._cancelled:
            batch = await queue.get()
            try:
                await send(batch)  # a cancel lands here as a dead letter, not an exception
            except Exception as exc:  # e.g. the dead-letter file cannot be written
                self.failure = self.failure or exc
                self._stop.set()
                return
            finally:
                queue.task_done()

    def drop_queued(self) -> None:
        """Dead-letter the batches not yet started (after a stop)."""
        while not self._queue.empty():
            batch = self._queue.get_nowait()
            self._queue.task_done()
            try:
                self.sender.dead_letter(batch, INTERRUPTED, 0)
            except Exception as exc:  # the dead-letter file cannot be written: say so
                self.failure = self.failure or exc

    async def put(self, batch: list[Rendered]) -> None:
        """Queue a batch; while every worker is busy and the queue is full, wait for room or
        for the stop (then the batch is dead-lettered: it will not be sent)."""
        queue = self._queue
        if not queue.full():
            queue.put_nowait(batch)
            return
        room = asyncio.ensure_future(queue.put(batch))
        stopped = asyncio.ensure_future(self._stop.wait())
        await asyncio.wait({room, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if not room.done():
            room.cancel()
            self.sender.dead_letter(batch, INTERRUPTED, 0)

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


def _stopper(stop: asyncio.Event, stats: DeliveryStats, name: str) -> Callable[[], None]:
    def handler() -> None:
        stats.interrupted_by = stats.interrupted_by or name
        stop.set()

    return handler
