"""``canvas-sim replay``: events read back from files and delivered again."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import orjson
import pytest

from canvas_sim.delivery import HttpTarget, RetryPolicy
from canvas_sim.errors import SimulatorError
from canvas_sim.replay import ReplayError, check_files, read_events
from canvas_sim.run import DeliveryOptions, replay_files
from tests.test_http import ROOT, Server, cli, server_factory  # noqa: F401 (a fixture)

GOLDEN = ROOT / "tests" / "golden" / "quickstart.jsonl"
GOLDEN_LINES = GOLDEN.read_bytes().splitlines()


def replay(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cli("replay", *args), cwd=cwd, capture_output=True, text=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again: nothing listens there


def write(path: Path, *lines: bytes | str) -> Path:
    path.write_bytes(b"".join((x if isinstance(x, bytes) else x.encode()) + b"\n" for x in lines))
    return path


# --- reading -------------------------------------------------------------------------------


def test_events_are_read_byte_for_byte_with_name_and_time(tmp_path: Path) -> None:
    events = list(read_events([GOLDEN]))
    assert [e.line for e in events] == GOLDEN_LINES
    first = orjson.loads(GOLDEN_LINES[0])["metadata"]
    assert events[0].name == first["event_name"]
    # 2024-09-02T14:00:00.023Z, worked out by hand: 19968 days after 1970-01-01, 14 h, 23 ms.
    assert first["event_time"] == "2024-09-02T14:00:00.023Z"
    assert events[0].time_ms == (19968 * 86400 + 14 * 3600) * 1000 + 23


def test_dead_letters_are_unwrapped_and_blank_lines_skipped(tmp_path: Path) -> None:
    event = GOLDEN_LINES[5]
    dead = write(
        tmp_path / "dead.jsonl",
        b'{"url":"http://x/e","error":"HTTP 500","attempts":4,"event":%b}' % event,
        b"",
        event,
    )
    lines = [e.line for e in read_events([dead])]
    assert lines == [event, event]


def test_the_check_counts_every_type_and_only_keeps_the_named_ones(tmp_path: Path) -> None:
    names = [orjson.loads(line)["metadata"]["event_name"] for line in GOLDEN_LINES]
    plan = check_files([GOLDEN, GOLDEN])
    assert plan.by_type == {name: 2 * names.count(name) for name in sorted(set(names))}
    assert plan.events == 2 * len(names)
    only = frozenset({"grade_change", "grade_override"})
    kept = [e.name for e in read_events([GOLDEN], only)]
    assert kept == [name for name in names if name in only]
    assert plan.first_ms is not None and plan.last_ms is not None
    assert plan.first_ms <= plan.last_ms


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "expected a Canvas live event"),
        ('{"metadata": {"event_name": "x", "event_time": "2024-01-01T00:00:00Z"}}', "expected"),
        ('{"metadata": {"event_time": "2024-01-01T00:00:00Z"}, "body": {}}', "event_name"),
        ('{"metadata": {"event_name": "x"}, "body": {}}', "event_time must be an ISO 8601"),
        ('{"metadata": {"event_name": "x", "event_time": "2024-01-01T00:00:00"}, "body": {}}',
         "with an offset"),
        ('{"url": "u", "error": "e", "event": 3}', "expected a Canvas live event"),
    ],
)  # fmt: skip
def test_a_bad_line_is_named_by_file_and_line(tmp_path: Path, line: str, expected: str) -> None:
    path = write(tmp_path / "events.jsonl", GOLDEN_LINES[0], line)
    with pytest.raises(ReplayError) as caught:
        check_files([path])
    assert str(caught.value).startswith(f"{path}:2: ")
    assert expected in str(caught.value)


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ReplayError, match=r"cannot read .*nope\.jsonl: no such file$"):
        check_files([tmp_path / "nope.jsonl"])


def test_standard_input_is_refused_with_the_reason() -> None:
    with pytest.raises(ReplayError, match=r"cannot replay standard input .*save the stream"):
        check_files([Path("-")])


# --- over HTTP, with the real receiver -----------------------------------------------------


def test_a_replay_delivers_every_event_byte_for_byte(
    server_factory: type[Server],  # noqa: F811
    tmp_path: Path,
) -> None:
    server = server_factory()
    stats = tmp_path / "stats.json"
    result = replay(GOLDEN, "--to", server.url, "--stats-json", stats, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"{len(GOLDEN_LINES)} events to replay from 1 file(s)" in result.stderr
    server.stop()
    # The receiver writes what it parsed with orjson, which gives back the same compact bytes.
    received = server.out.read_bytes().splitlines()
    assert sorted(received) == sorted(GOLDEN_LINES)
    assert orjson.loads(stats.read_bytes())["events_delivered"] == len(GOLDEN_LINES)


def test_a_dead_letter_file_is_delivered_once_the_consumer_is_back(
    server_factory: type[Server],  # noqa: F811
    tmp_path: Path,
) -> None:
    dead = tmp_path / "dead.jsonl"
    failing = server_factory("--fail-rate", "1")  # a consumer that refuses everything
    first = replay(
        GOLDEN, "--to", failing.url, "--retries", 0, "--dead-letter", dead, "-q", cwd=tmp_path
    )
    failing.stop()
    assert first.returncode == 1
    assert f"{len(GOLDEN_LINES)} events could not be delivered" in first.stderr
    server = server_factory()
    again = replay(
        dead, "--to", server.url, "--dead-letter", tmp_path / "again.jsonl", cwd=tmp_path
    )
    assert again.returncode == 0, again.stderr
    server.stop()
    assert sorted(server.out.read_bytes().splitlines()) == sorted(GOLDEN_LINES)
    assert not (tmp_path / "again.jsonl").exists()


def test_a_bad_file_sends_nothing(
    server_factory: type[Server],  # noqa: F811
    tmp_path: Path,
) -> None:
    server = server_factory()
    bad = write(tmp_path / "bad.jsonl", *GOLDEN_LINES[:10], "{oops")
    result = replay(GOLDEN, bad, "--to", server.url, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {bad}:11: not JSON")
    assert "Traceback" not in result.stderr
    assert server.stats()["events"] == 0


def test_the_dead_letter_file_cannot_be_an_input(tmp_path: Path) -> None:
    dead = write(tmp_path / "dead.jsonl", GOLDEN_LINES[0])
    result = replay(dead, "--to", "http://127.0.0.1:9/e", "--dead-letter", dead, cwd=tmp_path)
    assert result.returncode == 2
    assert "is one of the files being replayed" in result.stderr
    assert dead.read_bytes() == GOLDEN_LINES[0] + b"\n"


def test_only_and_a_file_target_filter_a_stream(tmp_path: Path) -> None:
    out = tmp_path / "scores.jsonl"
    result = replay(GOLDEN, "--only", "course_grade_change", "--to", out, "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    expected = [line for line in GOLDEN_LINES if b'"event_name":"course_grade_change"' in line]
    assert expected and out.read_bytes().splitlines() == expected


# --- what a review found ---------------------------------------------------------------------


def test_an_unwritable_dead_letter_file_stops_the_replay_with_an_error(tmp_path: Path) -> None:
    events = write(tmp_path / "events.jsonl", *GOLDEN_LINES[:20])
    down = f"http://127.0.0.1:{free_port()}/events"
    unwritable = events / "dead.jsonl"  # inside a file: cannot be created
    result = subprocess.run(
        cli("replay", events, "--to", down, "--retries", 0, "--concurrency", 2,
            "--dead-letter", unwritable, "-q"),
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    # The command line refuses it before sending anything...
    assert result.returncode == 2
    assert "Invalid value for '--dead-letter': cannot write" in result.stderr
    assert "Traceback" not in result.stderr
    # ...and when writing fails during delivery (the library, no check first), the replay
    # stops with that error instead of losing the events.
    options = DeliveryOptions(
        targets=[HttpTarget(url=down, concurrency=2, retry=RetryPolicy(retries=0))],
        dead_letter=unwritable,
        check=False,
    )
    with pytest.raises(SimulatorError, match="cannot write dead letters"):
        replay_files([events], [], options)


def test_a_pipe_is_refused_before_anything_is_read(tmp_path: Path) -> None:
    fifo = tmp_path / "events.fifo"
    os.mkfifo(fifo)
    result = replay(fifo, "--to", tmp_path / "out.jsonl", cwd=tmp_path)
    assert result.returncode == 2
    assert f"cannot read {fifo}: it is not a regular file" in result.stderr
    assert not (tmp_path / "out.jsonl").exists()


def test_an_only_that_matches_nothing_is_an_error(tmp_path: Path) -> None:
    result = replay(GOLDEN, "--only", "grade_chnage", "--to", tmp_path / "out.jsonl", cwd=tmp_path)
    assert result.returncode == 2
    assert "--only grade_chnage: no such events in FILES" in result.stderr
    assert "(did you mean grade_change?)" in result.stderr
    assert "grade_change" in result.stderr  # what the files do hold
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
def test_a_read_error_is_a_message_not_a_traceback() -> None:
    with pytest.raises(ReplayError, match=r"cannot read /proc/self/mem: "):
        check_files([Path("/proc/self/mem")])


def test_stats_json_needs_a_url_or_pacing(tmp_path: Path) -> None:
    result = replay(GOLDEN, "--to", tmp_path / "r.jsonl", "--stats-json", tmp_path / "s.json",
                    cwd=tmp_path)  # fmt: skip
    assert result.returncode == 2 and "--stats-json describes a delivery" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_signed_replay_signs_in_a_child_and_every_signature_verifies(
    server_factory: type[Server],  # noqa: F811
    tmp_path: Path,
) -> None:
    from canvas_sim.signing import generate_key, private_pem, public_pem

    key = generate_key()
    (tmp_path / "key.pem").write_bytes(private_pem(key))
    (tmp_path / "key.pub.pem").write_bytes(public_pem(key.public_key()))
    server = server_factory("--verify-key", tmp_path / "key.pub.pem")
    result = replay(
        GOLDEN, "--to", server.url, "--sign-key", tmp_path / "key.pem", "--max-events", 40,
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    stats = server.stats()
    assert stats["signatures_verified"] == 40 == stats["events"]


def test_a_token_signed_long_ago_is_signed_again() -> None:
    import time

    from canvas_sim.delivery import HttpSender, Rendered
    from canvas_sim.delivery.ledger import DeliveryStats
    from canvas_sim.delivery.model import DeadLetters
    from canvas_sim.signing import Signer, generate_key

    signer = Signer(generate_key(), kid="k")
    target = HttpTarget(url="http://127.0.0.1:9/e", signer=signer)
    sender = HttpSender(target, DeliveryStats().target("t"), DeadLetters("/nonexistent"))
    line = GOLDEN_LINES[0]
    fresh = Rendered("x", 0, line, b"fresh.token.here", time.time())
    stale = Rendered("x", 0, line, b"stale.token.here", time.time() - 3600)
    assert sender.body([fresh]) == b"fresh.token.here"
    resigned = sender.body([stale])
    assert resigned != b"stale.token.here" and resigned.count(b".") == 2
