"""The quickstart scenario in Caliper form is pinned byte for byte.

Reviewed by hand against CALIPER.md once, and the values below are typed from the Canvas-format
golden file and CALIPER.md's rules (not from the renderer): the course_created envelope (3.7: no
group or membership; 2.2: the admin's actor extension without the null user_sis_id), the first
grade_change (3.2: grader as a Person without extensions, Score with the submission's id,
scoredBy, assignee with the student's SIS id; 2.5: Instructor membership), the first
submission_created (3.3: dateCreated is submitted_at 16:48:01-06:00 in UTC with milliseconds;
Learner membership), the first enrollment_created (2.4/2.5: the section as group, the admin's
membership of it without a role) and the first autograded quiz grade (2.2: no grader, so the
application is the actor, and no membership).
To accept an intended change, regenerate with UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from goldens import assert_matches_golden

from canvas_sim.caliper.format import CaliperFormat, CaliperSink
from canvas_sim.run import run_scenario
from canvas_sim.scenario import load_scenario
from canvas_sim.sinks import MemorySink

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "quickstart.caliper.jsonl"
U = "urn:instructure:canvas:"
COURSE = f"{U}course:21070000010026440"
TEACHER, STUDENT = (f"{U}user:2107000001002531{n}" for n in (0, 1))
ADMIN = f"{U}user:21070000000025310"


def caliper_lines() -> bytes:
    scenario, located = load_scenario(ROOT / "scenarios" / "quickstart.yaml")
    sink = MemorySink()
    run_scenario(scenario, located, [CaliperSink(sink, CaliperFormat())])
    return b"".join(line + b"\n" for line in sink.lines)


def test_quickstart_in_caliper_form_matches_the_golden_file() -> None:
    produced = caliper_lines()
    assert produced.count(b"\n") == 205  # one envelope per event with a Caliper form
    assert_matches_golden(produced, GOLDEN)


def _first(events: list[dict[str, Any]], kind: str, action: str, **where: Any) -> dict[str, Any]:
    for event in events:
        if (event["type"], event["action"]) == (kind, action) and all(
            where_value(event, path) == value for path, value in where.items()
        ):
            return event
    raise AssertionError(f"no {kind} {action} {where}")


def where_value(event: dict[str, Any], path: str) -> Any:
    value: Any = event
    for part in path.split("__"):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def test_hand_checked_fields_of_the_golden_file() -> None:
    envelopes = [orjson.loads(line) for line in GOLDEN.read_bytes().splitlines()]
    assert {e["sensor"] for e in envelopes} == {"http://canvas.example.edu/"}
    events = [e["data"][0] for e in envelopes]

    course = events[0]
    assert (course["type"], course["action"]) == ("Event", "Created")
    assert course["object"] == {
        "id": COURSE,
        "type": "CourseOffering",
        "name": "Introduction to Biology",
        "extensions": {"com.instructure.canvas": {"entity_id": "21070000010026440"}},
    }
    assert "group" not in course and "membership" not in course
    assert course["actor"]["id"] == ADMIN
    assert "user_sis_id" not in course["actor"]["extensions"]["com.instructure.canvas"]
    assert course["referrer"] == "https://canvas.example.edu/accounts/1"
    assert course["session"]["id"] == f"{U}session:3f647a61183d64c3aadf635a5e32c81e"

    grade = _first(events, "GradeEvent", "Graded")
    assert grade["actor"] == {"id": TEACHER, "type": "Person"}
    assert grade["eventTime"] == "2024-09-05T16:00:00.047Z"
    assert grade["object"]["id"] == grade["generated"]["id"] == f"{U}submission:21070000010001520"
    assert grade["generated"]["type"] == "Score"
    assert (grade["generated"]["scoreGiven"], grade["generated"]["maxScore"]) == (8.5, 10.0)
    assert grade["generated"]["scoredBy"] == TEACHER
    assignee = grade["object"]["assignee"]
    assert assignee["extensions"] == {"com.instructure.canvas": {"sis_id": "S6294618"}}
    assert grade["membership"]["id"] == f"{COURSE}:Instructor:21070000010025310"
    assert grade["membership"]["roles"] == ["Instructor"]

    submitted = _first(events, "AssignableEvent", "Submitted")
    assert submitted["object"]["dateCreated"] == "2024-09-03T22:48:01.000Z"
    assert submitted["membership"]["id"] == f"{COURSE}:Learner:21070000010025311"

    enrolled = _first(events, "Event", "Created", object__type="Entity")
    section = f"{COURSE}:section:21070000010053320"
    assert enrolled["group"]["type"] == "CourseSection" and enrolled["group"]["id"] == section
    assert enrolled["membership"]["id"] == f"{section}:user:21070000000025310"
    assert "roles" not in enrolled["membership"]

    autograded = _first(events, "GradeEvent", "Graded", actor__type="SoftwareApplication")
    assert autograded["actor"]["id"] == autograded["edApp"]["id"] == "http://canvas.example.edu/"
    assert "membership" not in autograded
