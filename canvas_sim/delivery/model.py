"""What delivery passes around: events, parcels on a schedule, retry policy, dead letters."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol

import orjson

from ..sinks.jsonl import LazyLines

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..marks import StepMark
    from .ledger import TargetStats

DEFAULT_TIMEOUT_S = 15.0
DEFAULT_DRAIN_S = 10.0
INTERRUPTED = "interrupted before delivery finished"
NOT_SENT = "not sent: delivery stopped"
REASON_LIMIT = 200


class Rendered(NamedTuple):
    """One rendered event: its type, simulated time and JSON bytes; ``token``: its signed
    form (a JWT), when it was signed ahead (at ``signed_at``, Unix time) off the event loop;
    ``step``: the scenario step it comes from, in a run paced by ``--speed`` (the live line)."""

    name: str
    time_ms: int
    line: bytes
    token: bytes | None = None
    signed_at: float = 0.0
    step: StepMark | None = None


class Batched:
    """Events that come in batches (from other processes): one target's workers take them
    straight from the batch at hand (``deliver``); iterated, one event at a time."""

    def __init__(self, batches: AsyncIterator[Sequence[Rendered]]) -> None:
        self.batches = batches

    async def __aiter__(self) -> AsyncIterator[Rendered]:
        async for batch in self.batches:
            for event in batch:
                yield event


class Parcel(NamedTuple):
    """An event on its way to one target: when it was due to be sent (the event loop's clock)
    and its place in the stream (to add up outcomes across targets)."""

    event: Rendered
    due: float
    seq: int


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


def one_line(text: str) -> str:
    """``text`` on one line, at most REASON_LIMIT characters."""
    text = " ".join(text.split())
    return text if len(text) <= REASON_LIMIT else text[: REASON_LIMIT - 3] + "..."


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
    return one_line(text)


def is_retryable(status: int) -> bool:
    return status == 429 or status >= 500


class Verdict(NamedTuple):
    """What an HTTP answer means for delivery (any client, asyncio or gevent): delivered, or
    the error to record, whether to try again, and the server's Retry-After in seconds."""

    delivered: bool
    error: str = ""
    retryable: bool = False
    retry_after: float | None = None


def judge_answer(status: int, retry_after: str | None, answer: bytes) -> Verdict:
    """The verdict on one answer: 2xx delivers; 429 and 5xx are retried (Retry-After
    honoured); other statuses fail for good; the error quotes the answer's reason."""
    if 200 <= status < 300:
        return Verdict(True)
    reason = answer_reason(answer)
    error = f"HTTP {status}: {reason}" if reason else f"HTTP {status}"
    if not is_retryable(status):
        return Verdict(False, error)
    return Verdict(False, error, True, retry_after_seconds(retry_after))


def timeout_error(timeout_s: float) -> str:
    """The error of a request that got no answer in time (its outcome is unknown)."""
    return f"timeout after {timeout_s:g}s (the consumer may have processed it)"


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


class Sender(Protocol):
    """One target's client: sends batches with retries; what fails becomes a dead letter."""

    name: str  # the target as given on the command line
    batch: int  # events per request
    concurrency: int  # requests in flight at once
    stats: TargetStats
    give_up: Callable[[], bool]  # asked before each retry: stop retrying (fail fast)
    convert: Callable[[Rendered], Rendered | None] | None  # the target's payload format

    async def check(self) -> None:
        """Raise DeliveryError (with the reason) when the target cannot take events at all."""

    async def send(self, batch: list[Parcel]) -> bool:
        """Deliver one request's events; False when they were not all delivered."""

    def dead_letter(self, batch: list[Parcel], error: str, attempts: int) -> None:
        """Record events that will not be delivered (not sent, or failed)."""

    async def aclose(self) -> None: ...
