"""canvas_sim.validate and canvas_sim.schemas: the simulator's output passes, broken payloads and
broken streams do not, and Canvas's own doc examples pass leniently (except a known doc error).
"""

from __future__ import annotations

import copy
import io
import sys
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import orjson
import pytest
from activity_contract import BODIES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from canvas_sim.render import NullPolicy
from canvas_sim.run import run_scenario
from canvas_sim.scenario import parse_scenario
from canvas_sim.schemas import common_schema, load_schemas, registry
from canvas_sim.sinks import MemorySink
from canvas_sim.validate import (
    Problem,
    Report,
    StreamValidator,
    main,
    validate_file,
    validate_lines,
)
from canvas_sim.validate.catalogue import catalogue
from canvas_sim.validate.findings import quick_findings, schema_findings

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "quickstart.jsonl"
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"

EMITTED = {
    "enrollment_created",
    "enrollment_updated",
    "enrollment_state_created",
    "enrollment_state_updated",
    "submission_created",
    "submission_updated",
    "grade_change",
    "course_grade_change",
    "grade_override",
    "submission_custom_grade_status",
    "submission_comment_created",
    "quiz_submitted",
}
SOON = {
    "course_created",
    "course_updated",
    "user_created",
    "user_updated",
    "assignment_group_created",
    "assignment_group_updated",
    "assignment_created",
    "assignment_updated",
    "assignment_override_created",
    "assignment_override_updated",
    "final_grade_custom_status",
    "logged_in",
    "logged_out",
}
# Course activity (browsing, sessions, modules and progress, content): emitted by the activity
# steps, checked against their schemas by tests/test_activity.py, test_progress.py and
# test_content.py.
COURSE_ACTIVITY = {
    "asset_accessed",
    "module_created",
    "module_updated",
    "module_item_created",
    "module_item_updated",
    "course_progress",
    "course_completed",
    "wiki_page_created",
    "wiki_page_updated",
    "wiki_page_deleted",
    "attachment_created",
    "attachment_updated",
    "attachment_deleted",
    "quiz_created",
    "quiz_updated",
    "syllabus_updated",
}
# discussions, conversations, groups, sections, outcomes, admin events (tests/activity_contract)
ACTIVITY = set(BODIES)

# A second scenario: invitations, TA and LTI and API grading, pass/fail, GPA and letter grades,
# extra credit, excused work, quizzes, posting and hiding, points and grading type changes,
# comments with attachments, a status set then removed, overrides set then removed.
SECOND = """
name: validator-second
seed: 5
start: 2024-01-15T09:00:00-05:00
account: {domain: lms.example.org, shard: 31}
course:
  name: Statistics
  time_zone: America/New_York
  custom_statuses: [Late pass]
  teachers: 1
  tas: 1
  students: 6
  groups:
    - key: work
      name: Work
      drop_lowest: 1
      assignments:
        - {key: a1, title: Essay, points: 20, grading_type: pass_fail, due: 2d}
        - {key: a2, title: Problem set, points: 15, grading_type: gpa_scale, due: 3d}
        - {key: a3, title: Lab, points: 10, due: 1d}
        - {key: q1, title: Quiz, points: 10, submission_types: [online_quiz], post_policy: manual}
steps:
  - enroll: {users: teachers}
  - enroll: {users: tas}
  - enroll: {users: students, state: invited}
  - after: 2h
    accept_invitation: {students: all}
  - at: 1d
    over: 6h
    submit: {assignment: a1}
  - submit: {assignment: a3, students: [student1, student2]}
  - grade: {assignment: a1, score: "90%", via: lti}
  - grade: {assignment: a3, students: [student1], score: 12, extra_credit: true, via: api,
            grader: ta1}
  - grade: {assignment: a3, students: [student3], score: 4, via: gradebook}
  - excuse: {assignment: a3, students: [student4]}
  - take_quiz: {assignment: q1, score: {uniform: [4, 10]}}
  - post_grades: {assignment: q1, students: [student1, student2]}
  - hide_grades: {assignment: q1, students: [student1]}
  - submit: {assignment: a2, students: [student5, student6]}
  - grade: {assignment: a2, students: [student5, student6], score: {normal: [12, 2]}}
  - update_assignment: {assignment: a2, grading_type: letter_grade}
  - update_assignment: {assignment: a3, points: 8}
  - comment: {assignment: a2, students: [student5], author: student, attachments: 2}
  - comment: {assignment: a1, students: [student2], author: ta1}
  - set_status: {assignment: a2, students: [student6], status: Late pass}
  - set_status: {assignment: a2, students: [student6], status: null}
  - override_grade: {students: [student1, student2], score: 88}
  - override_grade: {students: [student1], score: null}
  - submit: {assignment: a1, students: [student2]}
  - submit: {assignment: a1, students: [student2]}
"""


@cache
def run_lines(scenario: str, seed: int, nulls: NullPolicy = "keep") -> tuple[bytes, ...]:
    text = QUICKSTART.read_text() if scenario == "quickstart" else SECOND
    parsed, located = parse_scenario(text, scenario)
    sink = MemorySink()
    run_scenario(parsed, located, [sink], seed=seed, nulls=nulls)
    return tuple(sink.lines)


def golden() -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in GOLDEN.read_bytes().splitlines()]


def lines_of(events: list[dict[str, Any]]) -> list[bytes]:
    return [orjson.dumps(event) for event in events]


def found(report: Report) -> list[tuple[int, str]]:
    return [(problem.line, problem.kind) for problem in report.problems]


# --- the schema files ----------------------------------------------------------------------


def test_one_valid_draft_2020_12_schema_per_event_type() -> None:
    schemas = load_schemas()
    assert set(schemas) == EMITTED | SOON | ACTIVITY | COURSE_ACTIVITY
    files = {path.name for path in (ROOT / "canvas_sim" / "schemas").glob("*.json")}
    beside = {"_common.schema.json", "_end_state.schema.json"}  # not event types
    assert files == {f"{name}.schema.json" for name in schemas} | beside
    Draft202012Validator.check_schema(common_schema())
    for name, schema in schemas.items():
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"].endswith(f"/{name}.schema.json")
        assert schema["properties"]["metadata"]["properties"]["event_name"] == {"const": name}
        body = schema["properties"]["body"]
        assert body["additionalProperties"] is False


def test_every_shipped_template_has_a_schema() -> None:
    shipped = (ROOT / "templates").glob("*.json.j2")  # the Canvas format's (not caliper/)
    templates = {path.name.removesuffix(".json.j2") for path in shipped}
    assert templates <= set(load_schemas())


def test_every_id_key_is_a_string_in_every_schema() -> None:
    """Canvas stringifies every id, *_id and *_ids value, in metadata and body."""
    common = common_schema()
    fields = {
        f"{common['$id']}#/$defs/{shape}/properties/": common["$defs"][shape]["properties"]
        for shape in ("request_metadata", "job_metadata")
    }
    for schema in load_schemas().values():
        fields[f"{schema['$id']}#/properties/body/properties/"] = schema["properties"]["body"][
            "properties"
        ]
    reg = registry()
    checked = 0
    for base, props in fields.items():
        for key in props:
            if key == "id" or key.endswith(("_id", "_ids")):
                field = Draft202012Validator({"$ref": base + key}, registry=reg)
                assert not field.is_valid(565), base + key
                assert not field.is_valid([565]), base + key
                checked += 1
    assert checked > 80
    request = common["$defs"]["request_metadata"]["properties"]
    for key in ("context_id", "context_account_id", "root_account_id", "user_id"):
        assert request[key] == {"$ref": "#/$defs/global_id"}


