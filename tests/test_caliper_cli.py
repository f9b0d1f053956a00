"""Caliper on the command line: run/replay --format and caliper: targets (files, stdout, a real
HTTP server on loopback), validate recognising the format, schemas writing the Caliper ones."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import jsonschema
import orjson
import pytest
from click.testing import CliRunner

from canvas_sim.cli import main

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "canvas_sim", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_one_run_writes_both_forms_of_the_same_actions(tmp_path: Path) -> None:
    canvas, caliper = tmp_path / "canvas.jsonl", tmp_path / "out" / "caliper.jsonl"
    done = run_cli("run", "quickstart", "--to", str(canvas), "--to", f"caliper:{caliper}")
    assert done.returncode == 0, done.stderr
    assert canvas.read_bytes() == (GOLDEN / "quickstart.jsonl").read_bytes()
    assert caliper.read_bytes() == (GOLDEN / "quickstart.caliper.jsonl").read_bytes()
    assert "caliper: 205 envelopes; no Caliper form in Canvas, not sent:" in done.stderr
    assert "course_grade_change 73" in done.stderr


def test_format_caliper_to_stdout_and_replay_of_the_canvas_file(tmp_path: Path) -> None:
    done = run_cli("run", "quickstart", "--format", "caliper", "-q")  # stdout by default
    assert done.returncode == 0, done.stderr
    assert done.stdout.encode() == (GOLDEN / "quickstart.caliper.jsonl").read_bytes()
    out = tmp_path / "replayed.jsonl"
    replayed = run_cli(
        "replay", str(GOLDEN / "quickstart.jsonl"), "--format", "caliper", "--to", str(out), "-q"
    )
    assert replayed.returncode == 0, replayed.stderr
    assert out.read_bytes() == (GOLDEN / "quickstart.caliper.jsonl").read_bytes()


def test_a_path_given_twice_in_two_formats_is_refused(tmp_path: Path) -> None:
    out = str(tmp_path / "x.jsonl")
    result = CliRunner().invoke(main, ["run", "quickstart", "--to", out, "--to", f"caliper:{out}"])
    assert result.exit_code == 2 and "is given twice" in result.output


class _Collect(BaseHTTPRequestHandler):
    bodies: ClassVar[list[bytes]] = []  # each server gets its own subclass and list

    def do_POST(self) -> None:
        self.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[tuple[str, list[bytes]]]:
    bodies: ClassVar[list[bytes]] = []  # each server gets its own subclass and list
    handler = type("Handler", (_Collect,), {"bodies": bodies})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/caliper", bodies
    finally:
        server.shutdown()
        server.server_close()


def test_caliper_over_http_one_envelope_per_post(
    collector: tuple[str, list[bytes]], tmp_path: Path
) -> None:
    url, bodies = collector
    canvas = tmp_path / "canvas.jsonl"
    done = run_cli("run", "quickstart", "--to", f"caliper:{url}", "--to", str(canvas), "-q")
    assert done.returncode == 0, done.stderr
    golden = (GOLDEN / "quickstart.caliper.jsonl").read_bytes().splitlines()
    assert sorted(bodies) == sorted(golden)  # concurrent POSTs: arrival order may vary
    assert canvas.read_bytes() == (GOLDEN / "quickstart.jsonl").read_bytes()


def test_validate_recognises_each_stream_and_names_the_field(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(GOLDEN / "quickstart.caliper.jsonl")])
    assert result.exit_code == 0, result.output
    assert "205 events, 0 problems" in result.output
    assert "GradeEvent Graded Attempt 74" in result.output
    lines = (GOLDEN / "quickstart.caliper.jsonl").read_bytes().splitlines()
    envelope = orjson.loads(lines[3])
    envelope["data"][0]["eventTime"] = "2024-09-02T08:00:00-06:00"
    broken = tmp_path / "broken.jsonl"
    broken.write_bytes(b"\n".join([lines[0], orjson.dumps(envelope)]) + b"\n")
    result = CliRunner().invoke(main, ["validate", str(broken)])
    assert result.exit_code == 1
    assert f"{broken}:2: [caliper]" in result.output
    assert "$.data[0].eventTime: '2024-09-02T08:00:00-06:00' is not a UTC time" in result.output


def test_schemas_writes_the_caliper_ones(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["schemas", "--out", str(tmp_path), "--format", "caliper"])
    assert result.exit_code == 0, result.output
    assert not list(tmp_path.glob("*.schema.json"))  # only the Caliper ones asked for
    files = sorted((tmp_path / "caliper").glob("*.schema.json"))
    assert len(files) == 33 and files[0].name == "_envelope.schema.json"
    for path in files:
        jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text()))
    both = CliRunner().invoke(main, ["schemas", "--out", str(tmp_path / "all")])
    assert both.exit_code == 0 and (tmp_path / "all" / "grade_change.schema.json").exists()
    assert (tmp_path / "all" / "caliper" / "grade_change.schema.json").exists()


def test_a_user_caliper_template_applies_on_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "tpl" / "caliper").mkdir(parents=True)
    (tmp_path / "tpl" / "caliper" / "course_created.json.j2").write_text(
        '{"object": {"id": {{ body.course_id | urn("course") | tojson }}, "type": "CourseOffering",'
        ' "name": "renamed"}}'
    )
    out = tmp_path / "c.jsonl"
    result = CliRunner().invoke(
        main,
        [
            "run",
            "quickstart",
            "--format",
            "caliper",
            "--templates",
            str(tmp_path / "tpl"),
            "--to",
            str(out),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    first = orjson.loads(out.read_bytes().splitlines()[0])
    assert first["data"][0]["object"]["name"] == "renamed"


def test_caliper_dead_letters_are_replayed_as_they_are(
    collector: tuple[str, list[bytes]], tmp_path: Path
) -> None:
    from tests.stub_server import Answer, StubServer

    dead = tmp_path / "dead.jsonl"
    args = ["--retries", "0", "--dead-letter", str(dead), "-q"]
    with StubServer(lambda headers, body: Answer(503)) as refusing:  # every POST fails
        closed = refusing.url + "/"
        failed = run_cli("run", "quickstart", "--format", "caliper", "--to", closed, *args)
    assert failed.returncode == 1, failed.stderr
    url, bodies = collector
    again = tmp_path / "again.jsonl"
    replayed = run_cli(
        "replay", str(dead), "--to", url, "--format", "caliper", "--dead-letter", str(again)
    )
    assert replayed.returncode == 0, replayed.stderr
    assert "205 events to replay" in replayed.stderr
    golden = (GOLDEN / "quickstart.caliper.jsonl").read_bytes().splitlines()
    assert sorted(bodies) == sorted(golden)
    only = tmp_path / "grades.jsonl"
    done = run_cli(
        "replay",
        str(GOLDEN / "quickstart.caliper.jsonl"),
        "--only",
        "GradeEvent Graded Attempt",
        "--to",
        str(only),
        "-q",
    )
    assert done.returncode == 0, done.stderr
    assert len(only.read_bytes().splitlines()) == 74


def _replay(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["replay", *map(str, args)])
    return result.exit_code, result.stderr


def test_a_caliper_file_is_sent_as_read_or_refused_when_canvas_is_asked_for(
    tmp_path: Path,
) -> None:
    caliper = GOLDEN / "quickstart.caliper.jsonl"
    code, stderr = _replay(caliper, "--to", tmp_path / "as-read.jsonl")
    assert code == 0, stderr
    assert (tmp_path / "as-read.jsonl").read_bytes() == caliper.read_bytes()
    assert "205 events to replay from 1 file(s) (Caliper envelopes, sent as read)" in stderr
    for args in (["--format", "canvas", "--to", "a.jsonl"], ["--to", "canvas:a.jsonl"]):
        code, stderr = _replay(caliper, *[arg.replace("a.j", f"{tmp_path}/a.j") for arg in args])
        assert code == 2, stderr
        assert f"{caliper}:1 is a Caliper envelope" in stderr
        assert "cannot be turned back into a Canvas event" in stderr
    assert not (tmp_path / "a.jsonl").exists()


def test_max_events_counts_what_is_sent_and_spans_only_that(tmp_path: Path) -> None:
    lines = (GOLDEN / "quickstart.jsonl").read_bytes().splitlines()
    events = [orjson.loads(line)["metadata"] for line in lines]
    # The first 10 Caliper envelopes come from the first 10 events with a Caliper form.
    no_form = {"user_created", "assignment_group_created", "course_grade_change"}
    with_form = [i for i, e in enumerate(events) if e["event_name"] not in no_form]
    tenth = with_form[9]
    left_out = [e["event_name"] for e in events[:tenth] if e["event_name"] in no_form]
    assert left_out  # the case needs some: the stream opens with users and groups
    out = tmp_path / "c.jsonl"
    code, stderr = _replay(
        GOLDEN / "quickstart.jsonl", "--format", "caliper", "--max-events", 10, "--to", out
    )
    assert code == 0, stderr
    assert out.read_bytes().count(b"\n") == 10
    span = f"simulated time {events[0]['event_time']} to {events[tenth]['event_time']}"
    assert f"10 events to replay from 1 file(s), {span}" in stderr
    counts = ", ".join(f"{n} {left_out.count(n)}" for n in sorted(set(left_out)))
    assert f"caliper: 10 envelopes; no Caliper form in Canvas, not sent: {counts}" in stderr
    # Canvas: the span of the first 10 events, not of the whole file.
    code, stderr = _replay(GOLDEN / "quickstart.jsonl", "--max-events", 10, "--to", out)
    assert code == 0, stderr
    assert f"simulated time {events[0]['event_time']} to {events[9]['event_time']}" in stderr
