"""Delivery: pacing events to targets (HTTP, SQS), retries, dead letters and the ledger."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .ledger import DeliveryStats, Latencies, TargetStats
from .loop import ALL_SENT, DURATION, LATE_AFTER_S, MAX_EVENTS, deliver
from .model import (
    DEFAULT_DRAIN_S,
    DEFAULT_TIMEOUT_S,
    INTERRUPTED,
    NOT_SENT,
    Batched,
    DeadLetters,
    Parcel,
    Rendered,
    RetryPolicy,
    Sender,
    Verdict,
    answer_reason,
    is_retryable,
    judge_answer,
    retry_after_seconds,
    timeout_error,
)

if TYPE_CHECKING:
    from .http import HttpSender, HttpTarget


def __getattr__(name: str) -> Any:
    """``HttpSender`` and ``HttpTarget`` on first use: httpx and the signing code load only for
    runs that send over HTTP."""
    if name in ("HttpSender", "HttpTarget"):
        from . import http

        return getattr(http, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ALL_SENT",
    "DEFAULT_DRAIN_S",
    "DEFAULT_TIMEOUT_S",
    "DURATION",
    "INTERRUPTED",
    "LATE_AFTER_S",
    "MAX_EVENTS",
    "NOT_SENT",
    "Batched",
    "DeadLetters",
    "DeliveryStats",
    "HttpSender",
    "HttpTarget",
    "Latencies",
    "Parcel",
    "Rendered",
    "RetryPolicy",
    "Sender",
    "TargetStats",
    "Verdict",
    "answer_reason",
    "deliver",
    "is_retryable",
    "judge_answer",
    "retry_after_seconds",
    "timeout_error",
]
