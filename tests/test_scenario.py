"""Scenario parsing: every mistake is reported at file:line:column with what was expected."""

from __future__ import annotations

import re

import pytest

from canvas_sim.errors import ScenarioError
from canvas_sim.scenario import (
    STEP_MODELS,
    Normal,
    Uniform,
    load_scenario,
    parse_scenario,
)

GradeStep, SubmitStep = STEP_MODELS["grade"], STEP_MODELS["submit"]

HEAD = "start: 2024-09-02T08:00:00Z\n"


def error_of(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "s.yaml")
    return caught.value


def test_a_valid_scenario_is_typed() -> None:
    scenario, located = parse_scenario(
        HEAD
        + """course:
  groups: [{key: hw, weight: 40, assignments: [{key: a1, points: 12.5, due: 2d}]}]
steps:
  - enroll: {}
  - at: 1d 2h
    grade: {assignment: a1, score: {uniform: [5, 10]}}
  - after: 90s
    over: 1h
    grade: {assignment: a1, score: {normal: [8, 1]}, students: "50%"}
""",
        "ok.yaml",
    )
    assert scenario.course.groups[0].assignments[0].points == pytest.approx(12.5)
    assert scenario.course.groups[0].assignments[0].due == 2 * 86_400_000
    second = scenario.steps[1]
    assert isinstance(second, GradeStep)
    assert second.at == 26 * 3_600_000
    assert isinstance(second.grade.score, Uniform)
    third = scenario.steps[2]
    assert isinstance(third, GradeStep)
    assert (third.after, third.over) == (90_000, 3_600_000)
    assert isinstance(third.grade.score, Normal) and third.grade.students == "50%"
    assert located.position(("steps", 1)) == (6, 5)


@pytest.mark.parametrize(
    ("text", "place", "expected"),
    [
        ("start: [1\n", "s.yaml:2:1", "invalid YAML"),
        ("start: 2024-09-02T08:00:00Z\nstart: 2024-09-03T08:00:00Z\n", "s.yaml:2:1", "duplicate"),
        ("steps: []\n", "s.yaml:1:1", "missing required key 'start'"),
        ("start: 2024-09-02T08:00:00\n", "s.yaml:1:1", "time zone offset"),
        (HEAD + "course:\n  nmae: Bio\n", "s.yaml:3:3", "did you mean 'name'"),
        (HEAD + "course:\n  time_zone: Mars/Base\n", "s.yaml:3:3", "unknown IANA time zone"),
        (HEAD + "steps:\n  - grad: {assignment: a}\n", "s.yaml:3:5", "did you mean 'grade'"),
        (HEAD + "steps:\n  - frobnicate: {}\n", "s.yaml:3:5", "expected one action"),
        (
            HEAD + "steps:\n  - grade: {assignment: a, scor: 1}\n",
            "s.yaml:3:28",
            "did you mean 'score'",
        ),
        (
            HEAD + "steps:\n  - grade: {assignment: a}\n",
            "s.yaml:3:5",
            "missing required key 'score'",
        ),
        (
            HEAD + "steps:\n  - grade: {assignment: a, score: lots}\n",
            "s.yaml:3:28",
            "expected a score",
        ),
        (
            HEAD + "steps:\n  - grade: {assignment: a, score: 1, students: 3}\n",
            "s.yaml:3:",
            "students",
        ),
        (HEAD + "steps:\n  - at: 3 weeks\n    enroll: {}\n", "s.yaml:3:5", "expected a duration"),
        (
            HEAD + "steps:\n  - enroll: {}\n    submit: {assignment: a}\n",
            "s.yaml:3:5",
            "exactly one",
        ),
        (HEAD + "steps:\n  - 5\n", "s.yaml:3:5", "expected a step mapping"),
        ("- 1\n- 2\n", "s.yaml:1:1", "expected a mapping"),
    ],
)
def test_errors_are_located(text: str, place: str, expected: str) -> None:
    error = error_of(text)
    assert str(error).startswith(place), str(error)
    assert expected in str(error)


