"""Durations and points in simulated time, as scenario files write them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|w|d|h|m|s)")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}


def parse_duration_ms(value: object) -> int:
    """``"1d 4h"``, ``"90s"``, ``"250ms"`` or a number of seconds -> milliseconds.

    Raises ValueError with an explanation on anything else.
    """
    if isinstance(value, bool):
        raise ValueError("expected a duration like '90s', '15m', '2h', '1d 4h'")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return round(value * 1000)
    if isinstance(value, timedelta):
        return round(value.total_seconds() * 1000)
    if not isinstance(value, str):
        raise ValueError("expected a duration like '90s', '15m', '2h', '1d 4h'")
    text = value.strip().lstrip("+").replace(" ", "")
    total = 0
    position = 0
    for match in _PART.finditer(text):
        if match.start() != position:
            break
        total += round(float(match.group(1)) * _UNIT_MS[match.group(2)])
        position = match.end()
    if not text or position != len(text):
        hint = ""
        if re.fullmatch(r"\d+(\.\d+)?", text):
            hint = f" (a number needs a unit: did you mean '{text}s'?)"
        elif text.startswith("-"):
            hint = " (a duration cannot be negative)"
        raise ValueError(
            f"expected a duration like '90s', '15m', '2h', '1d 4h' (units ms, s, m, h, d, w), "
            f"got {value!r}{hint}"
        )
    return total


def datetime_to_ms(value: datetime) -> int:
    """An aware datetime -> milliseconds since the Unix epoch."""
    if value.tzinfo is None:
        raise ValueError("a timestamp needs a time zone offset, e.g. 2024-09-02T08:00:00Z")
    return round(value.timestamp() * 1000)
