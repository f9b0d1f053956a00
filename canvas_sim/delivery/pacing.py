"""When each event is due: as fast as possible, a constant arrival rate, a ramp, or N x real time.

A schedule maps the index and simulated time of an event to seconds after the start of
delivery. Constant-arrival-rate semantics: the schedule never waits for the consumer.
"""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass

from ..durations import parse_duration_ms


@dataclass(frozen=True)
class Schedule:
    """``rate`` events/s, or a ``ramp`` of (seconds, rate) points, or ``speed`` x simulated time."""

    rate: float | None = None
    ramp: tuple[tuple[float, float], ...] = ()
    speed: float | None = None
    max_gap_ms: int | None = None  # with speed: idle simulated stretches compressed to this

    @property
    def paced(self) -> bool:
        return bool(self.rate or self.ramp or self.speed)

    def target_rate(self, elapsed: float) -> float | None:
        """The intended events/s at ``elapsed`` seconds (None when not rate-paced)."""
        if self.ramp:
            return _ramp_rate(self.ramp, elapsed)
        return self.rate

    def due(self, index: int, sim_offset_ms: int) -> float:
        """Seconds after the start at which event number ``index`` (0-based) is due."""
        if self.speed:
            return sim_offset_ms / 1000 / self.speed
        if self.ramp:
            return _ramp_time(self.ramp, index)
        if self.rate:
            return index / self.rate
        return 0.0


def parse_ramp(text: str) -> tuple[tuple[float, float], ...]:
    """``"0s:100,60s:1000,120s:1000"`` -> ((0, 100), (60, 1000), (120, 1000)).

    The rate changes linearly between points and stays at the last rate after the last point.
    """
    points: list[tuple[float, float]] = []
    for part in text.split(","):
        when, sep, rate = part.strip().partition(":")
        if not sep:
            raise ValueError(f"ramp point {part.strip()!r} should look like '60s:1000'")
        seconds = parse_duration_ms(when) / 1000
        try:
            value = float(rate)
        except ValueError:
            raise ValueError(f"ramp rate {rate!r} is not a number") from None
        if value < 0:
            raise ValueError("ramp rates cannot be negative")
        if points and seconds <= points[-1][0]:
            raise ValueError(
                f"ramp points must be in time order: {part.strip()!r} comes after "
                f"{points[-1][0]:g}s"
            )
        points.append((seconds, value))
    if not points or points[0][0] != 0:
        points.insert(0, (0.0, points[0][1] if points else 0.0))
    if all(rate == 0 for _, rate in points):
        raise ValueError("a ramp needs a rate above 0 somewhere")
    return tuple(points)


def _ramp_rate(points: tuple[tuple[float, float], ...], t: float) -> float:
    times = [p[0] for p in points]
    i = bisect.bisect_right(times, t) - 1
    if i >= len(points) - 1:
        return points[-1][1]
    (t0, r0), (t1, r1) = points[i], points[i + 1]
    return r0 + (r1 - r0) * (t - t0) / (t1 - t0)


def _ramp_time(points: tuple[tuple[float, float], ...], index: int) -> float:
    """The time at which the cumulative number of events reaches ``index``."""
    remaining = float(index)
    for (t0, r0), (t1, r1) in itertools.pairwise(points):
        span = t1 - t0
        area = (r0 + r1) / 2 * span
        if remaining <= area:
            if r0 == r1:
                return t0 + remaining / r0
            slope = (r1 - r0) / span  # solve r0*x + slope*x^2/2 = remaining
            x = (-r0 + math.sqrt(r0 * r0 + 2 * slope * remaining)) / slope
            return t0 + x
        remaining -= area
    last_t, last_rate = points[-1]
    if last_rate <= 0:
        return math.inf
    return last_t + remaining / last_rate