def test_every_step_type_parses() -> None:
    bodies = {
        "enroll": "{users: students, state: invited}",
        "accept_invitation": "{students: all}",
        "submit": "{assignment: a, type: online_url, url: 'https://x.test'}",
        "grade": "{assignment: a, score: '85%', via: api, grader: t}",
        "excuse": "{assignment: a, students: [s1]}",
        "take_quiz": "{assignment: q, score: 7, needs_review: true}",
        "update_assignment": "{assignment: a, points: 20, grading_type: percent}",
        "update_group": "{group: g, weight: 30, drop_lowest: 1, never_drop: [a]}",
        "create_assignment": "{group: g, key: a2, points: 5, due: 3d, published: false}",
        "create_group": "{key: g2, weight: 10, assignments: [{key: a3}]}",
        "conclude": "{students: [s1]}",
        "drop": "{students: all}",
        "reopen": "{students: [s1]}",
        "post_grades": "{assignment: a}",
        "hide_grades": "{assignment: a}",
        "override_grade": "{students: [s1], score: null}",
        "set_status": "{assignment: a, status: Incomplete}",
        "comment": "{assignment: a, author: student, text: hi, attachments: 1}",
        "browse": "{students: 50%, sessions: 2, pages: {uniform: [1, 3]}, logout: 5%}",
        "create_module": "{key: m, items: [{assignment: a, requirement: submit}, {page: p}]}",
        "update_module": "{module: m, item: 1, published: false}",
        "mark_done": "{module: m, item: 2, students: [s1]}",
        "create_page": "{key: p, title: Intro}",
        "update_page": "{page: p, body: '<p>new</p>'}",
        "upload_file": "{key: f, name: notes.pdf}",
        "update_file": "{file: f, deleted: true}",
        "create_quiz": "{key: pq, quiz_type: survey}",
        "update_quiz": "{quiz: pq, time_limit: 5}",
        "update_syllabus": "{body: '<p>Syllabus</p>'}",
        "create_topic": "{key: t1, points: 5, due: 2d, group: g}",
        "update_topic": "{topic: t1, locked: true}",
        "discuss": "{topic: t1, entries: {uniform: [1, 2]}, replies: '30%', via: rest}",
        "message": "{sender: t, students: all, individual: false, add: [s1]}",
        "create_group_set": "{key: gs, groups: 3, group_limit: 4, assign: random}",
        "update_group_set": "{set: gs, group: 1, group_name: Alpha}",
        "join_group": "{set: gs, students: [s1], group: 2}",
        "create_section": "{key: sec, name: Lab A, start_at: 1d}",
        "update_section": "{section: sec, delete: true}",
        "create_outcome": "{key: o1, ratings: [{description: Ok, points: 1}], mastery_points: 1}",
        "update_outcome": "{outcome: o1, title: Renamed}",
        "set_mastery": "{calculation_method: latest}",
        "assess": "{assignment: a, score: 7, outcomes: [o1]}",
        "resubmit_plagiarism": "{assignment: a}",
        "update_user": "{users: [s1], time_zone: Europe/Paris}",
        "associate_users": "{accounts: root}",
        "notify_account": "{icon: warning}",
        "sis_import": "{outcome: failed_with_messages}",
        "copy_course": "{migration_type: qti_converter}",
        "blueprint_sync": "{takes: 1m}",
        "link_tool": "{key: l1, assignment: a}",
        "update_tool_link": "{link: l1, delete: true}",
        "create_account": "{key: acc}",
        "update_account": "{account: acc, name: Renamed}",
    }
    assert set(bodies) == set(STEP_MODELS)
    steps = "".join(f"  - {name}: {body}\n" for name, body in bodies.items())
    scenario, _ = parse_scenario(HEAD + "steps:\n" + steps, "all.yaml")
    assert [type(step) for step in scenario.steps] == list(STEP_MODELS.values())


def test_missing_file() -> None:
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load_scenario("/nonexistent/scenario.yaml")


@pytest.mark.parametrize(
    "value",
    ["!!python/object/apply:os.system ['true']", "!!python/name:os.system ''", "!custom {a: 1}"],
)
def test_safe_loading_refuses_python_and_custom_tags(value: str) -> None:
    error = error_of(HEAD + f"name: {value}\n")
    assert str(error).startswith("s.yaml:2:7: invalid YAML")


PARAMS = (
    HEAD
    + """params:
  students: 4
  label: Bio
course:
  name: "${label} 101"
  students: ${students}
"""
)


def test_params_substitute_with_their_types_and_set_overrides() -> None:
    scenario, _ = parse_scenario(PARAMS, "p.yaml")
    assert scenario.course.students == 4 and scenario.course.name == "Bio 101"
    scenario, _ = parse_scenario(PARAMS, "p.yaml", {"students": "40", "label": "Chem"})
    assert scenario.course.students == 40 and scenario.course.name == "Chem 101"


