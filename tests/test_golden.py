"""The quickstart scenario's output is pinned byte for byte (reviewed by hand once).

The trajectory of student12 in this file was checked by hand against CANVAS_REFERENCE section 4
(weighted groups 40/60, drop_lowest 1 with never_drop, pending_review, points change, manual
posting): current/final 95.0/19.0 -> 95.0/28.43 (quiz pending: 19 + 11/70*60) -> 86.0/32.71 ->
67.0/32.71 (hw2 graded 0; one droppable, so nothing dropped in current) -> 65.27/32.71 (hw2 now
out of 12: 9.5/22*40 + 48) -> unposted 72.99/74.71 (midterm 49/50 hidden) -> posted 72.99/74.71.
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