def test_global_and_local_patterns_are_the_documented_ones() -> None:
    defs = common_schema()["$defs"]
    assert defs["global_id"]["pattern"] == "^[1-9][0-9]{13,}$"
    assert defs["local_id"]["pattern"] == "^[1-9][0-9]{0,12}$"
    assert defs["event_time"]["pattern"] == r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"


def test_the_fast_path_covers_every_schema() -> None:
    assert all(spec.fast is not None for spec in catalogue().values())


# --- the simulator's output passes -----------------------------------------------------------


def test_the_golden_file_validates_strictly() -> None:
    report = validate_file(GOLDEN)
    assert report.problems == []
    assert report.ok
    events = golden()
    assert report.lines == len(events)
    assert report.events == Counter(event["metadata"]["event_name"] for event in events)
    assert report.lenient_notes == Counter()


@pytest.mark.parametrize(
    ("scenario", "seed"), [("quickstart", 3), ("quickstart", 11), ("second", 1), ("second", 2)]
)
def test_simulator_runs_validate_with_no_problem(scenario: str, seed: int) -> None:
    lines = run_lines(scenario, seed)
    report = validate_lines(lines)
    assert report.problems == [], "\n".join(map(str, report.problems[:20]))
    assert sum(report.events.values()) == len(lines)
    assert report.events.keys() >= {"grade_change", "course_grade_change", "submission_updated"}


def test_the_second_scenario_covers_the_other_emitted_events() -> None:
    names = set(validate_lines(run_lines("second", 1)).events)
    assert names >= EMITTED


@pytest.mark.parametrize("scenario", ["quickstart", "second"])
def test_omitted_nulls_are_problems_when_strict_and_notes_when_lenient(scenario: str) -> None:
    kept = [orjson.loads(line) for line in run_lines(scenario, 4)]
    nulls = sum(value is None for event in kept for value in event["body"].values())
    assert nulls > 20
    omitted = run_lines(scenario, 4, "omit")
    strict = validate_lines(omitted)
    assert len(strict.problems) == nulls
    assert {problem.kind for problem in strict.problems} == {"lenient"}
    assert all("missing (a null-valued key omitted)" in p.message for p in strict.problems)
    lenient = validate_lines(omitted, lenient=True)
    assert lenient.problems == []
    assert lenient.ok
    assert lenient.lenient_notes == Counter({"omitted_null": nulls})


def test_omit_requests_keeps_the_nulls_of_job_events() -> None:
    lines = run_lines("quickstart", 4, "omit-requests")
    report = validate_lines(lines)
    jobs = {
        number
        for number, line in enumerate(lines, start=1)
        if "job_id" in orjson.loads(line)["metadata"]
    }
    assert jobs
    assert report.problems
    assert not {problem.line for problem in report.problems} & jobs


# --- hand-made payloads ----------------------------------------------------------------------

REQUEST = {
    "context_type": "Course",
    "context_id": "21070000000005090",
    "context_account_id": "21070000000000001",
    "context_sis_source_id": "2024FA.BIO.101",
    "root_account_uuid": "jMtpsiaOclRz3AwzKsbVRJN9wVGFYGW2WmQzCudi",
    "root_account_id": "21070000000000001",
    "root_account_lti_guid": "jMtpsiaOclRz3AwzKsbVRJN9wVGFYGW2WmQzCudi.canvas.example.edu",
    "user_login": "anthony.nelson241@example.edu",
    "user_account_id": "21070000000000001",
    "user_sis_id": "T18301",
    "user_id": "21070000000019241",
    "time_zone": "America/Denver",
    "context_role": "TeacherEnrollment",
    "request_id": "db8a463c-09bd-415a-bf8d-330cf0963b16",
    "session_id": "1c8eaee95715bd6fa4161293c4c2e2e3",
    "hostname": "canvas.example.edu",
    "http_method": "PUT",
    "user_agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36",
    "client_ip": "150.197.156.86",
    "url": "https://canvas.example.edu/api/v1/courses/5090/assignments/17791/overrides",
    "referrer": None,
    "producer": "canvas",
    "event_name": "?",
    "event_time": "2024-09-07T17:16:51.046Z",
}
JOB = {
    "context_type": "Course",
    "context_id": "21070000000005090",
    "context_account_id": "21070000000000001",
    "context_sis_source_id": "2024FA.BIO.101",
    "root_account_uuid": "jMtpsiaOclRz3AwzKsbVRJN9wVGFYGW2WmQzCudi",
    "root_account_id": "21070000000000001",
    "root_account_lti_guid": "jMtpsiaOclRz3AwzKsbVRJN9wVGFYGW2WmQzCudi.canvas.example.edu",
    "job_id": "21070000000039174",
    "job_tag": "EnrollmentState.process_account_states_in_ranges",
    "producer": "canvas",
    "event_name": "?",
    "event_time": "2024-09-07T17:16:51.046Z",
}
CONTEXT = ("context_type", "context_id", "context_account_id", "context_sis_source_id")
COURSE = {
    "course_id": "21070000000005090",
    "account_id": "21070000000000001",
    "uuid": "H7YFjS1on43XkMtECqOxSF2O3GYRdo1XKXWNqRs7",
    "name": "Introduction to Biology",
    "workflow_state": "completed",
    "created_at": "2024-09-02T08:00:00-06:00",
    "updated_at": "2024-12-20T17:00:00-07:00",
}
USER = {
    "user_id": "21070000000019241",
    "uuid": "PvjiQvlb5lZXOIgfFwD3HJoKyrbmEYYmdhQj38Ar",
    "name": "Anthony Nelson",
    "short_name": "Tony",
    "workflow_state": "registered",
    "created_at": "2024-09-02T08:00:00-06:00",
    "updated_at": "2024-09-03T08:00:00Z",
    "user_login": "anthony.nelson241@example.edu",
    "user_sis_id": None,
}
GROUP = {
    "assignment_group_id": "23860",
    "context_id": "5090",
    "context_type": "Course",
    "name": "Homework",
    "position": 1,
    "group_weight": 40.0,
    "rules": "drop_lowest:1\ndrop_highest:1\nnever_drop:12\nnever_drop:14\n",
    "sis_source_id": None,
    "integration_data": None,
    "workflow_state": "available",
}
ASSIGNMENT = {
    "assignment_id": "21070000000017791",
    "context_id": "21070000000005090",
    "context_type": "Course",
    "context_uuid": "H7YFjS1on43XkMtECqOxSF2O3GYRdo1XKXWNqRs7",
    "assignment_group_id": "21070000000023860",
    "title": "Homework 2: Membranes",
    "description": "<p>Read chapter 3.</p>",
    "due_at": "2024-09-07T08:00:00-06:00",
    "unlock_at": None,
    "lock_at": None,
    "points_possible": 12.0,
    "submission_types": "online_text_entry,online_upload",
    "workflow_state": "unpublished",
    "updated_at": "2024-09-07T11:16:51-06:00",
    "lti_assignment_id": "8c41561b-e827-41b9-94a0-2e536d3ee1dc",
    "lti_resource_link_id": "dc8aee30be6033f728be9288e5af6e39722764e6",
    "created_on_blueprint_sync": False,
    "domain": "canvas.example.edu",
}
OVERRIDE = {
    "assignment_override_id": "301",
    "assignment_id": "17791",
    "type": "CourseSection",
    "course_section_id": "46060",
    "due_at": "2024-09-09T23:59:59-06:00",
    "unlock_at": None,
    "lock_at": None,
    "all_day": False,
    "all_day_date": "2024-09-09",
    "workflow_state": "active",
}
FINAL_STATUS = {
    "score_id": "37571",
    "enrollment_id": "41122",
    "user_id": "19243",
    "course_id": "5090",
    "grading_period_id": None,
    "override_status": "Incomplete",
    "override_status_id": "36820",
    "old_override_status": "",
    "old_override_status_id": "",
    "updated_at": "2024-09-08T18:11:50Z",
}
ENROLLMENT = {
    "enrollment_id": "21070000000041130",
    "course_id": "21070000000005090",
    "user_id": "21070000000019260",
    "user_name": "Pat Observer",
    "type": "ObserverEnrollment",
    "created_at": "2024-09-02T08:00:00-06:00",
    "updated_at": "2024-09-03T08:00:00-06:00",
    "limit_privileges_to_course_section": False,
    "course_section_id": "21070000000046060",
    "workflow_state": "active",
    "associated_user_id": "21070000000019242",
}
ENROLLMENT_STATE = {
    "enrollment_id": "21070000000041130",
    "state": "pending_active",
    "state_is_current": False,
    "state_started_at": "2024-09-03T08:00:00Z",
    "state_valid_until": "2024-12-20T07:00:00.000Z",
    "access_is_current": False,
    "restricted_access": False,
}


