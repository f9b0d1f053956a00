"""The retry loop every network sender shares: attempts, backoff, outcomes, dead letters."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import Any, NamedTuple

from .ledger import DEAD, DELIVERED, TargetStats
from .model import INTERRUPTED, DeadLetters, Parcel, Rendered, RetryPolicy


class Attempt(NamedTuple):
    """What one request did: the events to try again (empty when done), why they failed,
    their outcome if no retry is left, and a server's Retry-After."""

    retry: list[Parcel]
    error: str = ""
    outcome: str = DEAD
    retry_after: float | None = None
    gone: dict[str, list[Parcel]] = {}  # noqa: RUF012 - events failed for good, by error


class RetryingSender:
    """Sends a batch with ``_attempt`` under the retry policy; subclasses speak the protocol."""

    name: str
    batch: int
    concurrency: int

    def __init__(
        self,
        name: str,
        retry: RetryPolicy,
        stats: TargetStats,
        dead_letters: DeadLetters,
        *,
        seed: int | None = None,
        sleep: Callable[[float], Any] = asyncio.sleep,
    ) -> None:
        self.name = name
        self.retry = retry
        self.stats = stats
        self.dead_letters = dead_letters
        self.give_up: Callable[[], bool] = lambda: False  # set by the delivery loop (fail fast)
        self.convert: Callable[[Rendered], Rendered | None] | None = None
        self._rng = random.Random(seed)
        self._sleep = sleep

    def _prepare(self, batch: list[Parcel]) -> Any:
        """What every attempt at ``batch`` sends (built once)."""
        return None

    async def _attempt(self, pending: list[Parcel], prepared: Any) -> Attempt:
        raise NotImplementedError

    async def check(self) -> None:
        """Raise DeliveryError when the target cannot take events at all."""

    async def send(self, batch: list[Parcel]) -> bool:
        """Deliver one request's events; False when some were not delivered."""
        stats = self.stats
        stats.in_flight += len(batch)
        pending, attempts, error, outcome, failed = batch, 0, "not sent", DEAD, False
        try:
            prepared = self._prepare(batch)
            while True:
                attempts += 1
                stats.requests += 1
                result = await self._attempt(pending, prepared)
                for reason, lost in result.gone.items():
                    failed = True
                    self._fail(lost, reason, attempts, DEAD)
                pending, error, outcome = result.retry, result.error, result.outcome
                if not pending:
                    return not failed
                if attempts > self.retry.retries or self.give_up():
                    break
                stats.retries += 1
                await self._sleep(self.retry.wait(attempts, result.retry_after, self._rng))
        except asyncio.CancelledError:
            error, outcome = INTERRUPTED, DEAD
        finally:
            stats.in_flight -= len(batch)
        self._fail(pending, error, attempts, outcome)
        return False

    def _now(self) -> float:
        """The clock of due times and settlements (the event loop's)."""
        return asyncio.get_running_loop().time()

    def _done(self, batch: list[Parcel]) -> None:
        self.stats.failures_in_a_row = 0
        self.stats.settle(batch, DELIVERED, self._now())

    def _fail(self, batch: list[Parcel], error: str, attempts: int, outcome: str) -> None:
        """Dead-letter ``batch`` with its last error; ``outcome`` says whether it is known."""
        if not batch:
            return
        self.stats.last_error = error
        self.dead_letters.record((p.event for p in batch), error, attempts, self.name)
        self.stats.settle(batch, outcome, self._now())

    def dead_letter(self, batch: list[Parcel], error: str, attempts: int) -> None:
        """Record events that will not be delivered (a stop before they were sent)."""
        self._fail(batch, error, attempts, DEAD)

    async def aclose(self) -> None:
        """Release connections and threads."""
