"""Delivery to Amazon SQS like a Canvas Data Services SQS subscription: a message per event.

Body: the event JSON as the other sinks write it; String message attributes ``event_name``
and ``event_time`` (as Canvas sets them, so consumers route without parsing). Messages go out
with ``SendMessageBatch`` (up to 10 per call, at most 256 KiB); the entries a partial failure
lists are retried under the same policy as HTTP, then dead-lettered; a message over the
queue's size limit is dead-lettered with the reason. boto3 is synchronous: its calls run in a
small thread pool, off the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple

import orjson

from ..errors import DeliveryError
from .base import Attempt, RetryingSender
from .ledger import UNKNOWN, TargetStats
from .model import DeadLetters, Parcel, Rendered
from .sqs_client import SqsTarget, describe_error, make_client

DEFAULT_MAX_MESSAGE = 262_144


class _Entry(NamedTuple):
    parcel: Parcel
    request: dict[str, Any]
    size: int


def message_attributes(event: Rendered) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``event_name``/``event_time`` String attributes of an event, and its payload: from
    its metadata (Canvas's format), or for a Caliper envelope its Canvas name and eventTime."""
    payload = orjson.loads(event.line)
    if not isinstance(payload, dict):
        payload = {}
    metadata = payload.get("metadata")
    if not isinstance(metadata, dict):
        data = payload.get("data")
        first = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
        metadata = {"event_name": event.name, "event_time": first.get("eventTime")}
    attributes: dict[str, Any] = {}
    for key in ("event_name", "event_time"):
        value = metadata.get(key)
        if isinstance(value, str) and value:
            attributes[key] = {"DataType": "String", "StringValue": value}
    return attributes, payload


def entry_failure(item: dict[str, Any]) -> str:
    """Why ``SendMessageBatch`` refused one entry (an item of its answer's ``Failed``)."""
    return f"SQS {item.get('Code', 'error')}: {item.get('Message', '')}".rstrip(": ")


def message_group(payload: dict[str, Any]) -> str:
    """A FIFO queue's message group: the event's course (so order holds per course)."""
    metadata, body = payload.get("metadata") or {}, payload.get("body") or {}
    if isinstance(metadata, dict) and metadata.get("context_type") == "Course":
        return f"course-{metadata.get('context_id')}"
    course = body.get("course_id") if isinstance(body, dict) else None
    return f"course-{course}" if course is not None else "no-course"


