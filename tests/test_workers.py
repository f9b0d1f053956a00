"""`run --workers N`: forked processes simulate shares of the courses and one merge writes the
stream; the bytes, the end state and the summary are those of one process, for any N."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from test_http import Server

from canvas_sim.engine import Engine
from canvas_sim.errors import ScenarioError, SimulatorError
from canvas_sim.run import run_scenario
from canvas_sim.scenario import load_scenario
from canvas_sim.shardplan import course_weights, plan_shards
from canvas_sim.sinks import MemorySink

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
SMALL = {"load.yaml": {"courses": "5", "students_max": "45"}, "campus-day.yaml": {"courses": "4"}}

FAILING = """\
start: 2024-09-02T08:00:00-06:00
courses:
  - count: 2
    name: "Fine ${i}"
    teachers: 1
    students: 4
    groups: [{key: hw, assignments: [{key: a1, title: Essay, points: 10}]}]
    steps:
      - enroll: {users: all}
      - at: 2d
        grade: {assignment: a1, score: 7}
  - name: Broken
    teachers: 1
    students: 4
    groups: [{key: hw, assignments: [{key: a1, title: Essay, points: 10}]}]
    steps:
      - enroll: {users: all}
      - at: 1d
        drop: {students: [student1]}
      - at: 1d12h
        grade: {assignment: a1, students: [student1], score: 3}
"""


def cli(*args: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "canvas_sim", "run", *map(str, args)], capture_output=True
    )


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_any_number_of_workers_gives_the_same_bytes_and_end_state(path: Path) -> None:
    outputs = []
    for workers in (1, 2, 3):
        scenario, located = load_scenario(path, SMALL.get(path.name, {}))
        sink = MemorySink()
        result = run_scenario(scenario, located, [sink], workers=workers)
        outputs.append((sink.lines, result.students, result.gradebook, result.events))
    assert outputs[0][0], "no events"
    assert outputs[1] == outputs[0]
    assert outputs[2] == outputs[0]


def test_without_the_grade_book_the_scores_are_the_same() -> None:
    outputs = []
    for workers in (1, 2):
        scenario, located = load_scenario(ROOT / "scenarios" / "load.yaml", SMALL["load.yaml"])
        sink = MemorySink()
        result = run_scenario(scenario, located, [sink], workers=workers, gradebook=False)
        assert result.gradebook is None
        outputs.append((sink.lines, result.students))
    assert outputs[1] == outputs[0]


def test_the_cli_writes_the_same_file_and_state_for_1_and_2_workers(tmp_path: Path) -> None:
    load = ROOT / "scenarios" / "load.yaml"
    for workers in (1, 2):
        result = cli(
            load, "--set", "courses=4", "--set", "students_max=45", "--workers", workers,
            "--to", tmp_path / f"{workers}.jsonl", "--state-out", tmp_path / f"{workers}.json",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "1.jsonl").read_bytes() == (tmp_path / "2.jsonl").read_bytes()
    state = orjson.loads((tmp_path / "2.json").read_bytes())
    assert len(state["courses"]) == 4
    assert (tmp_path / "1.json").read_bytes() == (tmp_path / "2.json").read_bytes()


def test_a_failure_in_a_shard_stops_where_one_process_stops(tmp_path: Path) -> None:
    """The same message and exit code, and on stdout exactly the events one process wrote
    before the failing step (the other shard had already gone further)."""
    scenario = tmp_path / "failing.yaml"
    scenario.write_text(FAILING, encoding="utf-8")
    runs = [cli(scenario, "--workers", workers, "--to", "-") for workers in (1, 2, 3)]
    assert runs[0].returncode == 2
    assert b"student 'student1' was dropped" in runs[0].stderr
    last = orjson.loads(runs[0].stdout.splitlines()[-1])
    assert last["metadata"]["event_time"].startswith("2024-09-03T14:00:00")  # the drop, 1d in
    for other in runs[1:]:
        assert (other.returncode, other.stdout) == (runs[0].returncode, runs[0].stdout)
        assert other.stderr.splitlines()[-1] == runs[0].stderr.splitlines()[-1]


@pytest.mark.parametrize("text", ["load", FAILING], ids=["load", "failing"])
def test_many_small_windows_merge_to_the_same_bytes(
    text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A child tells the parent every few records, so the merge goes window by window (and,
    # failing, cuts a window at the failing action's time).
    monkeypatch.setattr("canvas_sim.run.FILE_SPILL_BATCH", 4096)
    path = ROOT / "scenarios" / "load.yaml"
    if text != "load":
        path = tmp_path / "failing.yaml"
        path.write_text(text, encoding="utf-8")
    outputs = []
    for workers in (1, 2, 3):
        scenario, located = load_scenario(path, SMALL["load.yaml"] if text == "load" else {})
        sink = MemorySink()
        try:
            result = run_scenario(scenario, located, [sink], workers=workers)
            outputs.append((sink.lines, result.events, result.first_event_ms, result.last_event_ms))
        except SimulatorError as exc:
            outputs.append((sink.lines, str(exc)))
    assert outputs[0][0], "no events"
    assert len(outputs[0]) == (4 if text == "load" else 2)  # the failing one failed
    assert outputs[1] == outputs[0]
    assert outputs[2] == outputs[0]


def test_shards_are_balanced_by_people_times_steps_known_before_the_build() -> None:
    scenario, located = load_scenario(
        ROOT / "scenarios" / "load.yaml", {"courses": "12", "students_min": "5"}
    )
    unbuilt = Engine(scenario, located, build=False)
    weights = course_weights(unbuilt)
    assert not unbuilt.courses  # weighed without building a course
    built = Engine(scenario, located).courses
    assert weights == {c.ordinal: len(c.world.users) * c.step_count for c in built}
    assert len(set(weights.values())) > 6  # drawn sizes: the weights differ
    plan = plan_shards(weights, 3)
    assert sorted(o for shard in plan for o in shard) == list(range(12))
    loads = [sum(weights[o] for o in shard) for shard in plan]
    assert max(loads) - min(loads) <= max(weights.values())  # greedy: within one course
    assert plan_shards({0: 5, 1: 9}, 5) == [[1], [0]]  # never more shards than courses
    assert plan_shards({0: 5, 1: 9, 2: 4}, 2) == [[1], [0, 2]]  # heaviest first


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[Server]:
    server = Server(tmp_path)
    yield server
    if server.process.poll() is None:
        server.process.kill()
    server.process.communicate()


def test_http_delivery_takes_the_events_of_every_shard(receiver: Server, tmp_path: Path) -> None:
    """Two shard processes feed one delivery: the receiver gets exactly the events (as a
    multiset: requests run concurrently) of a one-process run to a file."""
    load = ROOT / "scenarios" / "load.yaml"
    small = ("--set", "courses=3", "--set", "students_max=45")
    alone = cli(load, *small, "--workers", 1, "--to", tmp_path / "alone.jsonl")
    assert alone.returncode == 0, alone.stderr
    sent_file = tmp_path / "sent.jsonl"
    result = cli(load, *small, "--workers", 2, "--to", receiver.url, "--to", sent_file)
    assert result.returncode == 0, result.stderr
    receiver.stop()
    expected = (tmp_path / "alone.jsonl").read_bytes()
    assert sent_file.read_bytes() == expected
    received = sorted(orjson.dumps(e, option=orjson.OPT_SORT_KEYS) for e in receiver.received())
    sent = sorted(
        orjson.dumps(orjson.loads(line), option=orjson.OPT_SORT_KEYS)
        for line in expected.splitlines()
    )
    assert received == sent


GROUPS = "[{key: hw, assignments: [{key: a1, title: Essay, points: 10}]}]"


def course(
    name: str, extra: str = "", steps: str = "[{enroll: {users: all}}]", groups: str = GROUPS
) -> str:
    """A course block of a test scenario (``extra``: more of its fields, one per line)."""
    fields = "".join(f"\n    {line}" for line in extra.splitlines())
    return f"""\
  - name: "{name}"
    teachers: 1
    students: {{uniform: [3, 9]}}
    groups: {groups}
    steps: {steps}{fields}
