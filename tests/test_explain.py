"""``canvas-sim explain``: one student's groups and scores, checked against an independent sum."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from canvas_sim.cli import main
from canvas_sim.engine import Engine
from canvas_sim.explain import ExplainError, enrolled, explain_student, find_student
from canvas_sim.gradebook import gradebook
from canvas_sim.scenario import load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parent.parent


def explained(path: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every student's explanation after a run of ``path``, and the run's end state."""
    scenario, located = load_scenario(path)
    engine = Engine(scenario, located)
    keys = [
        key for course in engine.courses for key, role in course.world.roles.items()
        if role == "student"
    ]  # fmt: skip
    for _ in engine.events():
        pass
    explanations = [
        explain_student(course, key)
        for key in keys
        for course in enrolled(find_student(engine.courses, key, None), key)
    ]
    return explanations, gradebook(engine)


def exact(value: float) -> Decimal:
    return Decimal(repr(value))


def total_from_groups(explanation: dict[str, Any], part: str) -> Decimal | None:
    """The course score the groups imply, by CANVAS_REFERENCE section 4, from the table alone."""
    groups = [g for g in explanation["groups"] if g[part]["possible"] > 0]
    if explanation["weighted"]:
        weights = sum((exact(g["weight"]) for g in groups), Decimal(0))
        if not groups or weights == 0:
            return None
        total = sum(
            (
                exact(g[part]["score"]) / exact(g[part]["possible"]) * exact(g["weight"])
                for g in groups
            ),
            Decimal(0),
        )
        if weights < 100:
            total = total * 100 / weights
    else:
        possible = sum((exact(g[part]["possible"]) for g in groups), Decimal(0))
        if possible == 0:
            return None
        total = 100 * sum((exact(g[part]["score"]) for g in groups), Decimal(0)) / possible
    return total.quantize(Decimal("0.01"), ROUND_HALF_UP)


@pytest.mark.parametrize("name", ["quickstart.yaml", "semester.yaml", "edge-cases.yaml"])
def test_the_groups_add_up_to_the_scores_of_the_end_state(name: str) -> None:
    explanations, state = explained(ROOT / "scenarios" / name)
    assert explanations
    final_state = {
        (course["name"], student["key"]): student["scores"]
        for course in state["courses"]
        for student in course["students"]
    }
    checked = 0
    for explanation in explanations:
        scores = explanation["scores"]
        assert scores == final_state[(explanation["course"], explanation["student"])]
        for group in explanation["groups"]:
            for part in ("current", "final"):
                assert not set(group[part]["counted"]) & set(group[part]["dropped"])
        if explanation["recomputed_now"] is not None:
            continue  # concluded since the last recompute: the table is of the grades now
        for part, name_ in (("current", "current_score"), ("final", "final_score")):
            implied = total_from_groups(explanation, part)
            given = scores[name_]
            assert (None if implied is None else float(implied)) == given, (explanation, part)
            checked += 1
    assert checked >= 2 * len(explanations) - 4


CONCLUDED = """start: 2024-09-02T08:00:00Z
course:
  students: [{key: ann}]
  groups: [{key: g, assignments: [{key: a1, points: 10}, {key: a2, points: 10}]}]
steps:
  - enroll: {}
  - grade: {assignment: a1, score: 8}
  - conclude: {students: [ann]}
"""


def test_a_concluded_student_shows_the_last_recompute_and_what_a_new_one_gives() -> None:
    scenario, located = parse_scenario(CONCLUDED, "c.yaml")
    engine = Engine(scenario, located)
    for _ in engine.events():
        pass
    explanation = explain_student(engine.courses[0], "ann")
    # Graded before the conclusion: a2 counts 0 in final (8 / 20). Concluding recomputes
    # nothing; recomputed now, a2 (never handed in) is left out: 8 / 10.
    assert explanation["scores"]["final_score"] == 40.0
    assert explanation["recomputed_now"]["final_score"] == 80.0
    assert explanation["groups"][0]["final"]["counted"] == ["a1"]
    # a2's unsubmitted placeholder still counts 0 in the unposted final: 8 / 20.
    unposted = explanation["groups"][0]["unposted_final"]
    assert (unposted["counted"], unposted["score"], unposted["possible"]) == (["a1", "a2"], 8, 20)
    assert explanation["recomputed_now"]["unposted_final_score"] == 40.0


