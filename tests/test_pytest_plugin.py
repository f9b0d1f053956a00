"""The canvas_sim pytest fixture, used as a consumer's own test would use it."""

from __future__ import annotations

from pathlib import Path

import httpx
from example_consumer import ScoreKeeper

from simulator.pytest_plugin import Simulator

QUICKSTART = Path(__file__).resolve().parent.parent / "scenarios" / "quickstart.yaml"

INLINE = """
start: 2024-09-02T08:00:00Z
course:
  students: 3
  groups: [{key: hw, assignments: [{key: a1, points: 10}, {key: a2, points: 20}]}]
steps:
  - enroll: {}
  - grade: {assignment: a1, score: {uniform: [4, 10]}}
  - grade: {assignment: a2, score: 15}
"""


def test_the_fixture_is_registered(canvas_sim: Simulator) -> None:
    assert isinstance(canvas_sim, Simulator)


def test_inline_scenario_and_end_state(canvas_sim: Simulator) -> None:
    sim = canvas_sim.run(INLINE, seed=3)
    assert len(sim.of_type("grade_change")) == 6
    students = list(sim.students())
    assert len(students) == 3
    for student in students:
        a1 = student["submissions"]["a1"]["score"]
        # points-based: (a1 + 15) / 30
        expected = round((a1 + 15) / 30 * 100 + 1e-9, 2)
        assert student["scores"]["current_score"] == expected


def test_a_consumer_derives_the_end_state(canvas_sim: Simulator) -> None:
    sim = canvas_sim.run(QUICKSTART, seed=42)
    consumer = ScoreKeeper()
    client = httpx.Client(transport=httpx.WSGITransport(app=consumer), base_url="http://app/events")
    responses = sim.post_to(client)
    assert {r.status_code for r in responses} == {200}
    course_id = str(int(sim.gradebook["courses"][0]["course_id"]) % 10**13)
    for student in sim.students():
        user_id = str(int(student["user_id"]) % 10**13)
        kept = consumer.scores[(course_id, user_id)]
        assert kept["current_score"] == student["scores"]["current_score"]
        assert kept["final_score"] == student["scores"]["final_score"]
