"""Every emitted event matches the documented Canvas contract (tests/eventspec.py, from the docs).

Two scenarios are checked: the shipped quickstart and EVERY_STEP below, which uses every step
type and every grading ``via``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import orjson
import pytest
import yaml
from eventspec import (
    BODY_SPECS,
    BRIEF_EVENTS,
    OTHER_DOCUMENTED,
    REPO,
    SEEDED,
    USER_KEYS,
    Account,
    account_of,
    check_body,
    check_metadata,
    is_job,
    local,
    names,
    parse_ts,
    run_yaml,
)

QUICKSTART = REPO / "scenarios" / "quickstart.yaml"

# Every step type and every via. Each gradable assignment is graded through exactly one via, so
# an event's assignment tells which request shape it must have.
EVERY_STEP = """
name: every-step
seed: 11
start: 2024-03-04T09:00:00-05:00
job_delay: 3s
account: {domain: school.test.edu, shard: 5, id: 3, sub_account_id: 4}
course:
  name: Chemistry
  code: CHEM-1
  sis_id: CHEM.2024
  time_zone: America/New_York
  weighted: true
  custom_statuses: [Late pass, Needs revision]
  teachers: [{key: prof, name: Pat Prof, time_zone: Europe/Berlin}]
  tas: [{key: ta1, name: Terry Assistant, time_zone: Asia/Kolkata}]
  students:
    - {key: s1, name: Alice Able, time_zone: America/Los_Angeles}
    - {key: s2, name: Bob Baker, sis_id: SIS-B}
    - {key: s3, name: Cara Cole, time_zone: Australia/Adelaide}
    - {key: s4, name: Dan Dunn}
  groups:
    - key: hw
      name: Homework
      weight: 50
      drop_lowest: 1
      never_drop: [sg]
      assignments:
        - {key: sg, title: SpeedGrader Essay, points: 10, due: 2d}
        - {key: gb, title: Gradebook Lab, points: 20, grading_type: percent, due: 1d,
           submission_types: [online_upload, online_text_entry]}
        - {key: apiw, title: API Worksheet, points: 5, grading_type: letter_grade,
           submission_types: [online_url]}
        - {key: lti, title: LTI Tool Task, points: 8, submission_types: [external_tool]}
    - key: tests
      name: Tests
      weight: 50
      assignments:
        - {key: quiz, title: Chapter Quiz, points: 12, submission_types: [online_quiz]}
        - {key: exam, title: Final Exam, points: 50, post_policy: manual, grading_type: gpa_scale}
        - {key: pf, title: Participation, points: 3, grading_type: pass_fail,
           submission_types: [on_paper]}
steps:
  - enroll: {users: teachers}
  - enroll: {users: tas}
  - enroll: {users: [s1, s2]}
  - enroll: {users: [s3, s4], state: invited}
  - accept_invitation: {students: [s3, s4]}
  - at: 1d
    over: 4h
    submit: {assignment: sg, students: [s1, s2, s3]}
  - grade: {assignment: sg, score: 7.5}
  - submit: {assignment: gb, students: [s1, s2, s3], type: online_upload}
  - grade: {assignment: gb, score: "85%", via: gradebook}
  - submit: {assignment: apiw, students: [s1], url: "https://example.org/work"}
  - grade: {assignment: apiw, students: [s1, s2], score: 4, via: api, grader: ta1}
  - grade: {assignment: lti, students: [s1, s2, s3], score: {uniform: [4, 8]}, via: lti}
  - excuse: {assignment: lti, students: [s4], via: lti}
  - excuse: {assignment: apiw, students: [s3], via: api}
  - take_quiz: {assignment: quiz, students: [s1, s2], score: 10}
  - take_quiz: {assignment: quiz, students: [s3], score: 6, needs_review: true}
  - after: 30m
    grade: {assignment: quiz, students: [s3], score: 9}
  - take_quiz: {assignment: quiz, students: [s1], score: 11}
  - submit: {assignment: exam, students: [s1, s2, s3]}
  - grade: {assignment: exam, students: [s1, s2, s3], score: {normal: [40, 5]}}
  - excuse: {assignment: exam, students: [s4]}
  - post_grades: {assignment: exam}
  - hide_grades: {assignment: sg, students: [s1]}
  - grade: {assignment: pf, score: 3, via: gradebook}
  - update_assignment: {assignment: sg, points: 12}
  - update_assignment: {assignment: gb, grading_type: points}
  - override_grade: {students: [s1], score: 91.5}
  - override_grade: {students: [s1], score: null}
  - set_status: {assignment: sg, students: [s2], status: Late pass}
  - set_status: {assignment: sg, students: [s2], status: Needs revision}
  - set_status: {assignment: sg, students: [s2], status: null}
  - comment: {assignment: sg, students: [s1], author: student, text: "Here is my revision."}
  - comment: {assignment: sg, students: [s2], author: teacher, attachments: 2}
  - comment: {assignment: exam, students: [s3], author: ta1}
  - submit: {assignment: sg, students: [s1]}
  - post_grades: {assignment: sg, students: [s1]}