def make(
    name: str,
    body: dict[str, Any],
    metadata: dict[str, Any] = REQUEST,
    drop: tuple[str, ...] = (),
    **changes: Any,
) -> dict[str, Any]:
    meta = {key: value for key, value in metadata.items() if key not in drop}
    meta.update(changes, event_name=name)
    return {"metadata": meta, "body": copy.deepcopy(body)}


LOGIN = ("time_zone", *CONTEXT)
FUTURE: list[dict[str, Any]] = [
    make("course_updated", COURSE, drop=CONTEXT),
    make("course_created", {**COURSE, "account_uuid": "jMtpsiaOclRz3AwzKsbVRJN9wVGFYGW2WmQzCudi"}),
    make("user_updated", USER, context_type="Account", context_sis_source_id=None),
    make("user_created", USER, drop=CONTEXT),
    make("assignment_group_updated", {**GROUP, "rules": ""}),
    make("assignment_group_created", GROUP),
    make("assignment_group_created", {**GROUP, "rules": None, "integration_data": {"a": 1}}),
    make("assignment_created", ASSIGNMENT),
    make(
        "assignment_updated",
        {
            **ASSIGNMENT,
            "points_possible": None,
            "description": None,
            "anonymous_grading": False,
            "anonymous_participants": False,
            "lti_assignment_description": None,
            "assignment_id_duplicated_from": "21070000000017790",
            "domain_duplicated_from": "canvas.example.edu",
        },
    ),
    make("assignment_override_created", OVERRIDE),
    make(
        "assignment_override_updated",
        {
            **{k: v for k, v in OVERRIDE.items() if k != "course_section_id"},
            "type": "ADHOC",
            "due_at": None,
            "all_day": None,
            "all_day_date": None,
            "workflow_state": "deleted",
        },
    ),
    make(
        "assignment_override_created",
        {
            **{k: v for k, v in OVERRIDE.items() if k != "course_section_id"},
            "type": "Group",
            "group_id": "77",
        },
    ),
    make("final_grade_custom_status", FINAL_STATUS),
    make(
        "final_grade_custom_status",
        {
            **FINAL_STATUS,
            "override_status": "",
            "override_status_id": "",
            "old_override_status": "Incomplete",
            "old_override_status_id": "36820",
            "grading_period_id": "3",
        },
    ),
    make("logged_in", {"redirect_url": None}, drop=LOGIN),
    make("logged_in", {"redirect_url": "https://canvas.example.edu/courses/5090"}, drop=LOGIN),
    make("logged_out", {}, drop=LOGIN),
    make("enrollment_updated", ENROLLMENT),
    make(
        "enrollment_created",
        {
            **ENROLLMENT,
            "course_uuid": "H7YFjS1on43XkMtECqOxSF2O3GYRdo1XKXWNqRs7",
            "user_uuid": "PvjiQvlb5lZXOIgfFwD3HJoKyrbmEYYmdhQj38Ar",
        },
    ),
    make("enrollment_state_updated", ENROLLMENT_STATE, JOB, drop=CONTEXT),
    make("enrollment_state_created", ENROLLMENT_STATE, developer_key_id="21070000000083790"),
    make(
        "quiz_submitted",
        {"submission_id": "21070000000099001", "quiz_id": "21070000000015001"},
        JOB,
        job_tag="Quizzes::SubmissionGrader",
    ),
]


def test_hand_made_events_of_every_future_type_validate_strictly() -> None:
    report = validate_lines(lines_of(FUTURE))
    assert report.problems == [], "\n".join(map(str, report.problems))
    assert set(report.events) >= SOON


def first(name: str) -> dict[str, Any]:
    return copy.deepcopy(next(e for e in golden() if e["metadata"]["event_name"] == name))


def first_job(name: str) -> dict[str, Any]:
    return copy.deepcopy(
        next(
            e for e in golden() if e["metadata"]["event_name"] == name and "job_id" in e["metadata"]
        )
    )


def with_body(name: str, **changes: Any) -> dict[str, Any]:
    event = first(name)
    event["body"].update(changes)
    return event


def without(event: dict[str, Any], section: str, key: str) -> dict[str, Any]:
    del event[section][key]
    return event


def with_meta(event: dict[str, Any], **changes: Any) -> dict[str, Any]:
    event["metadata"].update(changes)
    return event


def over_long() -> dict[str, Any]:
    return with_body("submission_comment_created", body="x" * 8193)


