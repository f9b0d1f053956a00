"""Deriving the end state from events (canvas_sim.derive) and diffing states (statediff)."""

from __future__ import annotations

import copy
import random
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from canvas_sim.derive import Deriver, derive, diff, local_id
from canvas_sim.run import run_scenario
from canvas_sim.scenario import load_scenario
from canvas_sim.sinks import MemorySink
from canvas_sim.statediff import is_placeholder

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))
SMALL = {"load": {"courses": "3"}}


@cache
def shipped(stem: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A shipped scenario run in memory: its events and its ``--state-out`` end state."""
    scenario, located = load_scenario(ROOT / "scenarios" / f"{stem}.yaml", SMALL.get(stem))
    sink = MemorySink()
    result = run_scenario(scenario, located, [sink])
    assert result.gradebook is not None
    return sink.events(), result.gradebook


@pytest.mark.parametrize("stem", [p.stem for p in SHIPPED])
def test_the_full_stream_of_every_shipped_scenario_derives_its_end_state(stem: str) -> None:
    events, expected = shipped(stem)
    derived = derive(events)
    assert diff(derived, expected) == []
    # Independently of diff: every graded submission's score and every student's final score,
    # read straight from the two states.
    want = {
        (s["user_id"], sub["submission_id"]): sub["score"]
        for c in expected["courses"]
        for s in c["students"]
        for sub in s["submissions"].values()
        if not is_placeholder(sub)
    }
    got = {
        (s["user_id"], sub["submission_id"]): sub["score"]
        for c in derived["courses"]
        for s in c["students"]
        for sub in s["submissions"].values()
    }
    assert got == want
    finals = {
        s["user_id"]: s["scores"]["final_score"] for c in expected["courses"] for s in c["students"]
    }
    for course in derived["courses"]:
        for student in course["students"]:
            if student["scores"]["final_score"] is not None:
                assert student["scores"]["final_score"] == finals[student["user_id"]]


def test_placeholders_are_what_no_event_names() -> None:
    events, expected = shipped("quickstart")
    found = diff(derive(events), expected, placeholders=True)
    assert found, "quickstart has work never handed in"
    assert {d.field for d in found} <= {"submission", *("current_score", "final_score")} | {
        "unposted_current_score",
        "unposted_final_score",
    }
    missing = [d for d in found if d.field == "submission"]
    assert all(d.derived == "(absent)" for d in missing)


def test_a_lost_event_shows_as_a_readable_difference() -> None:
    events, expected = shipped("quickstart")
    # Lose the last regrade: its grade_change and the submission_updated of the same request.
    index = max(
        i
        for i, e in enumerate(events)
        if e["metadata"]["event_name"] == "grade_change"
        and e["body"]["old_score"] not in (None, e["body"]["score"])
    )
    lost = events[index]["body"]
    request = events[index]["metadata"]["request_id"]
    others = [e for e in events if e["metadata"].get("request_id") != request]
    found = diff(derive(others), expected)
    assert found
    scores = [d for d in found if d.field == "score"]
    assert scores and scores[0].expected == lost["score"]
    assert scores[0].user_id == local_id(lost["user_id"])
    assert scores[0].assignment_id == local_id(lost["assignment_id"])
    text = str(scores[0])
    assert "expected" in text and "student" in text and lost["assignment_id"][-5:] in text


def test_a_changed_expectation_is_found_in_either_id_form() -> None:
    events, expected = shipped("quickstart")
    derived = derive(events)
    changed = copy.deepcopy(expected)
    student = changed["courses"][0]["students"][2]
    student["scores"]["override_score"] = 77.0
    for course in changed["courses"]:  # local ids everywhere: the same state
        course["course_id"] = local_id(course["course_id"])
        for s in course["students"]:
            s["user_id"] = local_id(s["user_id"])
            for sub in s["submissions"].values():
                sub["submission_id"] = local_id(sub["submission_id"])
        for a in course["assignments"]:
            a["assignment_id"] = local_id(a["assignment_id"])
    [found] = diff(derived, changed)
    assert (found.field, found.expected, found.user_id) == (
        "override_score",
        77.0,
        local_id(student["user_id"]),
    )


def test_order_and_duplicates_do_not_change_the_derived_state() -> None:
    events, expected = shipped("quiz-day")
    shuffled = events + random.Random(3).sample(events, 100)
    random.Random(5).shuffle(shuffled)
    assert diff(derive(shuffled), expected) == []


def test_feeding_reports_the_cells_an_event_changed() -> None:
    events, _ = shipped("quickstart")
    deriver = Deriver()
    changes = [change for event in events for change in deriver.feed(event)]
    first_grade = next(e["body"] for e in events if e["metadata"]["event_name"] == "grade_change")
    cell = next(c for c in changes if c.column == local_id(first_grade["assignment_id"]))
    assert cell.user_id == local_id(first_grade["user_id"])
    assert cell.old["score"] is None
    scores = [c for c in changes if c.column == "final_score"]
    assert scores and all(c.old != c.new for c in scores)
    assert deriver.user_name(first_grade["user_id"]) is not None
