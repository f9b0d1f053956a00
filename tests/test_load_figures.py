"""Load-test figures against a real consumer on loopback that stalls, times out, refuses and
recovers: latency from the schedule, outcomes, per-target totals, time series, fail-fast."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import orjson

from canvas_sim.delivery import DeliveryStats, HttpTarget, RetryPolicy
from canvas_sim.delivery.pacing import Schedule
from canvas_sim.delivery.summary import LiveLine, hints
from canvas_sim.run import DeliveryOptions, replay_files

sys.path.insert(0, str(Path(__file__).parent))
from stub_server import Answer, StubServer

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_LINES = (ROOT / "tests" / "golden" / "quickstart.jsonl").read_bytes().splitlines()


def events_file(tmp_path: Path, count: int) -> Path:
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(GOLDEN_LINES[:count]) + b"\n")
    return path


def replay(
    tmp_path: Path, count: int, targets: list[HttpTarget], **options: object
) -> tuple[DeliveryStats, list[dict[str, object]]]:
    stats = DeliveryStats()
    dead = tmp_path / "dead.jsonl"
    replay_files(
        [events_file(tmp_path, count)],
        [],
        DeliveryOptions(
            targets=targets,
            dead_letter=dead,
            stats=stats,
            total=count,
            **options,  # type: ignore[arg-type]
        ),
    )
    records = (
        [orjson.loads(line) for line in dead.read_bytes().splitlines()] if dead.exists() else []
    )
    return stats, records


def test_latency_from_the_schedule_includes_a_stall(tmp_path: Path) -> None:
    """wrk2's point: while the consumer stalls, events wait for a free connection; their
    service time is short, their latency from the schedule is not."""
    started = time.monotonic()

    def stalling(headers: dict[bytes, bytes], body: bytes) -> Answer:
        elapsed = time.monotonic() - started
        return Answer(delay_s=0.8 if 0.5 <= elapsed < 0.6 else 0.002)

    with StubServer(stalling) as consumer:
        target = HttpTarget(url=consumer.url + "/events", concurrency=2)
        started = time.monotonic()
        stats, _ = replay(tmp_path, 150, [target], schedule=Schedule(rate=100))
    [ledger] = stats.targets
    assert sum(stats.delivered.values()) == 150
    latency, service = ledger.latency.as_dict(50, 90, 99), ledger.service.as_dict(50, 90, 99)
    assert latency["max"] is not None and latency["max"] >= 700  # the stall, in full
    assert service["p90"] is not None and service["p90"] < 100  # most requests were quick
    assert latency["p90"] is not None and latency["p90"] > 3 * service["p90"]
    lag = stats.lag.as_dict(50, 99)
    assert lag["max"] is not None and lag["max"] >= 500  # sends started late during the stall
    assert any("every --concurrency slot was busy" in note for note in hints(stats))


def test_timeouts_are_outcomes_with_their_latency_and_the_outcome_is_unknown(
    tmp_path: Path,
) -> None:
    with StubServer(lambda headers, body: Answer(delay_s=0.5)) as consumer:
        target = HttpTarget(
            url=consumer.url + "/events", timeout_s=0.2, retry=RetryPolicy(1, backoff_s=0)
        )
        stats, dead = replay(tmp_path, 10, [target])
        time.sleep(0.6)  # the consumer still answers (and stores) what timed out
        received = consumer.requests
    [ledger] = stats.targets
    assert received == 20  # every attempt reached the consumer: it may have processed them
    assert sum(stats.unknown.values()) == 10 and not stats.dead_lettered
    assert ledger.statuses == {"timeout": 20}
    service = ledger.service.as_dict(50, 99)
    assert service["p50"] is not None and service["p50"] >= 200  # counted with the timeout
    assert len(dead) == 10 and all("may have processed it" in str(d["error"]) for d in dead)
    assert any("may deliver duplicates" in note for note in hints(stats))
    figures = stats.as_dict()
    assert figures["events_outcome_unknown"] == 10 and figures["events_delivered"] == 0


def test_per_target_figures_add_up_and_totals_never_exceed_what_was_sent(
    tmp_path: Path,
) -> None:
    def picky(headers: dict[bytes, bytes], body: bytes) -> Answer:
        return Answer(400) if b'"submission_created"' in body else Answer()

    with StubServer() as good, StubServer(picky) as bad:
        targets = [HttpTarget(url=good.url + "/e"), HttpTarget(url=bad.url + "/e")]
        stats, dead = replay(tmp_path, 120, targets)
    refused = sum(b'"submission_created"' in line for line in GOLDEN_LINES[:120])
    assert refused > 0
    first, second = (target.totals() for target in stats.targets)
    assert first == {"delivered": 120, "dead_lettered": 0, "unknown": 0}
    assert second == {"delivered": 120 - refused, "dead_lettered": refused, "unknown": 0}
    figures = stats.as_dict()
    assert figures["events_generated"] == 120 and figures["events_not_sent"] == 0
    assert figures["events_delivered"] == 120 - refused
    assert figures["events_dead_lettered"] == refused == len(dead)
    assert figures["events_delivered"] + figures["events_dead_lettered"] == 120


def test_the_time_series_has_one_row_per_second(tmp_path: Path) -> None:
    with StubServer() as consumer:
        target = HttpTarget(url=consumer.url + "/events")
        stats, _ = replay(tmp_path, 125, [target], schedule=Schedule(rate=50))
    series = stats.series
    assert [row["second"] for row in series] == list(range(1, len(series) + 1))
    assert 3 <= len(series) <= 4  # 2.5 s of schedule, the last second partial
    assert sum(row["sent"] for row in series) == 125 == sum(row["answered_2xx"] for row in series)
    assert all(45 <= row["sent"] <= 55 for row in series[:2])
    assert all(row["target_rate"] == 50 for row in series)
    assert all(row["latency_p99_ms"] is not None for row in series)


def going_away_after(requests: int) -> StubServer:
    """A consumer that answers ``requests`` requests, then goes away (refuses connections)."""
    consumer = StubServer()

    def going_away(headers: dict[bytes, bytes], body: bytes) -> Answer:
        if consumer.requests == requests:
            threading.Thread(target=consumer.stop_listening).start()
        return Answer()

    consumer.handler = going_away
    return consumer


def test_fail_fast_stops_within_the_limit_and_loses_nothing(tmp_path: Path) -> None:
    with going_away_after(50) as consumer:
        target = HttpTarget(
            url=consumer.url + "/events", concurrency=2, retry=RetryPolicy(2, backoff_s=0.001)
        )
        stats, dead = replay(tmp_path, 300, [target], schedule=Schedule(rate=100), max_failures=5)
    figures = stats.as_dict()
    assert figures["stop_reason"].startswith("5 connection failures in a row at http://")
    assert figures["events_generated"] < 300 and figures["events_not_sent"] > 0
    assert figures["events_generated"] + figures["events_not_sent"] == 300
    outcomes = (
        figures["events_delivered"]
        + figures["events_dead_lettered"]
        + figures["events_outcome_unknown"]
    )
    assert outcomes == figures["events_generated"]  # nothing lost
    assert len(dead) == figures["events_dead_lettered"] + figures["events_outcome_unknown"]
    assert stats.targets[0].statuses["connection error"] <= 5 + 2 * 2  # stopped promptly


def test_a_consumer_that_recovers_gets_everything(tmp_path: Path) -> None:
    started = time.monotonic()

    def recovering(headers: dict[bytes, bytes], body: bytes) -> Answer:
        return Answer(503) if time.monotonic() - started < 0.3 else Answer()

    with StubServer(recovering) as consumer:
        target = HttpTarget(url=consumer.url + "/events", retry=RetryPolicy(6, backoff_s=0.1))
        stats, dead = replay(tmp_path, 60, [target])
    assert sum(stats.delivered.values()) == 60 and not dead
    assert stats.retries > 0 and stats.targets[0].statuses["503"] == stats.retries


def test_the_live_line_shows_the_current_rate_target_and_clock() -> None:
    stats = DeliveryStats(schedule=Schedule(rate=200), total=1000)
    stats.target("http://x/e")
    line = LiveLine(stats)
    assert line() == "waiting for the first event"  # not "delivered 0 of 0 | 0/s"
    stats.generated = 400
    time.sleep(0.2)
    text = line()
    rate = float(text.split(" | ")[1].split("/s")[0].replace(",", ""))
    assert rate > 1000  # 400 events in 0.2 s: the rate now, not an average since the start
    assert "of 400 (40% of 1,000)" in text and "(target 200/s)" in text
    assert "behind schedule" in text
    stats = DeliveryStats(schedule=Schedule(rate=200), total=1000)
    first = LiveLine(stats)  # a plain line's first call, 10 s in: the rate since the start
    stats.generated = 300
    time.sleep(0.2)
    assert float(first().split(" | ")[1].split("/s")[0].replace(",", "")) > 500
    stats = DeliveryStats(schedule=Schedule(speed=60), clock_ms=1_725_264_000_000)
    stats.last_ms = 1_725_350_400_000
    assert "simulated 2024-09-02T08:00:00.000Z of 2024-09-03T08:00:00.000Z" in LiveLine(stats)()


def test_max_gap_compresses_idle_simulated_time(tmp_path: Path) -> None:
    hour = 3_600_000
    lines = [
        orjson.dumps(
            {
                "metadata": {
                    "event_name": "grade_change",
                    "event_time": f"2024-09-0{2 + n}T08:00:00.000Z",
                },
                "body": {"n": n},
            }
        )
        for n in range(3)
    ]
    path = tmp_path / "days.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    with StubServer() as consumer:
        target = HttpTarget(url=consumer.url + "/e")
        started = time.monotonic()
        replay_files(
            [path],
            [],
            DeliveryOptions(
                targets=[target],
                dead_letter=tmp_path / "dead.jsonl",
                schedule=Schedule(speed=24 * hour / 1000 / 10, max_gap_ms=hour),  # 1 day = 10 s
            ),
        )
        elapsed = time.monotonic() - started
    assert consumer.requests == 3
    assert 0.6 <= elapsed < 3  # two gaps of a day compressed to an hour each: 2 x 0.42 s


def cli(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "canvas_sim", *map(str, args)]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_a_replay_stopped_by_duration_says_why_and_resumes_with_skip(tmp_path: Path) -> None:
    events = events_file(tmp_path, 200)
    first_stats, second_stats = tmp_path / "first.json", tmp_path / "second.json"
    with StubServer() as consumer:
        url = consumer.url + "/events"
        first = cli(
            "replay", events, "--to", url, "--rate", 100, "--duration", "1s",
            "--stats-json", first_stats, "--stats-csv", tmp_path / "first.csv", cwd=tmp_path,
        )  # fmt: skip
        figures = orjson.loads(first_stats.read_bytes())
        sent = figures["events_generated"]
        second = cli(
            "replay", events, "--to", url, "--skip", sent, "--stats-json", second_stats,
            cwd=tmp_path,
        )  # fmt: skip
        received = consumer.requests
    assert first.returncode == 0, first.stderr
    assert figures["stop_reason"] == "--duration reached"
    assert 80 <= sent <= 120 and figures["events_not_sent"] == 200 - sent
    assert (
        f"{200 - sent:,} not sent" in first.stderr and "stopped: --duration reached" in first.stderr
    )
    assert second.returncode == 0, second.stderr
    assert orjson.loads(second_stats.read_bytes())["events_generated"] == 200 - sent
    assert received == 200  # every event once, over the two replays
    csv_rows = (tmp_path / "first.csv").read_text().splitlines()
    assert csv_rows[0].startswith("second,sent,target_rate,")
    assert len(csv_rows) - 1 == len(figures["series"]) >= 1


def external_resources(page: str) -> list[str]:
    """The src/href of the page's tags (scripts, links, images): what a browser would fetch."""
    found: list[str] = []

    class Finder(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.extend(
                value for name, value in attrs if name in ("src", "href") and value is not None
            )

    Finder().feed(page)
    return found


def test_report_renders_a_self_contained_page(tmp_path: Path) -> None:
    stats = tmp_path / "stats.json"
    with StubServer() as consumer:
        sent = cli(
            "replay", events_file(tmp_path, 60), "--to", consumer.url + "/e", "--rate", 60,
            "--stats-json", stats, "-q", cwd=tmp_path,
        )  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    page = tmp_path / "out" / "report.html"
    result = cli("report", stats, "--html", page, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = page.read_text()
    assert "Events per second" in text and "Latency (ms)" in text
    assert external_resources(text) == []  # the script inlined: the page works offline
    assert "plotly" in text.lower() and len(text) > 1_000_000
    other = tmp_path / "other.json"
    other.write_text('{"events": 3}')
    bad = cli("report", other, "--html", page, cwd=tmp_path)
    assert bad.returncode == 2 and "not a delivery's --stats-json" in bad.stderr


def test_the_command_line_says_it_stopped_failing_fast(tmp_path: Path) -> None:
    stats = tmp_path / "stats.json"
    dead = tmp_path / "dead.jsonl"
    with going_away_after(50) as consumer:
        result = cli(
            "replay", events_file(tmp_path, 300), "--to", consumer.url + "/e", "--rate", 100,
            "--max-consecutive-failures", 5, "--backoff", 0.001, "--dead-letter", dead,
            "--stats-json", stats, "-q", cwd=tmp_path,
        )  # fmt: skip
    assert result.returncode == 1
    assert "error: stopped: 5 connection failures in a row at http://127.0.0.1:" in result.stderr
    figures = orjson.loads(stats.read_bytes())
    lost = figures["events_dead_lettered"] + figures["events_outcome_unknown"]
    assert figures["events_delivered"] + lost == figures["events_generated"] < 300
    assert len(dead.read_bytes().splitlines()) == lost > 0
