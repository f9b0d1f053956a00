"""Unit tests of HTTP delivery: retries, backoff, Retry-After, dead letters, headers, pacing."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import orjson
import pytest
import respx

from canvas_sim.delivery import (
    NOT_SENT,
    DeadLetters,
    DeliveryStats,
    HttpSender,
    HttpTarget,
    Parcel,
    Rendered,
    RetryPolicy,
    TargetStats,
    answer_reason,
    deliver,
    retry_after_seconds,
)
from canvas_sim.delivery.http import _Deadlines
from canvas_sim.delivery.pacing import Schedule, parse_ramp
from canvas_sim.errors import SimulatorError

URL = "https://consumer.test/canvas/events"


def event(n: int, name: str = "grade_change") -> Rendered:
    line = orjson.dumps({"metadata": {"event_name": name, "n": n}, "body": {"score": float(n)}})
    return Rendered(name, 1_700_000_000_000 + n * 1000, line)


def parcels(*events: Rendered) -> list[Parcel]:
    return [Parcel(e, 0.0, n) for n, e in enumerate(events)]


class Sleeps:
    """Records the waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def sender_for(
    router: respx.Router, tmp_path: Path, **target: object
) -> tuple[HttpSender, TargetStats, DeadLetters, Sleeps]:
    stats = DeliveryStats().target(URL)
    dead = DeadLetters(tmp_path / "dead.jsonl")
    sleeps = Sleeps()
    sender = HttpSender(
        HttpTarget(url=URL, **target),  # type: ignore[arg-type]
        stats,
        dead,
        transport=httpx.MockTransport(router.async_handler),
        seed=1,
        sleep=sleeps,
    )
    return sender, stats, dead, sleeps


def dead_records(dead: DeadLetters) -> list[dict[str, object]]:
    dead.close()
    return [orjson.loads(line) for line in dead.path.read_bytes().splitlines()]


def test_one_post_per_event_with_canvas_headers(tmp_path: Path) -> None:
    router = respx.Router()
    route = router.post(URL).respond(200)
    sender, stats, _, _ = sender_for(router, tmp_path, headers=[("Authorization", "Bearer t0k")])
    assert asyncio.run(sender.send(parcels(event(1)))) is True
    request = route.calls.last.request
    assert request.headers["content-type"] == "application/json"
    assert request.headers["authorization"] == "Bearer t0k"
    assert request.headers["host"] == "consumer.test"
    assert orjson.loads(request.content)["body"]["score"] == 1.0
    assert stats.delivered == {"grade_change": 1} and stats.retries == 0


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_retryable_statuses_are_retried_then_succeed(tmp_path: Path, status: int) -> None:
    router = respx.Router()
    route = router.post(URL).mock(side_effect=[httpx.Response(status), httpx.Response(200)])
    sender, stats, _, sleeps = sender_for(router, tmp_path)
    assert asyncio.run(sender.send(parcels(event(1)))) is True
    assert route.call_count == 2 and stats.retries == 1 and len(sleeps.waits) == 1
    assert stats.statuses == {str(status): 1, "200": 1}


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_other_4xx_are_not_retried_and_go_to_the_dead_letter_file(
    tmp_path: Path, status: int
) -> None:
    router = respx.Router()
    route = router.post(URL).respond(status)
    sender, stats, dead, sleeps = sender_for(router, tmp_path)
    assert asyncio.run(sender.send(parcels(event(7)))) is False
    assert route.call_count == 1 and not sleeps.waits
    [record] = dead_records(dead)
    assert record["error"] == f"HTTP {status}" and record["attempts"] == 1
    assert record["url"] == URL
    assert record["event"] == orjson.loads(event(7).line)
    assert stats.dead_lettered == {"grade_change": 1}


def test_retries_are_bounded_and_backoff_grows_with_jitter(tmp_path: Path) -> None:
    router = respx.Router()
    route = router.post(URL).respond(503)
    policy = RetryPolicy(retries=3, backoff_s=0.5)
    sender, stats, dead, sleeps = sender_for(router, tmp_path, retry=policy)
    assert asyncio.run(sender.send(parcels(event(1)))) is False
    assert route.call_count == 4 and stats.retries == 3
    # Equal jitter: wait n is in [base/2, base] with base = 0.5 * 2**(n-1).
    for n, wait in enumerate(sleeps.waits, start=1):
        base = 0.5 * 2 ** (n - 1)
        assert base / 2 <= wait <= base
    assert dead_records(dead)[0]["attempts"] == 4


def test_retry_after_is_honoured(tmp_path: Path) -> None:
    router = respx.Router()
    router.post(URL).mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200)]
    )
    sender, _, _, sleeps = sender_for(router, tmp_path)
    assert asyncio.run(sender.send(parcels(event(1)))) is True
    assert sleeps.waits == [7.0]