"""
VIA_OF_TITLE = {
    "SpeedGrader Essay": "speedgrader",
    "Chapter Quiz": "speedgrader",
    "Final Exam": "speedgrader",
    "Gradebook Lab": "gradebook",
    "Participation": "gradebook",
    "API Worksheet": "api",
    "LTI Tool Task": "lti",
}
EVERY_STEP_START = datetime.fromisoformat("2024-03-04T09:00:00-05:00")
DUE = {
    "SpeedGrader Essay": EVERY_STEP_START + timedelta(days=2),
    "Gradebook Lab": EVERY_STEP_START + timedelta(days=1),
}

Events = list[dict[str, Any]]


@pytest.fixture(scope="module")
def quickstart() -> tuple[Events, Account]:
    text = QUICKSTART.read_text(encoding="utf-8")
    events, _ = run_yaml(text, seed=3)
    return events, account_of(text)


@pytest.fixture(scope="module")
def every_step() -> tuple[Events, Account]:
    events, _ = run_yaml(EVERY_STEP, seed=3)
    return events, account_of(EVERY_STEP)


@pytest.fixture(params=["quickstart", "every_step"])
def run(request: pytest.FixtureRequest) -> tuple[Events, Account]:
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


def _report(problems: list[str]) -> str:
    return f"{len(problems)} problems, e.g.:\n" + "\n".join(problems[:25])


def by_request(events: Events) -> dict[str, Events]:
    groups: dict[str, Events] = defaultdict(list)
    for event in events:
        if not is_job(event):
            groups[event["metadata"]["request_id"]].append(event)
    return groups


def course_gid(events: Events) -> str:
    """The course's global id, from the first event in the course context."""
    return next(
        e["metadata"]["context_id"] for e in events if e["metadata"].get("context_type") == "Course"
    )


def title_to_local_id(events: Events) -> dict[str, str]:
    return {
        e["body"]["assignment_name"]: local(e["body"]["assignment_id"])
        for e in events
        if e["metadata"]["event_name"] == "grade_change"
    }


# --- shapes ---------------------------------------------------------------------------------------


def test_every_body_has_exactly_the_documented_keys_and_types(run: tuple[Events, Account]) -> None:
    events, account = run
    assert events
    problems = [p for e in events for p in check_body(e, account)]
    assert not problems, _report(problems)


def test_every_metadata_has_the_documented_shape(run: tuple[Events, Account]) -> None:
    events, account = run
    problems = [p for e in events for p in check_metadata(e, account)]
    assert not problems, _report(problems)


def test_only_documented_event_types(run: tuple[Events, Account]) -> None:
    events, _ = run
    assert set(names(events)) <= set(BODY_SPECS) | OTHER_DOCUMENTED
    overrides = [e for e in events if "override_score" in e["body"]]
    assert overrides
    assert {e["metadata"]["event_name"] for e in overrides} == {"grade_override"}


def test_quickstart_contains_every_seeded_event(quickstart: tuple[Events, Account]) -> None:
    events, _ = quickstart
    assert set(SEEDED) <= set(names(events))


def test_every_step_scenario_emits_every_event_type(every_step: tuple[Events, Account]) -> None:
    events, _ = every_step
    assert set(names(events)) >= BRIEF_EVENTS


