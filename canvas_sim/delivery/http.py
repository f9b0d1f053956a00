"""Delivery over HTTP like a Canvas Data Services subscription: one POST per event.

One event per POST with ``Content-Type: application/json`` (or, as an explicit non-Canvas
option, JSON arrays of ``batch`` events), optionally signed as an RS256 JWT. Failures are
retried like Canvas (timeouts, connection errors, 5xx, 429 honouring Retry-After; not other
4xx) with exponential backoff and jitter; what still fails goes to a dead-letter JSONL file.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from ..errors import DeliveryError
from ..signing import Signer
from .base import Attempt, RetryingSender
from .ledger import UNKNOWN, TargetStats
from .model import (
    DEFAULT_TIMEOUT_S,
    DeadLetters,
    Parcel,
    Rendered,
    RetryPolicy,
    judge_answer,
    timeout_error,
)
from .transport import LeanTransport, origin_of

_T = TypeVar("_T")
SIGNED_AHEAD_S = 60.0  # a token signed ahead longer ago than this is signed again when sent
_DONE = Attempt([])  # every event of the request delivered (never changed)
_STATUSES = {status: str(status) for status in range(200, 300)}


@dataclass
class HttpTarget:
    """Where and how to POST events."""

    url: str
    headers: Sequence[tuple[str, str]] = ()
    timeout_s: float = DEFAULT_TIMEOUT_S
    concurrency: int = 16
    batch: int = 1
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    signer: Signer | None = None
    jwt_quoted: bool = False
    verify_tls: bool = True
    # The target's payload format: a Canvas-format event -> the event to send (None: nothing),
    # e.g. its Caliper envelope under its Canvas name.
    convert: Callable[[Rendered], Rendered | None] | None = None


class HttpSender(RetryingSender):
    """POSTs batches of events to one target, with retries; failures become dead letters."""

    def __init__(
        self,
        target: HttpTarget,
        stats: TargetStats,
        dead_letters: DeadLetters,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        seed: int | None = None,
        sleep: Callable[[float], Any] = asyncio.sleep,
    ) -> None:
        super().__init__(target.url, target.retry, stats, dead_letters, seed=seed, sleep=sleep)
        self.target = target
        self.batch = target.batch
        self.concurrency = target.concurrency
        self.convert = target.convert
        self._transport = transport or LeanTransport(verify=target.verify_tls)
        lean = self._transport
        self._lean = lean if isinstance(lean, LeanTransport) else None
        self._url = httpx.URL(target.url)
        self._headers = [("Content-Type", "application/json"), *target.headers]
        if not any(name.lower() == "host" for name, _ in self._headers):
            self._headers.insert(0, ("Host", self._url.netloc.decode("ascii")))
        self._origin = origin_of(self._url)
        self._head = f"POST {self._url.raw_path.decode('ascii')} HTTP/1.1\r\n".encode() + b"".join(
            f"{name}: {value}\r\n".encode("latin-1") for name, value in self._headers
        )
        self._deadlines = _Deadlines(target.timeout_s)

    async def check(self) -> None:
        """Open one connection to the target (kept for the first request)."""
        if isinstance(self._transport, LeanTransport):
            try:
                await asyncio.wait_for(self._transport.probe(self._origin), self.target.timeout_s)
            except (httpx.HTTPError, TimeoutError) as exc:
                reason = str(exc) or f"no connection within {self.target.timeout_s:g}s"
                raise DeliveryError(f"{self.name}: {reason}; nothing was sent") from None

    def body(self, events: Sequence[Rendered]) -> bytes:
        """The POST body: one event, or a JSON array; signed events become JWT strings."""
        signer = self.target.signer
        if signer is None:
            parts = [event.line for event in events]
        else:
            fresh_after = time.time() - SIGNED_AHEAD_S
            tokens = [
                event.token
                if event.token is not None and event.signed_at > fresh_after
                else signer.token(event.line)[0]
                for event in events
            ]
            quoted = self.target.jwt_quoted or len(events) > 1
            parts = [b'"%b"' % token if quoted else token for token in tokens]
        if self.target.batch > 1:
            return b"[" + b",".join(parts) + b"]"
        return parts[0]

    def _prepare(self, batch: list[Parcel]) -> bytes:
        """The body; over the lean transport, the whole request (head built once)."""
        if len(batch) == 1 and self.target.signer is None and self.target.batch == 1:
            body = batch[0].event.line  # (what body() gives, without its lists)
        else:
            body = self.body([parcel.event for parcel in batch])
        if self._lean is None:
            return body
        return self._head + b"Content-Length: %d\r\n\r\n" % len(body) + body

    async def _attempt(self, pending: list[Parcel], prepared: Any) -> Attempt:
        stats = self.stats
        started = time.perf_counter()
        try:
            if self._lean is not None:  # no httpx objects per event
                answered = self._lean.exchange(self._origin, prepared)
                status, headers, answer = await self._deadlines.run(answered)
                retry_header = None if 200 <= status < 300 else _retry_after(headers)
            else:
                status, retry_header, answer = await self._deadlines.run(self._post(prepared))
        except TimeoutError:
            stats.attempt(time.perf_counter() - started, "timeout")
            return Attempt(pending, timeout_error(self.target.timeout_s), UNKNOWN)
        except httpx.HTTPError as exc:
            stats.attempt(time.perf_counter() - started, "connection error")
            stats.failures_in_a_row += 1
            return Attempt(pending, str(exc) or type(exc).__name__)
        stats.attempt(time.perf_counter() - started, _STATUSES.get(status) or str(status))
        if 200 <= status < 300:
            self._done(pending)
            return _DONE
        verdict = judge_answer(status, retry_header, answer)
        stats.failures_in_a_row = 0
        if not verdict.retryable:
            return Attempt([], gone={verdict.error: pending})
        return Attempt(pending, verdict.error, retry_after=verdict.retry_after)

    async def _post(self, content: bytes) -> tuple[int, str | None, bytes]:
        """POST ``content`` over an httpx transport; (status, Retry-After, response body)."""
        request = httpx.Request("POST", self._url, content=content, headers=self._headers)
        response = await self._transport.handle_async_request(request)
        answer = await response.aread()
        return response.status_code, response.headers.get("retry-after"), answer

    async def aclose(self) -> None:
        self._deadlines.close()
        await self._transport.aclose()


def _retry_after(headers: list[tuple[bytes, bytes]]) -> str | None:
    retry = next((v for n, v in headers if n.lower() == b"retry-after"), None)
    return None if retry is None else retry.decode("latin-1")


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
