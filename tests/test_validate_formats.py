"""The validator's payload-format dispatch point, and ``python -m canvas_sim.validate``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from canvas_sim.validate import PayloadFormat, Recorder, StreamValidator, validate_lines
from canvas_sim.validate import formats as formats_module
from canvas_sim.validate.formats import register_format

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "quickstart.jsonl"


class EnvelopeChecker:
    """A made-up format: an envelope of named events, each needing an ``id``."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self.seen: list[tuple[int, int | None]] = []

    def check(self, payload: dict[str, Any], line: int, duplicate_of: int | None) -> None:
        self.seen.append((line, duplicate_of))
        for event in payload["data"]:
            self.recorder.report.events[f"envelope:{event['type']}"] += 1
            if "id" not in event:
                self.recorder.problem(line, event["type"], "schema", "$.data[].id: missing")


@pytest.fixture
def envelope(monkeypatch: pytest.MonkeyPatch) -> list[EnvelopeChecker]:
    """Register the made-up format for one test; the checkers it made, to look into."""
    monkeypatch.setattr(formats_module, "_REGISTERED", [])
    made: list[EnvelopeChecker] = []

    def make(recorder: Recorder) -> EnvelopeChecker:
        made.append(EnvelopeChecker(recorder))
        return made[-1]

    register_format(PayloadFormat("envelope", claims=lambda p: "data" in p, checker=make))
    return made


def golden_lines() -> list[bytes]:
    return GOLDEN.read_bytes().splitlines()


def test_a_registered_format_gets_its_payloads_and_canvas_keeps_the_rest(
    envelope: list[EnvelopeChecker],
) -> None:
    canvas = golden_lines()[:3]
    wrapped = orjson.dumps({"data": [{"type": "Event", "id": "1"}, {"type": "Event"}]})
    report = validate_lines([canvas[0], wrapped, canvas[1], wrapped, canvas[2], b"[]"])
    assert len(envelope) == 1, "one checker per stream"
    assert envelope[0].seen == [(2, None), (4, 2)]
    assert report.events["envelope:Event"] == 4
    assert sum(n for name, n in report.events.items() if ":" not in name) == 3
    assert [(p.line, p.kind, p.message) for p in report.problems] == [
        (2, "schema", "$.data[].id: missing"),
        (4, "schema", "$.data[].id: missing"),
        (6, "json", "not a JSON object"),
    ]


def test_each_stream_gets_a_checker_of_its_own(envelope: list[EnvelopeChecker]) -> None:
    wrapped = orjson.dumps({"data": []})
    first, second = StreamValidator(), StreamValidator()
    first.feed(wrapped)
    second.feed(wrapped)
    assert len(envelope) == 2


def test_unclaimed_objects_are_judged_as_canvas_events(envelope: list[EnvelopeChecker]) -> None:
    report = validate_lines([b'{"sensor": "x"}'])
    assert envelope == []
    assert [p.message for p in report.problems] == ["not an object with metadata and body objects"]


def test_a_format_name_is_registered_once(envelope: list[EnvelopeChecker]) -> None:
    for name in ("canvas", "envelope"):
        with pytest.raises(ValueError, match=f"{name!r} is already registered"):
            register_format(PayloadFormat(name, claims=lambda _: False, checker=EnvelopeChecker))


def test_python_m_canvas_sim_validate(tmp_path: Path) -> None:
    clean = subprocess.run(
        [sys.executable, "-m", "canvas_sim.validate", GOLDEN], capture_output=True, text=True
    )
    assert clean.returncode == 0, clean.stderr
    assert clean.stdout == ""
    assert clean.stderr == f"{GOLDEN}: 302 lines, 302 events, 0 problems\n"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"a": 1}\n')
    broken = subprocess.run(
        [sys.executable, "-m", "canvas_sim.validate", bad], capture_output=True, text=True
    )
    assert broken.returncode == 1
    assert broken.stdout == (
        f"{bad}: line 1: [json] -: not an object with metadata and body objects\n"
    )