def test_the_spec_rejects_wrong_events() -> None:
    """The checker itself can fail: wrong types, id forms, extra or missing keys, metadata."""
    account = Account(shard=5, domain="h.test")
    good = {
        "metadata": {"event_name": "quiz_submitted"},
        "body": {"quiz_id": "50000000000012", "submission_id": "50000000000013"},
    }
    assert check_body(good, account) == []
    for body in (
        {"quiz_id": "12", "submission_id": "50000000000013"},  # local where global is due
        {"quiz_id": 50000000000012, "submission_id": "50000000000013"},  # a number
        {"quiz_id": "21070000000000012", "submission_id": "50000000000013"},  # other shard
        {"quiz_id": "50000000000012"},  # missing key
        {"quiz_id": "50000000000012", "submission_id": "50000000000013", "x": 1},  # extra key
    ):
        assert check_body({"metadata": good["metadata"], "body": body}, account)
    ts_bad = {
        "metadata": {"event_name": "submission_custom_grade_status"},
        "body": {
            "assignment_id": "1",
            "submission_id": "2",
            "user_id": "3",
            "course_id": "4",
            "submission_status": "",
            "submission_status_id": "",
            "old_submission_status": "",
            "old_submission_status_id": None,  # must be "" not null
            "updated_at": "2024-01-01T00:00:00.123Z",  # milliseconds not allowed here
        },
    }
    assert len(check_body(ts_bad, account)) == 2
    meta_bad = {
        "metadata": {"event_name": "course_grade_change", "event_time": "2024-01-01T00:00:00Z"},
        "body": {},
    }
    problems = check_metadata(meta_bad, account)
    assert any("event_time" in p for p in problems)
    assert any("job-driven" in p for p in problems)


def test_omitting_nulls_only_drops_null_keys() -> None:
    keep, _ = run_yaml(EVERY_STEP, seed=5)
    omit, _ = run_yaml(EVERY_STEP, seed=5, nulls="omit")
    omit_requests, _ = run_yaml(EVERY_STEP, seed=5, nulls="omit-requests")
    account = account_of(EVERY_STEP)
    assert len(keep) == len(omit) == len(omit_requests)
    dropped = 0
    for full, compact, partial in zip(keep, omit, omit_requests, strict=True):
        assert full["metadata"] == compact["metadata"] == partial["metadata"]
        without_nulls = {k: v for k, v in full["body"].items() if v is not None}
        assert list(compact["body"].items()) == list(without_nulls.items())
        assert check_body(compact, account, omitted_nulls=True) == []
        expected = full["body"] if is_job(full) else without_nulls
        assert partial["body"] == expected
        dropped += len(full["body"]) - len(compact["body"])
    assert dropped > 0
    # the job-driven course_grade_change keeps explicit nulls under omit-requests
    assert any(
        None in e["body"].values()
        for e in omit_requests
        if e["metadata"]["event_name"] == "course_grade_change"
    )


# --- metadata semantics -------------------------------------------------------------------------


def test_one_request_shares_its_request_fields(run: tuple[Events, Account]) -> None:
    events, _ = run
    shared = ("session_id", "url", "referrer", "user_id", "http_method", "user_agent", "client_ip")
    groups = by_request(events)
    assert any(len(group) > 1 for group in groups.values())
    for request_id, group in groups.items():
        for key in shared:
            values = {str(e["metadata"].get(key, "<absent>")) for e in group}
            assert len(values) == 1, (request_id, key, values)


def test_different_actions_have_different_request_ids(run: tuple[Events, Account]) -> None:
    """An action emits each event type at most once, in Canvas's order, in one request."""
    events, _ = run
    allowed = {
        ("submission_created",),
        ("submission_updated",),
        ("submission_updated", "grade_change"),
        ("submission_created", "grade_change"),  # a quiz needing review (with quiz_submitted)
        ("enrollment_created", "enrollment_state_created"),
        ("enrollment_updated", "enrollment_state_updated"),
        ("grade_override",),
        ("submission_custom_grade_status",),
        ("submission_comment_created",),
    }
    for request_id, group in by_request(events).items():
        request_names = [n for n in names(group) if n in BRIEF_EVENTS]
        if not request_names:
            continue  # set-up events (course_created, ...) beyond the brief
        assert len(set(request_names)) == len(request_names), (request_id, request_names)
        # quiz_submitted goes "alongside" the quiz's submission events, in any position
        rest = tuple(n for n in request_names if n != "quiz_submitted")
        assert rest in allowed, (request_id, request_names)
        if "quiz_submitted" in request_names:
            assert rest[-1] == "grade_change", request_names
    # And consecutive actions never reuse one: count the submission_* events = their requests.
    subs = [
        e
        for e in events
        if e["metadata"]["event_name"] in ("submission_created", "submission_updated")
    ]
    assert len({e["metadata"]["request_id"] for e in subs}) == len(subs)


