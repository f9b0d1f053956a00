"""Read an SQS queue into JSON Lines and delete what was written: the round trip of an SQS
delivery, and the demo of an SQS pipeline (``canvas-sim drain``)."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from .delivery.sqs_client import SqsTarget, describe_error, make_client
from .errors import DeliveryError, SimulatorError


@dataclass
class DrainStats:
    """What a drain read: events by type, messages whose attributes disagree with the body."""

    received: Counter[str] = field(default_factory=Counter)
    mismatched: int = 0  # event_name/event_time attributes missing or not the body's
    not_events: int = 0  # bodies that are not a Canvas event
    started: float = field(default_factory=time.monotonic)
    stop_reason: str | None = None

    @property
    def total(self) -> int:
        return sum(self.received.values())

    def as_dict(self) -> dict[str, Any]:
        seconds = time.monotonic() - self.started
        return {
            "events": self.total,
            "by_type": dict(sorted(self.received.items())),
            "attribute_mismatches": self.mismatched,
            "not_events": self.not_events,
            "seconds": round(seconds, 3),
            "stop_reason": self.stop_reason,
        }


def _check(message: dict[str, Any], stats: DrainStats) -> None:
    """Count the message's event type; check its attributes against its body."""
    try:
        payload = orjson.loads(message.get("Body", ""))
        metadata = payload["metadata"]
        name = metadata["event_name"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        stats.not_events += 1
        return
    stats.received[str(name)] += 1
    attributes = message.get("MessageAttributes") or {}
    for key in ("event_name", "event_time"):
        if attributes.get(key, {}).get("StringValue") != metadata.get(key):
            stats.mismatched += 1
            return


def _open(out: Path | None) -> BinaryIO:
    if out is None:
        return sys.stdout.buffer
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        return open(out, "ab")
    except OSError as exc:
        raise SimulatorError(f"cannot write {out}: {exc.strerror or exc}") from None


def drain(
    target: SqsTarget,
    out: Path | None,
    *,
    stats: DrainStats | None = None,
    max_events: int | None = None,
    idle_s: float | None = None,
    stop: threading.Event | None = None,
    wait_s: int = 1,
    progress: Callable[[DrainStats], None] | None = None,
) -> DrainStats:
    """Receive ``target``'s messages, append their bodies to ``out`` (stdout when None),
    then delete them: a message is deleted only once its line is on disk (flushed and
    synced), so a crash can repeat a message but never lose one. Stops after ``max_events``,
    after ``idle_s`` seconds without a message, or when ``stop`` is set."""
    stats = stats or DrainStats()
    client = make_client(target.endpoint, target.region, max(target.timeout_s, wait_s + 5), 2)
    try:
        url = target.queue_url or client.get_queue_url(QueueName=target.name)["QueueUrl"]
    except Exception as exc:
        raise DeliveryError(f"{target.target}: {describe_error(exc)[0]}") from None
    handle = _open(out)
    last_message = time.monotonic()
    try:
        while stop is None or not stop.is_set():
            wanted = 10 if max_events is None else min(10, max_events - stats.total)
            if wanted <= 0:
                stats.stop_reason = "--max-events reached"
                break
            try:
                answer = client.receive_message(
                    QueueUrl=url,
                    MaxNumberOfMessages=wanted,
                    WaitTimeSeconds=wait_s,
                    MessageAttributeNames=["All"],
                )
            except Exception as exc:
                raise DeliveryError(f"{target.target}: {describe_error(exc)[0]}") from None
            messages = answer.get("Messages", [])
            if not messages:
                if idle_s is not None and time.monotonic() - last_message >= idle_s:
                    stats.stop_reason = f"the queue was empty for {idle_s:g}s"
                    break
                continue
            last_message = time.monotonic()
            for message in messages:
                handle.write(message["Body"].encode() + b"\n")
                _check(message, stats)
            handle.flush()
            if out is not None:
                os.fsync(handle.fileno())
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
            ]
            client.delete_message_batch(QueueUrl=url, Entries=entries)
            if progress is not None:
                progress(stats)
        else:
            stats.stop_reason = stats.stop_reason or "interrupted"
    finally:
        if out is not None:
            handle.close()
        else:
            with contextlib.suppress(BrokenPipeError):
                handle.flush()
    return stats
