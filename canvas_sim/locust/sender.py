"""One Locust user's HTTP sender: one event per POST over a keep-alive connection, with the
retries, signing and dead letters of ``canvas-sim run``, each attempt reported to Locust.

The client is :class:`canvas_sim.locust.lean.LeanClient` (measured faster than Locust's own
HTTP users and than a raw geventhttpclient client); what an answer means, the backoff and the
dead-letter records come from :mod:`canvas_sim.delivery`, the same rules as the asyncio
sender's.
"""

from __future__ import annotations

import random
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import gevent

from ..delivery import DeadLetters, Parcel, Rendered, RetryPolicy, TargetStats
from ..delivery.ledger import DEAD, DELIVERED, UNKNOWN
from ..delivery.model import Verdict, judge_answer, timeout_error
from ..errors import SimulatorError
from ..signing import Signer
from .lean import LeanClient

Fire = Callable[..., Any]  # Locust's events.request.fire


@dataclass(frozen=True)
class Target:
    """Where and how one worker's users POST: shared by its users."""

    url: str
    headers: tuple[tuple[str, str], ...]
    retry: RetryPolicy
    timeout_s: float
    signer: Signer | None = None
    jwt_quoted: bool = False
    insecure: bool = False


def check_reachable(url: str, timeout_s: float) -> None:
    """Connect once to the target before sending, as ``canvas-sim run`` does: a consumer that
    is not listening fails the test at once (SimulatorError), instead of every event being
    retried into the dead letters."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        socket.create_connection((parts.hostname or "", port), timeout=timeout_s).close()
    except (OSError, ValueError) as exc:
        where = f"{parts.hostname}:{parts.port or ''}".rstrip(":")
        raise SimulatorError(f"{url}: cannot connect to {where}: {exc}; nothing was sent") from None


class EventSender:
    """Sends one event at a time for one user; outcomes go to the worker's ledger."""

    batch = 1  # events a user hands over at once (``deliver``)

    def __init__(
        self,
        target: Target,
        stats: TargetStats,
        dead_letters: DeadLetters,
        fire: Fire,
        rng: random.Random,
    ) -> None:
        self.target = target
        self.stats = stats
        self.dead_letters = dead_letters
        self._fire = fire
        self._rng = rng
        headers = {"Content-Type": "application/json", **dict(target.headers)}
        self._client = LeanClient(target.url, headers, target.timeout_s, target.insecure)

    def body(self, event: Rendered) -> bytes:
        """The POST body: the event's JSON, or its JWT (quoted with ``jwt_quoted``)."""
        signer = self.target.signer
        if signer is None:
            return event.line
        token = signer.token(event.line)[0]
        return b'"%b"' % token if self.target.jwt_quoted else token

    def send(self, event: Rendered, due: float, seq: int) -> str:
        """Deliver ``event`` (retrying as ``canvas-sim run`` does); its outcome."""
        stats, policy = self.stats, self.target.retry
        body = self.body(event)
        attempts = 0
        stats.in_flight += 1
        try:
            while True:
                attempts += 1
                stats.requests += 1
                verdict, outcome = self._attempt(event.name, body)
                if verdict.delivered:
                    stats.failures_in_a_row = 0
                    stats.settle([Parcel(event, due, seq)], DELIVERED, time.monotonic())
                    return DELIVERED
                if not verdict.retryable or attempts > policy.retries:
                    break
                stats.retries += 1
                gevent.sleep(policy.wait(attempts, verdict.retry_after, self._rng))
        finally:
            stats.in_flight -= 1
        stats.last_error = verdict.error
        self.dead_letters.record([event], verdict.error, attempts, self.target.url)
        stats.settle([Parcel(event, due, seq)], outcome, time.monotonic())
        return outcome

    def deliver(self, events: list[Rendered]) -> None:
        """Send ``events`` one after another."""
        for event in events:
            self.send(event, time.monotonic(), 0)

    def _attempt(self, name: str, body: bytes) -> tuple[Verdict, str]:
        """One POST: its verdict, and the outcome if it is the last try."""
        stats = self.stats
        started = time.perf_counter()
        answer = b""
        try:
            status_code, headers, answer = self._client.post(body)
        except TimeoutError:
            verdict, outcome, status = (
                Verdict(False, timeout_error(self.target.timeout_s), True),
                UNKNOWN,
                "timeout",
            )
            stats.failures_in_a_row += 1
        except Exception as exc:  # refused, reset, closed, unparsable: retried as in `run`
            verdict = Verdict(False, str(exc) or type(exc).__name__, True)
            outcome, status = DEAD, "connection error"
            stats.failures_in_a_row += 1
        else:
            retry_after = next((v for n, v in headers if n.lower() == b"retry-after"), None)
            header = retry_after.decode("latin-1") if retry_after is not None else None
            verdict = judge_answer(status_code, header, answer)
            outcome, status = DEAD, str(status_code)
        elapsed = time.perf_counter() - started
        stats.attempt(elapsed, status)
        self._fire(
            request_type="POST",
            name=name,
            response_time=elapsed * 1000,
            response_length=len(answer),
            exception=None if verdict.delivered else RuntimeError(verdict.error),
            context={},
        )
        return verdict, outcome

    def close(self) -> None:
        self._client.close()