def test_job_driven_events(every_step: tuple[Events, Account]) -> None:
    events, _ = every_step
    tags = defaultdict(set)
    for event in events:
        meta, body = event["metadata"], event["body"]
        name = meta["event_name"]
        if is_job(event):
            tags[name].add(meta["job_tag"])
        if name == "course_grade_change":
            assert is_job(event)
        if name == "grade_change" and body["old_points_possible"] != body["points_possible"]:
            assert is_job(event), "a points change re-saves grades in a job"
    assert "Enrollment.recompute_final_score" in tags["course_grade_change"]
    assert "Assignment#post_submissions" in tags["grade_change"]
    posted = [
        e
        for e in events
        if e["metadata"].get("job_tag") == "Assignment#post_submissions"
        and e["metadata"]["event_name"] == "grade_change"
    ]
    # post_grades: one grade_change per graded or excused exam submission (4) + s1's essay
    assert len(posted) == 5
    for event in posted:
        body = event["body"]
        assert body["muted"] is False
        assert (body["old_score"], body["old_grade"]) == (body["score"], body["grade"])
    # a job's events share its job_id
    jobs = defaultdict(set)
    for event in posted:
        jobs[event["metadata"]["job_id"]].add(event["body"]["assignment_name"])
    assert sorted(map(sorted, jobs.values())) == [["Final Exam"], ["SpeedGrader Essay"]]


def test_developer_key_only_on_api_token_calls(every_step: tuple[Events, Account]) -> None:
    events, _ = every_step
    ids = title_to_local_id(events)
    api_assignment = ids["API Worksheet"]
    with_key = [e for e in events if "developer_key_id" in e["metadata"]]
    assert with_key
    for event in events:
        meta = event["metadata"]
        if meta["event_name"] not in BRIEF_EVENTS:
            continue
        is_api_grading = (
            meta["event_name"] in ("submission_updated", "grade_change")
            and not is_job(event)
            and local(event["body"]["assignment_id"]) == api_assignment
            and meta.get("user_id") != event["body"]["user_id"]
        )
        assert ("developer_key_id" in meta) == is_api_grading, meta


def test_urls_and_referrers_match_the_action(every_step: tuple[Events, Account]) -> None:
    events, account = every_step
    host = f"https://{account.domain}"
    course = local(course_gid(events))
    via_of_id = {aid: VIA_OF_TITLE[title] for title, aid in title_to_local_id(events).items()}
    assert set(via_of_id.values()) == {"speedgrader", "gradebook", "api", "lti"}
    checked = defaultdict(int)
    for group in by_request(events).values():
        meta = group[0]["metadata"]
        request_names = names(group)
        first = group[0]["body"]
        if "quiz_submitted" in request_names:
            continue  # see test_quiz_turn_in_request
        if request_names[0] not in ("submission_created", "submission_updated"):
            continue
        assignment, student = local(first["assignment_id"]), local(first["user_id"])
        url, referrer = meta["url"], meta["referrer"]
        if meta.get("user_id") == first["user_id"]:  # the student submits
            assert request_names == ["submission_created"]
            assert meta["http_method"] == "POST"
            assert url == f"{host}/courses/{course}/assignments/{assignment}/submissions"
            assert meta["context_role"] == "StudentEnrollment"
            checked["submit"] += 1
            continue
        via = via_of_id[assignment]
        if via in ("speedgrader", "gradebook"):
            assert meta["http_method"] == "POST"
            assert url == f"{host}/courses/{course}/gradebook/update_submission"
            if via == "speedgrader":
                assert referrer == (
                    f"{host}/courses/{course}/gradebook/speed_grader"
                    f"?assignment_id={assignment}&student_id={student}"
                )
            else:
                assert referrer == f"{host}/courses/{course}/gradebook"
            assert meta["context_role"] in ("TeacherEnrollment", "TaEnrollment")
            assert re.fullmatch(r"[0-9a-f]{32}", meta["session_id"])
            assert meta["user_agent"].startswith("Mozilla/")
        elif via == "api":
            path = urlsplit(url).path
            assert (
                path == f"/api/v1/courses/{course}/assignments/{assignment}/submissions/{student}"
            )
            assert meta["http_method"] in ("PUT", "POST")
            assert meta["session_id"] is None
            assert "developer_key_id" in meta
            assert not meta["user_agent"].startswith("Mozilla/")
        else:  # lti: a tool's AGS call, no user at all
            assert re.fullmatch(rf"{host}/api/lti/courses/{course}/line_items/\d+/scores", url)
            assert meta["http_method"] == "POST"
            assert not set(USER_KEYS) & set(meta)
            assert "context_role" not in meta
            assert meta["session_id"] is None
            assert not meta["user_agent"].startswith("Mozilla/")
        checked[via] += 1
    assert checked == {
        "submit": 3 + 3 + 1 + 3 + 1,
        "speedgrader": 4 + 1 + 4,  # essay (4), quiz review (1), exam (3 + 1 excused)
        "gradebook": 4 + 4,
        "api": 2 + 1,
        "lti": 3 + 1,
    }


