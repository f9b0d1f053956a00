"""A run stopped early writes exactly the end state its emitted events tell, at any cut."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from canvas_sim.derive import derive, diff
from canvas_sim.run import DeliveryOptions, deliver_scenario, run_scenario
from canvas_sim.scenario import load_scenario
from canvas_sim.sinks import MemorySink

ROOT = Path(__file__).resolve().parent.parent
Events = list[dict[str, Any]]


def local(gid: str) -> str:
    return str(int(gid) % 10**13)


def derived(events: Events) -> dict[str, Any]:
    """What the events say, by the body's ids (local form): submissions' last score, grade and
    state; each student's last course scores and override; each enrollment's last state."""
    subs: dict[str, dict[str, Any]] = {}
    scores: dict[str, dict[str, Any]] = {}
    overrides: dict[str, Any] = {}
    enrollments: dict[str, str] = {}
    for event in events:
        name, body = event["metadata"]["event_name"], event["body"]
        if name in ("submission_created", "submission_updated"):
            sub = subs.setdefault(local(body["submission_id"]), {})
            sub.update(state=body["workflow_state"], score=body["score"], grade=body["grade"])
        elif name == "grade_change":
            sub = subs.setdefault(local(body["submission_id"]), {})
            sub.update(score=body["score"], grade=body["grade"])
        elif name == "course_grade_change":
            scores[local(body["user_id"])] = {
                key: body[key]
                for key in (
                    "current_score",
                    "final_score",
                    "unposted_current_score",
                    "unposted_final_score",
                )
            }
        elif name == "grade_override":
            overrides[local(body["user_id"])] = body["override_score"]
        elif name in ("enrollment_created", "enrollment_updated"):
            enrollments[local(body["user_id"])] = body["workflow_state"]
    return {"subs": subs, "scores": scores, "overrides": overrides, "enrollments": enrollments}


def assert_state_is_the_prefix(state: dict[str, Any], events: Events) -> int:
    """Every value of ``state`` that an event can tell is the prefix's last word on it; what no
    event told yet is still as it starts. Returns how many values were compared."""
    told = derived(events)
    compared = 0
    for course in state["courses"]:
        for student in course["students"]:
            user = local(student["user_id"])
            assert told["enrollments"].get(user) == student["enrollment_state"], student["key"]
            last = told["scores"].get(user)
            if last is None:  # no recompute emitted yet: the row as it was created
                assert student["scores"]["current_score"] is None, student["key"]
            else:
                for key, value in last.items():
                    assert student["scores"][key] == value, (student["key"], key)
                    compared += 1
            assert student["scores"]["override_score"] == told["overrides"].get(user)
            for key, sub in student["submissions"].items():
                event = told["subs"].get(local(sub["submission_id"]))
                if event is None:  # a silent placeholder: never handed in, never graded
                    assert sub["workflow_state"] == "unsubmitted", (student["key"], key)
                    assert sub["score"] is None and sub["grade"] is None, (student["key"], key)
                    continue
                for field in ("score", "grade"):
                    assert sub[field] == event[field], (student["key"], key, field)
                    compared += 1
                if "state" in event:
                    assert sub["workflow_state"] == event["state"], (student["key"], key)
    return compared


def stopped(name: str, cut: int, **settings: str) -> tuple[dict[str, Any], Events]:
    scenario, located = load_scenario(ROOT / "scenarios" / name, settings)
    sink = MemorySink()
    options = DeliveryOptions(max_events=cut, dead_letter=Path("unused-dead-letter.jsonl"))
    result = deliver_scenario(scenario, located, [sink], options)
    assert result.total == cut
    assert result.gradebook is not None
    return result.gradebook, sink.events()


def whole(name: str, **settings: str) -> int:
    return len(stream(name, **settings))


def stream(name: str, **settings: str) -> Events:
    scenario, located = load_scenario(ROOT / "scenarios" / name, settings)
    sink = MemorySink()
    run_scenario(scenario, located, [sink])
    return sink.events()


def origin(event: dict[str, Any]) -> str | None:
    metadata = event["metadata"]
    return metadata.get("request_id") or metadata.get("job_id")


def between_requests(events: Events, cut: int) -> bool:
    """Whether the first ``cut`` events end with a whole request (or job): a consumer sees a
    request's change only once all its events are in (an excuse's submission_updated alone
    does not say the work is excused; its grade_change does)."""
    return cut >= len(events) or origin(events[cut - 1]) != origin(events[cut])


def test_the_whole_stream_ends_in_the_end_state() -> None:
    scenario, located = load_scenario(ROOT / "scenarios" / "quickstart.yaml")
    sink = MemorySink()
    result = run_scenario(scenario, located, [sink])
    assert result.gradebook is not None
    assert assert_state_is_the_prefix(result.gradebook, sink.events()) > 100


@pytest.mark.parametrize("name", ["quickstart.yaml", "edge-cases.yaml"])
def test_a_stopped_run_writes_the_state_of_the_events_sent_at_many_cuts(name: str) -> None:
    full = stream(name)
    total = len(full)
    cuts = sorted({1, 2, 3, *range(5, total, max(1, total // 25)), total - 1})
    derived = 0
    for cut in cuts:
        state, events = stopped(name, cut)
        assert events == full[:cut]
        assert_state_is_the_prefix(state, events)
        if between_requests(full, cut):  # as canvas_sim.derive (a consumer) sees the prefix
            assert [str(d) for d in diff(derive(events), state)] == [], cut
            derived += 1
    assert derived >= len(cuts) // 3


def test_several_courses_interleaved_are_each_cut_where_their_events_stop() -> None:
    full = stream("load.yaml", courses="3")
    total = len(full)
    for cut in (1, 40, 41, 333, 1000, total // 2, total - 7):
        state, events = stopped("load.yaml", cut, courses="3")
        assert_state_is_the_prefix(state, events)
        if between_requests(full, cut):
            assert [str(d) for d in diff(derive(events), state)] == [], cut


def test_the_stopped_state_is_what_an_in_process_run_would_write(tmp_path: Path) -> None:
    """In a forked producer (HTTP runs) the state is the same as in-process."""
    scenario, located = load_scenario(ROOT / "scenarios" / "quickstart.yaml")
    states = []
    for child in (False, True):
        out = tmp_path / f"{child}.jsonl"
        from canvas_sim.sinks import JsonlFileSink

        options = DeliveryOptions(
            max_events=150, producer_process=child, dead_letter=tmp_path / "dead.jsonl"
        )
        result = deliver_scenario(scenario, located, [JsonlFileSink(out)], options)
        assert result.students, "the final scores table is filled"
        states.append(result.gradebook)
        events = [orjson.loads(line) for line in out.read_bytes().splitlines()]
        assert result.gradebook is not None
        assert_state_is_the_prefix(result.gradebook, events)
    assert states[0] == states[1]


def test_a_stopped_run_with_duplicated_events_still_has_an_end_state(tmp_path: Path) -> None:
    """With faults the cut counts the events sent, copies included: it may pass the stream's
    end, and the state is then the whole run's."""
    from canvas_sim.faults import FaultConfig, FaultInjector, Manifest

    scenario, located = load_scenario(ROOT / "scenarios" / "quickstart.yaml")
    total = whole("quickstart.yaml")
    sink = MemorySink()
    faults = FaultInjector(FaultConfig(duplicates=0.5, seed=3), Manifest(tmp_path / "faults.jsonl"))
    options = DeliveryOptions(
        max_events=total + 5, faults=faults, dead_letter=tmp_path / "dead.jsonl"
    )
    result = deliver_scenario(scenario, located, [sink], options)
    assert result.gradebook is not None and result.total == total + 5
    assert result.gradebook == run_scenario(scenario, located, [MemorySink()]).gradebook