def test_retry_after_parsing() -> None:
    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0
    policy = RetryPolicy(max_backoff_s=30)
    assert policy.wait(1, 3600.0, random.Random(1)) == 30  # capped


def test_connection_errors_and_timeouts_are_retried(tmp_path: Path) -> None:
    router = respx.Router()
    router.post(URL).mock(
        side_effect=[httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.Response(204)]
    )
    sender, stats, _, _ = sender_for(router, tmp_path)
    assert asyncio.run(sender.send(parcels(event(1)))) is True
    assert stats.retries == 2 and stats.statuses["connection error"] == 2


def test_a_request_slower_than_the_timeout_counts_as_failed(tmp_path: Path) -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(1)
        return httpx.Response(200)

    router = respx.Router()
    router.post(URL).mock(side_effect=slow)
    sender, stats, dead, _ = sender_for(router, tmp_path, timeout_s=0.05, retry=RetryPolicy(1))
    assert asyncio.run(sender.send(parcels(event(1)))) is False
    assert stats.statuses == {"timeout": 2}
    assert "timeout" in str(dead_records(dead)[0]["error"])


def test_batches_are_json_arrays(tmp_path: Path) -> None:
    router = respx.Router()
    route = router.post(URL).respond(200)
    sender, stats, _, _ = sender_for(router, tmp_path, batch=3)
    assert asyncio.run(sender.send(parcels(event(1), event(2), event(3))))
    payload = orjson.loads(route.calls.last.request.content)
    assert [item["metadata"]["n"] for item in payload] == [1, 2, 3]
    assert sum(stats.delivered.values()) == 3


def test_deliver_sends_every_event_once_and_counts_outcomes(tmp_path: Path) -> None:
    router = respx.Router()
    seen: list[int] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(orjson.loads(request.content)["metadata"]["n"])
        return httpx.Response(500 if len(seen) % 4 == 0 else 200)

    router.post(URL).mock(side_effect=record)
    sender, stats, dead, _ = sender_for(router, tmp_path, retry=RetryPolicy(retries=5))
    run = stats.run
    assert run is not None
    asyncio.run(deliver([event(n) for n in range(50)], [sender], stats=run))
    assert sorted(set(seen)) == list(range(50))
    assert run.generated == 50 and sum(stats.delivered.values()) == 50
    assert sum(run.delivered.values()) == 50
    assert dead.count == 0


def test_max_events_stops_generation(tmp_path: Path) -> None:
    router = respx.Router()
    route = router.post(URL).respond(200)
    sender, stats, _, _ = sender_for(router, tmp_path)
    pulled: list[int] = []

    def events() -> object:
        for n in range(100):
            pulled.append(n)
            yield event(n)

    assert stats.run is not None
    asyncio.run(deliver(events(), [sender], stats=stats.run, max_events=10))  # type: ignore[arg-type]
    assert route.call_count == 10 and len(pulled) == 10


def test_an_error_of_the_source_stops_delivery_and_is_raised_as_it_is(tmp_path: Path) -> None:
    """One target, unpaced: the workers pull events themselves; what the source raises (a bad
    line midway through a replay, say) comes out of deliver() unchanged, after the events
    already taken are delivered."""
    router = respx.Router()
    route = router.post(URL).respond(200)
    sender, stats, dead, _ = sender_for(router, tmp_path, concurrency=4)

    class BadLine(SimulatorError):
        pass

    def events() -> object:
        yield from (event(n) for n in range(7))
        raise BadLine("events.jsonl:8: not JSON")

    assert stats.run is not None
    with pytest.raises(BadLine, match=r"events\.jsonl:8"):
        asyncio.run(deliver(events(), [sender], stats=stats.run))  # type: ignore[arg-type]
    assert stats.run.generated == 7 == route.call_count == sum(stats.delivered.values())
    assert dead.count == 0


def test_one_target_gets_its_events_in_stream_order_with_sinks_and_skips(
    tmp_path: Path,
) -> None:
    """Workers taking events straight from the source still hand every event on once, in
    stream order, to the line sinks and ``passed``; a target's converter may leave some out."""
    router = respx.Router()
    seen: list[int] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(orjson.loads(request.content)["metadata"]["n"])
        return httpx.Response(200)

    router.post(URL).mock(side_effect=record)
    sender, stats, _, _ = sender_for(router, tmp_path, concurrency=3)
    sender.convert = lambda e: None if orjson.loads(e.line)["metadata"]["n"] % 5 == 0 else e

    class Lines:
        def __init__(self) -> None:
            self.lines: list[bytes] = []

        def send(self, line: bytes) -> None:
            self.lines.append(line)

    sink, passed = Lines(), []
    assert stats.run is not None
    evs = [event(n) for n in range(30)]
    asyncio.run(deliver(evs, [sender], stats=stats.run, line_sinks=[sink], passed=passed.append))
    assert sink.lines == [e.line for e in evs] and passed == evs
    assert sorted(seen) == [n for n in range(30) if n % 5] and stats.skipped == 6
    assert stats.run.generated == 30 and sum(stats.delivered.values()) == 24