def test_quiz_turn_in_request(every_step: tuple[Events, Account]) -> None:
    """The student's own request: quiz_submitted, the submission event, grade_change (no grader)."""
    events, account = every_step
    host = f"https://{account.domain}"
    course = local(course_gid(events))
    quiz_requests = [g for g in by_request(events).values() if "quiz_submitted" in names(g)]
    assert len(quiz_requests) == 4
    for group in quiz_requests:
        meta = group[0]["metadata"]
        quiz_id = local(group[0]["body"]["quiz_id"])
        submission, grade = group[1]["body"], group[2]["body"]
        assert meta["user_id"] == submission["user_id"] == grade["user_id"]
        assert meta["context_role"] == "StudentEnrollment"
        assert grade["grader_id"] is None
        assert submission["submission_type"] == "online_quiz"
        assert re.fullmatch(rf"{host}/courses/{course}/quizzes/{quiz_id}/submissions/\d+/complete",
                            meta["url"])  # fmt: skip
    pending = [g for g in quiz_requests if names(g)[1] == "submission_created"]
    assert len(pending) == 1
    assert pending[0][1]["body"]["workflow_state"] == "pending_review"
    assert pending[0][2]["body"]["grading_complete"] is False


def test_quiz_turn_in_url_names_the_quiz_submission(every_step: tuple[Events, Account]) -> None:
    """The turn-in URL names the quiz submission that quiz_submitted reports; a retake turns
    in the same quiz submission (one per student and quiz)."""
    events, account = every_step
    host = f"https://{account.domain}"
    course = local(course_gid(events))
    quiz_events = [e for e in events if e["metadata"]["event_name"] == "quiz_submitted"]
    assert quiz_events
    for event in quiz_events:
        quiz_id, submission_id = (local(event["body"][k]) for k in ("quiz_id", "submission_id"))
        assert event["metadata"]["url"] == (
            f"{host}/courses/{course}/quizzes/{quiz_id}/submissions/{submission_id}/complete"
        )
    by_student = defaultdict(set)
    for event in quiz_events:
        by_student[event["metadata"]["user_id"]].add(event["body"]["submission_id"])
    assert sorted(len(ids) for ids in by_student.values()) == [1, 1, 1]  # s1 took it twice


def test_comment_requests(every_step: tuple[Events, Account]) -> None:
    events, _ = every_step
    comments = [e for e in events if e["metadata"]["event_name"] == "submission_comment_created"]
    assert len(comments) == 3
    student_comment, teacher_comment, ta_comment = comments
    assert student_comment["body"]["body"] == "Here is my revision."
    assert local(student_comment["metadata"]["user_id"]) == student_comment["body"]["user_id"]
    assert student_comment["metadata"]["context_role"] == "StudentEnrollment"
    assert teacher_comment["metadata"]["context_role"] == "TeacherEnrollment"
    assert ta_comment["metadata"]["context_role"] == "TaEnrollment"
    assert len(teacher_comment["body"]["attachment_ids"]) == 2
    assert student_comment["body"]["attachment_ids"] == []
    for event in comments:  # the author is the acting user
        assert local(event["metadata"]["user_id"]) == event["body"]["user_id"]


# --- bodies in context ----------------------------------------------------------------------------


