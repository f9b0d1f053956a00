"""The quickstart scenario's output is pinned byte for byte (reviewed by hand once).

The trajectory of student12 in this file was checked by hand against CANVAS_REFERENCE section 4
(weighted groups 40/60, drop_lowest 1 with never_drop, pending_review, points change, manual
posting): current/final 60.0/12.0 (hw1 6/10) -> 60.0/21.43 (quiz pending: 12 + 11/70*60) ->
78.0/27.43 (quiz 18/20) -> 66.0/27.43 (hw2 graded 0; one droppable, so nothing dropped in
current) -> 64.91/27.43 (hw2 now out of 12: 6/22*40 + 54) -> unposted 61.91/63.0 (midterm
41.5/50 hidden) -> posted 61.91/63.0. Regenerated once when ids became per course (each course
its own id block and random streams, account records from their own stream).
To accept an intended change, regenerate with UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

from pathlib import Path

from goldens import assert_matches_golden

from canvas_sim.run import run_scenario
from canvas_sim.scenario import load_scenario
from canvas_sim.sinks import MemorySink

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden" / "quickstart.jsonl"


def quickstart_lines(seed: int | None = None) -> bytes:
    scenario, located = load_scenario(ROOT / "scenarios" / "quickstart.yaml")
    sink = MemorySink()
    run_scenario(scenario, located, [sink], seed=seed)
    return b"".join(line + b"\n" for line in sink.lines)


def test_quickstart_matches_the_golden_file() -> None:
    assert_matches_golden(quickstart_lines(), GOLDEN)


def test_same_seed_same_bytes_and_other_seed_other_people() -> None:
    assert quickstart_lines(seed=5) == quickstart_lines(seed=5)
    other = quickstart_lines(seed=6)
    assert other != quickstart_lines(seed=5)
    assert b'"user_name":"' in other
