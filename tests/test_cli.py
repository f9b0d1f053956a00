"""Tests of the ``canvas-sim`` command line.

A few cases run the real program in a subprocess (``python -m canvas_sim``); the rest use click's
CliRunner. Error cases check the whole contract: exit code 2, ``file:line:`` on stderr, no
traceback, and nothing (not even a temporary file) left in the target directory.
"""

from __future__ import annotations

import gc
import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result
from eventspec import SEEDED

from canvas_sim import __version__
from canvas_sim.cli import main

REPO = Path(__file__).resolve().parents[1]
QUICKSTART = REPO / "scenarios" / "quickstart.yaml"
GOLDEN_EVENTS = REPO / "tests" / "golden" / "quickstart.jsonl"
TEMPLATES = REPO / "templates"
README = REPO / "README.md"

# The seven event types of the seed docs (CANVAS_REFERENCE.md, seeds/).
SEEDED_EVENTS = set(SEEDED)

# A small scenario; its steps start at line 13 (each case below appends them).
HEAD = """\
name: tiny
seed: 3
start: 2024-09-02T08:00:00-06:00
course:
  custom_statuses: [Incomplete]
  students: 2
  groups:
    - key: hw
      assignments:
        - {key: hw1, points: 10}
        - {key: q1, points: 20, submission_types: [online_quiz]}
steps:
"""
ENROLL = "  - enroll: {users: all}\n"  # line 13 when it comes first


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(arg) for arg in args])