def test_ids_agree_between_global_and_local_forms(every_step: tuple[Events, Account]) -> None:
    events, _ = every_step
    course = course_gid(events)
    submissions: dict[tuple[str, str], str] = {}
    enrollments: dict[str, str] = {}
    students: set[str] = set()
    for event in events:
        name, body = event["metadata"]["event_name"], event["body"]
        if event["metadata"].get("context_type") == "Course":
            assert event["metadata"]["context_id"] == course
        if name in ("submission_created", "submission_updated", "grade_change"):
            key = (local(body["assignment_id"]), local(body["user_id"]))
            assert submissions.setdefault(key, body["submission_id"]) == body["submission_id"]
        if name == "enrollment_created":
            assert body["course_id"] == course
            enrollments[local(body["user_id"])] = local(body["enrollment_id"])
            if body["type"] == "StudentEnrollment":
                students.add(local(body["user_id"]))
    local_submissions = {(a, u): local(s) for (a, u), s in submissions.items()}
    course = local(course)
    seen = set()
    for event in events:
        name, body = event["metadata"]["event_name"], event["body"]
        if name == "submission_custom_grade_status":
            key = (body["assignment_id"], body["user_id"])
            assert local_submissions.get(key, body["submission_id"]) == body["submission_id"]
            assert body["course_id"] == course
            seen.add(name)
        elif name == "submission_comment_created":
            assert body["submission_id"] in local_submissions.values()
            seen.add(name)
        elif name == "course_grade_change":
            assert body["course_id"] == course
            assert body["user_id"] in students
            seen.add(name)
        elif name == "grade_override":
            assert body["course_id"] == course
            assert enrollments[body["user_id"]] == body["enrollment_id"]
            seen.add(name)
    assert len(seen) == 4


def test_grade_change_people(every_step: tuple[Events, Account]) -> None:
    events, _ = every_step
    sis_of_user: dict[str, str | None] = {}
    for event in events:
        meta = event["metadata"]
        if "user_id" in meta:
            sis_of_user[meta["user_id"]] = meta["user_sis_id"]
    count = 0
    for event in events:
        meta, body = event["metadata"], event["body"]
        if meta["event_name"] != "grade_change":
            continue
        count += 1
        assert body["user_id"] == body["student_id"]
        if body["student_id"] in sis_of_user:
            assert body["student_sis_id"] == sis_of_user[body["student_id"]]
        if is_job(event):
            continue
        if "user_id" not in meta or meta["user_id"] == body["user_id"]:
            assert body["grader_id"] is None  # an LTI tool, or the student's autoscored quiz
        else:
            assert body["grader_id"] == meta["user_id"]
    assert count > 20
    assert sis_of_user  # SIS-B belongs to s2, who acts in this scenario
    assert "SIS-B" in sis_of_user.values()


def test_body_timestamps(run: tuple[Events, Account]) -> None:
    """Requests stamp the actor's offset, jobs 'Z'; no stamp lies after its event's time."""
    events, _ = run
    checked = 0
    for event in events:
        meta, body = event["metadata"], event["body"]
        name = meta["event_name"]
        event_time = parse_ts(meta["event_time"])
        stamp_key = {
            "submission_created": "updated_at",
            "submission_updated": "updated_at",
            "submission_custom_grade_status": "updated_at",
            "course_grade_change": "updated_at",
            "grade_override": "updated_at",
            "submission_comment_created": "created_at",
            "enrollment_created": "updated_at",
            "enrollment_updated": "updated_at",
        }.get(name)
        if stamp_key is None:
            continue
        stamp = body[stamp_key]
        moment = parse_ts(stamp)
        assert moment <= event_time, (name, stamp, meta["event_time"])
        assert event_time - moment < timedelta(seconds=2), (name, stamp, meta["event_time"])
        if is_job(event) or name in ("grade_override", "submission_comment_created"):
            assert stamp.endswith("Z"), (name, stamp)  # jobs; the seeds' UTC millisecond stamps
        elif "time_zone" in meta:
            expected = ZoneInfo(meta["time_zone"]).utcoffset(moment.replace(tzinfo=None))
            assert moment.utcoffset() == expected, (name, stamp, meta["time_zone"])
        checked += 1
    assert checked > 10


def test_non_utc_offsets_appear(every_step: tuple[Events, Account]) -> None:
    events, _ = every_step
    offsets = {
        e["body"]["updated_at"][-6:]
        for e in events
        if e["metadata"]["event_name"] in ("submission_created", "submission_updated")
    }
    # Berlin (teacher, March: +01:00), Kolkata (TA), Los Angeles and Adelaide students
    assert {"+01:00", "+05:30", "-08:00", "+10:30"} <= offsets


