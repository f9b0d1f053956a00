"""The receiver's dashboard without a browser: the live stream's messages, the feed's words,
``--tail``, ``--out -``, ``--validate``, ``--expect`` and the plain status line."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import threading
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from test_http import Server, cli, server_factory

from canvas_sim.derive import Deriver
from canvas_sim.receiver import Receiver, ReceiverConfig
from canvas_sim.receiver.console import serve_receiver
from canvas_sim.receiver.dashboard import Cursor
from canvas_sim.receiver.feed import Feed
from canvas_sim.run import run_scenario
from canvas_sim.scenario import load_scenario
from canvas_sim.sinks import MemorySink

__all__ = ["server_factory"]  # the fixture of test_http, used here too
ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "demo.yaml"
REGRADE = "Maria Rivera graded Essay 1: Memory for Marcus Chen: 9.5/10, was 7.5/10"


@cache
def demo_lines() -> tuple[bytes, ...]:
    scenario, located = load_scenario(DEMO)
    sink = MemorySink()
    run_scenario(scenario, located, [sink])
    return tuple(sink.lines)


def stream_messages(base: str) -> Iterator[dict[str, Any]]:
    with httpx.stream("GET", base + "/api/stream", timeout=10) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data: "):
                yield orjson.loads(line[6:])


def first_message(base: str) -> dict[str, Any]:
    """The first message a page opened now gets, once the receiver has taken in every
    arrival (it digests them a slice at a time)."""
    with contextlib.closing(stream_messages(base)) as messages:
        for message in messages:
            if not message["lagging"]:
                break
    with contextlib.closing(stream_messages(base)) as messages:
        return next(messages)


def settled_expect(base: str) -> dict[str, Any]:
    """The page's comparison with the expected end state once it covers every arrival (it is
    redone at most every so often while events come)."""
    with contextlib.closing(stream_messages(base)) as messages:
        for _, message in zip(range(50), messages, strict=False):  # 15 s at most
            expect: dict[str, Any] | None = message.get("expect")
            if not message["lagging"] and expect and expect["version"] == message["seq"]:
                return expect
    raise AssertionError("the comparison never covered every arrival")


# --- the feed in words -------------------------------------------------------------------------


def test_the_demo_reads_as_a_story() -> None:
    deriver = Deriver()
    feed = Feed(deriver)
    lines = []
    for raw in demo_lines():
        event = orjson.loads(raw)
        deriver.feed(event)
        lines.append(feed.line(event))
    text = "\n".join(lines)
    for expected in [
        "An admin enrolled Angela Bennett as a student",
        "Marcus Chen handed in Essay 1: Memory (attempt 2), late",
        "Maria Rivera marked Jamal Wright's Essay 1: Memory as “Extension granted”",
        "Maria Rivera commented on Marcus Chen's Essay 1: Memory: “Good structure.",
        "Marcus Chen commented on their Essay 1: Memory: “Thanks!",
        REGRADE,
        "Maria Rivera overrode Tom Okafor's course score: 90% (was none)",
        "Canvas (autoscored) graded Quiz 1: Perception for",
    ]:
        assert expected in text, expected
    # Times are the course's local time, jobs included: the first step is at 09:00 in Denver.
    assert lines[0].startswith("Sep 9 09:00  ")
    assert all(" 15:0" not in line[:14] for line in lines)


# --- the live stream ---------------------------------------------------------------------------


def test_the_stream_carries_rows_the_gradebook_and_problems(server_factory: type[Server]) -> None:
    server = server_factory()
    lines = demo_lines()
    with httpx.Client() as client:
        for raw in lines:
            assert client.post(server.url, content=raw).status_code == 200
        assert client.post(server.url, content=lines[-1]).status_code == 200  # again
        assert client.post(server.url, content=b"{}").status_code == 400
    message = first_message(server.base)
    assert message["events"] == len(lines) + 1 and message["requests"] == len(lines) + 2
    assert message["problem_counts"] == {"duplicate": 1, "refused": 1}
    kinds = {(p["kind"], p["reason"]) for p in message["problems"]}
    assert ("refused", "not a Canvas event: expected {metadata: {event_name}, body}") in kinds
    assert any(REGRADE in row["text"] for row in message["rows"])
    [course] = message["courses"]
    assert course["name"] == "Introduction to Psychology" and course["students"] == 6
    grid = message["grid"]
    essay = next(a["id"] for a in grid["assignments"] if a["title"] == "Essay 1: Memory")
    rows = {student["name"]: student["cells"] for student in grid["students"]}
    assert rows["Marcus Chen"][essay] == "9.5"
    assert rows["Jamal Wright"][essay] == "Extension granted"
    assert rows["Tom Okafor"]["override_score"] == "90%"
    assert server.stats()["events"] == len(lines) + 1


def test_validate_answers_400_with_the_first_schema_problem(server_factory: type[Server]) -> None:
    server = server_factory("--validate")
    event = orjson.loads(demo_lines()[-1])  # a grade_override
    with httpx.Client() as client:
        assert client.post(server.url, content=orjson.dumps(event)).status_code == 200
        del event["body"]["override_score"]
        answer = client.post(server.url, content=orjson.dumps(event))
        assert answer.status_code == 400
        assert answer.json()["error"].startswith("schema: $.body")
        assert "override_score" in answer.json()["error"]
        unknown = {"metadata": {"event_name": "made_up"}, "body": {}}
        answer = client.post(server.url, content=orjson.dumps(unknown))
        assert answer.status_code == 400 and "has no schema" in answer.json()["error"]
    message = first_message(server.base)
    assert message["problem_counts"] == {"schema": 2}
    assert server.stats()["events"] == 1


def test_expect_shows_how_far_the_stream_is_from_the_end_state(
    server_factory: type[Server], tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    made = subprocess.run(
        cli("run", DEMO, "--to", tmp_path / "demo.jsonl", "--state-out", state, "-q"),
        capture_output=True,
    )
    assert made.returncode == 0
    server = server_factory("--expect", state)
    lines = demo_lines()
    with httpx.Client() as client:
        for raw in lines[:-1]:  # all but the override
            client.post(server.url, content=raw)
    expect = settled_expect(server.base)
    assert expect["count"] == 1 and "override_score null, expected 90" in expect["lines"][0]
    [[_, _, column]] = expect["cells"]
    assert column == "override_score"
    httpx.post(server.url, content=lines[-1])
    assert settled_expect(server.base)["count"] == 0


def test_routing_is_per_request_on_one_keep_alive_connection(server_factory: type[Server]) -> None:
    """A client that asks for the page and then posts, on the one connection, reaches the
    ingest (and the other way round): the receiver routes each request, not each connection."""
    server = server_factory()
    lines = demo_lines()
    host, port = server.base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)

    def ask(method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        connection.request(method, path, body=body)
        response = connection.getresponse()
        return response.status, response.read()

    try:
        status, page = ask("GET", "/")
        assert status == 200 and b"<html" in page
        sock = connection.sock
        status, answer = ask("POST", "/events", lines[0])
        assert (status, orjson.loads(answer)) == (200, {"ok": True})
        status, stats = ask("GET", "/stats")
        assert status == 200 and orjson.loads(stats)["events"] == 1
        status, _ = ask("POST", "/events", lines[1])
        assert status == 200
        status, answer = ask("POST", "/events", b"{}")
        assert status == 400 and b"not a Canvas event" in answer
        assert connection.sock is sock  # one connection all along
        status, _ = ask("POST", "/events", b"x" * (16 * 1024 * 1024 + 1))
        assert status == 413
    finally:
        connection.close()
    stats = server.stats()
    assert stats["events"] == 2 and stats["rejected"] == {
        "not a Canvas event: expected {metadata: {event_name}, body}": 1,
        "payload too large": 1,
    }
    server.stop()
    assert server.received() == [orjson.loads(line) for line in lines[:2]]


def test_a_bad_expect_file_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "state.json"
    bad.write_text('{"not": "a state"}')
    result = subprocess.run(cli("receive", "--expect", bad), capture_output=True, text=True)
    assert result.returncode == 2 and "--expect" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            cli("receive", "--port", port, "-q"), capture_output=True, text=True, timeout=60
        )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"cannot listen on 127.0.0.1:{port}: another program listens there" in result.stderr


# --- in the terminal ---------------------------------------------------------------------------


def receive_and_stop(tmp_path: Path, *args: object) -> tuple[int, str, str]:
    """``canvas-sim receive ARGS`` on a free port, fed the demo, then stopped with Ctrl-C;
    its stdout goes to a file (a pipe nobody reads would fill up and block it)."""
    stdout = tmp_path / "stdout"
    with stdout.open("wb") as sink:
        process = subprocess.Popen(
            cli("receive", "--port", 0, *args), stdout=sink, stderr=subprocess.PIPE
        )
    assert process.stderr is not None
    first = process.stderr.readline().decode()
    port = first.split("http://127.0.0.1:", 1)[1].split("/", 1)[0]
    with httpx.Client() as client:
        for raw in demo_lines():
            assert client.post(f"http://127.0.0.1:{port}/events", content=raw).status_code == 200
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=20)
    return process.returncode, stdout.read_text(), first + err.decode()


def test_out_dash_writes_jsonl_to_stdout(tmp_path: Path) -> None:
    code, out, err = receive_and_stop(tmp_path, "--out", "-", "-q")
    assert code == 0, err
    assert out.encode().splitlines() == [orjson.dumps(orjson.loads(x)) for x in demo_lines()]
    assert not Path("-").exists()


def test_tail_prints_the_feed_in_plain_words(tmp_path: Path) -> None:
    code, out, err = receive_and_stop(tmp_path, "--tail", "-q")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == len(demo_lines())
    assert any(line.endswith(REGRADE) for line in lines)


def test_tail_and_out_dash_cannot_share_stdout() -> None:
    result = subprocess.run(cli("receive", "--tail", "--out", "-"), capture_output=True, text=True)
    assert result.returncode == 2 and "stdout" in result.stderr


@pytest.mark.skipif(os.name != "posix", reason="signals")
def test_without_a_terminal_the_status_is_a_plain_line_now_and_then(
    capsys: pytest.CaptureFixture[str],
) -> None:
    stop = threading.Timer(3.0, os.kill, (os.getpid(), signal.SIGINT))
    stop.start()
    serve_receiver(ReceiverConfig(port=0), live=True, plain_every_s=0.3)
    stop.join()
    err = capsys.readouterr().err
    statuses = [line for line in err.splitlines() if line.startswith("received ")]
    assert len(statuses) >= 2, err
    assert statuses[0] == "received 0 events in 0 requests | 0/s now | 0 problems"


def test_the_receiver_digests_in_slices_and_never_loses_counts() -> None:
    receiver = Receiver(ReceiverConfig(port=0))
    lines = demo_lines()
    for raw in lines:
        assert receiver.handle(raw)[0] == 200
    dashboard = receiver.dashboard
    assert receiver.stats.events == len(lines) and len(dashboard.pending) == len(lines)
    dashboard.digest(0.0)  # a budget already spent: one event at least
    assert all(isinstance(line, bytes) for line in dashboard.pending)
    assert 0 < dashboard.seq < len(lines)
    message = dashboard.update(Cursor(), None)  # reading digests within the budget too
    dashboard.digest()
    assert not dashboard.pending and dashboard.seq == len(lines)
    assert message["events"] == len(lines)