BAD: list[tuple[str, dict[str, Any], str, str]] = [
    # (case, event, kind, message)
    (
        "score as a string",
        with_body("grade_change", score="8"),
        "schema",
        '$.body.score: "8" is not of type number or null',
    ),
    (
        "a boolean where a number is due",
        with_body("course_grade_change", current_score=True),
        "schema",
        "$.body.current_score: true is not of type number or null",
    ),
    (
        "a missing documented key",
        without(first("grade_change"), "body", "grading_complete"),
        "schema",
        "$.body.grading_complete: missing",
    ),
    (
        "a global id where a local one is due (17-digit score_id)",
        with_body("grade_override", score_id="21070000000037571"),
        "schema",
        '$.body.score_id: "21070000000037571" is not a local id (1 to 13 digits)',
    ),
    (
        "a global course_id in course_grade_change",
        with_body("course_grade_change", course_id="21070000000005090"),
        "schema",
        '$.body.course_id: "21070000000005090" is not a local id (1 to 13 digits)',
    ),
    (
        "a local id where a global one is due",
        with_body("grade_change", submission_id="11086"),
        "schema",
        '$.body.submission_id: "11086" is not a global id (shard * 10^13 + local id: 14+ digits)',
    ),
    (
        "an id as a number",
        with_body("submission_created", assignment_id=21070000000017791),
        "schema",
        "$.body.assignment_id: 21070000000017791 is not of type string",
    ),
    (
        "an id with a trailing newline",
        with_body("quiz_submitted", quiz_id="21070000000015001\n"),
        "schema",
        '$.body.quiz_id: "21070000000015001\\n" is not a global id',
    ),
    (
        "an id with non-ASCII digits",
        with_body("grade_override", user_id="١٢٣"),
        "schema",
        '$.body.user_id: "١٢٣" is not a local id',
    ),
    (
        "event_time without milliseconds",
        with_meta(first("grade_change"), event_time="2024-09-05T16:00:00Z"),
        "schema",
        '$.metadata.event_time: "2024-09-05T16:00:00Z" is not a UTC timestamp with milliseconds',
    ),
    (
        "event_time with an offset",
        with_meta(first("grade_change"), event_time="2024-09-05T10:00:00.000-06:00"),
        "schema",
        "$.metadata.event_time:",
    ),
    (
        "a body timestamp in Ruby's form",
        with_body("enrollment_state_created", state_started_at="2019-10-05 05:38:00 -0800"),
        "schema",
        '$.body.state_started_at: "2019-10-05 05:38:00 -0800" is not an ISO 8601 timestamp',
    ),
    (
        "job metadata with a request_id",
        with_meta(first_job("course_grade_change"), request_id=REQUEST["request_id"]),
        "schema",
        "$.metadata.request_id: not allowed here (a key of request-driven metadata only)",
    ),
    (
        "request metadata with a job_tag",
        with_meta(first("grade_change"), job_tag="Assignment#post_submissions"),
        "schema",
        "$.metadata.job_tag: not allowed here (a key of job-driven metadata only)",
    ),
    (
        "job metadata without its job_tag",
        without(first_job("course_grade_change"), "metadata", "job_tag"),
        "schema",
        "$.metadata.job_tag: missing",
    ),
    (
        "metadata without event_time",
        without(first("submission_updated"), "metadata", "event_time"),
        "schema",
        "$.metadata.event_time: missing",
    ),
    (
        "another producer",
        with_meta(first("grade_change"), producer="lms"),
        "schema",
        '$.metadata.producer: "lms" is not "canvas"',
    ),
    (
        "a course event in an Account context",
        with_meta(first("grade_change"), context_type="Account"),
        "schema",
        '$.metadata.context_type: "Account" is not "Course"',
    ),
    (
        "a user_id without its user_login",
        without(first("grade_change"), "metadata", "user_login"),
        "lenient",
        "$.metadata.user_login: missing",
    ),
    (
        "a submission state Canvas does not have",
        with_body("submission_updated", workflow_state="returned"),
        "schema",
        '$.body.workflow_state: "returned" is not one of',
    ),
    (
        "attempt 0",
        with_body("submission_created", attempt=0),
        "schema",
        "$.body.attempt: 0 is less than 1",
    ),
    (
        "an 8193-character comment",
        over_long(),
        "schema",
        "$.body.body: 8193 characters, more than 8192",
    ),
    (
        'a status id "" with a status name',
        with_body("submission_custom_grade_status", submission_status_id=""),
        "schema",
        "$.body.submission_status:",
    ),
    (
        "attachment ids as numbers",
        with_body("submission_comment_created", attachment_ids=[54417187]),
        "schema",
        "$.body.attachment_ids[0]: 54417187 is not of type string",
    ),
    (
        "an unknown body key",
        with_body("grade_change", event_id="1"),
        "lenient",
        "$.body.event_id: unexpected key [lenient: extra_body_key]",
    ),
    (
        "an omitted null",
        without(first("grade_override"), "body", "grading_period_id"),
        "lenient",
        "$.body.grading_period_id: missing (a null-valued key omitted) [lenient: omitted_null]",
    ),
    (
        "rules without the final newline",
        make("assignment_group_updated", {**GROUP, "rules": "never_drop:123"}),
        "schema",
        '$.body.rules: "never_drop:123" is not Canvas',
    ),
    (
        "rules with a literal backslash-n",
        make("assignment_group_created", {**GROUP, "rules": "drop_lowest:1\\n"}),
        "schema",
        "$.body.rules:",
    ),
    (
        "a Group override with a course_section_id",
        make("assignment_override_created", {**OVERRIDE, "type": "Group", "group_id": "7"}),
        "schema",
        "$.body.course_section_id: not allowed here (a key of CourseSection overrides only)",
    ),
    (
        "a CourseSection override without its section",
        make(
            "assignment_override_updated",
            {k: v for k, v in OVERRIDE.items() if k != "course_section_id"},
        ),
        "schema",
        "$.body.course_section_id: missing",
    ),
    (
        "associated_user_id on a StudentEnrollment",
        make("enrollment_created", {**ENROLLMENT, "type": "StudentEnrollment"}),
        "schema",
        '$.body.type: "StudentEnrollment" is not "ObserverEnrollment"',
    ),
    (
        "an override all_day_date as a timestamp",
        make("assignment_override_created", {**OVERRIDE, "all_day_date": "2024-09-09T00:00:00Z"}),
        "schema",
        '$.body.all_day_date: "2024-09-09T00:00:00Z" is not a date (YYYY-MM-DD) or null',
    ),
    (
        "a submission type list with a typo",
        make("assignment_created", {**ASSIGNMENT, "submission_types": "online_text,on_paper"}),
        "schema",
        "$.body.submission_types:",
    ),
    (
        "a logged_in body labelled logged_out",
        make("logged_out", {"redirect_url": None}, drop=LOGIN),
        "schema",
        '$.metadata.event_name: "logged_out", but the body is a logged_in body',
    ),
    (
        "a logged_out body with a key",
        make("logged_out", {"session": "ended"}, drop=LOGIN),
        "lenient",
        "$.body.session: unexpected key",
    ),
]


@pytest.mark.parametrize(
    ("event", "kind", "message"),
    [case[1:] for case in BAD],
    ids=[case[0] for case in BAD],
)
def test_bad_payloads_are_rejected_with_the_path(
    event: dict[str, Any], kind: str, message: str
) -> None:
    report = validate_lines([orjson.dumps(event)])
    assert not report.ok
    assert any(
        problem.kind == kind and problem.message.startswith(message) for problem in report.problems
    ), "\n".join(map(str, report.problems))
    assert all(problem.line == 1 for problem in report.problems)
    assert all(problem.message.startswith("$.") for problem in report.problems)


def test_every_error_is_reported_not_only_the_first() -> None:
    event = with_body("grade_change", score="8", old_score="7", submission_id="1", muted="no")
    messages = [problem.message for problem in validate_lines([orjson.dumps(event)]).problems]
    assert [m.split(":")[0] for m in messages] == [
        "$.body.muted",
        "$.body.old_score",
        "$.body.score",
        "$.body.submission_id",
    ]


