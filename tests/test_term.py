"""The term scenario: every activity type in it follows the hand-written contract
(tests/activity_contract.py) and the stream is state-consistent; a small run of it is pinned
byte for byte in tests/golden/term.jsonl.

Reviewed by hand once (6 students, seed 2025): the graded debate's first REST post of each
student comes with submission_created (attempt 1, submission_type discussion_topic) in the same
request, its discussion_entry_submitted names that submission's local id; the reused private
conversations send a message without conversation_created; the SIS batch goes created ->
importing -> imported_with_messages from one job; outcome results carry UTC timestamps and the
rubric assessment's id as artifact_id. To accept an intended change, regenerate with
UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

from pathlib import Path

from activity_contract import (
    BODIES,
    check_activity_body,
    check_admin,
    check_conversations,
    check_discussions,
    check_groups,
    check_outcomes,
)
from goldens import assert_matches_golden

from canvas_sim.run import run_scenario
from canvas_sim.scenario import load_scenario
from canvas_sim.sinks import MemorySink
from canvas_sim.validate import validate_lines

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden" / "term.jsonl"


def term(params: dict[str, str] | None = None, nulls: str = "keep") -> MemorySink:
    scenario, located = load_scenario(ROOT / "scenarios" / "term.yaml", params)
    sink = MemorySink()
    run_scenario(scenario, located, [sink], nulls=nulls)  # type: ignore[arg-type]
    return sink


def test_a_small_term_matches_the_golden_file() -> None:
    produced = b"".join(line + b"\n" for line in term({"students": "6"}).lines)
    assert_matches_golden(produced, GOLDEN)


def test_the_term_is_state_consistent_and_follows_the_contract() -> None:
    for nulls in ("keep", "omit"):
        sink = term(nulls=nulls)
        assert validate_lines(sink.lines, lenient=nulls == "omit").ok
        events = sink.events()
        activity = [e for e in events if e["metadata"]["event_name"] in BODIES]
        assert {e["metadata"]["event_name"] for e in activity} == set(BODIES)
        for event in activity:
            assert check_activity_body(event, 2107, nulls == "omit") == []
        for check in (
            check_discussions,
            check_conversations,
            check_groups,
            check_outcomes,
            check_admin,
        ):
            assert check(events) == [], check.__name__
