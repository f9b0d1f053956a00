"""Delivery from a source that comes in batches (other processes): workers take its events
straight from the batch at hand, with the same requests, limits and outcomes as from a list."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import httpx
import orjson
import pytest
import respx
from test_delivery import URL, dead_records, event, sender_for

from canvas_sim.delivery import NOT_SENT, Batched, Rendered, deliver
from canvas_sim.errors import SimulatorError


async def arriving(
    batches: Sequence[Sequence[Rendered]], then: Exception | None = None
) -> AsyncIterator[Sequence[Rendered]]:
    for batch in batches:
        await asyncio.sleep(0.001)  # as if from a pipe
        yield batch
    if then is not None:
        raise then


def recorder(router: respx.Router) -> list[list[int]]:
    posts: list[list[int]] = []

    def record(request: httpx.Request) -> httpx.Response:
        payload = orjson.loads(request.content)
        posts.append([item["metadata"]["n"] for item in payload])
        return httpx.Response(200)

    router.post(URL).mock(side_effect=record)
    return posts


@pytest.mark.parametrize("concurrency", [1, 4])
def test_requests_span_the_batches_as_from_a_list(tmp_path: Path, concurrency: int) -> None:
    """Three events a request: the requests are the same whether the events come in batches
    of 2, 4, 1 and 5 or all at once, and every event is handed on once, in order."""
    router = respx.Router()
    posts = recorder(router)
    sender, stats, dead, _ = sender_for(router, tmp_path, batch=3, concurrency=concurrency)
    evs = [event(n) for n in range(12)]
    batches = [evs[0:2], evs[2:6], evs[6:7], evs[7:12]]
    passed: list[Rendered] = []
    assert stats.run is not None
    asyncio.run(
        deliver(Batched(arriving(batches)), [sender], stats=stats.run, passed=passed.append)
    )
    assert sorted(posts) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]]
    assert passed == evs and stats.run.generated == 12 == sum(stats.delivered.values())
    assert stats.run.stop_reason == "all events sent" and dead.count == 0
    assert stats.run.waited_for_events_s > 0  # the batches after the first were waited for


def test_max_events_stops_within_a_batch(tmp_path: Path) -> None:
    router = respx.Router()
    posts = recorder(router)
    sender, stats, _, _ = sender_for(router, tmp_path, batch=2)
    evs = [event(n) for n in range(20)]
    assert stats.run is not None
    source = Batched(arriving([evs[:8], evs[8:]]))
    asyncio.run(deliver(source, [sender], stats=stats.run, max_events=5))
    assert sorted(posts) == [[0, 1], [2, 3], [4]]
    assert stats.run.generated == 5 and stats.run.stop_reason == "--max-events reached"


def test_an_error_of_the_source_is_raised_and_what_was_taken_is_accounted_for(
    tmp_path: Path,
) -> None:
    """The source fails after four events: three went out in a request, the fourth (taken,
    waiting for two more) goes to the dead-letter file; the error comes out as it is."""
    router = respx.Router()
    posts = recorder(router)
    sender, stats, dead, _ = sender_for(router, tmp_path, batch=3)
    failure = SimulatorError("event generation stopped unexpectedly")
    assert stats.run is not None
    with pytest.raises(SimulatorError, match="stopped unexpectedly"):
        source = Batched(arriving([[event(n) for n in range(4)]], then=failure))
        asyncio.run(deliver(source, [sender], stats=stats.run))
    assert posts == [[0, 1, 2]] and stats.run.generated == 4
    assert sum(stats.delivered.values()) == 3 and sum(stats.dead_lettered.values()) == 1
    [record] = dead_records(dead)
    assert record["error"] == NOT_SENT
