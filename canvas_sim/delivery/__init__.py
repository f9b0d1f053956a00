"""Delivery: pacing events to targets (HTTP, SQS), retries, dead letters and the ledger."""

from __future__ import annotations

from .http import HttpSender, HttpTarget
from .ledger import DeliveryStats, Latencies, TargetStats
from .loop import ALL_SENT, DURATION, LATE_AFTER_S, MAX_EVENTS, deliver
from .model import (
    DEFAULT_DRAIN_S,
    DEFAULT_TIMEOUT_S,
    INTERRUPTED,
    NOT_SENT,
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

__all__ = [
    "ALL_SENT",
    "DEFAULT_DRAIN_S",
    "DEFAULT_TIMEOUT_S",
    "DURATION",
    "INTERRUPTED",
    "LATE_AFTER_S",
    "MAX_EVENTS",
    "NOT_SENT",
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
