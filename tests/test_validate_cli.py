"""`canvas-sim validate` and `canvas-sim schemas` on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import orjson
import pytest
from click.testing import CliRunner

from canvas_sim.cli import main

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "quickstart.jsonl"


def test_the_simulators_own_output_validates() -> None:
    result = CliRunner().invoke(main, ["validate", str(GOLDEN)])
    assert result.exit_code == 0, result.output
    assert "302 events, 0 problems" in result.output


def test_a_broken_chain_is_reported_with_its_line(tmp_path: Path) -> None:
    lines = GOLDEN.read_bytes().splitlines()
    index = next(
        i
        for i, line in enumerate(lines)
        if b'"event_name":"course_grade_change"' in line and b'"old_current_score":null' not in line
    )
    event = orjson.loads(lines[index])
    event["body"]["old_current_score"] = 12.34
    lines[index] = orjson.dumps(event)
    broken = tmp_path / "broken.jsonl"
    broken.write_bytes(b"\n".join(lines) + b"\n")
    result = CliRunner().invoke(main, ["validate", str(broken)])
    assert result.exit_code == 1
    assert f"{broken}:{index + 1}: [chain] course_grade_change" in result.output


def test_lenient_accepts_real_delivery_variants_from_stdin(tmp_path: Path) -> None:
    run = CliRunner().invoke(
        main, ["run", str(ROOT / "scenarios" / "quickstart.yaml"), "--to", "-", "-q",
               "--compact-nulls", "--extra-keys", "--faults-manifest", str(tmp_path / "f.jsonl")],
    )  # fmt: skip
    assert run.exit_code == 0
    strict = CliRunner().invoke(main, ["validate", "-"], input=run.stdout)
    assert strict.exit_code == 1 and "[lenient]" in strict.output
    lenient = CliRunner().invoke(main, ["validate", "--lenient", "-"], input=run.stdout)
    assert lenient.exit_code == 0, lenient.output
    assert "tolerated:" in lenient.output and "omitted_null" in lenient.output


def test_schemas_are_exported_and_are_valid_schemas(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["schemas", "--out", str(tmp_path / "schemas")])
    assert result.exit_code == 0, result.output
    files = sorted((tmp_path / "schemas").glob("*.schema.json"))
    names = {f.name.removesuffix(".schema.json") for f in files}
    emitted = {
        orjson.loads(line)["metadata"]["event_name"] for line in GOLDEN.read_bytes().splitlines()
    }
    assert emitted <= names and "_common" in names
    for path in files:
        jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text()))


def test_no_files_and_a_terminal_for_stdin_is_a_usage_error() -> None:
    import os
    import pty
    import subprocess
    import sys

    controller, terminal = pty.openpty()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "canvas_sim", "validate"],
            stdin=terminal,
            capture_output=True,
            text=True,
            timeout=30,  # it used to wait for a stream typed in
        )
    finally:
        os.close(terminal)
        os.close(controller)
    assert result.returncode == 2
    assert "give FILES to check, or pipe a stream in" in result.stderr


def test_an_empty_file_is_a_problem_unless_allowed(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    result = CliRunner().invoke(main, ["validate", str(empty)])
    assert result.exit_code == 1, result.output
    assert f"{empty}: the file holds no events" in result.output
    allowed = CliRunner().invoke(main, ["validate", "--allow-empty", str(empty)])
    assert allowed.exit_code == 0, allowed.output
    assert "0 events, 0 problems" in allowed.output


@pytest.mark.parametrize("content", [b"", b"\n  \n"])
def test_both_entry_points_refuse_an_empty_file_alike(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    from canvas_sim.validate import validate_lines
    from canvas_sim.validate.command import main as module_main

    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(content)
    assert CliRunner().invoke(main, ["validate", str(empty)]).exit_code == 1
    assert module_main([str(empty)]) == 1  # python -m canvas_sim.validate
    assert f"{empty}: the file holds no events" in capsys.readouterr().out
    assert module_main(["--allow-empty", str(empty)]) == 0
    assert not validate_lines(content.splitlines()).ok  # the library says the same
    assert validate_lines([], allow_empty=True).ok