def test_an_error_in_a_set_value_says_it_came_from_set() -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(PARAMS, "p.yaml", {"students": "abc"})
    message = str(caught.value)
    assert message.startswith("p.yaml:") and "the value comes from --set students=abc" in message
    with pytest.raises(ScenarioError) as unchanged:  # the same mistake written in the file
        parse_scenario(PARAMS.replace("students: 4", "students: abc"), "p.yaml")
    assert "--set" not in str(unchanged.value)


def test_unknown_parameters_are_errors() -> None:
    with pytest.raises(ScenarioError, match=r"--set colour: the scenario declares no such"):
        parse_scenario(PARAMS, "p.yaml", {"colour": "red"})
    error = error_of(HEAD + "course:\n  students: ${pupils}\n")
    assert str(error).startswith("s.yaml:3:3:") and "unknown parameter ${pupils}" in str(error)


REPEAT = (
    HEAD
    + """course:
  students: 2
  groups: [{key: g, assignments: [{key: hw1}, {key: hw2}, {key: hw3}]}]
steps:
  - enroll: {}
  - repeat: 3
    at: 1d
    every: 1w
    steps:
      - submit: {assignment: "hw${n}"}
      - after: 2h
        grade: {assignment: "hw${n}", score: 8}
"""
)


def test_repeat_blocks_unroll_with_the_iteration_number() -> None:
    scenario, located = parse_scenario(REPEAT, "r.yaml")
    steps = scenario.steps
    assert len(steps) == 7
    submits = [s for s in steps if isinstance(s, SubmitStep)]
    assert [s.submit.assignment for s in submits] == ["hw1", "hw2", "hw3"]
    day, week = 86_400_000, 7 * 86_400_000
    assert [s.at for s in submits] == [day, day + week, day + 2 * week]
    grades = [s for s in steps if isinstance(s, GradeStep)]
    assert [g.after for g in grades] == [7_200_000] * 3 and grades[0].at is None
    # Every copy keeps the position of the block's own line.
    assert located.position(("steps", 5)) == located.position(("steps", 3)) == (11, 9)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("repeat: 3", "repeat: 0"), "whole number of times"),
        (("    every: 1w\n", "    every: 1w\n    times: 2\n"), "unknown key 'times'"),
        (("    at: 1d\n", ""), "every needs the block's at"),
        (('grade: {assignment: "hw${n}"', 'grade: {assignment: "hw${n}", sore: 1'), "r.yaml:13:"),
    ],
)
def test_repeat_block_mistakes_are_located(change: tuple[str, str], expected: str) -> None:
    with pytest.raises(ScenarioError, match=re.escape(expected)):
        parse_scenario(REPEAT.replace(*change), "r.yaml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("seed: abc\n", "s.yaml:2:1: seed: expected a whole number (got 'abc')"),
        ("course: {students: 2.5}\n", "course.students: expected a whole number (got 2.5)"),
        (
            "course: {groups: [{key: hw, assignments: [{key: a, points: ten}]}]}\n",
            "points: expected a number (got 'ten')",
        ),
        (
            "course: {groups: [{key: home work}]}\n",
            "key: expected a key of letters, digits, '_', '.' or '-' (no spaces)",
        ),
        ("course: {students: -1}\n", "course.students: expected a number >= 0 (got -1)"),
        (
            "course: {groups: [{key: hw, assignments: [{key: a, grading_type: stars}]}]}\n",
            "grading_type: expected 'points', 'percent',",
        ),
    ],
)
def test_value_errors_are_in_plain_words(text: str, expected: str) -> None:
    message = str(error_of(HEAD + text))
    assert expected in message, message
    assert "Input should" not in message and "pattern" not in message


def test_a_bad_start_says_what_a_time_looks_like() -> None:
    message = str(error_of("start: tomorrow\n"))
    assert "start: expected a date and time like 2024-09-02T08:00:00-06:00 (got 'tomorrow')" in (
        message
    )