def test_lenient_mode_tolerates_extras_omissions_and_optional_metadata() -> None:
    event = first("grade_change")
    event["unexpected"] = 1
    event["metadata"]["x_canvas_extra"] = "yes"
    event["body"]["new_thing"] = [1]
    del event["body"]["old_grade"]  # null in the first grade change: omitted
    del event["body"]["assignment_name"]  # beyond the docs
    for key in (*CONTEXT, "time_zone"):
        del event["metadata"][key]
    strict = validate_lines([orjson.dumps(event)])
    assert {problem.kind for problem in strict.problems} == {"lenient"}
    assert len(strict.problems) == 10
    lenient = validate_lines([orjson.dumps(event)], lenient=True)
    assert lenient.problems == []
    assert lenient.lenient_notes == Counter(
        {
            "extra_top_level_key": 1,
            "extra_metadata_key": 1,
            "extra_body_key": 1,
            "omitted_null": 1,
            "missing_undocumented_key": 1,
            "missing_metadata_key": 5,
        }
    )


def test_lenient_mode_still_rejects_real_errors() -> None:
    report = validate_lines(
        [orjson.dumps(with_body("grade_override", score_id="21070000000037571"))], lenient=True
    )
    assert found(report) == [(1, "schema")]


def test_broken_lines() -> None:
    event = orjson.dumps(first("grade_change"))
    lines: list[bytes | str] = [
        b"{not json",
        b"[1, 2]",
        b'{"metadata": {"event_name": "grade_change"}}',
        b'{"metadata": [], "body": {}}',
        b"",
        b'{"metadata": {"event_name": "grade_changed"}, "body": {}}',
        b'{"metadata": {"event_time": "2024-09-05T16:00:00.000Z"}, "body": {}}',
        event,
        event.decode() + "\n",
    ]
    report = validate_lines(lines)
    assert found(report) == [
        (1, "json"),
        (2, "json"),
        (3, "json"),
        (4, "json"),
        (6, "unknown_event"),
        (7, "schema"),
        (9, "duplicate"),
    ]
    assert report.problems[4] == Problem(
        6, "grade_changed", "unknown_event", '$.metadata.event_name: "grade_changed"'
    )
    assert report.problems[5].message == "$.metadata.event_name: missing or not a string"
    assert report.problems[6].message == "an exact duplicate of line 8"
    assert report.lines == 9
    assert report.events == Counter({"grade_change": 2, "grade_changed": 1})


def test_max_problems_keeps_the_first_and_counts_the_rest() -> None:
    report = validate_lines([b"nope"] * 10, max_problems=3)
    assert found(report) == [(1, "json"), (2, "json"), (3, "json")]
    assert report.dropped == 7
    assert not report.ok


# --- corrupted streams -----------------------------------------------------------------------


def index_with_predecessor(events: list[dict[str, Any]], name: str, *keys: str) -> int:
    """The index of the first ``name`` event whose record had an earlier ``name`` event."""
    seen = set()
    for index, event in enumerate(events):
        if event["metadata"]["event_name"] != name:
            continue
        key = tuple(event["body"][k] for k in keys)
        if key in seen:
            return index
        seen.add(key)
    raise AssertionError(f"no second {name} for one record")


@pytest.mark.parametrize(
    ("name", "keys", "field", "value"),
    [
        ("grade_change", ("submission_id",), "old_score", 3.25),
        ("grade_change", ("submission_id",), "old_grade", "Z"),
        ("grade_change", ("submission_id",), "old_points_possible", 99.0),
        ("course_grade_change", ("user_id", "course_id"), "old_current_score", 12.34),
        ("course_grade_change", ("user_id", "course_id"), "old_unposted_final_score", None),
        ("grade_override", ("score_id",), "old_override_score", 1.0),
        ("submission_custom_grade_status", ("submission_id",), "old_submission_status", "Other"),
    ],
)
def test_a_broken_old_value_is_caught_on_its_line(
    name: str, keys: tuple[str, ...], field: str, value: Any
) -> None:
    events = golden()
    index = index_with_predecessor(events, name, *keys)
    assert events[index]["body"][field] != value
    events[index]["body"][field] = value
    report = validate_lines(lines_of(events))
    assert found(report) == [(index + 1, "chain")], "\n".join(map(str, report.problems))
    assert report.problems[0].event == name
    assert report.problems[0].message.startswith(f"$.body.{field}: ")


def test_swapped_attempts_are_caught() -> None:
    events = golden()
    last: dict[str, int] = {}
    for index, event in enumerate(events):
        if event["metadata"]["event_name"] not in ("submission_created", "submission_updated"):
            continue
        submission = event["body"]["submission_id"]
        before = last.get(submission)
        if before is not None and (events[before]["body"]["attempt"] or 0) < (
            event["body"]["attempt"] or 0
        ):
            break
        last[submission] = index
    else:
        raise AssertionError("no submission with two attempts")
    assert before is not None
    events[before]["body"]["attempt"], events[index]["body"]["attempt"] = (
        events[index]["body"]["attempt"],
        events[before]["body"]["attempt"],
    )
    report = validate_lines(lines_of(events))
    assert found(report) == [(index + 1, "attempt")], "\n".join(map(str, report.problems))
    assert "attempts never decrease" in report.problems[0].message


def test_a_duplicate_is_reported_and_does_not_break_the_chains() -> None:
    lines = GOLDEN.read_bytes().splitlines()
    events = golden()
    index = index_with_predecessor(events, "grade_change", "submission_id")
    submission = events[index]["body"]["submission_id"]
    original = next(
        i
        for i, e in enumerate(events)
        if e["metadata"]["event_name"] == "grade_change"
        and e["body"]["submission_id"] == submission
    )
    # the first grade change of that submission again, after its second one: a naive chain
    # check would now see old_score != the latest score
    stream = [*lines[: index + 1], lines[original], *lines[index + 1 :]]
    stream.insert(5, lines[2])  # and an early line repeated
    report = validate_lines(stream)
    assert found(report) == [(6, "duplicate"), (index + 3, "duplicate")]
    assert (
        report.problems[1].message
        == f"an exact duplicate of line {stream.index(lines[original]) + 1}"
    )
    lenient = validate_lines(stream, lenient=True)
    assert lenient.problems == []
    assert lenient.lenient_notes == Counter({"duplicate": 2})
    assert sum(lenient.events.values()) == len(stream)


def test_duplicates_are_looked_for_within_the_window() -> None:
    lines = GOLDEN.read_bytes().splitlines()[:10]
    stream = [*lines, lines[0]]
    assert found(validate_lines(stream, dedupe_window=20)) == [(11, "duplicate")]
    assert found(validate_lines(stream, dedupe_window=5)) == []


def test_final_grade_custom_status_chains_per_score() -> None:
    applied = make("final_grade_custom_status", FINAL_STATUS)
    removed = make(
        "final_grade_custom_status",
        {
            **FINAL_STATUS,
            "override_status": "",
            "override_status_id": "",
            "old_override_status": "Incomplete",
            "old_override_status_id": "36820",
        },
    )
    assert validate_lines(lines_of([applied, removed])).ok
    removed["body"]["old_override_status_id"] = "36821"
    report = validate_lines(lines_of([applied, removed]))
    assert found(report) == [(2, "chain")]
    assert report.problems[0].message == (
        '$.body.old_override_status_id: "36821", but the previous final_grade_custom_status of '
        'score 37571 (line 1) set override_status_id "36820"'
    )


