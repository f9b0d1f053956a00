"""The scenario JSON Schema, `canvas-sim check`, and the end state (`--state-out`)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest
from click.testing import CliRunner

from canvas_sim.cli import main
from canvas_sim.scenario import json_schema
from canvas_sim.yamlsource import load_yaml

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
SHIPPED_SCHEMA = ROOT / "scenarios" / "scenario.schema.json"


def as_json_data(value: Any) -> Any:
    """YAML data as an editor's language server sees it (timestamps are strings)."""
    if isinstance(value, dict):
        return {key: as_json_data(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_json_data(item) for item in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def test_shipped_schema_is_in_sync_with_the_model() -> None:
    assert json.loads(SHIPPED_SCHEMA.read_text()) == json_schema(), (
        "run `canvas-sim schema --out scenarios/scenario.schema.json`"
    )


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_shipped_scenarios_validate_against_the_schema(path: Path) -> None:
    located = load_yaml(path.read_text(), str(path))  # as an editor sees it: ${name} and all
    data = as_json_data(located.data)
    jsonschema.Draft202012Validator(json_schema()).validate(data)


@pytest.mark.parametrize(
    "step",
    [
        {"grade": {"assignment": "a", "score": 1}, "submit": {"assignment": "a"}},
        {"grade": {"assignment": "a"}},
        {"grade": {"assignment": "a", "score": 1, "sccore": 2}},
        {"at": "1d"},
    ],
)
def test_the_schema_rejects_what_the_loader_rejects(step: dict[str, Any]) -> None:
    data = {"start": "2024-09-02T08:00:00Z", "steps": [step]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(json_schema()).validate(data)


def test_schema_command_prints_the_schema() -> None:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.output) == json_schema()


def test_check_prints_the_plan_and_the_event_counts() -> None:
    result = CliRunner().invoke(main, ["check", str(ROOT / "scenarios" / "quickstart.yaml")])
    assert result.exit_code == 0, result.output
    golden = (ROOT / "tests" / "golden" / "quickstart.jsonl").read_bytes().splitlines()
    assert f"{len(golden)} events" in result.output
    grade_changes = sum(b'"event_name":"grade_change"' in line for line in golden)
    assert any(
        line.split() == ["│", "grade_change", "│", str(grade_changes), "│"]
        for line in result.output.splitlines()
    )
    assert "12 students" in result.output.replace("\n", " ")


def test_check_reports_mistakes_with_their_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("start: 2024-09-02T08:00:00Z\nsteps:\n  - grade: {assignment: nope, score: 1}\n")
    result = CliRunner().invoke(main, ["check", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:3:" in result.output and "unknown assignment 'nope'" in result.output


def last_by(events: list[dict[str, Any]], name: str, key: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for event in events:
        if event["metadata"]["event_name"] == name:
            found[event["body"][key]] = event["body"]
    return found


@pytest.mark.parametrize("child", [False, True], ids=["in-process", "child-process"])
def test_end_state_matches_the_last_values_in_the_stream(tmp_path: Path, child: bool) -> None:
    """Re-derive each student's final numbers from the events alone and compare."""
    out, state = tmp_path / "events.jsonl", tmp_path / "state.json"
    quickstart = ROOT / "scenarios" / "quickstart.yaml"
    if child:  # generation in a forked child, as HTTP runs do: the end state travels back
        from canvas_sim.run import DeliveryOptions, deliver_scenario
        from canvas_sim.scenario import load_scenario
        from canvas_sim.sinks import JsonlFileSink

        scenario, located = load_scenario(quickstart)
        options = DeliveryOptions(producer_process=True, dead_letter=tmp_path / "dead.jsonl")
        run = deliver_scenario(scenario, located, [JsonlFileSink(out)], options)
        state.write_text(json.dumps(run.gradebook))
    else:
        args = ["run", str(quickstart), "--to", str(out), "--state-out", str(state), "-q"]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
    events = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    gradebook = json.loads(state.read_text())
    [course] = gradebook["courses"]
    courses = last_by(events, "course_grade_change", "user_id")
    grades = last_by(events, "grade_change", "submission_id")
    overrides = last_by(events, "grade_override", "user_id")
    assert len(course["students"]) == 12
    checked = 0
    for student in course["students"]:
        local = str(int(student["user_id"]) % 10**13)
        last = courses[local]
        for name in ("current_score", "final_score", "unposted_current_score"):
            assert student["scores"][name] == last[name], (student["key"], name)
        assert student["scores"]["unposted_final_score"] == last["unposted_final_score"]
        if local in overrides:
            assert student["scores"]["override_score"] == overrides[local]["override_score"]
        for submission in student["submissions"].values():
            change = grades.get(submission["submission_id"])
            if change is not None:
                assert (submission["score"], submission["grade"]) == (
                    change["score"],
                    change["grade"],
                )
                checked += 1
    assert checked > 40


def _end_state_matches(text: str) -> None:
    from canvas_sim.run import run_scenario
    from canvas_sim.scenario import parse_scenario
    from canvas_sim.sinks import MemorySink

    scenario, located = parse_scenario(text, "random.yaml")
    sink = MemorySink()
    result = run_scenario(scenario, located, [sink])
    assert result.gradebook is not None
    events = sink.events()
    courses = last_by(events, "course_grade_change", "user_id")
    grades = last_by(events, "grade_change", "submission_id")
    students = [s for course in result.gradebook["courses"] for s in course["students"]]
    for student in students:
        local = str(int(student["user_id"]) % 10**13)
        if local in courses:  # a student whose scores never moved has no event to compare
            for name in ("current_score", "final_score", "unposted_current_score"):
                assert student["scores"][name] == courses[local][name], (student["key"], name)
        for submission in student["submissions"].values():
            change = grades.get(submission["submission_id"])
            if change is not None:
                assert submission["score"] == change["score"]
                assert submission["grade"] == change["grade"]


def test_random_scenarios_end_where_their_streams_say() -> None:
    """Over random valid scenarios, the last values in the stream equal the end state."""
    from hypothesis import HealthCheck, given, settings
    from test_chains import Generated, scenarios

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(scenarios())
    def check(generated: Generated) -> None:
        _end_state_matches(generated.text)

    check()


def test_the_end_state_follows_its_shipped_schema(tmp_path: Path) -> None:
    from canvas_sim.schemas import end_state_schema

    schema = end_state_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in SCENARIOS:
        state = tmp_path / f"{path.stem}.json"
        extra = ["--set", "courses=2"] if path.stem == "load" else []
        args = ["run", str(path), "--to", str(tmp_path / "e.jsonl"), "--state-out", str(state)]
        result = CliRunner().invoke(main, [*args, "-q", *extra])
        assert result.exit_code == 0, result.output
        data = json.loads(state.read_text())
        errors = [error.message for error in validator.iter_errors(data)]
        assert not errors, (path.stem, errors[:3])
    # Strict: a key the format does not have is an error (the docs list every key).
    data["courses"][0]["students"][0]["scores"]["total"] = 1.0
    assert not validator.is_valid(data)


def test_the_end_state_docs_name_every_key_of_the_schema() -> None:
    from canvas_sim.schemas import end_state_schema

    docs = (ROOT / "docs" / "end-state.md").read_text()
    keys: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            keys.update(node.get("properties", {}))
            for value in node.values():
                walk(value)

    walk(end_state_schema())
    missing = sorted(key for key in keys if f"`{key}`" not in docs)
    assert not missing
