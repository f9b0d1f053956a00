"""The Locust load test end to end on loopback: real Locust processes (local, --processes 2,
a master and two separate workers), the real receiver in its own process, real signatures.

Locust monkey-patches the process it runs in, so it only ever runs in subprocesses here. Each
layout must deliver the same multiset of events as ``canvas-sim run`` of the same scenario and
seed, with every course's events in the course's own order.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson
import pytest
from test_http import QUICKSTART, QUICKSTART_EVENTS, Server, cli, server_factory

from canvas_sim.engine import Engine
from canvas_sim.locust import LOCUSTFILE
from canvas_sim.outcome import rendered_events
from canvas_sim.render import Renderer
from canvas_sim.scenario import load_scenario

SETS = {"courses": "6", "students_min": "4", "students_max": "6"}
SCENARIO = ["--scenario", "load", *[x for k, v in SETS.items() for x in ("--set", f"{k}={v}")]]
WAIT_S = 60  # the longest any process here may take (a busy machine is slow, never stuck)


def canon(line: bytes) -> bytes:
    """An event's JSON with sorted keys (the receiver writes what it parsed)."""
    return orjson.dumps(orjson.loads(line), option=orjson.OPT_SORT_KEYS)


def locust_command(*args: object) -> list[str]:
    return [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), *map(str, args)]


def headless(*args: object) -> list[str]:
    return locust_command("--headless", "--only-summary", "-r", 100, "-t", "45s", *args)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """``canvas-sim run`` of the same scenario and seed, to a file."""
    out = tmp_path_factory.mktemp("reference") / "events.jsonl"
    sets = [x for k, v in SETS.items() for x in ("--set", f"{k}={v}")]
    subprocess.run(cli("run", "load", *sets, "--to", out, "-q"), check=True, timeout=WAIT_S)
    lines = [canon(line) for line in out.read_bytes().splitlines()]
    assert len(set(lines)) == len(lines) == 859  # every event is distinct: order is checkable
    return lines


@pytest.fixture(scope="module")
def courses(reference: list[bytes]) -> list[list[bytes]]:
    """Each course's events in its own order, each from a fresh engine of that course alone;
    together they are the reference stream, and each is in the reference's order."""
    scenario, located = load_scenario("load", SETS)
    ordinals = [course.ordinal for course in Engine(scenario, located).courses]
    per_course = []
    for ordinal in ordinals:
        engine = Engine(scenario, located)
        per_course.append([canon(e.line) for e in rendered_events(engine, Renderer(), [ordinal])])
    assert sorted(line for course in per_course for line in course) == sorted(reference)
    for course in per_course:
        members = set(course)
        assert [line for line in reference if line in members] == course
    return per_course


__all__ = ["server_factory"]  # the receiver processes of tests/test_http.py, a fixture here too


@pytest.fixture
def receiver(server_factory: type[Server]) -> Server:
    return server_factory()


def received_lines(server: Server) -> list[bytes]:
    server.stop()  # flushes --out
    return [canon(line) for line in server.out.read_bytes().splitlines()]


def assert_same_stream(got: list[bytes], reference: list[bytes], courses: list[list[bytes]]):
    assert sorted(got) == sorted(reference)
    for course in courses:
        members = set(course)
        assert [line for line in got if line in members] == course  # the course's order


def ledger(path: Path) -> dict[str, object]:
    return dict(json.loads(path.read_text()))


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=WAIT_S)