def test_a_reordered_stream_breaks_the_chain() -> None:
    """The checks assume emission order: an override moved before its predecessor breaks it."""
    events = golden()
    index = index_with_predecessor(events, "grade_override", "score_id")
    moved = [*events[:5], events[index], *events[5:index], *events[index + 1 :]]
    score = events[index]["body"]["score_id"]
    predecessor = next(
        number
        for number, event in enumerate(moved, start=1)
        if event["metadata"]["event_name"] == "grade_override"
        and event["body"]["score_id"] == score
        and event is not events[index]
    )
    report = validate_lines(lines_of(moved))
    assert found(report) == [(predecessor, "chain")]


# --- Canvas's doc examples (seeds/*.txt), verbatim --------------------------------------------

SEEDS: dict[str, dict[str, Any]] = {
    "course_grade_change": {
        "metadata": {
            "root_account_uuid": "44fJ44GgJ29gJBsl43JLKgljsBIOTsbnKT48932g",
            "root_account_id": "10000000000001",
            "root_account_lti_guid": "794d72b707af6ea82cfe3d5d473f16888a8366c7.canvas.docker",
            "user_login": "[email protected]",
            "user_account_id": "10000000000002",
            "user_sis_id": None,
            "user_id": "21070000000000001",
            "time_zone": "America/Denver",
            "context_type": "Course",
            "context_id": "21070000000000002",
            "context_sis_source_id": "194387",
            "context_account_id": "21070000000000003",
            "context_role": "TeacherEnrollment",
            "request_id": "98e1b771-fe22-4481-8264-d523dadb16b1",
            "session_id": "242872453a9d69f7ccddeb4788d22506",
            "hostname": "oxana.instructure.com",
            "http_method": "POST",
            "user_agent": (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_3) AppleWebKit/"
                "537.36 (KHTML, like Gecko) Chrome/73.0.3683.103 Safari/"
                "537.36"
            ),
            "client_ip": "93.184.216.34",
            "url": ("http://oxana.instructure.com/courses/2/gradebook/update_submission"),
            "referrer": (
                "http://oxana.instructure.com/courses/2/gradebook/speed_grader?"
                "assignment_id=39&student_id=2"
            ),
            "producer": "canvas",
            "event_name": "course_grade_change",
            "event_time": "2019-12-11T16:26:34.552Z",
        },
        "body": {
            "user_id": "2",
            "course_id": "2",
            "workflow_state": "active",
            "created_at": "2019-12-04T13:32:21Z",
            "updated_at": "2019-12-11T16:26:34Z",
            "current_score": 17.31,
            "old_current_score": 13.46,
            "final_score": 12.5,
            "old_final_score": 9.72,
            "unposted_current_score": 17.31,
            "old_unposted_current_score": 13.46,
            "unposted_final_score": 12.5,
            "old_unposted_final_score": 9.72,
        },
    },
    "grade_change": {
        "metadata": {
            "client_ip": "93.184.216.34",
            "context_account_id": "21070000000000079",
            "context_id": "21070000000000565",
            "context_role": "TeacherEnrollment",
            "context_sis_source_id": "2017.100.101.101-1",
            "context_type": "Course",
            "event_name": "grade_change",
            "event_time": "2019-11-01T19:11:05.222Z",
            "hostname": "oxana.instructure.com",
            "http_method": "POST",
            "producer": "canvas",
            "referrer": "https://oxana.instructure.com/courses/565/gradebook",
            "request_id": "1dd9dc6f-2fb0-4c19-a6c5-7ee1bf3ed295",
            "root_account_id": "21070000000000001",
            "root_account_lti_guid": (
                "VicYj3cu5BIFpoZhDVU4DZumnlBrWi1grgJEzADs.oxana.instructure.com"
            ),
            "root_account_uuid": "VicYj3cu5BIFpoZhDVU4DZumnlBrWi1grgJEzADs",
            "session_id": "ef686f8ed684abf78cbfa1f6a58112b5",
            "time_zone": "America/Denver",
            "url": (
                "https://oxana.instructure.com/api/v1/courses/565/assignments/"
                "355/submissions/48?include%5B%5D=visibility"
            ),
            "user_account_id": "21070000000000001",
            "user_agent": (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_3) AppleWebKit/"
                "537.36 (KHTML, like Gecko) Chrome/73.0.3683.103 Safari/"
                "537.36"
            ),
            "user_id": "21070000000000987",
            "user_login": "[email protected]",
            "user_sis_id": "456-T45",
        },
        "body": {
            "assignment_id": "21070000000000355",
            "grade": "5",
            "grader_id": "21070000000000987",
            "grading_complete": True,
            "muted": False,
            "old_grade": "4",
            "old_points_possible": 1,
            "old_score": 4,
            "points_possible": 1,
            "score": 5,
            "student_id": "21070000000000048",
            "student_sis_id": "ABC.123",
            "submission_id": "21070000000011086",
            "user_id": "21070000000000048",
        },
    },
    "grade_override": {
        "metadata": {
            "client_ip": "93.184.216.34",
            "context_account_id": "21070000000000001",
            "context_id": "21070000000000123",
            "context_role": "TeacherEnrollment",
            "context_sis_source_id": "194837",
            "context_type": "Course",
            "event_name": "grade_change",
            "event_time": "2019-11-15T07:46:18.697Z",
            "hostname": "oxana.instructure.com",
            "http_method": "POST",
            "producer": "canvas",
            "referrer": (
                "https://oxana.instructure.com/courses/123/gradebook/speed_grader?"
                "assignment_id=8188213&student_id=3541"
            ),
            "request_id": "392c325f-cba1-423f-ad2c-d213cabce732",
            "root_account_id": "21070000000000001",
            "root_account_lti_guid": "V3kdo4kgu3F4Kf4fK109DSFkdso432950GKSOJNj:canvas-lms",
            "root_account_uuid": "V3kdo4kgu3F4Kf4fK109DSFkdso432950GKSOJNj",
            "session_id": "4e032912e321a243163232941f435324",
            "time_zone": "America/Los_Angeles",
            "url": ("https://oxana.instructure.com/courses/46/gradebook/update_submission"),
            "user_account_id": "21070000000000001",
            "user_agent": (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_3) AppleWebKit/"
                "537.36 (KHTML, like Gecko) Chrome/73.0.3683.103 Safari/"
                "537.36"
            ),
            "user_id": "21070000000003541",
            "user_login": "oxana",
            "user_sis_id": "0119359",
        },
        "body": {
            "score_id": "43",
            "enrollment_id": "44",
            "user_id": "45",
            "course_id": "46",
            "grading_period_id": "47",
            "override_score": 90,
            "old_override_score": 85,
            "updated_at": "2019-11-15T07:46:18.697Z",
        },
    },
    "submission_comment_created": {
        "metadata": {
            "client_ip": "93.184.216.34",
            "context_account_id": "21070000000000079",
            "context_id": "21070000000000565",
            "context_role": "TeacherEnrollment",
            "context_sis_source_id": "2017.100.101.101-1",
            "context_type": "Course",
            "event_name": "submission_comment_created",
            "event_time": "2019-11-01T19:11:13.216Z",
            "hostname": "oxana.instructure.com",
            "http_method": "POST",
            "producer": "canvas",
            "referrer": (
                "https://oxana.instructure.com/courses/565/gradebook/speed_grader?"
                "assignment_id=2974715&student_id=1740548"
            ),
            "request_id": "1dd9dc6f-2fb0-4c19-a6c5-7ee1bf3ed295",
            "root_account_id": "21070000000000001",
            "root_account_lti_guid": (
                "VicYj3cu5BIFpoZhDVU4DZumnlBrWi1grgJEzADs.oxana.instructure.com"
            ),
            "root_account_uuid": "VicYj3cu5BIFpoZhDVU4DZumnlBrWi1grgJEzADs",
            "session_id": "ef686f8ed684abf78cbfa1f6a58112b5",
            "time_zone": "America/Los_Angeles",
            "url": (
                "https://oxana.instructure.com/courses/410200/assignments/"
                "3964323/submissions/986036.text"
            ),
            "user_account_id": "21070000000000001",
            "user_agent": (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_3) AppleWebKit/"
                "537.36 (KHTML, like Gecko) Chrome/73.0.3683.103 Safari/"
                "537.36"
            ),
            "user_id": "21070000000012345",
            "user_login": "[email protected]",
            "user_sis_id": "456-T45",
        },
        "body": {
            "attachment_ids": ["54417187", "54417188"],
            "body": "See the attached files",
            "created_at": "2019-11-01T19:11:13.216Z",
            "submission_comment_id": "19811981",
            "submission_id": "9987654",
            "user_id": "12345",
        },
    },
    "submission_created": {
        "metadata": {
            "client_ip": "93.184.216.34",
            "event_name": "submission_created",
            "event_time": "2019-11-01T19:11:21.419Z",
            "hostname": "oxana.instructure.com",
            "http_method": "POST",
            "producer": "canvas",
            "referrer": None,
            "request_id": "1dd9dc6f-2fb0-4c19-a6c5-7ee1bf3ed295",
            "root_account_id": "21070000000000001",
            "root_account_lti_guid": (
                "VicYj3cu5BIFpoZhDVU4DZumnlBrWi1grgJEzADs.oxana.instructure.com"
            ),
            "root_account_uuid": "VicYj3cu5BIFpoZhDVU4DZumnlBrWi1grgJEzADs",
            "session_id": "ef686f8ed684abf78cbfa1f6a58112b5",
            "url": ("https://oxana.instructure.com/api/lti/v1/tools/453919/grade_passback"),
            "user_agent": (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_3) AppleWebKit/"
                "537.36 (KHTML, like Gecko) Chrome/73.0.3683.103 Safari/"
                "537.36"
            ),
        },
        "body": {
            "assignment_id": "21070000001234012",
            "attempt": 12,
            "body": "Test Submission Data",
            "grade": "Missing",
            "graded_at": "2019-11-01T19:11:21.419Z",
            "group_id": "120123",
            "late": False,
            "lti_assignment_id": "a1b2c3c4-z9x8-a1s2-q5w6-p9o8i7u6y5t6",
            "lti_user_id": "a1b2c3c4z9x8a1s2q5w6p9o8i7u6y5t6a2s3d4f5",
            "missing": False,
            "score": 99.5,
            "submission_id": "21070000012345567",
            "submission_type": "online_text_entry",
            "submitted_at": "2019-11-01T19:11:21.419Z",
            "updated_at": "2019-11-01T19:11:21.419Z",
            "url": "https://test.submission.net",
            "user_id": "21070000000014012",
            "workflow_state": "submitted",
        },
    },
    "submission_custom_grade_status": {
        "metadata": {
            "root_account_uuid": "44fJ44GgJ29gJBsl43JLKgljsBIOTsbnKT48932g",
            "root_account_id": "10000000000001",
            "root_account_lti_guid": "794d72b707af6ea82cfe3d5d473f16888a8366c7.canvas.docker",
            "user_login": "[email protected]",
            "user_account_id": "10000000000002",
            "user_sis_id": None,
            "user_id": "21070000000000001",
            "time_zone": "America/Denver",
            "context_type": "Course",
            "context_id": "21070000000000002",
            "context_sis_source_id": "194387",
            "context_account_id": "21070000000000003",
            "context_role": "TeacherEnrollment",
            "request_id": "98e1b771-fe22-4481-8264-d523dadb16b1",
            "session_id": "242872453a9d69f7ccddeb4788d22506",
            "hostname": "oxana.instructure.com",
            "http_method": "POST",
            "user_agent": (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_3) AppleWebKit/"
                "537.36 (KHTML, like Gecko) Chrome/73.0.3683.103 Safari/"
                "537.36"
            ),
            "client_ip": "93.184.216.34",
            "url": ("http://oxana.instructure.com/courses/2/gradebook/update_submission"),
            "referrer": (
                "http://oxana.instructure.com/courses/2/gradebook/speed_grader?"
                "assignment_id=39&student_id=2"
            ),
            "producer": "canvas",
            "event_name": "submission_custom_grade_status",
            "event_time": "2019-12-11T16:26:34.552Z",
        },
        "body": {
            "assignment_id": "11",
            "submission_id": "100",
            "user_id": "2",
            "course_id": "2",
            "submission_status": "Completed",
            "submission_status_id": "2",
            "old_submission_status": "Incomplete",
            "old_submission_status_id": "1",
            "updated_at": "2019-12-11T16:26:34Z",
        },
    },
    "submission_updated": {
        "metadata": {
            "client_ip": "93.184.216.34",
            "context_account_id": "21070000000000079",
            "context_id": "21070000000000565",
            "context_role": "TeacherEnrollment",
            "context_sis_source_id": "2017.100.101.101-1",
            "context_type": "Course",
            "event_name": "submission_updated",
            "event_time": "2019-11-01T19:11:11.325Z",
            "hostname": "oxana.instructure.com",
            "http_method": "POST",
            "producer": "canvas",
            "referrer": (
                "https://oxana.instructure.com/courses/1465707/gradebook/"
                "speed_grader?assignment_id=21868751&student_id=8026013"
            ),
            "request_id": "1dd9dc6f-2fb0-4c19-a6c5-7ee1bf3ed295",
            "root_account_id": "21070000000000001",
            "root_account_lti_guid": (
                "VicYj3cu5BIFpoZhDVU4DZumnlBrWi1grgJEzADs.oxana.instructure.com"
            ),
            "root_account_uuid": "VicYj3cu5BIFpoZhDVU4DZumnlBrWi1grgJEzADs",
            "session_id": "ef686f8ed684abf78cbfa1f6a58112b5",
            "time_zone": "America/Los_Angeles",
            "url": ("https://oxana.instructure.com/courses/2176632/gradebook/update_submission"),
            "user_account_id": "21070000000000001",
            "user_agent": (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_3) AppleWebKit/"
                "537.36 (KHTML, like Gecko) Chrome/73.0.3683.103 Safari/"
                "537.36"
            ),
            "user_id": "21070000000000001",
            "user_login": "[email protected]",
            "user_sis_id": "456-T45",
        },
        "body": {
            "assignment_id": "21070000000000396",
            "attempt": 1,
            "body": ("user: 47, quiz: 78, score: 0.0, time: 2018-10-09 21:29:57 +0000"),
            "grade": "S",
            "graded_at": "2018-10-09T21:29:57Z",
            "group_id": "120120",
            "late": False,
            "lti_assignment_id": "f7d76a11-95be-485b-8827-dbe8fdca3332",
            "lti_user_id": None,
            "missing": False,
            "score": 99.5,
            "submission_id": "21070000000011176",
            "submission_type": "online_quiz",
            "submitted_at": "2018-10-09T21:29:57Z",
            "updated_at": "2018-10-09T21:29:57Z",
            "url": None,
            "user_id": "21070000000000047",
            "workflow_state": "submitted",
        },
    },
}


