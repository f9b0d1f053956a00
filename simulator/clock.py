"""Simulated time as integer milliseconds since the Unix epoch, and Canvas's timestamp formats."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo


@lru_cache(maxsize=256)
def _utc_day(day: int) -> str:
    return f"{datetime.fromtimestamp(day * 86400, UTC):%Y-%m-%d}"


@lru_cache(maxsize=4096)
def _utc_second(second: int) -> str:
    """``%Y-%m-%dT%H:%M:%S`` in UTC (a UTC day is always 86400 seconds long)."""
    day, rest = divmod(second, 86400)
    return f"{_utc_day(day)}T{rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}"


@lru_cache(maxsize=4096)
def _zoned_second(second: int, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(second, zone).isoformat()


def event_time(ms: int) -> str:
    """Metadata ``event_time``: UTC, milliseconds, ``Z`` (``2024-04-15T20:46:05.187Z``)."""
    return f"{_utc_second(ms // 1000)}.{ms % 1000:03d}Z"


def body_time(ms: int | None, zone: ZoneInfo | None = None) -> str | None:
    """A body timestamp: second precision, in ``zone``'s offset (``-07:00``), else ``Z``."""
    if ms is None:
        return None
    if zone is None:
        return _utc_second(ms // 1000) + "Z"
    return _zoned_second(ms // 1000, zone)


def body_time_ms(ms: int | None) -> str | None:
    """A body timestamp in UTC with milliseconds (comments and overrides, as Canvas's docs show)."""
    return None if ms is None else event_time(ms)