@pytest.mark.parametrize("layout", [["-u", 3], ["--processes", 2, "-u", 4]])
def test_local_and_processes_deliver_the_run_stream_in_course_order(
    layout: list[object],
    receiver: Server,
    tmp_path: Path,
    reference: list[bytes],
    courses: list[list[bytes]],
) -> None:
    port = free_port()
    master = ["--master-bind-host", "127.0.0.1", "--master-bind-port", port, "--master-port", port]
    extra = master if "--processes" in layout else []
    command = headless(*layout, *extra, *SCENARIO, "-H", receiver.url, "--ledger-json", "l.json")
    result = run(command, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "every event was delivered" in result.stderr
    assert_same_stream(received_lines(receiver), reference, courses)
    summary = ledger(tmp_path / "l.json")
    assert summary["complete"] is True
    assert summary["events_delivered"] == summary["events_generated"] == len(reference)
    shards = summary["shards"]
    assert isinstance(shards, list)
    assert len(shards) == (2 if "--processes" in layout else 1)
    labels = [label for shard in shards for label in shard["courses"]]
    assert len(set(labels)) == len(labels) == len(courses)
    assert all(label.startswith("STAT-101-") for label in labels)


def start_workers(port: int, cwd: Path, count: int = 2) -> list[subprocess.Popen[str]]:
    return [
        subprocess.Popen(
            locust_command("--worker", "--master-host", "127.0.0.1", "--master-port", port),
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for _ in range(count)
    ]


def start_master(port: int, cwd: Path, *args: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        headless(
            "--master",
            "--master-bind-host",
            "127.0.0.1",
            "--master-bind-port",
            port,
            "--expect-workers",
            2,
            "--expect-workers-max-wait",
            WAIT_S // 2,
            *args,
        ),
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop_all(processes: list[subprocess.Popen[str]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.communicate()


def test_a_master_and_two_workers_deliver_the_run_stream_in_course_order(
    receiver: Server, tmp_path: Path, reference: list[bytes], courses: list[list[bytes]]
) -> None:
    port = free_port()
    master = start_master(port, tmp_path, "-u", 4, *SCENARIO, "-H", receiver.url)
    workers = start_workers(port, tmp_path)
    try:
        _, err = master.communicate(timeout=WAIT_S)
        assert master.returncode == 0, err[-3000:]
    finally:
        stop_all([master, *workers])
    assert "shard 1 of 2" in err and "every event was delivered" in err
    assert_same_stream(received_lines(receiver), reference, courses)


@pytest.mark.parametrize(
    ("stop", "why"),
    [(signal.SIGKILL, "went missing (no heartbeat)"), (signal.SIGTERM, "quit")],
    ids=["killed", "terminated"],
)
def test_a_lost_worker_fails_the_test_and_names_its_unfinished_shard(
    stop: signal.Signals, why: str, receiver: Server, tmp_path: Path
) -> None:
    port = free_port()
    paced = ["--event-rate", 80, "--ledger-json", "l.json"]  # 859 events: about 11 s
    master = start_master(port, tmp_path, "-u", 4, *SCENARIO, *paced, "-H", receiver.url)
    workers = start_workers(port, tmp_path)
    try:
        deadline = time.monotonic() + WAIT_S
        while receiver.stats()["events"] < 60:  # both workers are sending
            assert time.monotonic() < deadline and master.poll() is None
            time.sleep(0.2)
        os.kill(workers[1].pid, stop)
        _, err = master.communicate(timeout=WAIT_S)
    finally:
        stop_all([master, *workers])
    assert master.returncode == 1, err[-3000:]
    summary = ledger(tmp_path / "l.json")
    shards = summary["shards"]
    assert isinstance(shards, list)
    assert summary["complete"] is False
    message = next(line for line in err.splitlines() if line.startswith("error:"))
    assert f"a worker {why} before its shard was done: shard" in message
    found = re.search(r"done: shard (\d) of 2 \(worker index \d+, ", message)
    assert found, message
    number = int(found.group(1))
    lost = shards[number]
    assert lost["done"] is False and lost["courses"]
    for course in lost["courses"]:
        assert course in message
    assert not any(
        course in message for shard in shards if shard is not lost for course in shard["courses"]
    )


def test_fewer_users_than_workers_is_refused(tmp_path: Path) -> None:
    port = free_port()
    master = ["--master-bind-host", "127.0.0.1", "--master-bind-port", port, "--master-port", port]
    command = headless("--processes", 2, "-u", 1, *master, *SCENARIO, "-H", "http://127.0.0.1:9/")
    result = run(command, tmp_path)
    assert result.returncode == 2
    assert "1 user(s) for 2 workers" in result.stderr and "at least 2 users" in result.stderr


def test_a_time_limit_before_the_end_exits_1_naming_the_unfinished_shard(
    receiver: Server, tmp_path: Path
) -> None:
    options = ["--event-rate", 40, "--ledger-json", "l.json"]
    command = headless("-u", 2, *SCENARIO, *options, "-H", receiver.url)
    command[command.index("-t") + 1] = "5s"  # (Locust counts from before the imports)
    result = run(command, tmp_path)
    assert result.returncode == 1
    assert "stopped before every shard finished" in result.stderr
    assert "shard 0 of 1 (local), 6 course(s): STAT-101-" in result.stderr
    summary = ledger(tmp_path / "l.json")  # what was sent until the stop, not nothing
    delivered, generated = summary["events_delivered"], summary["events_generated"]
    assert isinstance(delivered, int) and isinstance(generated, int)
    assert 0 < delivered <= receiver.stats()["events"] and generated >= delivered


def test_no_consumer_listening_fails_the_test_at_once_and_sends_nothing(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/events"
    result = run(headless("-u", 2, *SCENARIO, "--ledger-json", "l.json", "-H", url), tmp_path)
    assert result.returncode == 1
    assert f"{url}: cannot connect to 127.0.0.1:" in result.stderr
    assert "nothing was sent" in result.stderr
    assert not (tmp_path / "dead-letter.jsonl").exists()
    assert ledger(tmp_path / "l.json")["events_dead_lettered"] == 0


def test_failed_events_are_retried_then_dead_lettered_as_run_does(
    server_factory: type[Server], tmp_path: Path
) -> None:
    server = server_factory("--fail-rate", 1)
    options = ["--retries", 1, "--backoff", 0.01, "--ledger-json", "l.json"]
    command = headless("-u", 2, "--scenario", QUICKSTART, *options, "-H", server.url)
    result = run(command, tmp_path)
    assert result.returncode == 1
    dead = [json.loads(line) for line in (tmp_path / "dead-letter.jsonl").read_text().splitlines()]
    assert len(dead) == QUICKSTART_EVENTS
    assert {(d["url"], d["attempts"]) for d in dead} == {(server.url, 2)}
    assert dead[0]["error"].startswith("HTTP 500")
    summary = ledger(tmp_path / "l.json")
    assert summary["events_dead_lettered"] == QUICKSTART_EVENTS
    assert server.stats()["injected_failures"] == 2 * QUICKSTART_EVENTS


def test_signed_events_verify_at_the_receiver(server_factory: type[Server], tmp_path: Path) -> None:
    subprocess.run(cli("keys", "--out", tmp_path / "keys"), check=True, capture_output=True)
    server = server_factory("--jwks", tmp_path / "keys" / "jwks.json")
    key = tmp_path / "keys" / "current.pem"
    command = headless("-u", 2, "--scenario", QUICKSTART, "--sign-key", key, "-H", server.url)
    result = run(command, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert server.stats()["events"] == QUICKSTART_EVENTS
    assert not (tmp_path / "dead-letter.jsonl").exists()


def test_bad_options_are_refused_before_the_test(tmp_path: Path) -> None:
    result = run(headless("--scenario", "no-such", "-H", "http://127.0.0.1:9/"), tmp_path)
    assert result.returncode == 2 and "no such scenario file" in result.stderr
    result = run(headless("--scenario", "load", "-H", "127.0.0.1:9"), tmp_path)
    assert result.returncode == 2 and "-H/--host is the URL events go to" in result.stderr
    result = run(headless(*SCENARIO, "--sign-key", "no.pem", "-H", "http://127.0.0.1:9/"), tmp_path)
    assert result.returncode == 2 and "--sign-key: cannot read private key no.pem" in result.stderr


def test_the_package_and_its_help_never_import_locust() -> None:
    code = (
        "import sys\nfrom click.testing import CliRunner\nfrom canvas_sim.cli import main\n"
        "for args in (['--help'], ['locustfile'], ['run', '--help']):\n"
        "    assert CliRunner().invoke(main, args).exit_code == 0\n"
        "print(sorted(m for m in ('locust', 'gevent', 'geventhttpclient') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    path = subprocess.run(cli("locustfile"), capture_output=True, text=True, check=True).stdout
    assert Path(path.strip()) == LOCUSTFILE and LOCUSTFILE.is_file()


def test_every_locust_module_imports_under_locust() -> None:
    names = sorted(p.stem for p in LOCUSTFILE.parent.glob("*.py") if p.stem != "__init__")
    code = "import importlib\n" + "".join(
        f"importlib.import_module('canvas_sim.locust.{name}')\n" for name in names
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=WAIT_S)
    assert {"locustfile", "coordinate", "users", "worker", "sender", "shard"} <= set(names)


def test_stats_are_named_by_event_type(receiver: Server, tmp_path: Path) -> None:
    command = headless("-u", 2, *SCENARIO, "-H", receiver.url, "--json-file", "stats")
    result = run(command, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    entries = json.loads((tmp_path / "stats.json").read_text())
    names = {entry["name"]: entry["num_requests"] for entry in entries}
    assert "grade_change" in names and "course_grade_change" in names
    assert sum(names.values()) == 859
    assert httpx.get(receiver.base + "/stats").json()["events"] == 859


SHAPE = """
from locust import LoadTestShape


class Steps(LoadTestShape):
    def tick(self):
        return (4, 100) if self.get_run_time() < 1.5 else (2, 100)
"""


def test_a_shape_that_stops_users_keeps_every_course_whole_and_in_order(
    receiver: Server, tmp_path: Path, reference: list[bytes], courses: list[list[bytes]]
) -> None:
    (tmp_path / "steps.py").write_text(SHAPE)
    command = headless(*SCENARIO, "--user-rate", 150, "--stop-timeout", 5, "-H", receiver.url)
    command[command.index("-f") + 1] += f",{tmp_path / 'steps.py'}"
    command.remove("-r")
    command.remove("100")
    result = run(command, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "every event was delivered" in result.stderr
    assert_same_stream(received_lines(receiver), reference, courses)


def test_a_worker_that_cannot_build_its_shard_fails_the_test(tmp_path: Path) -> None:
    here, there = tmp_path / "master", tmp_path / "workers"
    here.mkdir()
    there.mkdir()
    (here / "mine.yaml").write_bytes(Path(QUICKSTART).read_bytes())  # not on the workers
    port = free_port()
    master = start_master(port, here, "-u", 2, "--scenario", "mine.yaml", "-H", "http://x:9/")
    workers = start_workers(port, there)
    try:
        _, err = master.communicate(timeout=WAIT_S)
    finally:
        stop_all([master, *workers])
    assert master.returncode == 2, err[-3000:]
    message = next(line for line in err.splitlines() if line.startswith("error:"))
    assert re.match(r"error: shard \d of 2 \(worker index \d+, .*\): mine.yaml: no such", message)