def test_schedules() -> None:
    assert Schedule(rate=100).due(250, 0) == 2.5
    assert Schedule(speed=60).due(0, 120_000) == 2.0  # 2 simulated minutes at 60x
    assert Schedule().due(10**6, 10**9) == 0.0 and not Schedule().paced
    ramp = Schedule(ramp=parse_ramp("0s:0,10s:100"))
    # The rate rises linearly from 0 to 100/s over 10 s: N(t) = 5 t^2, so event 125 at t = 5.
    assert ramp.due(125, 0) == pytest.approx(5.0)
    assert ramp.due(500, 0) == pytest.approx(10.0)
    assert ramp.due(600, 0) == pytest.approx(11.0)  # then 100/s
    assert ramp.target_rate(5.0) == pytest.approx(50.0)


@pytest.mark.parametrize("bad", ["60s", "60s:fast", "0s:0"])
def test_bad_ramps(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_ramp(bad)


class SlowTransport(httpx.AsyncBaseTransport):
    """Answers 200 after a short wait, recording how many requests were in flight at once."""

    def __init__(self, wait_s: float = 0.002) -> None:
        self.in_flight = self.most = self.requests = 0
        self.wait_s = wait_s

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.in_flight += 1
        self.requests += 1
        self.most = max(self.most, self.in_flight)
        try:
            await asyncio.sleep(self.wait_s)
        finally:
            self.in_flight -= 1
        return httpx.Response(200)


def slow_sender(tmp_path: Path, transport: SlowTransport, concurrency: int) -> HttpSender:
    target = HttpTarget(url=URL, concurrency=concurrency)
    dead = DeadLetters(tmp_path / "dead.jsonl")
    return HttpSender(target, DeliveryStats().target(URL), dead, transport=transport)


def test_requests_in_flight_reach_but_never_exceed_the_concurrency(tmp_path: Path) -> None:
    transport = SlowTransport()
    sender = slow_sender(tmp_path, transport, concurrency=4)
    assert sender.stats.run is not None
    asyncio.run(deliver([event(n) for n in range(40)], [sender], stats=sender.stats.run))
    assert transport.requests == 40 and sum(sender.stats.delivered.values()) == 40
    assert transport.most == 4


def interrupted(tmp_path: Path, wait_s: float, drain_s: float) -> tuple[SlowTransport, HttpSender]:
    """Deliver 10 events at concurrency 2 and press Ctrl-C after 0.1 s: by then 2 requests are
    in flight, 2 batches queued and 1 waiting for room."""
    transport = SlowTransport(wait_s=wait_s)
    sender = slow_sender(tmp_path, transport, concurrency=2)

    async def events() -> AsyncIterator[Rendered]:
        asyncio.get_running_loop().call_later(0.1, os.kill, os.getpid(), signal.SIGINT)
        for n in range(10):
            yield event(n)

    stats = sender.stats.run
    assert stats is not None
    asyncio.run(deliver(events(), [sender], stats=stats, handle_signals=True, drain_s=drain_s))
    return transport, sender


def test_a_stop_dead_letters_what_is_in_flight_and_queued(tmp_path: Path) -> None:
    """A stop with no time to drain: every event pulled is delivered or dead-lettered."""
    transport, sender = interrupted(tmp_path, wait_s=10, drain_s=0.01)  # no answer in time
    stats = sender.stats.run
    assert stats is not None
    assert stats.interrupted_by == "SIGINT" and transport.requests == 2
    assert stats.stop_reason == "interrupted (SIGINT)"
    records = dead_records(sender.dead_letters)
    assert sum(stats.delivered.values()) == 0
    assert stats.generated == len(records) == sum(stats.dead_lettered.values()) == 5
    errors = sorted(str(r["error"]) for r in records)
    assert errors == ["interrupted before delivery finished"] * 2 + [NOT_SENT] * 3
    numbers = sorted(r["event"]["metadata"]["n"] for r in records)  # type: ignore[index]
    assert numbers == list(range(len(records)))


def test_deadlines_time_out_slow_requests_only_and_leave_the_task_usable() -> None:
    async def scenario() -> list[str]:
        deadlines = _Deadlines(0.08)
        log: list[str] = []
        loop = asyncio.get_running_loop()
        assert await deadlines.run(asyncio.sleep(0.01, "fast")) == "fast"
        started = loop.time()
        try:
            await deadlines.run(asyncio.sleep(5))
        except TimeoutError:
            late = loop.time() - started
            log.append(f"timed out in time: {0.08 <= late < 0.08 * 1.125 + 0.05}")
        await asyncio.sleep(0.01)  # the task is not left cancelled
        log.append(f"task usable, cancelling={asyncio.current_task().cancelling()}")  # type: ignore[union-attr]
        await asyncio.sleep(0.05)
        log.append(f"watchdog ended: {deadlines._watchdog is None or deadlines._watchdog.done()}")
        return log

    assert asyncio.run(scenario()) == [
        "timed out in time: True",
        "task usable, cancelling=0",
        "watchdog ended: True",
    ]


def test_an_outside_cancel_is_not_reported_as_a_timeout() -> None:
    async def scenario() -> str:
        deadlines = _Deadlines(10)
        request = asyncio.ensure_future(deadlines.run(asyncio.sleep(5)))
        await asyncio.sleep(0.01)
        request.cancel()
        try:
            await request
        except asyncio.CancelledError:
            return "cancelled"
        except TimeoutError:
            return "timeout"
        return "finished"

    assert asyncio.run(scenario()) == "cancelled"


def test_after_a_stop_only_requests_in_flight_finish_and_queued_ones_never_start(
    tmp_path: Path,
) -> None:
    transport, sender = interrupted(tmp_path, wait_s=0.3, drain_s=5)
    stats = sender.stats
    assert transport.requests == 2 and sum(stats.delivered.values()) == 2
    records = dead_records(sender.dead_letters)
    assert sorted(r["event"]["metadata"]["n"] for r in records) == [2, 3, 4]  # type: ignore[index]


def test_a_paced_run_stops_at_its_duration_even_while_waiting() -> None:
    stats = DeliveryStats()
    hourly = [event(n)._replace(time_ms=1_700_000_000_000 + n * 3_600_000) for n in range(3)]
    started = time.monotonic()
    asyncio.run(deliver(hourly, [], stats=stats, schedule=Schedule(speed=1), duration_s=0.2))
    assert stats.generated == 1 and time.monotonic() - started < 2


def test_a_retry_after_that_is_not_ascii_digits_is_ignored() -> None:
    assert retry_after_seconds("\u00b2") is None
    assert retry_after_seconds("7") == 7.0


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (b'{"error": "unknown key id \'2024-09\'"}', "unknown key id '2024-09'"),
        (b'{"message": "Forbidden"}', "Forbidden"),
        (b'{"ok": false}', ""),
        (b"<html>\n  <b>Bad   Gateway</b>\n</html>", "<html> <b>Bad Gateway</b> </html>"),
        (b"", ""),
        (b"x" * 500, "x" * 197 + "..."),
        (b"\xff\xfe broken", "\ufffd\ufffd broken"),
    ],
)
def test_the_reason_of_a_failed_answer(answer: bytes, reason: str) -> None:
    assert answer_reason(answer) == reason