class SqsSender(RetryingSender):
    """Sends batches of events to one queue, with retries; failures become dead letters."""

    def __init__(
        self,
        target: SqsTarget,
        stats: TargetStats,
        dead_letters: DeadLetters,
        *,
        client: Any = None,
        seed: int | None = None,
        sleep: Callable[[float], Any] = asyncio.sleep,
    ) -> None:
        super().__init__(target.target, target.retry, stats, dead_letters, seed=seed, sleep=sleep)
        self.target = target
        self.batch = target.batch
        self.convert = target.convert
        # A FIFO queue keeps order per message group only for calls made one after another.
        self.concurrency = 1 if target.fifo else target.concurrency
        self._client = client or make_client(
            target.endpoint, target.region, target.timeout_s, self.concurrency
        )
        self._pool = ThreadPoolExecutor(self.concurrency + 1, thread_name_prefix="sqs")
        self.queue_url: str | None = None
        self.max_message = DEFAULT_MAX_MESSAGE
        self._checking = asyncio.Lock()

    async def _call(self, method: str, **params: Any) -> Any:
        loop = asyncio.get_running_loop()
        call = getattr(self._client, method)
        return await loop.run_in_executor(self._pool, lambda: call(**params))

    async def check(self) -> None:
        """Find the queue and its size limit; DeliveryError when it cannot be used."""
        async with self._checking:
            if self.queue_url is not None:
                return
            try:
                url = self.target.queue_url
                if url is None:
                    answer = await self._call("get_queue_url", QueueName=self.target.name)
                    url = str(answer["QueueUrl"])
                attributes = await self._call(
                    "get_queue_attributes", QueueUrl=url, AttributeNames=["MaximumMessageSize"]
                )
            except Exception as exc:
                reason = describe_error(exc)[0]
                where = f" at {self.target.endpoint}" if self.target.endpoint else ""
                raise DeliveryError(f"{self.name}{where}: {reason}; nothing was sent") from None
            limit = attributes.get("Attributes", {}).get("MaximumMessageSize")
            self.max_message = int(limit) if limit else DEFAULT_MAX_MESSAGE
            self.queue_url = url

    def _prepare(self, batch: list[Parcel]) -> dict[str, _Entry]:
        entries: dict[str, _Entry] = {}
        for index, parcel in enumerate(batch):
            line = parcel.event.line
            attributes, payload = message_attributes(parcel.event)
            request: dict[str, Any] = {
                "Id": str(index),
                "MessageBody": line.decode("utf-8"),
                "MessageAttributes": attributes,
            }
            if self.target.fifo:
                request["MessageGroupId"] = message_group(payload)
                request["MessageDeduplicationId"] = hashlib.sha256(line).hexdigest()
            size = len(line) + sum(
                len(name) + len("String") + len(value["StringValue"].encode())
                for name, value in attributes.items()
            )
            entries[str(index)] = _Entry(parcel, request, size)
        return entries

    def _calls(self, pending: list[_Entry]) -> list[list[_Entry]]:
        """``pending`` in SendMessageBatch calls of at most ``batch`` entries and
        ``max_batch_bytes`` (but a message larger than that, within the queue's limit, alone)."""
        calls: list[list[_Entry]] = []
        size = 0
        for entry in pending:
            full = len(calls[-1]) >= self.batch if calls else True
            if full or size + entry.size > self.target.max_batch_bytes:
                calls.append([])  # (a message over the call limit goes alone)
                size = 0
            calls[-1].append(entry)
            size += entry.size
        return calls

    async def _attempt(self, pending: list[Parcel], prepared: Any) -> Attempt:
        if self.queue_url is None:
            await self.check()
        entries: dict[str, _Entry] = prepared
        wanted = {parcel.seq for parcel in pending}
        todo = [entry for entry in entries.values() if entry.parcel.seq in wanted]
        gone: dict[str, list[Parcel]] = {}
        sendable = []
        for entry in todo:
            if entry.size > self.max_message:
                reason = (
                    f"message of {entry.size} bytes is over the queue's limit of "
                    f"{self.max_message} bytes (MaximumMessageSize)"
                )
                gone.setdefault(reason, []).append(entry.parcel)
            else:
                sendable.append(entry)
        retry: list[Parcel] = []
        error, outcome, retry_after = "", "dead_lettered", None
        for call in self._calls(sendable):
            result = await self._send_call(call, gone)
            retry.extend(result.retry)
            if result.retry:
                error, outcome = result.error, result.outcome
        return Attempt(retry, error, outcome, retry_after, gone)

    async def _send_call(self, call: list[_Entry], gone: dict[str, list[Parcel]]) -> Attempt:
        """One SendMessageBatch: the delivered are settled, sender faults join ``gone``."""
        stats = self.stats
        started = time.perf_counter()
        try:
            answer = await self._call(
                "send_message_batch",
                QueueUrl=self.queue_url,
                Entries=[entry.request for entry in call],
            )
        except Exception as exc:
            reason, retryable, status = describe_error(exc)
            stats.attempt(time.perf_counter() - started, status)
            parcels = [entry.parcel for entry in call]
            if status == "connection error":
                stats.failures_in_a_row += 1
            if not retryable:
                gone.setdefault(reason, []).extend(parcels)
                return Attempt([])
            return Attempt(parcels, reason, UNKNOWN if status == "timeout" else "dead_lettered")
        stats.attempt(time.perf_counter() - started, "200")
        by_id = {entry.request["Id"]: entry.parcel for entry in call}
        self._done([by_id[item["Id"]] for item in answer.get("Successful", [])])
        retry: list[Parcel] = []
        error = ""
        for item in answer.get("Failed", []):
            reason = entry_failure(item)
            stats.statuses[f"failed entry {item.get('Code', 'error')}"] += 1
            if item.get("SenderFault"):
                gone.setdefault(reason, []).append(by_id[item["Id"]])
            else:
                retry.append(by_id[item["Id"]])
                error = reason
        return Attempt(retry, error)

    async def aclose(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        close = getattr(self._client, "close", None)
        if close is not None:
            close()
