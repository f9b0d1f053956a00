"""Simulated time as integer milliseconds since the Unix epoch, and Canvas's timestamp formats.

Timestamps are put together from an hour's text (cached) and tables of ``MM:SS`` and ``.mmmZ``,
so an event in a new second costs no ``datetime``: events are seconds apart, hours are not.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

_MINUTES_SECONDS = tuple(f"{m:02d}:{s:02d}" for m in range(60) for s in range(60))
_MILLIS_Z = tuple(f".{ms:03d}Z" for ms in range(1000))
_HOUR = timedelta(hours=1)


@lru_cache(maxsize=4096)
def _utc_hour(hour: int) -> str:
    """``%Y-%m-%dT%H:`` in UTC of the ``hour``-th hour since the epoch."""
    return f"{datetime.fromtimestamp(hour * 3600, UTC):%Y-%m-%dT%H:}"


def _utc_second(second: int) -> str:
    """``%Y-%m-%dT%H:%M:%S`` in UTC (a UTC hour is always 3600 seconds long)."""
    return _utc_hour(second // 3600) + _MINUTES_SECONDS[second % 3600]


@lru_cache(maxsize=4096)
def _zoned_hour(hour: int, zone: ZoneInfo) -> tuple[str, str] | None:
    """The local ``%Y-%m-%dT%H:`` and the offset text of UTC hour ``hour`` in ``zone``.

    None unless the offset is whole hours (local minutes and seconds are then UTC's) and the
    same at both ends of the hour, hence all through it: the tz database never changes an
    offset twice within an hour (its closest transitions are days apart).
    """
    start = datetime.fromtimestamp(hour * 3600, zone)
    offset = start.utcoffset()
    end = datetime.fromtimestamp(hour * 3600 + 3599, zone).utcoffset()
    if offset is None or offset % _HOUR or offset != end:
        return None
    text = start.isoformat()  # 2024-04-15T13:00:00-07:00
    return text[:14], text[19:]


@lru_cache(maxsize=4096)
def _zoned_exact(second: int, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(second, zone).isoformat()


def _zoned_second(second: int, zone: ZoneInfo) -> str:
    """``datetime.fromtimestamp(second, zone).isoformat()``, from the hour's text when it can."""
    hour = _zoned_hour(second // 3600, zone)
    if hour is None:
        return _zoned_exact(second, zone)
    return hour[0] + _MINUTES_SECONDS[second % 3600] + hour[1]


def event_time(ms: int) -> str:
    """Metadata ``event_time``: UTC, milliseconds, ``Z`` (``2024-04-15T20:46:05.187Z``)."""
    second, millis = divmod(ms, 1000)
    return _utc_second(second) + _MILLIS_Z[millis]


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