ONE_ASSIGNMENT = HEAD + "course: {groups: [{key: g, assignments: [{key: a, due: DUE}]}]}\n"


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        ("2024-09-05T23:59:00", "due: a timestamp needs its UTC offset, e.g. 2024-09-05T23:59"),
        ('"2024-09-05T23:59"', "due: a timestamp needs its UTC offset"),
        ("2024-09-05", "due: a date needs a time and its UTC offset"),
        ("2024-13-45T00:00:00Z", "'2024-13-45T00:00:00Z' is not a valid timestamp (month must"),
        ('"2024-13-45T00:00:00Z"', "due: expected a timestamp like 2024-09-05T23:59:00-06:00"),
        ("soon", "got 'soon'; or a timestamp like 2024-09-05T23:59:00-06:00"),
    ],
)
def test_timestamps_without_an_offset_or_impossible_are_located_errors(
    due: str, expected: str
) -> None:
    message = str(error_of(ONE_ASSIGNMENT.replace("DUE", due)))
    assert message.startswith("s.yaml:2:") and expected in message, message


def test_a_step_time_without_an_offset_is_a_located_error() -> None:
    text = (
        ONE_ASSIGNMENT.replace("DUE", "3d")
        + "steps:\n  - enroll: {}\n  - at: 2024-09-03T09:00:00\n    submit: {assignment: a}\n"
    )
    message = str(error_of(text))
    assert message.startswith("s.yaml:5:5: steps[1].at: a timestamp needs its UTC offset"), message


def test_timestamps_with_an_offset_and_offsets_from_the_start_are_fine() -> None:
    for due in ("2024-09-05T23:59:00-06:00", "2024-09-05T23:59:00Z", '"2024-09-05T23:59Z"', "3d"):
        scenario, _ = parse_scenario(ONE_ASSIGNMENT.replace("DUE", due), "s.yaml")
        assert scenario.course is not None


def test_the_iteration_number_outside_a_repeat_block_is_a_located_error() -> None:
    text = (
        ONE_ASSIGNMENT.replace("DUE", "3d")
        + 'steps:\n  - enroll: {}\n  - submit: {assignment: "a${n}"}\n'
    )
    message = str(error_of(text))
    assert message.startswith("s.yaml:5:14: steps[1].submit.assignment: ${n} (the iteration"), (
        message
    )


def test_an_unquoted_param_in_a_flow_mapping_gets_a_hint() -> None:
    text = HEAD + "params: {x: 5}\ncourse: {students: ${x}}\n"
    message = str(error_of(text))
    assert message.startswith("s.yaml:3:21: invalid YAML:"), message
    assert 'quote a ${param}: "${name}"' in message
    scenario, _ = parse_scenario(text.replace("${x}}", '"${x}"}'), "s.yaml")
    assert scenario.course is not None and scenario.course.students == 5


EVERY_DISTRIBUTION = "{uniform: [low, high]}, {normal: [mean, sd]}, {beta: [alpha, beta]}"


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        ("{uniform: 8}", "{uniform: [low, high]} takes a list of two numbers (got 8)"),
        (
            "{gaussian: [8, 1]}",
            "unknown distribution 'gaussian', did you mean 'normal'? (expected one of: "
            + EVERY_DISTRIBUTION
            + ")",
        ),
        ("{unifrom: [1, 2]}", "unknown distribution 'unifrom', did you mean 'uniform'?"),
        ("{beta: [8, 2, 1]}", "{beta: [alpha, beta]} takes a list of two numbers (got [8, 2, 1])"),
        ("{normal: [8, -2]}", "{normal: [mean, sd]} needs a positive sd, the spread (got -2)"),
        ("{normal: [8, 0]}", "{normal: [mean, sd]} needs a positive sd"),
        ("{uniform: [9, 2]}", "{uniform: [low, high]} needs low <= high (got [9, 2])"),
        ("{beta: [0, 2]}", "{beta: [alpha, beta]} needs alpha > 0 and beta > 0 (got [0, 2])"),
        ("{normal: [8, .inf]}", "{normal: [mean, sd]} takes finite numbers"),
        ("{normal: [eight, 1]}", "{normal: [mean, sd]} takes a list of two numbers"),
    ],
)
def test_score_distribution_mistakes_say_what_is_expected(score: str, expected: str) -> None:
    steps = f"steps:\n  - grade: {{assignment: a, score: {score}}}\n"
    message = str(error_of(HEAD + steps))
    assert message.startswith("s.yaml:3:28: steps[0].grade.score: "), message
    assert expected in message, message
    persona = f"course: {{personas: [{{name: p, share: 1, level: {score}}}]}}\n"
    message = str(error_of(HEAD + persona))
    assert "course.personas[0].level: " in message and expected in message, message
