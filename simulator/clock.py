"""Simulated time as integer milliseconds since the Unix epoch, and Canvas's timestamp formats."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

UTC = UTC


def event_time(ms: int) -> str:
    """Metadata ``event_time``: UTC, milliseconds, ``Z`` (``2024-04-15T20:46:05.187Z``)."""
    moment = datetime.fromtimestamp(ms // 1000, UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{ms % 1000:03d}Z"


def body_time(ms: int | None, zone: ZoneInfo | None = None) -> str | None:
    """A body timestamp: second precision, in ``zone``'s offset (``-07:00``), else ``Z``."""
    if ms is None:
        return None
    if zone is None:
        return f"{datetime.fromtimestamp(ms // 1000, UTC):%Y-%m-%dT%H:%M:%S}Z"
    return datetime.fromtimestamp(ms // 1000, zone).isoformat()


def body_time_ms(ms: int | None) -> str | None:
    """A body timestamp in UTC with milliseconds (comments and overrides, as Canvas's docs show)."""
    return None if ms is None else event_time(ms)