def seed_report(name: str, *, lenient: bool) -> Report:
    return validate_lines([orjson.dumps(SEEDS[name])], lenient=lenient)


def test_the_seed_examples_validate_leniently_except_the_documented_doc_error() -> None:
    for name in SEEDS:
        report = seed_report(name, lenient=True)
        if name == "grade_override":  # CANVAS_EVENTS section 4: labelled grade_change
            assert report.problems == [
                Problem(
                    1,
                    "grade_change",
                    "schema",
                    '$.metadata.event_name: "grade_change", but the body is a grade_override body',
                )
            ]
        else:
            assert report.problems == [], (name, report.problems)
            assert report.events == Counter({name: 1})


def test_what_lenient_mode_tolerated_in_the_seed_examples() -> None:
    notes = {name: seed_report(name, lenient=True).lenient_notes for name in SEEDS}
    assert notes == {
        "course_grade_change": Counter(),
        "grade_change": Counter({"missing_undocumented_key": 1}),  # assignment_name
        "grade_override": Counter(),
        "submission_comment_created": Counter(),
        # an LTI grade passback: no context_* keys; no posted_at (not in the docs)
        "submission_created": Counter({"missing_metadata_key": 4, "omitted_null": 1}),
        "submission_custom_grade_status": Counter(),
        "submission_updated": Counter({"omitted_null": 1}),
    }
    for name in SEEDS:
        strict = seed_report(name, lenient=False)
        kinds = {problem.kind for problem in strict.problems}
        assert kinds <= ({"schema", "lenient"} if name == "grade_override" else {"lenient"})


