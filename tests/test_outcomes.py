"""Outcomes, mastery scales, rubric assessments and outcome results (create_outcome,
update_outcome, set_mastery, assess), checked against tests/activity_contract.py."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from activity_contract import check_activity_body, check_outcomes
from eventspec import is_job, run_yaml

from canvas_sim.errors import ScenarioError
from canvas_sim.validate import validate_lines

HEAD = """
start: 2024-09-02T08:00:00-06:00
account: {shard: 31}
course:
  students: 4
  groups:
    - key: labs
      assignments: [{key: lab1, points: 20}]
steps:
  - enroll: {}
"""
SCENARIO = (
    HEAD
    + """
  - set_mastery:
      ratings:
        - {description: Exceeds, points: 4, color: 127A1B}
        - {description: Meets, points: 3, mastery: true}
        - {description: Below, points: 1, color: E0061F}
      calculation_method: decaying_average
      calculation_int: 65
  - create_outcome: {key: inquiry, title: Scientific inquiry, group: Lab skills}
  - create_outcome: {key: safety, group: Lab skills, calculation_method: latest}
  - submit: {assignment: lab1}
  - assess: {assignment: lab1, score: {uniform: [10, 20]}, outcomes: [inquiry, safety]}
  - assess: {assignment: lab1, students: [student1], score: 20, outcomes: [inquiry]}
  - set_mastery: {calculation_method: n_mastery, calculation_int: 3}
  - set_mastery: {calculation_method: n_mastery, calculation_int: 3}
  - set_mastery: {ratings: [{description: Done, points: 1, mastery: true}]}
  - update_outcome: {outcome: safety, title: Lab safety, group_title: Laboratory skills}
  - update_outcome: {outcome: safety, delete: true}
"""
)
PREFIXES = ("learning_outcome", "outcome_", "rubric_assessed")


def family(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["metadata"]["event_name"].startswith(PREFIXES)]


@pytest.mark.parametrize("nulls", ["keep", "omit"])
def test_outcome_events_follow_the_reference(nulls: str) -> None:
    events, lines = run_yaml(SCENARIO, nulls=nulls)
    assert validate_lines(lines, lenient=nulls == "omit").ok
    for event in family(events):
        assert check_activity_body(event, 31, nulls == "omit") == []
    assert check_outcomes(events) == []


def test_what_each_step_sends() -> None:
    events, _ = run_yaml(SCENARIO)
    counts = Counter(e["metadata"]["event_name"] for e in family(events))
    assert counts == {
        "outcome_proficiency_created": 1,
        "outcome_proficiency_updated": 1,
        "outcome_calculation_method_created": 1,
        "outcome_calculation_method_updated": 1,  # the repeat changes nothing
        "learning_outcome_group_created": 2,  # the course's root, then Lab skills
        "learning_outcome_group_updated": 1,
        "learning_outcome_created": 2,
        "learning_outcome_updated": 2,
        "learning_outcome_link_created": 2,
        "learning_outcome_link_updated": 1,
        "rubric_assessed": 5,
        "learning_outcome_result_created": 8,  # 4 students x 2 outcomes
        "learning_outcome_result_updated": 1,  # student1's inquiry, assessed again
    }
    assessed = [e for e in events if e["metadata"]["event_name"] == "rubric_assessed"]
    assert len({e["body"]["id"] for e in assessed}) == 4  # regrading re-saves the same one
    results = [e for e in family(events) if "result" in e["metadata"]["event_name"]]
    assert all(is_job(e) for e in results)
    tags = {e["metadata"]["job_tag"] for e in results}
    assert tags == {"RubricAssessment#update_outcomes_for_assessment"}
    for event in results:
        body = event["body"]
        assert 0 <= body["score"] <= body["possible"] == 4.0
        assert body["mastery"] == (body["score"] >= 3.0)
    # an assessment grades the work through the usual path
    grades = [e for e in events if e["metadata"]["event_name"] == "grade_change"]
    assert len(grades) >= 4
    created = [e["body"] for e in family(events) if e["metadata"]["event_name"].endswith("created")]
    assert all("updated_at" not in body for body in created if "learning_outcome_id" in body)


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ("  - assess: {assignment: lab1, score: 3, outcomes: [nope]}\n", "unknown outcome 'nope'"),
        ("  - create_outcome: {key: o, calculation_method: median}\n", "calculation_method"),
        ("  - update_outcome: {outcome: o}\n", "unknown outcome 'o'"),
    ],
)
def test_mistakes_are_located(steps: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        run_yaml(HEAD + steps)