def test_late_and_missing(every_step: tuple[Events, Account]) -> None:
    """late: submitted after the due date; missing: past due, never submitted, not excused."""
    events, _ = every_step
    due_by_id = {aid: DUE.get(title) for title, aid in title_to_local_id(events).items()}
    seen: dict[str, int] = defaultdict(int)
    for event in events:
        name, body = event["metadata"]["event_name"], event["body"]
        if name not in ("submission_created", "submission_updated"):
            continue
        due = due_by_id[local(body["assignment_id"])]
        submitted = body["submitted_at"]
        now = parse_ts(event["metadata"]["event_time"])
        excused = body["workflow_state"] == "graded" and body["score"] is None
        expected_late = due is not None and submitted is not None and parse_ts(submitted) > due
        expected_missing = due is not None and submitted is None and now > due and not excused
        assert body["late"] is expected_late, body
        assert body["missing"] is expected_missing, body
        seen[f"late={expected_late}"] += 1
        seen[f"missing={expected_missing}"] += 1
    # gb: three late submissions and s4's never-submitted graded one is missing
    assert seen["late=True"] >= 3 and seen["late=False"] > 0
    assert seen["missing=True"] >= 1 and seen["missing=False"] > 0


def test_muted_follows_post_policy_and_posting(every_step: tuple[Events, Account]) -> None:
    events, _ = every_step
    changes = [e for e in events if e["metadata"]["event_name"] == "grade_change"]
    exam = [e["body"] for e in changes if e["body"]["assignment_name"] == "Final Exam"]
    assert [b["muted"] for b in exam] == [True] * 4 + [False] * 4
    hidden = [e for e in changes if e["metadata"].get("job_tag", "").endswith("hide_submissions")]
    assert len(hidden) == 1 and hidden[0]["body"]["muted"] is True
    posted_updates = [
        e["body"]["posted_at"]
        for e in events
        if e["metadata"]["event_name"] == "submission_updated"
        and e["body"]["workflow_state"] == "graded"
    ]
    assert None in posted_updates  # the manually posted exam, before posting
    assert any(p is not None for p in posted_updates)


TRUNCATIONS = [
    # (text, what Canvas sends: Rails' truncate(8192, separator: " ")), written out by hand
    ("x" * 8191, "x" * 8191),  # under the limit
    ("x" * 8192, "x" * 8192),  # at it: untouched
    ("x" * 8193, "x" * 8189 + "..."),  # over, no space: cut to leave room for "..."
    ("a" * 8000 + " " + "b" * 500, "a" * 8000 + "..."),  # the last space before the limit
    ("a" * 8189 + " " + "b" * 100, "a" * 8189 + "..."),  # a space right at the room's end
    ("a" * 8000 + " " + "a" * 189 + " " + "b" * 9, "a" * 8000 + "..."),  # one past it: ignored
]


@pytest.mark.parametrize(("text", "sent"), TRUNCATIONS, ids=range(len(TRUNCATIONS)))
def test_text_fields_are_truncated_as_canvas_does(text: str, sent: str) -> None:
    assert len(sent) <= 8192
    scenario = f"""
start: 2024-03-04T09:00:00Z
course:
  students: 1
  groups:
    - key: g
      assignments:
        - {{key: a, points: 10}}
steps:
  - enroll: {{users: all}}
  - submit: {{assignment: a, body: "{text}"}}
  - comment: {{assignment: a, text: "{text}"}}
"""
    events, _ = run_yaml(scenario)
    bodies = {
        e["metadata"]["event_name"]: e["body"]["body"]
        for e in events
        if e["metadata"]["event_name"] in ("submission_created", "submission_comment_created")
    }
    assert bodies == {"submission_created": sent, "submission_comment_created": sent}


def test_text_survives_json_escaping() -> None:
    """Quotes, backslashes, newlines, unicode and template syntax pass through unchanged."""
    weird = 'Q "quoted" \\ back\\slash\nnew line\ttab </script> ünïcødé 😀 {{ x }} {% raw %}'
    data = {
        "start": "2024-03-04T09:00:00Z",
        "course": {
            "custom_statuses": [weird],
            "sis_id": weird,
            "students": [{"key": "s1", "name": weird, "sis_id": weird, "login": weird}],
            "teachers": [{"key": "t1", "name": weird}],
            "groups": [
                {
                    "key": "g",
                    "assignments": [
                        {"key": "a", "title": weird, "submission_types": ["online_url"]}
                    ],
                }
            ],
        },
        "steps": [
            {"enroll": {"users": "all"}},
            {"submit": {"assignment": "a", "url": weird}},
            {"grade": {"assignment": "a", "score": 5}},
            {"set_status": {"assignment": "a", "status": weird}},
            {"comment": {"assignment": "a", "text": weird}},
        ],
    }
    text = yaml.safe_dump(data)
    events, _ = run_yaml(text)
    account = account_of(text)
    problems = [p for e in events for p in check_body(e, account) + check_metadata(e, account)]
    assert not problems, _report(problems)
    found = {
        (e["metadata"]["event_name"], key)
        for e in events
        for part in ("metadata", "body")
        for key, value in e[part].items()
        if value == weird
    }
    assert {
        ("enrollment_created", "user_name"),
        ("grade_change", "assignment_name"),
        ("grade_change", "student_sis_id"),
        ("submission_created", "url"),
        ("submission_created", "user_login"),
        ("submission_created", "user_sis_id"),
        ("submission_created", "context_sis_source_id"),
        ("submission_custom_grade_status", "submission_status"),
        ("submission_comment_created", "body"),
    } <= found