def test_the_grade_override_example_relabelled_validates_strictly() -> None:
    event = copy.deepcopy(SEEDS["grade_override"])
    event["metadata"]["event_name"] = "grade_override"
    assert validate_lines([orjson.dumps(event)]).problems == []


def test_a_mislabelled_body_is_checked_as_what_it_is() -> None:
    event = first("grade_override")
    event["metadata"]["event_name"] = "grade_change"
    event["body"]["score_id"] = "21070000000037571"
    messages = [p.message for p in validate_lines([orjson.dumps(event)]).problems]
    assert messages == [
        '$.metadata.event_name: "grade_change", but the body is a grade_override body',
        '$.body.score_id: "21070000000037571" is not a local id (1 to 13 digits)',
    ]


# --- the API and the command ------------------------------------------------------------------


def test_validate_file_reads_stdin_and_str_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    data = GOLDEN.read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    from_stdin = validate_file("-")
    assert from_stdin.ok
    assert from_stdin.lines == data.count(b"\n")
    from_text = validate_lines(data.decode().splitlines(keepends=True))
    assert from_text.events == from_stdin.events
    assert from_text.ok


def test_the_stream_validator_takes_lines_one_by_one() -> None:
    validator = StreamValidator()
    for line in GOLDEN.read_bytes().splitlines()[:50]:
        validator.feed(line)
    assert validator.report.lines == 50
    assert validator.report.ok


def test_main_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(GOLDEN)]) == 0
    events = golden()
    index = index_with_predecessor(events, "grade_change", "submission_id")
    events[index]["body"]["old_score"] = 123.0
    broken = tmp_path / "broken.jsonl"
    broken.write_bytes(b"\n".join(lines_of(events)) + b"\n")
    assert main([str(broken)]) == 1
    out = capsys.readouterr()
    assert f"broken.jsonl: line {index + 1}: [chain] grade_change: $.body.old_score: 123.0" in (
        out.out
    )
    assert "1 problems" in out.err
    omitted = tmp_path / "omitted.jsonl"
    omitted.write_bytes(b"\n".join(run_lines("quickstart", 4, "omit")))
    assert main(["--lenient", str(omitted)]) == 0
    assert "tolerated: omitted_null" in capsys.readouterr().err
    assert main([str(tmp_path / "missing.jsonl")]) == 2


# --- the fast path agrees with jsonschema -----------------------------------------------------

SAMPLES = [
    None,
    True,
    0,
    1,
    -3,
    2.5,
    10**20,
    "",
    "565",
    "21070000000000565",
    "0565",
    "x",
    "2024-09-02T14:00:00Z",
    "2024-09-02T14:00:00.123Z",
    "2024-09-02T08:00:00-06:00",
    "2019-10-05 05:38:00 -0800",
    "Course",
    "canvas",
    "active",
    "graded",
    "ObserverEnrollment",
    "CourseSection",
    "ADHOC",
    "Group",
    "online_quiz",
    [],
    ["565"],
    [565],
    {},
    {"a": 1},
]
CORPUS = [*golden(), *FUTURE, *SEEDS.values()]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_fast_path_agrees_with_jsonschema(data: st.DataObject) -> None:
    event = copy.deepcopy(data.draw(st.sampled_from(CORPUS)))
    spec = catalogue()[event["metadata"]["event_name"]]
    for _ in range(data.draw(st.integers(0, 3))):
        section = data.draw(st.sampled_from(["metadata", "body", None]))
        target = event if section is None else event.get(section)
        if not isinstance(target, dict):
            continue
        action = data.draw(st.sampled_from(["set", "delete", "add"]))
        value = data.draw(st.one_of(st.sampled_from(SAMPLES), st.text(max_size=8)))
        if action == "add" or not target:
            key = data.draw(st.sampled_from(["extra", "job_id", "request_id", "group_id"]))
            target[key] = value
        elif action == "set":
            target[data.draw(st.sampled_from(sorted(target)))] = copy.deepcopy(value)
        else:
            del target[data.draw(st.sampled_from(sorted(target)))]
    assert spec.fast is not None
    verdict = spec.validator.is_valid(event)
    assert spec.fast(event) is verdict
    assert raw_validator(spec.name).is_valid(event) is verdict


@cache
def raw_validator(name: str) -> Any:
    """jsonschema itself on the schema files, $refs resolved by the registry."""
    return Draft202012Validator(load_schemas()[name], registry=registry())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_quick_findings_are_jsonschemas_findings(data: st.DataObject) -> None:
    """Omitted nulls and unknown keys are found without jsonschema: the same findings."""
    event = copy.deepcopy(data.draw(st.sampled_from(CORPUS)))
    spec = catalogue()[event["metadata"]["event_name"]]
    for _ in range(data.draw(st.integers(1, 4))):
        section = data.draw(st.sampled_from(["metadata", "body", None]))
        target = event if section is None else event[section]
        action = data.draw(st.sampled_from(["delete", "add", "set"]))
        if action == "delete" and target and section is not None:
            del target[data.draw(st.sampled_from(sorted(target)))]
        elif action == "set" and target and section is not None:
            target[data.draw(st.sampled_from(sorted(target)))] = data.draw(st.sampled_from(SAMPLES))
        else:
            target[data.draw(st.sampled_from(["extra", "user_id", "time_zone", "new"]))] = 1
    quick = quick_findings(spec, event)
    if quick is not None:
        assert quick == schema_findings(spec, event)
    else:
        assert not spec.validator.is_valid(event)
