"""The Locust load test delivering to SQS: real Locust processes against moto's SQS server on
loopback, the queue drained with ``canvas-sim drain``; the SQS-protocol stub for failed entries.

One local process and ``--processes 2`` must put on the queue the multiset of events that
``canvas-sim run --to sqs://...`` of the same scenario and seed puts there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import orjson
import pytest
from conftest import use_test_credentials
from test_locust import WAIT_S, free_port, headless, ledger, run

from canvas_sim.delivery.sqs import message_group

sys.path.insert(0, str(Path(__file__).parent))
from sqs_stub import StubQueues, queue, receive_all, sqs_server

pytestmark = pytest.mark.usefixtures("aws_environment")
SETS = {"courses": "4", "students_min": "3", "students_max": "4"}
SET_ARGS = [x for k, v in SETS.items() for x in ("--set", f"{k}={v}")]
EVENTS = 429  # what `canvas-sim run load` writes with SETS


def canvas_sim(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "canvas_sim", *map(str, args)]
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, env=dict(os.environ), timeout=WAIT_S * 2
    )


def drained(endpoint: str, name: str, cwd: Path) -> list[bytes]:
    """Every event on the queue, read (and deleted) by ``canvas-sim drain``, sorted."""
    out = cwd / f"{name}.jsonl"
    result = canvas_sim(
        "drain", f"sqs://{name}", "--sqs-endpoint", endpoint, "--out", out, "--idle", "1s", "-q",
        cwd=cwd,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return sorted(out.read_bytes().splitlines())


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, moto_endpoint: str) -> list[bytes]:
    """What ``canvas-sim run`` puts on a queue (the same as it writes to a file)."""
    tmp = tmp_path_factory.mktemp("reference")
    with pytest.MonkeyPatch.context() as patch:
        use_test_credentials(patch)
        queue(moto_endpoint, "from-run")
        sent = canvas_sim(
            "run", "load", *SET_ARGS, "--to", "sqs://from-run", "--to", tmp / "file.jsonl",
            "--sqs-endpoint", moto_endpoint, "-q", cwd=tmp,
        )  # fmt: skip
        assert sent.returncode == 0, sent.stderr
        lines = drained(moto_endpoint, "from-run", tmp)
    assert lines == sorted((tmp / "file.jsonl").read_bytes().splitlines())
    assert len(set(lines)) == len(lines) == EVENTS
    return lines


@pytest.mark.parametrize("layout", [["-u", 3], ["--processes", 2, "-u", 4]], ids=["1", "2"])
def test_one_and_two_processes_put_the_run_stream_on_the_queue(
    layout: list[object], moto_endpoint: str, reference: list[bytes], tmp_path: Path
) -> None:
    name = f"locust-{len(layout)}"
    queue(moto_endpoint, name)
    port = free_port()
    master = ["--master-bind-host", "127.0.0.1", "--master-bind-port", port, "--master-port", port]
    command = headless(
        *layout, *(master if "--processes" in layout else []), "--scenario", "load", *SET_ARGS,
        "-H", f"sqs://{name}", "--sqs-endpoint", moto_endpoint,
        "--ledger-json", "l.json", "--json-file", "stats",
    )  # fmt: skip
    result = run(command, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "every event was delivered" in result.stderr
    assert drained(moto_endpoint, name, tmp_path) == reference
    summary = ledger(tmp_path / "l.json")
    assert summary["events_delivered"] == summary["events_generated"] == EVENTS
    shards = summary["shards"]
    assert isinstance(shards, list) and len(shards) == (2 if "--processes" in layout else 1)
    # Batches of up to 10: far fewer calls than events.
    assert EVENTS // 10 <= sum(shard["requests"] for shard in shards) < EVENTS // 4
    by_type = Counter(orjson.loads(line)["metadata"]["event_name"] for line in reference)
    delivered = summary["by_type"]
    assert isinstance(delivered, dict)
    assert {name: counts["delivered"] for name, counts in delivered.items()} == by_type
    entries = json.loads((tmp_path / "stats.json").read_text())
    assert {(e["method"], e["name"]): e["num_requests"] for e in entries} == {
        ("SQS", name): count for name, count in by_type.items()
    }


def test_failed_entries_are_retried_then_dead_lettered_as_run_does(tmp_path: Path) -> None:
    seen: Counter[str] = Counter()

    def policy(entry: dict[str, object]) -> tuple[str, bool] | None:
        body = str(entry["MessageBody"])
        seen[body] += 1
        if '"event_name":"grade_change"' in body:
            return ("InvalidParameterValue", True)  # the sender's fault: never retried
        return ("InternalError", False) if seen[body] == 1 else None  # once, then accepted

    queues = StubQueues(entry_policy=policy)
    with sqs_server(queues) as stub:
        options = ["--retries", 2, "--backoff", 0.01, "--ledger-json", "l.json", "-u", 2]
        command = headless(
            *options, "--scenario", "load", *SET_ARGS, "-H", "sqs://events",
            "--sqs-endpoint", stub.url, "--sqs-batch", 5,
        )  # fmt: skip
        result = run(command, tmp_path)
    assert result.returncode == 1, result.stderr[-3000:]
    dead = [json.loads(line) for line in (tmp_path / "dead-letter.jsonl").read_text().splitlines()]
    assert dead and {d["event"]["metadata"]["event_name"] for d in dead} == {"grade_change"}
    assert {d["attempts"] for d in dead} == {1}
    assert dead[0]["error"].startswith("SQS InvalidParameterValue")
    summary = ledger(tmp_path / "l.json")
    assert summary["events_dead_lettered"] == len(dead)
    assert summary["events_delivered"] == EVENTS - len(dead) == queues.received
    assert len(seen) == EVENTS and all(count <= 2 for count in seen.values())
    assert max(len(message["MessageBody"]) for message in queues.messages) > 0
    assert {tuple(m["MessageAttributes"]) for m in queues.messages} == {
        ("event_name", "event_time")
    }


def test_a_missing_queue_fails_the_test_at_once(moto_endpoint: str, tmp_path: Path) -> None:
    command = headless(
        "-u", 2, "--scenario", "load", *SET_ARGS, "-H", "sqs://no-such-queue",
        "--sqs-endpoint", moto_endpoint, "--ledger-json", "l.json",
    )  # fmt: skip
    result = run(command, tmp_path)
    assert result.returncode == 1
    assert "sqs://no-such-queue" in result.stderr and "nothing was sent" in result.stderr
    assert ledger(tmp_path / "l.json")["events_generated"] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-H", "sqs://events", "--sqs-batch", 11], "--sqs-batch is from 1 to 10"),
        (["-H", "sqs://bad name"], "expected sqs://QUEUE_NAME"),
        (["-H", "sqs://events", "--header", "X-A: b"], "--header: only for an http(s):// host"),
        (["-H", "http://127.0.0.1:9/", "--sqs-endpoint", "http://x"], "only for an sqs:// host"),
        (["-H", "sqs://events", "--sign-key", "k.pem"], "SQS messages are never signed"),
    ],
)
def test_queue_options_are_checked_before_the_test(
    args: list[object], message: str, tmp_path: Path
) -> None:
    result = run(headless("-u", 1, "--scenario", "load", *args), tmp_path)
    assert result.returncode == 2 and message in result.stderr, result.stderr[-2000:]


def test_a_fifo_queue_gets_each_course_in_order(
    moto_endpoint: str, reference: list[bytes], tmp_path: Path
) -> None:
    url = queue(moto_endpoint, "courses.fifo", FifoQueue="true")
    command = headless(
        "-u", 3, "--scenario", "load", *SET_ARGS, "-H", "sqs://courses.fifo",
        "--sqs-endpoint", moto_endpoint,
    )  # fmt: skip
    result = run(command, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    got = [m["Body"].encode() for m in receive_all(moto_endpoint, url)]
    assert sorted(got) == reference
    expected = canvas_sim("run", "load", *SET_ARGS, "-q", cwd=tmp_path).stdout.encode()
    in_order = expected.splitlines()
    assert sorted(in_order) == reference

    def by_course(lines: list[bytes]) -> dict[str, list[bytes]]:
        groups: dict[str, list[bytes]] = {}
        for line in lines:
            groups.setdefault(message_group(orjson.loads(line)), []).append(line)
        return groups

    got_groups, expected_groups = by_course(got), by_course(in_order)
    courses = [name for name in expected_groups if name.startswith("course-")]
    assert len(courses) == 4
    for name in courses:
        assert got_groups[name] == expected_groups[name]  # each course's order
    # Events outside a course's context (users created, accounts) share one group, which the
    # courses' senders fill concurrently: the same events, in another interleaving.
    assert sorted(got_groups["no-course"]) == sorted(expected_groups["no-course"])