def test_without_a_terminal_delivery_status_is_a_plain_line_now_and_then(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from canvas_sim.report import live_delivery

    stats = DeliveryStats(generated=7)
    stats.target(URL).retries = 3
    stats.targets[
        0
    ].last_error = "connection failed: ConnectionRefusedError(111, 'Connect call failed')"
    with live_delivery(stats, enabled=True, plain_every_s=0.02):
        time.sleep(0.2)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) >= 2  # several reports, not one at the end only
    assert lines[0].startswith("delivered 0 of 7 | ") and "retries 3" in lines[0]
    assert lines[0].endswith("| last error: " + stats.last_error)
    with live_delivery(stats, enabled=False, plain_every_s=0.02):  # --quiet
        time.sleep(0.1)
    assert capsys.readouterr().err == ""


def test_without_a_terminal_generation_progress_is_a_plain_line_now_and_then(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from canvas_sim.report import live_progress

    with live_progress(enabled=True, plain_every_s=0.0) as progress:
        assert progress is not None
        progress(1000)
        time.sleep(0.01)
        progress(2000)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "simulating: 1,000 events"
    assert lines[1].startswith("simulating: 2,000 events (") and lines[1].endswith("/s)")
    with live_progress(enabled=True, plain_every_s=60.0) as progress:  # not due yet
        assert progress is not None
        progress(1000)
    assert capsys.readouterr().err == ""
    with live_progress(enabled=False) as progress:  # --quiet
        assert progress is None