def cli(*args: str | Path, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """The real program, in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "canvas_sim", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def parse_lines(data: bytes | str) -> list[dict[str, Any]]:
    text = data.decode() if isinstance(data, bytes) else data
    assert text.endswith("\n"), "the last JSON line must end with a newline"
    events = [json.loads(line) for line in text.split("\n")[:-1]]
    for event in events:
        assert isinstance(event, dict)
        assert list(event) == ["metadata", "body"]
        assert isinstance(event["metadata"], dict)
        assert isinstance(event["body"], dict)
        assert isinstance(event["metadata"]["event_name"], str)
    return events


def assert_clean_failure(result: Result, code: int = 2) -> None:
    """The command reported an error itself: a message, its exit code, no traceback."""
    assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")


# --- help and documentation -----------------------------------------------------------------


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"canvas-sim, version {__version__}"


def test_main_help_lists_every_command() -> None:
    result = invoke("--help")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Usage: main [OPTIONS] COMMAND [ARGS]...")
    assert "Simulate Canvas LMS Live Events" in result.stdout
    for name in main.commands:
        assert re.search(rf"^\s+{name}\s+\S", result.stdout, re.MULTILINE), name
    for option in ("--version", "--help"):
        assert option in result.stdout


def test_main_help_in_a_subprocess() -> None:
    done = cli("--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: canvas-sim ")
    assert "run" in done.stdout and "events" in done.stdout
    assert done.stderr == ""


@pytest.mark.parametrize("name", ["run", "events"])
def test_command_help_describes_every_option(name: str) -> None:
    command = main.commands[name]
    result = invoke(name, "--help")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Usage: main {name} ")
    help_text = " ".join(result.stdout.split())
    first_line = (command.help or "").strip().splitlines()[0]
    assert first_line in help_text
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{name} {param.opts[0]} has no help text"
            for opt in param.opts + param.secondary_opts:
                assert opt in result.stdout, opt
            assert " ".join(param.help.split())[:40] in help_text, param.opts
        else:
            assert (param.name or "").upper() in result.stdout


def test_run_help_names_the_null_policies_and_default() -> None:
    result = invoke("run", "--help")
    assert result.exit_code == 0
    assert "[keep|omit|omit-requests]" in result.stdout
    assert "default: keep" in result.stdout


def test_every_command_has_help() -> None:
    assert set(main.commands) >= {"run", "events"}
    for name, command in main.commands.items():
        assert (command.help or "").strip(), f"command {name!r} has no help text"
        assert command.get_short_help_str().strip(), name


@pytest.mark.parametrize("name", sorted(main.commands))
def test_readme_documents_every_command(name: str) -> None:
    """sqlite-utils style: a command (and each of its options) is not done until documented."""
    readme = README.read_text(encoding="utf-8")
    assert f"canvas-sim {name}" in readme
    for param in main.commands[name].params:
        if isinstance(param, click.Option):
            assert any(opt in readme for opt in param.opts), (name, param.opts)


# --- events ---------------------------------------------------------------------------------


def test_events_lists_the_seeded_event_types() -> None:
    result = invoke("events")
    assert result.exit_code == 0, result.output
    rows = [line.split(None, 1) for line in result.stdout.splitlines() if line.strip()]
    names = [row[0] for row in rows]
    assert set(names) >= SEEDED_EVENTS, SEEDED_EVENTS - set(names)
    assert len(names) == len(set(names))
    assert all(len(row) == 2 and row[1].strip() for row in rows), "every event needs a description"


def test_events_lists_every_event_quickstart_emits(tmp_path: Path) -> None:
    listed = {line.split()[0] for line in invoke("events").stdout.splitlines() if line.strip()}
    out = tmp_path / "events.jsonl"
    assert invoke("run", QUICKSTART, "--to", out, "-q").exit_code == 0
    emitted = {event["metadata"]["event_name"] for event in parse_lines(out.read_bytes())}
    assert emitted >= SEEDED_EVENTS
    assert emitted <= listed


# --- run: output ----------------------------------------------------------------------------


def test_run_to_file(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    result = invoke("run", QUICKSTART, "--to", out)
    assert result.exit_code == 0, result.output
    assert result.stdout == "", "events and the summary must not go to stdout"
    events = parse_lines(out.read_bytes())
    assert len(events) > 100
    assert {event["metadata"]["event_name"] for event in events} >= SEEDED_EVENTS
    # The summary: on stderr, with the scenario name, seed and event count.
    assert f"quickstart (seed 42): {len(events)} events" in result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["events.jsonl"]


def test_run_to_file_creates_missing_directories(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "events.jsonl"
    assert invoke("run", QUICKSTART, "--to", out, "-q").exit_code == 0
    assert len(parse_lines(out.read_bytes())) > 100


def test_quiet_prints_nothing(tmp_path: Path) -> None:
    result = invoke("run", QUICKSTART, "--to", tmp_path / "e.jsonl", "--quiet")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == ""


def test_run_to_stdout_end_to_end(tmp_path: Path) -> None:
    done = cli("run", QUICKSTART, "--seed", "5", "--to", "-")
    assert done.returncode == 0, done.stderr
    events = parse_lines(done.stdout)  # every stdout line is an event, nothing else
    assert len(events) > 100
    assert f"quickstart (seed 5): {len(events)} events" in done.stderr
    assert "Traceback" not in done.stderr
    # The same bytes as a file target with the same seed.
    out = tmp_path / "events.jsonl"
    assert invoke("run", QUICKSTART, "--seed", "5", "--to", out, "-q").exit_code == 0
    assert out.read_text(encoding="utf-8") == done.stdout


def test_run_to_file_end_to_end(tmp_path: Path) -> None:
    done = cli("run", QUICKSTART, "--to", "out/events.jsonl", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    events = parse_lines((tmp_path / "out" / "events.jsonl").read_bytes())
    assert f"{len(events)} events" in done.stderr
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["events.jsonl"]


def test_default_target_is_stdout() -> None:
    result = invoke("run", QUICKSTART, "-q")
    assert result.exit_code == 0, result.output
    assert len(parse_lines(result.stdout)) > 100


def test_two_targets_get_identical_content(tmp_path: Path) -> None:
    first, second = tmp_path / "one.jsonl", tmp_path / "sub" / "two.jsonl"
    result = invoke("run", QUICKSTART, "--to", first, "--to", second, "--to", "-")
    assert result.exit_code == 0, result.output
    data = first.read_bytes()
    assert len(parse_lines(data)) > 100
    assert second.read_bytes() == data
    assert result.stdout.encode() == data


def test_same_seed_is_byte_identical_and_other_seed_differs(tmp_path: Path) -> None:
    paths = {}
    for name, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        paths[name] = tmp_path / f"{name}.jsonl"
        assert invoke("run", QUICKSTART, "--seed", seed, "--to", paths[name], "-q").exit_code == 0
    a, b, c = (paths[name].read_bytes() for name in "abc")
    assert a == b
    assert a != c
    assert len(parse_lines(c)) > 100


def test_default_seed_is_the_scenarios(tmp_path: Path) -> None:
    default, explicit = tmp_path / "default.jsonl", tmp_path / "explicit.jsonl"
    assert invoke("run", QUICKSTART, "--to", default, "-q").exit_code == 0
    assert invoke("run", QUICKSTART, "--seed", "42", "--to", explicit, "-q").exit_code == 0
    assert default.read_bytes() == explicit.read_bytes()


def test_weird_comment_text_round_trips(tmp_path: Path) -> None:
    text = 'He said "hi" \\ back\nslash\ttab </script> \u05e9\u05dc\u05d5\u05dd \U0001f600 \x01'
    scenario = tmp_path / "s.yaml"
    quoted = json.dumps(text, ensure_ascii=False)  # a valid YAML double-quoted scalar
    scenario.write_text(
        HEAD + ENROLL + f"  - comment: {{assignment: hw1, students: [student1], text: {quoted}}}\n",
        encoding="utf-8",
    )
    out = tmp_path / "e.jsonl"
    result = invoke("run", scenario, "--to", out, "-q")
    assert result.exit_code == 0, result.output
    comments = [
        e["body"]
        for e in parse_lines(out.read_bytes())
        if e["metadata"]["event_name"] == "submission_comment_created"
    ]
    assert [c["body"] for c in comments] == [text]


# --- run: errors ----------------------------------------------------------------------------

ERROR_CASES = [
    # id, scenario text, "file:line:" line, fragments of the message
    pytest.param(
        "name: tiny\nstart: 2024-09-02T08:00:00Z\ncourse:\n  students: 2: 3\nsteps: []\n",
        4,
        ["invalid YAML"],
        id="yaml-syntax",
    ),
    pytest.param(
        "name: tiny\nstart: 2024-09-02T08:00:00Z\nseed: 1\nseed: 2\n",
        4,
        ["invalid YAML", "duplicate key 'seed'"],
        id="yaml-duplicate-key",
    ),
    pytest.param(
        HEAD + ENROLL + "  - grde: {assignment: hw1, score: 5}\n",
        14,
        ["unknown step 'grde'", "did you mean 'grade'"],
        id="unknown-step",
    ),
    pytest.param(
        HEAD + ENROLL + "  - grade: {assignment: hw1, scroe: 5}\n",
        14,
        ["unknown key 'scroe'", "did you mean 'score'"],
        id="misspelt-key",
    ),
    pytest.param(
        HEAD.replace("  students: 2\n", "  studnets: 2\n") + ENROLL,
        6,
        ["unknown key 'studnets'", "did you mean 'students'"],
        id="misspelt-course-key",
    ),
    pytest.param(
        HEAD + ENROLL + "  - grade: {assignment: hw1}\n",
        14,
        ["missing required key 'score'"],
        id="missing-required",
    ),
    pytest.param(
        HEAD + ENROLL + "  - grade: {assignment: hw1, students: [student1, student9], score: 5}\n",
        14,
        ["'student9'", "not a student"],
        id="unknown-student",
    ),
    pytest.param(
        HEAD + ENROLL + "  - grade: {assignment: hw9, score: 5}\n",
        14,
        ["unknown assignment 'hw9'", "hw1, q1"],
        id="unknown-assignment",
    ),
    pytest.param(
        HEAD + ENROLL + "  - grade: {assignment: hw1, score: 11}\n",
        14,
        ["above the 10 points possible", "extra_credit"],
        id="score-above-points",
    ),
    pytest.param(
        HEAD
        + ENROLL
        + "  - at: 1d\n    grade: {assignment: hw1, score: 5}\n"
        + "  - at: 2h\n    grade: {assignment: hw1, score: 6}\n",
        16,
        ["before the previous step has finished (at "],
        id="step-before-previous",
    ),
    pytest.param(
        HEAD + "  - grade: {assignment: hw1, students: [student1], score: 4}\n" + ENROLL,
        13,
        ["'student1' is not enrolled"],
        id="grade-before-enroll",
    ),
    pytest.param(
        HEAD + ENROLL + "  - take_quiz: {assignment: hw1, score: 5}\n",
        14,
        ["'hw1' is not a quiz"],
        id="take-quiz-not-a-quiz",
    ),
    pytest.param(
        HEAD + ENROLL + "  - set_status: {assignment: hw1, status: Late-ish}\n",
        14,
        ["unknown custom status 'Late-ish'"],
        id="unknown-status",
    ),
]


@pytest.mark.parametrize(("text", "line", "fragments"), ERROR_CASES)
def test_scenario_errors(tmp_path: Path, text: str, line: int, fragments: list[str]) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(text, encoding="utf-8")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = invoke("run", scenario, "--to", out_dir / "events.jsonl")
    assert_clean_failure(result)
    assert re.search(rf"bad\.yaml:{line}:\d+: ", result.stderr), result.stderr
    for fragment in fragments:
        assert fragment in result.stderr
    assert result.stderr.count("\n") == 1, "one line of error, no summary"
    assert list(out_dir.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml", "out"]


def test_missing_scenario_file(tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = invoke("run", tmp_path / "nope.yaml", "--to", out_dir / "events.jsonl")
    assert_clean_failure(result)
    assert "nope.yaml" in result.stderr
    assert "no such scenario file" in result.stderr
    assert list(out_dir.iterdir()) == []


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("name: tiny\nstart: 2024-09-02T08:00:00Z\ncourse:\n  students: 2: 3\n", 4),
        (HEAD + "  - grade: {assignment: hw1, students: [student1], score: 4}\n", 13),
    ],
    ids=["yaml-syntax", "runtime"],
)
def test_errors_end_to_end(tmp_path: Path, text: str, line: int) -> None:
    (tmp_path / "bad.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "out").mkdir()
    done = cli("run", "bad.yaml", "--to", "out/events.jsonl", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: bad.yaml:{line}:"), done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert list((tmp_path / "out").iterdir()) == []


def test_failed_run_does_not_clobber_existing_file(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.yaml"
    # Fails while running, after some events were written: a score above points possible.
    scenario.write_text(
        HEAD + ENROLL + "  - grade: {assignment: hw1, score: 5}\n"
        "  - grade: {assignment: hw1, students: [student1], score: 12}\n",
        encoding="utf-8",
    )
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "events.jsonl"
    target.write_bytes(b"sentinel\n")
    result = invoke("run", scenario, "--to", target)
    assert_clean_failure(result)
    assert "bad.yaml:15:" in result.stderr
    assert target.read_bytes() == b"sentinel\n"
    assert [p.name for p in out_dir.iterdir()] == ["events.jsonl"]


# The bug also leaks the second sink's open file: collect it here, not in a later test.
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_failed_target_leaves_no_partial_file_for_other_targets(tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    (out_dir / "is_a_dir").mkdir(parents=True)
    result = invoke("run", QUICKSTART, "--to", out_dir / "is_a_dir", "--to", out_dir / "b.jsonl")
    code, stderr, exception = result.exit_code, result.stderr, type(result.exception)
    del result
    gc.collect()
    assert (code, exception) == (2, SystemExit)  # found before any work
    assert "Invalid value for '--to': " in stderr and "is_a_dir is a directory" in stderr
    assert sorted(p.name for p in out_dir.iterdir()) == ["is_a_dir"]


@pytest.mark.parametrize("target", ["", "caliper:", "canvas:", " "])
def test_an_empty_target_is_refused(tmp_path: Path, target: str) -> None:
    for command in ("run", "replay"):
        source = QUICKSTART if command == "run" else GOLDEN_EVENTS
        result = invoke(command, source, "--to", tmp_path / "a.jsonl", "--to", target)
        assert result.exit_code == 2, (command, result.output)
        assert "--to needs a file path, '-' or a URL" in result.stderr
        assert "is a directory" not in result.stderr
        assert list(tmp_path.iterdir()) == []


def test_unknown_null_policy_is_a_usage_error() -> None:
    result = invoke("run", QUICKSTART, "--nulls", "drop")
    assert result.exit_code == 2
    assert "Invalid value for '--nulls'" in result.stderr
    assert result.stdout == ""


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An empty output folder."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--delay", "10m-1m"], ["'--delay'", "shorter delay comes first"]),
        (["--delay-share", "0.2"], ["--delay-share goes with --delay"]),
        (
            ["--to", "OUT/a.jsonl", "--single-process", "--workers", "2"],
            ["--single-process generates in one process", "--workers 2"],
        ),
        (["--reorder", "soon"], ["'--reorder'", "duration like"]),
        (["--ramp", "10s:100,0s:1000"], ["'--ramp'", "time order"]),
        (["--duration", "5"], ["'--duration'", "duration like"]),
        (["--to", "htp://127.0.0.1/events"], ["'--to'", "did you mean http://"]),
        (["--to", "http://127.0.0.1:99999/events"], ["'--to'", "port must be a number"]),
        (["--to", "http://"], ["'--to'", "no host"]),
        (["--to", "OUT/a.jsonl", "--to", "OUT/a.jsonl"], ["'--to'", "given twice"]),
        (["--to", "OUT/a.jsonl", "--sign-key", "key.pem"], ["--sign-key: only for HTTP"]),
        (["--to", "OUT/a.jsonl", "--batch", "10"], ["--batch: only for HTTP"]),
        (["--to", "OUT/a.jsonl", "--stats-json", "OUT/s.json"], ["--stats-json describes"]),
        (["--state-out", "OUT/taken/state.json"], ["'--state-out'", "cannot write"]),
        (["--state-out", "OUT"], ["'--state-out'", "is a directory"]),
        (["--to", "OUT/taken/events.jsonl"], ["'--to'", "taken is not a directory"]),
        (
            ["--to", "OUT/a.jsonl", "--drop", "0.1", "--faults-manifest", "OUT/taken/f.jsonl"],
            ["'--faults-manifest'", "cannot write"],
        ),
        (["--header", "Authorization Bearer s3cr3t"], ["'Name: value'", "not shown"]),
    ],
)
def test_option_mistakes_are_usage_errors_before_any_work(
    out: Path, args: list[str], fragments: list[str]
) -> None:
    (out / "taken").write_text("a file where a directory is expected")
    args = [arg.replace("OUT", str(out)) for arg in args]
    result = invoke("run", QUICKSTART, *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    assert "s3cr3t" not in result.output  # header values are never printed
    assert sorted(p.name for p in out.iterdir()) == ["taken"]  # nothing written


def test_summary_counts_the_events_written_when_duration_cuts_the_run(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    result = cli("run", QUICKSTART, "--rate", 200, "--duration", "500ms", "--to", out)
    assert result.returncode == 0, result.stderr
    lines = out.read_bytes().count(b"\n")
    assert 0 < lines < 150  # cut short by the duration
    assert f"(seed 42): {lines} events" in result.stderr


def test_ctrl_c_says_the_output_file_was_not_kept(tmp_path: Path) -> None:
    out = tmp_path / "load.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "canvas_sim", "run", REPO / "scenarios" / "load.yaml", "--to", out],
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not any(tmp_path.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)  # interrupt once the run is writing (slow to start on a busy machine)
    time.sleep(0.2)  # the whole scenario takes far longer
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert f"interrupted; not kept: {out}" in stderr and "Traceback" not in stderr
    assert list(tmp_path.iterdir()) == []


# --- run: user templates --------------------------------------------------------------------


def write_override(directory: Path, event: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{event}.json.j2"
    path.write_text(text, encoding="utf-8")
    return path


def test_template_override_changes_only_that_event(tmp_path: Path) -> None:
    builtin = (TEMPLATES / "grade_change.json.j2").read_text(encoding="utf-8")
    assert '  "assignment_id":' in builtin
    custom = builtin.replace(
        '  "assignment_id":', '  "x_simulated": {{ "yes" | tojson }},\n  "assignment_id":', 1
    )
    write_override(tmp_path / "tpl", "grade_change", custom)
    default, overridden = tmp_path / "default.jsonl", tmp_path / "overridden.jsonl"
    assert invoke("run", QUICKSTART, "--to", default, "-q").exit_code == 0
    result = invoke("run", QUICKSTART, "--templates", tmp_path / "tpl", "--to", overridden, "-q")
    assert result.exit_code == 0, result.output
    old_lines = default.read_bytes().splitlines()
    new_lines = overridden.read_bytes().splitlines()
    assert len(old_lines) == len(new_lines)
    changed = 0
    for old_line, new_line in zip(old_lines, new_lines, strict=True):
        old, new = json.loads(old_line), json.loads(new_line)
        if old["metadata"]["event_name"] == "grade_change":
            changed += 1
            assert new["metadata"] == old["metadata"]
            assert new["body"] == {**old["body"], "x_simulated": "yes"}
        else:
            assert new_line == old_line
    assert changed > 10


BAD_TEMPLATES = [
    pytest.param(
        '{\n  "a": 1,\n  "b": {{ grade | tojson }\n}\n', ["grade_change.json.j2:3:"], id="syntax"
    ),
    pytest.param(
        '{"a": {{ grade | tojson }},}', ["grade_change.json.j2", "invalid JSON"], id="json"
    ),
    pytest.param(
        "[{{ grade | tojson }}]", ["grade_change.json.j2", "JSON object"], id="not-object"
    ),
    pytest.param('{"a": {{ no_such }}}', ["grade_change.json.j2", "no_such"], id="undefined"),
    pytest.param(
        '{"a": {{ no_such | tojson }}}',
        ["grade_change.json.j2", "no_such"],
        id="undefined-tojson",
    ),
    pytest.param(
        '{"a": {{ "".__class__.__mro__ | tojson }}}',
        ["grade_change.json.j2", "is unsafe"],
        id="unsafe",
    ),
    pytest.param(
        '{"a": {{ 1 // 0 }}}',
        ["grade_change.json.j2"],
        id="python-error",
    ),
]


@pytest.mark.parametrize(("text", "fragments"), BAD_TEMPLATES)
def test_bad_template_is_a_clean_error(tmp_path: Path, text: str, fragments: list[str]) -> None:
    write_override(tmp_path / "tpl", "grade_change", text)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = invoke(
        "run", QUICKSTART, "--templates", tmp_path / "tpl", "--to", out_dir / "events.jsonl"
    )
    assert_clean_failure(result)
    for fragment in fragments:
        assert fragment in result.stderr
    assert list(out_dir.iterdir()) == []


def test_bad_template_end_to_end(tmp_path: Path) -> None:
    write_override(tmp_path / "tpl", "grade_change", '{"a": {{ grade | tojson }},}')
    (tmp_path / "out").mkdir()
    done = cli("run", QUICKSTART, "--templates", "tpl", "--to", "out/e.jsonl", cwd=tmp_path)
    assert done.returncode == 2
    assert "grade_change.json.j2" in done.stderr
    assert "Traceback" not in done.stderr
    assert list((tmp_path / "out").iterdir()) == []


def test_template_not_utf8_is_a_clean_error(tmp_path: Path) -> None:
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "grade_change.json.j2").write_bytes(b'{"a": "\xff"}')
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = invoke(
        "run", QUICKSTART, "--templates", tmp_path / "tpl", "--to", out_dir / "events.jsonl"
    )
    assert_clean_failure(result)
    assert "grade_change.json.j2" in result.stderr
    assert list(out_dir.iterdir()) == []


def test_missing_template_directory(tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = invoke(
        "run", QUICKSTART, "--templates", tmp_path / "nope", "--to", out_dir / "events.jsonl"
    )
    assert_clean_failure(result)
    assert "nope" in result.stderr
    assert list(out_dir.iterdir()) == []


def test_lone_surrogate_in_text_is_not_a_traceback(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        HEAD + ENROLL + '  - comment: {assignment: hw1, text: "bad \\ud800 text"}\n',
        encoding="utf-8",
    )
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = invoke("run", scenario, "--to", out_dir / "events.jsonl", "-q")
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit) or result.exception is None
    if result.exit_code == 0:
        parse_lines((out_dir / "events.jsonl").read_bytes())
    else:
        assert_clean_failure(result)
        assert "s.yaml:14:" in result.stderr
        assert list(out_dir.iterdir()) == []


# --- run: null policies ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def null_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    directory = tmp_path_factory.mktemp("nulls")
    runs = {}
    for policy in (None, "keep", "omit", "omit-requests"):
        out = directory / f"{policy}.jsonl"
        args: list[str | Path] = ["run", QUICKSTART, "--to", out, "-q"]
        if policy is not None:
            args += ["--nulls", policy]
        result = invoke(*args)
        assert result.exit_code == 0, result.output
        runs[policy or "default"] = parse_lines(out.read_bytes())
    return runs


def is_job(event: dict[str, Any]) -> bool:
    return "job_id" in event["metadata"]


def without_nulls(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if value is not None}


def test_default_keeps_nulls(null_runs: dict[str, list[dict[str, Any]]]) -> None:
    default = null_runs["default"]
    assert default == null_runs["keep"]
    nulls_in = {is_job(e) for e in default if None in e["body"].values()}
    assert nulls_in == {True, False}, "quickstart must have nulls in both kinds of events"


def test_nulls_omit(null_runs: dict[str, list[dict[str, Any]]]) -> None:
    keep, omit = null_runs["keep"], null_runs["omit"]
    assert len(keep) == len(omit)
    for kept, omitted in zip(keep, omit, strict=True):
        assert omitted["metadata"] == kept["metadata"]
        assert None not in omitted["body"].values()
        assert omitted["body"] == without_nulls(kept["body"])


def test_nulls_omit_requests(null_runs: dict[str, list[dict[str, Any]]]) -> None:
    keep, omit = null_runs["keep"], null_runs["omit-requests"]
    assert len(keep) == len(omit)
    jobs_with_nulls = 0
    for kept, omitted in zip(keep, omit, strict=True):
        assert omitted["metadata"] == kept["metadata"]
        if is_job(kept):
            assert omitted["body"] == kept["body"]
            jobs_with_nulls += None in kept["body"].values()
        else:
            assert omitted["body"] == without_nulls(kept["body"])
    assert jobs_with_nulls > 0


def test_check_says_its_verdict_once_and_last() -> None:
    for extra in ((), ("--no-dry-run",)):
        result = invoke("check", QUICKSTART, *extra)
        assert result.exit_code == 0, result.output
        said = " ".join(result.stdout.split())
        assert said.count("valid") == 1
        assert said.rsplit(f"{QUICKSTART}: ", 1)[-1].startswith("valid scenario (")
        assert said.index("valid") > said.index("seed")


def test_a_mistake_found_by_the_dry_run_is_the_only_verdict(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    # Known to be wrong only once simulated: a dropped student named later.
    path.write_text(
        HEAD + ENROLL + "  - drop: {students: [student1]}\n"
        "  - grade: {assignment: hw1, students: [student1], score: 5}\n"
    )
    result = invoke("check", path)
    assert result.exit_code == 2
    assert "valid" not in result.stdout
    assert result.stderr.startswith(f"error: {path}:15:")


def test_check_into_a_closed_pipe_exits_141() -> None:
    """``check ... | head -1``: the reader went away; exit 141 quietly, as the README says."""
    with subprocess.Popen(
        [sys.executable, "-m", "canvas_sim", "check", str(REPO / "scenarios" / "semester.yaml")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.readline()
        process.stdout.close()  # as head -1 does
        assert process.stderr.read() == b""
        assert process.wait(timeout=120) == 141


@pytest.mark.parametrize(
    "target", ["localhost:18201/events", "127.0.0.1:8080", "[::1]:8080/x", "example.org:443/"]
)
@pytest.mark.parametrize("command", ["run", "replay"])
def test_a_url_without_its_scheme_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str, command: str
) -> None:
    monkeypatch.chdir(tmp_path)
    source = QUICKSTART if command == "run" else REPO / "tests" / "golden" / "quickstart.jsonl"
    result = invoke(command, source, "--to", target)
    assert result.exit_code == 2
    assert f"did you mean http://{target}?" in result.stderr
    assert list(tmp_path.iterdir()) == []  # no directory, no file


def test_a_file_named_like_host_port_is_written_with_a_dot_slash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("run", QUICKSTART, "--to", "./localhost:18201/events", "--max-events", "3")
    assert result.exit_code == 0, result.output
    assert len(parse_lines((tmp_path / "localhost:18201" / "events").read_bytes())) == 3


@pytest.mark.parametrize(
    ("target", "hint"),
    [
        ("Caliper:out/c.jsonl", "did you mean caliper:?"),
        ("kafka:events.jsonl", "for a file of that name, write ./kafka:events.jsonl"),
        ("canvas:caliper:out/c.jsonl", "once, before the path or URL"),
    ],
)
def test_a_prefix_that_is_not_a_format_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str, hint: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("run", QUICKSTART, "--to", target)
    assert result.exit_code == 2
    assert "is not a format" in result.stderr and hint in result.stderr
    assert list(tmp_path.iterdir()) == []  # no folder named after the prefix


def test_a_run_stopped_before_any_student_prints_no_empty_score_table(tmp_path: Path) -> None:
    result = cli("run", QUICKSTART, "--max-events", 1, "--to", tmp_path / "one.jsonl")
    assert result.returncode == 0, result.stderr
    assert "final course scores: no students yet" in result.stderr
    assert "Final course scores" not in result.stderr


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--to", "OUT/a.jsonl", "--state-out", "OUT/./a.jsonl"], ["--to", "--state-out"]),
        (["--to", "OUT/a.jsonl", "--to", "OUT/x/../a.jsonl"], ["--to OUT/a.jsonl", "--to OUT/x"]),
        (["--to", "OUT/a.jsonl", "--rate", "1e9", "--stats-json", "OUT/a.jsonl"], ["--stats-json"]),
        (
            ["--to", "OUT/a.jsonl", "--max-events", "9", "--stats-csv", "OUT/a.jsonl"],
            ["--stats-csv"],
        ),
        (["--to", "OUT/a", "--drop", "0.1", "--faults-manifest", "OUT/a"], ["--faults-manifest"]),
        (["--to", "OUT/a", "--drop", "0.1", "--state-out", "OUT/a.faults.jsonl"], ["--state-out"]),
        (["--to", "OUT/a", "--to", "http://127.0.0.1:9/e", "--dead-letter", "OUT/a"], ["--dead"]),
        (["--to", "OUT/a.jsonl", "--state-out", "OUT/link"], ["--to", "--state-out OUT/link"]),
        (["--to", "OUT/old.jsonl", "--state-out", "OUT/hard"], ["--to", "--state-out OUT/hard"]),
        (["--to", "OUT/scenario.yaml"], ["--to", "is the scenario file"]),
    ],
)
def test_two_outputs_naming_one_file_are_refused(
    out: Path, args: list[str], named: list[str]
) -> None:
    scenario = out / "scenario.yaml"
    scenario.write_bytes(QUICKSTART.read_bytes())
    (out / "link").symlink_to(out / "a.jsonl")  # dangling until a run writes a.jsonl
    (out / "old.jsonl").write_text("kept\n")
    (out / "hard").hardlink_to(out / "old.jsonl")
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.exists()}
    result = invoke("run", scenario, *[arg.replace("OUT", str(out)) for arg in args])
    assert result.exit_code == 2, result.output
    assert "name the same file" in result.stderr or "which it would overwrite" in result.stderr
    for fragment in named:
        assert fragment.replace("OUT", str(out)) in result.stderr, result.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.exists()} == before


def test_a_replay_does_not_write_over_what_it_replays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "events.jsonl"
    source.write_bytes(GOLDEN_EVENTS.read_bytes())
    for args in (["--to", f"./{source.name}"], ["--rate", "1e9", "--stats-json", str(source)]):
        result = CliRunner().invoke(main, ["replay", str(source), *args])
        assert result.exit_code == 2, result.output
        assert "is one of the files being replayed" in result.stderr
    assert source.read_bytes() == GOLDEN_EVENTS.read_bytes()


def test_the_receiver_does_not_append_to_its_own_inputs(tmp_path: Path) -> None:
    jwks = tmp_path / "jwks.json"
    jwks.write_text('{"keys": []}')
    result = invoke("receive", "--port", "0", "--jwks", jwks, "--out", tmp_path / "." / "jwks.json")
    assert result.exit_code == 2, result.output
    assert "--out" in result.stderr and "is the --jwks file" in result.stderr
    assert jwks.read_text() == '{"keys": []}'


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (
            ["run", QUICKSTART, "--to", "http://127.0.0.1:9/e", "--sign-key", "DIR/missing.pem"],
            ["'--sign-key'", "missing.pem"],
        ),
        (
            ["replay", GOLDEN_EVENTS, "--to", "http://127.0.0.1:9/e", "--sign-key", "DIR/bad.json"],
            ["'--sign-key'", "not an unencrypted PEM private key"],
        ),
        (["receive", "--verify-key", "DIR/missing.pem"], ["'--verify-key'", "missing.pem"]),
        (["receive", "--verify-key", "DIR/bad.json"], ["'--verify-key'", "not a PEM public"]),
        (["receive", "--expect", "DIR/bad.json"], ["'--expect'", "is not JSON"]),
        (["receive", "--expect", "DIR/list.json"], ["'--expect'", "not an end state"]),
        (["receive", "--expect", "DIR/shape.json"], ["'--expect'", "$.courses[0]"]),
        (["receive", "--jwks", "DIR/missing.json"], ["'--jwks'", "cannot read"]),
        (["receive", "--jwks", "DIR/list.json"], ["'--jwks'", "is not a JWKS"]),
        (["receive", "--jwks", "DIR/keys.json"], ["'--jwks'", "is not a JWKS"]),
        (["validate", "DIR/nosuch.jsonl"], ["cannot read", "nosuch.jsonl"]),
    ],
)
def test_a_bad_input_file_named_by_the_user_is_a_usage_error(
    tmp_path: Path, args: list[str | Path], fragments: list[str]
) -> None:
    (tmp_path / "bad.json").write_text("not json")
    (tmp_path / "list.json").write_text("[1, 2]")
    (tmp_path / "keys.json").write_text('{"keys": [1]}')
    (tmp_path / "shape.json").write_text('{"scenario": "x", "seed": 1, "courses": [1]}')
    result = invoke(*[str(arg).replace("DIR", str(tmp_path)) for arg in args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not a crash
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["run", "quickstar"], ["no such scenario file (did you mean quickstart?"]),
        (["check", "quickstart.yml"], ["did you mean quickstart?"]),
        (["run", QUICKSTART, "--duration", "0s"], ["'--duration'", "must be longer than 0"]),
        (["run", QUICKSTART, "--duration", "10"], ["'--duration'", "did you mean '10s'?"]),
        (["run", QUICKSTART, "--speed", "2", "--max-gap", "0s"], ["'--max-gap'", "longer than 0"]),
        (["run", QUICKSTART, "--to", "DIR/out/"], ["'--to'", "names a folder", "out/events.jsonl"]),
    ],
)
def test_a_new_users_mistakes_are_explained(
    tmp_path: Path, args: list[str | Path], fragments: list[str]
) -> None:
    result = invoke(*[str(arg).replace("DIR", str(tmp_path)) for arg in args])
    assert result.exit_code == 2, result.output
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written (a file named "out", before)


def test_the_help_names_every_shipped_scenario() -> None:
    shipped = sorted(path.stem for path in (REPO / "scenarios").glob("*.yaml"))
    text = " ".join(invoke("--help").stdout.split())
    listed = text.split("the name of a shipped one (")[1].split(")")[0]
    assert sorted(listed.split(", ")) == shipped


def test_a_latency_range_in_the_wrong_order_is_refused() -> None:
    from canvas_sim.cli.helpers import duration_range_option

    assert duration_range_option("10ms-200ms", "--latency", "latency") == (10, 200)
    assert duration_range_option("50ms", "--latency", "latency") == (50, 50)
    with pytest.raises(click.BadParameter, match="shorter latency comes first"):
        duration_range_option("200ms-10ms", "--latency", "latency")  # receive --latency


def test_report_of_an_events_file_says_what_it_expects(tmp_path: Path) -> None:
    result = invoke("report", GOLDEN_EVENTS, "--html", tmp_path / "r.html")
    assert result.exit_code == 2, result.output
    assert "not JSON" in result.stderr and "not a delivery's --stats-json" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [
        ["schema", "--out", "FILE/schema.json"],
        ["schemas", "--out", "FILE/schemas"],
        ["keys", "--out", "FILE/keys"],  # was a traceback
        ["receive", "--port", "0", "--out", "FILE/received.jsonl"],
        ["run", QUICKSTART, "--state-out", "FILE/state.json"],
    ],
)
def test_an_output_that_cannot_be_written_is_a_usage_error_in_every_command(
    tmp_path: Path, args: list[str | Path]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder is expected")
    result = invoke(*[str(arg).replace("FILE", str(blocker)) for arg in args])
    assert result.exit_code == 2, result.output
    assert "'--" in result.stderr and "cannot write" in result.stderr, result.stderr
    assert isinstance(result.exception, SystemExit)  # no traceback
    assert list(tmp_path.iterdir()) == [blocker]


def test_a_file_named_like_a_shipped_scenario_is_not_taken_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("run", "quickstart", "--to", "quickstart", "-q")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "quickstart").read_bytes() == GOLDEN_EVENTS.read_bytes()
