"""The shard plan of ``run --workers N`` (and of Locust's workers): each course's weight, known
before any course is built, and the courses dealt to the shards by weight."""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

from .scenario import step_action

if TYPE_CHECKING:
    from .engine import Engine


def course_weights(engine: Engine) -> dict[int, int]:
    """Each course's share of the work, known before any course is built: its people (drawn
    only as far as their count, see ``build.headcount``) times its steps (both at least one).
    """
    weights = {}
    for slot in engine.slots:
        steps = sum(1 for step in slot.steps if step_action(step) is not None)
        weights[slot.ordinal] = max(engine.headcount(slot), 1) * max(steps, 1)
    return weights


def plan_shards(weights: dict[int, int], workers: int) -> list[list[int]]:
    """The course ordinals each of ``workers`` shards simulates, balanced by ``weights`` (by
    ordinal; heaviest course to the lightest shard, ties to the lower ordinal and shard), each
    in order; never more shards than courses."""
    count = max(1, min(workers, len(weights)))
    loads = [(0, shard) for shard in range(count)]
    plan: list[list[int]] = [[] for _ in range(count)]
    for ordinal, weight in sorted(weights.items(), key=lambda pair: (-pair[1], pair[0])):
        load, shard = heapq.heappop(loads)
        plan[shard].append(ordinal)
        heapq.heappush(loads, (load + weight, shard))
    return [sorted(ordinals) for ordinals in plan]