def invoke(*args: str) -> Any:
    return CliRunner().invoke(main, ["explain", *args])


def test_the_command_prints_the_table_and_json() -> None:
    semester = str(ROOT / "scenarios" / "semester.yaml")
    text = invoke(semester, "student3")
    assert text.exit_code == 0, text.output
    assert "Posted grades (what the student sees), by group" in text.output
    assert "homework" in text.output and "final_score" in text.output
    as_json = invoke(semester, "student3", "--json")
    assert as_json.exit_code == 0
    [explanation] = orjson.loads(as_json.stdout)
    assert explanation["student"] == "student3"
    assert {g["group"] for g in explanation["groups"]} >= {"homework", "exams"}


def test_an_unknown_student_or_course_is_a_usage_error() -> None:
    quickstart = str(ROOT / "scenarios" / "quickstart.yaml")
    unknown = invoke(quickstart, "nobody")
    assert unknown.exit_code == 2
    assert "no one with the key 'nobody' in the scenario (people: " in unknown.stderr
    elsewhere = invoke(quickstart, "student1", "--course", "NOPE-1")
    assert elsewhere.exit_code == 2 and "is not in course 'NOPE-1'" in elsewhere.stderr


def test_a_person_never_enrolled_as_a_student_is_said_so() -> None:
    scenario, located = parse_scenario(CONCLUDED.replace("  - enroll: {}\n", ""), "c.yaml")
    engine = Engine(scenario, located)
    with pytest.raises(ExplainError, match="'ann' is never enrolled as a student"):
        enrolled(find_student(engine.courses, "ann", None), "ann")


def test_a_student_in_many_courses_needs_a_course() -> None:
    load = str(ROOT / "scenarios" / "load.yaml")
    many = invoke(load, "student3", "--set", "courses=11")
    assert many.exit_code == 2
    assert "'student3' is in 11 courses: choose one with --course CODE (STAT-101-1" in many.stderr
    one = invoke(load, "student3", "--set", "courses=11", "--course", "STAT-101-2", "--json")
    assert one.exit_code == 0, one.output
    assert [e["course_code"] for e in orjson.loads(one.stdout)] == ["STAT-101-2"]


def test_a_student_can_be_named_by_user_id_in_either_form() -> None:
    quickstart = str(ROOT / "scenarios" / "quickstart.yaml")
    golden = (ROOT / "tests" / "golden" / "quickstart.jsonl").read_bytes().splitlines()
    # student1's ids, as the stream carries them: global in enrollments, local in grades.
    enrollment = next(
        orjson.loads(line)["body"]
        for line in golden
        if b'"enrollment_created"' in line and b'"user_name"' in line
        and orjson.loads(line)["body"]["type"] == "StudentEnrollment"
    )  # fmt: skip
    global_id = enrollment["user_id"]
    local_id = str(int(global_id) % 10**13)
    by_key = invoke(quickstart, "--json", "student1")
    assert by_key.exit_code == 0
    [expected] = orjson.loads(by_key.stdout)
    assert expected["name"] == enrollment["user_name"]
    for given in (global_id, local_id):
        result = invoke(quickstart, "--json", given)
        assert result.exit_code == 0, result.output
        assert orjson.loads(result.stdout) == [expected]
    other_shard = invoke(quickstart, str(int(global_id) + 10**13))
    assert other_shard.exit_code == 2


def test_a_misspelt_student_gets_suggestions_and_people_sort_naturally() -> None:
    quickstart = str(ROOT / "scenarios" / "quickstart.yaml")
    result = invoke(quickstart, "studnet1")
    assert result.exit_code == 2
    assert "did you mean 'student1'" in result.stderr
    listed = result.stderr.split("people: ")[1]
    assert listed.index("student2,") < listed.index("student10,")


def test_a_student_can_be_named_by_name() -> None:
    quickstart = str(ROOT / "scenarios" / "quickstart.yaml")
    [expected] = orjson.loads(invoke(quickstart, "--json", "student2").stdout)
    result = invoke(quickstart, "--json", expected["name"].upper())
    assert result.exit_code == 0, result.output
    assert orjson.loads(result.stdout) == [expected]
