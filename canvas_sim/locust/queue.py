"""Delivery to an SQS queue from a Locust worker: ``canvas-sim run``'s SQS sender, driven in
gevent.

The batching (``SendMessageBatch``, up to 10 messages and 256 KiB), the ``event_name`` and
``event_time`` attributes, retries of failed entries and dead letters are those of
:class:`canvas_sim.delivery.sqs.SqsSender`. Its coroutines never wait on an event loop here:
boto3's calls are made directly (cooperative, since Locust patched the process) and the
backoff sleeps in gevent, so each coroutine runs to its end in one step, in the calling
greenlet. Each ``SendMessageBatch`` is reported to Locust once per message, named by event type.
"""

from __future__ import annotations

import time
from typing import Any

import gevent

from ..delivery import DeadLetters, Parcel, Rendered, TargetStats
from ..delivery.sqs import SqsSender, entry_failure
from ..delivery.sqs_client import SqsTarget, describe_error
from .lean import finish
from .sender import Fire


async def _sleep(seconds: float) -> None:
    gevent.sleep(seconds)


class QueueSender(SqsSender):
    """One worker's queue sender, shared by its users (each call runs in its user's greenlet)."""

    def __init__(
        self,
        target: SqsTarget,
        stats: TargetStats,
        dead_letters: DeadLetters,
        fire: Fire,
        *,
        seed: int | None = None,
        client: Any = None,
    ) -> None:
        super().__init__(target, stats, dead_letters, client=client, seed=seed, sleep=_sleep)
        self._fire = fire
        self._seq = 0

    def _now(self) -> float:
        return time.monotonic()

    async def _call(self, method: str, **params: Any) -> Any:
        call = getattr(self._client, method)
        if method != "send_message_batch":
            return call(**params)
        entries: list[dict[str, Any]] = params["Entries"]
        started = time.perf_counter()
        try:
            answer = call(**params)
        except Exception as exc:
            self._report(
                entries, started, {entry["Id"]: describe_error(exc)[0] for entry in entries}
            )
            raise
        failed = {item["Id"]: entry_failure(item) for item in answer.get("Failed", [])}
        self._report(entries, started, failed)
        return answer

    def _report(
        self, entries: list[dict[str, Any]], started: float, failed: dict[str, str]
    ) -> None:
        """One Locust request per message of a call, named by its event type."""
        elapsed_ms = (time.perf_counter() - started) * 1000
        for entry in entries:
            error = failed.get(entry["Id"])
            name = entry["MessageAttributes"].get("event_name", {}).get("StringValue", "event")
            self._fire(
                request_type="SQS",
                name=name,
                response_time=elapsed_ms,
                response_length=len(entry["MessageBody"]),
                exception=None if error is None else RuntimeError(error),
                context={},
            )

    def connect(self) -> None:
        """Find the queue once, before anything is sent (DeliveryError when it cannot be used)."""
        finish(self.check())

    def deliver(self, events: list[Rendered]) -> None:
        """Send ``events`` (at most a batch) with retries; failures become dead letters."""
        now = self._now()
        parcels = []
        for event in events:
            self._seq += 1
            parcels.append(Parcel(event, now, self._seq))
        finish(self.send(parcels))

    def close(self) -> None:
        finish(self.aclose())