"""


PERSONAS = """personas:
  - {name: p, share: 0.7, level: {beta: [2, 2]}}
  - {name: q, share: 0.7, level: {beta: [2, 2]}}"""
BUILD_ERRORS = {
    # course 3's listed login was given by course 1 already: a shard building course 3 alone
    # still knows the other courses' logins
    "login": [
        course("Fine ${i}", "count: 2"),
        course("First", "tas: [{key: ta1, login: same@example.edu}]"),
        course("Second", "tas: [{key: ta1, login: same@example.edu}]"),
        course("Third"),
    ],
    # a later course's drawing fails before an earlier course's steps are checked
    "order": [
        course("Fine"),
        course("Bad steps", steps="[{grade: {assignment: nope, score: 7}}]"),
        course("Fine ${i}", "count: 2"),
        course("Bad personas", PERSONAS),
    ],
    # of two failing drawings, the first course's
    "first": [
        course("Fine ${i}", "count: 3"),
        course("Bad group", groups="[{key: hw, never_drop: [a9], assignments: []}]"),
        course("Bad personas", PERSONAS),
    ],
}
EXPECTED = {
    "login": "login 'same@example.edu' is used twice",
    "order": "persona shares add up to more than 1",
    "first": "never_drop names 'a9'",
}


@pytest.mark.parametrize("case", BUILD_ERRORS)
def test_a_build_error_in_a_shard_is_the_one_process_error_before_any_event(
    case: str, tmp_path: Path
) -> None:
    """Each shard builds its courses after the fork; a failing build is reported as one
    process reports it (the same located message, exit 2), with nothing written."""
    path = tmp_path / "broken.yaml"
    text = "start: 2024-09-02T08:00:00-06:00\ncourses:\n" + "".join(BUILD_ERRORS[case])
    path.write_text(text, encoding="utf-8")
    runs = []
    for workers in (1, 2, 3):
        out = tmp_path / f"{workers}.jsonl"
        run = cli(path, "--workers", workers, "--to", out, "--to", "-")
        assert run.returncode == 2, run.stderr
        assert run.stdout == b"" and not out.exists()
        assert len(run.stderr.splitlines()) == 1, run.stderr  # a message, no traceback
        runs.append(run.stderr)
    assert runs[0].startswith(f"error: {path}:".encode())  # located in the file
    assert EXPECTED[case].encode() in runs[0]
    assert runs[1] == runs[0] and runs[2] == runs[0]


def test_the_error_raised_keeps_its_kind_and_a_lost_child_is_a_clean_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "broken.yaml"
    text = "start: 2024-09-02T08:00:00-06:00\ncourses:\n" + "".join(BUILD_ERRORS["order"])
    path.write_text(text, encoding="utf-8")
    scenario, located = load_scenario(path)
    sink = MemorySink()
    with pytest.raises(ScenarioError, match="persona shares") as raised:
        run_scenario(scenario, located, [sink], workers=2)
    assert raised.value.line is not None and sink.lines == []
    monkeypatch.setattr(Engine, "build", lambda *_: os._exit(3))  # a child dies building
    with pytest.raises(SimulatorError, match="stopped unexpectedly") as lost:
        run_scenario(
            *load_scenario(ROOT / "scenarios" / "load.yaml", SMALL["load.yaml"]), [sink], workers=2
        )
    assert lost.value.exit_code == 1 and sink.lines == []