def test_set_up_events_agree_with_the_gradebook_events(every_step: tuple[Events, Account]) -> None:
    """assignment_* / assignment_group_* (CANVAS_EVENTS.md section 3), when emitted, name the
    same objects as the grading events: global vs local ids, lti_assignment_id, points."""
    events, account = every_step
    created = [e["body"] for e in events if e["metadata"]["event_name"] == "assignment_created"]
    groups = [
        e["body"] for e in events if e["metadata"]["event_name"] == "assignment_group_created"
    ]
    if not created:
        pytest.skip("the simulator emits no assignment_created events")
    course = course_gid(events)
    by_id = {body["assignment_id"]: body for body in created}
    assert {b["title"] for b in created} == set(VIA_OF_TITLE)
    group_ids = {b["assignment_group_id"] for b in groups}
    for body in created:
        assert body["context_id"] == course
        assert body["domain"] == account.domain
        assert local(body["assignment_group_id"]) in group_ids
    for event in events:
        name, body = event["metadata"]["event_name"], event["body"]
        if name in ("submission_created", "submission_updated"):
            assert body["lti_assignment_id"] == by_id[body["assignment_id"]]["lti_assignment_id"]
        if name == "grade_change" and not is_job(event):
            assert by_id[body["assignment_id"]]["title"] == body["assignment_name"]
    homework = next(b for b in groups if b["name"] == "Homework")
    essay = next(b for b in created if b["title"] == "SpeedGrader Essay")
    assert homework["rules"] == f"drop_lowest:1\nnever_drop:{local(essay['assignment_id'])}\n"
    assert homework["group_weight"] == 50.0


# Body timestamps Canvas sends with milliseconds, as its docs' seed examples show them.
MILLISECOND_FIELDS = {
    ("grade_override", "updated_at"),
    ("submission_comment_created", "created_at"),
}
BODY_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?(Z|[+-]\d\d:\d\d)$")


def test_body_timestamps_have_second_precision_but_the_two_seed_documented_fields(
    run: tuple[Events, Account],
) -> None:
    events, _ = run
    seen: dict[tuple[str, str], set[bool]] = defaultdict(set)
    for event in events:
        name = event["metadata"]["event_name"]
        for key, value in event["body"].items():
            found = BODY_TIME.match(value) if isinstance(value, str) else None
            if found:
                seen[(name, key)].add(found.group(1) is not None)
    assert ("enrollment_state_created", "state_started_at") in seen
    wrong = {
        field: has_ms for field, has_ms in seen.items() if has_ms != {field in MILLISECOND_FIELDS}
    }
    assert not wrong


def test_seconds_only_cuts_the_two_millisecond_fields_and_nothing_else(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from canvas_sim.cli import main

    runs = {}
    for name, extra in (("default", []), ("seconds", ["--seconds-only"])):
        out = tmp_path / f"{name}.jsonl"
        result = CliRunner().invoke(main, ["run", "quickstart", "--to", str(out), "-q", *extra])
        assert result.exit_code == 0, result.output
        runs[name] = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    changed = set()
    for before, after in zip(runs["default"], runs["seconds"], strict=True):
        assert before["metadata"] == after["metadata"]
        for key, value in before["body"].items():
            if after["body"][key] != value:
                name = before["metadata"]["event_name"]
                changed.add((name, key))
                assert value[:19] == after["body"][key][:19] and after["body"][key][19:] == "Z"
                assert BODY_TIME.match(value).group(1) is not None  # type: ignore[union-attr]
    assert changed == MILLISECOND_FIELDS
