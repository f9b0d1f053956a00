"""Bad scenario files never give a traceback: control characters, binary data and mutants of
every shipped scenario each exit 0 or 2 (a located error), and never leave a partial output."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from canvas_sim.cli import main

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))  # more for a longer hunt
LOCATED = re.compile(r"^error: [^\n]+\.yaml:\d+(:\d+)?: ", re.MULTILINE)

TINY = b"""start: 2024-09-02T08:00:00Z
course:
  name: Biology
  students: 2
  groups: [{key: g, assignments: [{key: a, points: 10}]}]
steps:
  - enroll: {}
"""


def run(path: Path, out: Path, *extra: str) -> Result:
    return CliRunner().invoke(
        main, ["run", str(path), "--to", str(out), "--max-events", "150", "-q", *extra]
    )


def assert_clean(result: Result, out: Path) -> None:
    """Exit 0 with a whole output file, or 2 with a located message and no file at all."""
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert "Traceback" not in output
    assert result.exit_code in (0, 2), (result.exit_code, output, result.exception)
    if result.exit_code == 2:
        assert not out.exists(), "a failed run left an output file"
        assert list(out.parent.glob(f"*{out.name}*")) == [], "a temporary file was left"
    else:
        lines = out.read_bytes().splitlines()
        assert all(orjson.loads(line)["metadata"]["event_name"] for line in lines)


@pytest.mark.parametrize(
    ("inserted", "named"),
    [
        (b"\x00", "NUL (U+0000)"),
        ("\u0089".encode(), "U+0089"),
        (b"\x01", "U+0001"),
        (b"\x1b", "U+001B"),
        (b"\x7f", "U+007F"),
        ("\ufffe".encode(), "U+FFFE"),
    ],
)
def test_a_control_character_in_the_file_is_a_located_error(
    tmp_path: Path, inserted: bytes, named: str
) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(TINY.replace(b"Biology", b"Bio" + inserted + b"logy"))
    out = tmp_path / "out.jsonl"
    for args in (["check", str(path)], ["run", str(path), "--to", str(out)]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(f"error: {path}:3:12: the file holds the control character")
        assert named in result.stderr
    assert not out.exists()


def test_binary_data_is_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(TINY.replace(b"  students", b"\x89PNG\r\n\x1a\n\xff\xd8  students"))
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {path}:4:1: byte 0x89 is not UTF-8 text")


def test_an_included_file_with_binary_data_is_located_in_that_file(tmp_path: Path) -> None:
    (tmp_path / "people.yaml").write_bytes(b"students: 2\nname: x\xc3\x28\n")
    path = tmp_path / "s.yaml"
    path.write_bytes(TINY.replace(b"  students: 2\n", b"  include: people.yaml\n"))
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {tmp_path / 'people.yaml'}:2:8: byte 0xc3 is not")


@pytest.mark.parametrize(
    ("name", "column"), [('"Bio\\0logy"', 9), ('"Bio\\x00logy"', 9), ("'ok'\n  \"k\\0\": 1", 3)]
)
def test_nul_in_scenario_text_is_refused_where_it_is(
    tmp_path: Path, name: str, column: int
) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(TINY.replace(b"Biology", name.encode()))
    out = tmp_path / "out.jsonl"
    result = run(path, out)
    assert result.exit_code == 2
    line = 3 if column == 9 else 4
    assert result.stderr.startswith(f"error: {path}:{line}:{column}: ")
    assert "NUL character (U+0000), which Canvas cannot store" in result.stderr
    assert not out.exists()


# Values a careless or hostile edit puts where a value was.
HOSTILE = [
    "-1",
    "0",
    "1.5",
    "1e400",
    "-.inf",
    ".nan",
    '""',
    "null",
    "[]",
    "{}",
    "[[[]]]",
    "{a: {b: {c: 1}}}",
    '"\\0"',
    '"\\u0089"',
    "x" * 10_000,
    "${nope}",
    "*nowhere",
    "&anchor x",
    "!!binary aGk=",
    "!!python/name:os.system ''",
    "2024-13-45T99:00:00Z",
    "true",
    "'150%'",
    "{uniform: 8}",
    "{normal: [8, -2]}",
]
VALUE = re.compile(rb"^(\s*(?:- )?[\w-]+: )(\S.*)$")


@st.composite
def mutants(draw: st.DrawFn, text: bytes) -> bytes:
    """``text`` with a few lines deleted, duplicated, swapped, re-indented, given binary bytes
    or control characters, or a value replaced by a hostile one."""
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(lines) - 1))
        kind = draw(
            st.sampled_from(["delete", "duplicate", "swap", "indent", "binary", "control", "value"])
        )
        if kind == "delete" and len(lines) > 1:
            del lines[at]
        elif kind == "duplicate":
            lines.insert(at, lines[at])
        elif kind == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif kind == "indent":
            shift = draw(st.sampled_from([-4, -2, -1, 1, 2, 3]))
            line = lines[at]
            lines[at] = (
                line[-shift:] if shift < 0 and line[:-shift].isspace() else b" " * shift + line
            )
        elif kind in ("binary", "control"):
            noise = draw(
                st.binary(min_size=1, max_size=8)
                if kind == "binary"
                else st.sampled_from([b"\x00", b"\x07", "\u0089".encode(), b"\x1b[31m", b"\t"])
            )
            column = draw(st.integers(0, len(lines[at])))
            lines[at] = lines[at][:column] + noise + lines[at][column:]
        elif kind == "value":
            found = VALUE.match(lines[at].rstrip(b"\n"))
            if found:
                hostile = draw(st.sampled_from(HOSTILE)).encode()
                lines[at] = found.group(1) + hostile + b"\n"
    return b"".join(lines)


@pytest.mark.parametrize("shipped", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_mutants_of_every_shipped_scenario_exit_0_or_2(shipped: Path) -> None:
    extra = ("--set", "courses=1") if shipped.stem == "load" else ()

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(mutants(shipped.read_bytes()))
    def check(mutant: bytes) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / shipped.name
            path.write_bytes(mutant)
            out = Path(folder) / "out" / "events.jsonl"
            result = run(path, out, *extra)
            assert_clean(result, out)
            if result.exit_code == 2 and "--set" not in result.stderr:
                assert LOCATED.search(result.stderr) or "error: " in result.stderr

    check()
