"""The timestamp formats against ``datetime`` itself, around offset changes and at random."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from canvas_sim.clock import body_time, body_time_ms, event_time

ZONES = [
    "America/Chicago",  # DST in whole hours; before 1883 an offset of -5:50:36
    "Europe/London",
    "Asia/Kolkata",  # +05:30
    "Australia/Lord_Howe",  # DST of half an hour: +10:30 / +11:00
    "America/St_Johns",  # -03:30 / -02:30
    "Europe/Amsterdam",  # +00:19:32 until 1937
    "UTC",
]


def expected_body_time(second: int, zone: ZoneInfo | None) -> str:
    if zone is None:
        return f"{datetime.fromtimestamp(second, UTC):%Y-%m-%dT%H:%M:%S}Z"
    return datetime.fromtimestamp(second, zone).isoformat()


def changing_hours(zone: ZoneInfo, start: int, end: int) -> list[int]:
    """The hours (as epoch seconds) in [start, end) at whose end the zone's offset differs."""
    return [
        hour
        for hour in range(start, end, 3600)
        if datetime.fromtimestamp(hour, zone).utcoffset()
        != datetime.fromtimestamp(hour + 3600, zone).utcoffset()
    ]


def year_s(year: int) -> int:
    return int(datetime(year, 1, 1, tzinfo=UTC).timestamp())


@pytest.mark.parametrize(
    ("name", "year"),
    [
        *((name, 2024) for name in ZONES),
        ("America/Goose_Bay", 1990),  # changed at 00:01 local time: one minute into a UTC hour
    ],
)
def test_every_second_around_offset_changes(name: str, year: int) -> None:
    zone = ZoneInfo(name)
    hours = changing_hours(zone, year_s(year), year_s(year + 1))
    if name not in ("Asia/Kolkata", "UTC"):
        assert len(hours) == 2  # the test looks where it should
    for hour in hours:
        for second in range(hour - 3600, hour + 7200):
            assert body_time(second * 1000 + 999, zone) == expected_body_time(second, zone)


@pytest.mark.parametrize("name", [*ZONES, None])
def test_random_times_from_1800_to_2200(name: str | None) -> None:
    zone = None if name is None else ZoneInfo(name)
    rng = random.Random(name)
    for _ in range(5000):
        ms = rng.randrange(-5_364_662_400_000, 7_258_118_400_000)
        assert body_time(ms, zone) == expected_body_time(ms // 1000, zone)


def test_event_time_has_milliseconds_and_z() -> None:
    rng = random.Random(1)
    for _ in range(5000):
        ms = rng.randrange(0, 4_102_444_800_000)
        expected = f"{datetime.fromtimestamp(ms // 1000, UTC):%Y-%m-%dT%H:%M:%S}.{ms % 1000:03d}Z"
        assert event_time(ms) == expected
        assert body_time_ms(ms) == expected
    assert event_time(1_713_213_965_187) == "2024-04-15T20:46:05.187Z"
    assert event_time(0) == "1970-01-01T00:00:00.000Z"


def test_none_stays_none() -> None:
    assert body_time(None) is None
    assert body_time(None, ZoneInfo("America/Chicago")) is None
    assert body_time_ms(None) is None
