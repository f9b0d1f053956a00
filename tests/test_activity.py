"""Browsing and sessions: asset_accessed per CANVAS_ACTIVITY_EVENTS section 2.1's URL table,
logged_in / logged_out bracketing a person's requests, and activity that leaves the gradebook
as it was."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from eventspec import run_yaml

from canvas_sim.validate import validate_lines

BROWSE = """
name: browsing
seed: 5
start: 2024-09-09T06:00:00-06:00
course:
  teachers: 1
  tas: 1
  students: 6
  groups:
    - key: hw
      assignments:
        - {key: hw1, points: 10, due: 1d}
        - {key: hw2, points: 10, due: 9d}
        - {key: q1, points: 10, submission_types: [online_quiz], due: 2d}
steps:
  - enroll: {users: all}
  - accept_invitation: {}
%s
  - at: 3d
    submit: {assignment: hw1}
  - grade: {assignment: hw1, score: 8, via: speedgrader}
"""
BROWSE_STEP = """
  - over: 2d
    browse:
      pages: {uniform: [5, 12]}
      logout: 30%
      open: {home: 1, modules: 1, assignments: 1, assignment: 3, syllabus: 1, pages: 1,
             files: 1, grades: 1, quizzes: 1, quiz: 1, announcements: 1, topics: 1, roster: 1}
"""
# The reference's table: URL below /courses/:c -> asset_type, asset_subtype, category.
TABLE: list[tuple[str, tuple[str, str | None, str]]] = [
    (r"", ("course", "home", "home")),
    (r"/assignments", ("course", "assignments", "assignments")),
    (r"/assignments/syllabus", ("course", "syllabus", "syllabus")),
    (r"/assignments/\d+", ("assignment", None, "assignments")),
    (r"/pages", ("course", "pages", "pages")),
    (r"/discussion_topics", ("course", "topics", "topics")),
    (r"/announcements", ("course", "announcements", "announcements")),
    (r"/quizzes", ("course", "quizzes", "quizzes")),
    (r"/quizzes/\d+", ("quizzes:quiz", None, "quizzes")),
    (r"/modules", ("course", "modules", "modules")),
    (r"/files", ("course", "files", "files")),
    (r"/grades", ("course", "grades", "grades")),
    (r"/users", ("course", "roster", "roster")),
    (r"/gradebook/speed_grader\?assignment_id=\d+", ("course", "speed_grader", "grades")),
]


def expected_asset(url: str) -> tuple[str, str | None, str]:
    path = re.sub(r"^https://[^/]+/courses/\d+", "", url)
    for pattern, asset in TABLE:
        if re.fullmatch(pattern, path):
            return asset
    raise AssertionError(f"no row for {url}")


def named(events: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [e for e in events if e["metadata"]["event_name"] == name]


def test_page_views_follow_the_url_table_and_name_the_viewers_enrollment() -> None:
    events, lines = run_yaml(BROWSE % BROWSE_STEP)
    report = validate_lines(lines)
    assert report.ok, report.problems[:5]
    enrollments = {
        e["body"]["user_id"]: e["body"] for e in named(events, "enrollment_created")
    }  # global user id -> enrollment body
    views = named(events, "asset_accessed")
    assert len(views) > 50
    seen = set()
    for event in views:
        meta, body = event["metadata"], event["body"]
        if body["level"] == "submit":  # a hand-in's request logs the assignment it is for
            assert meta["http_method"] == "POST" and meta["url"].endswith("/submissions")
            assert (body["asset_type"], body["asset_subtype"]) == ("assignment", None)
            assert body["category"] == "assignments"
            continue
        asset = expected_asset(meta["url"])
        assert (body["asset_type"], body["asset_subtype"], body["category"]) == asset
        seen.add(asset)
        assert meta["http_method"] == "GET" and meta["context_type"] == "Course"
        enrollment = enrollments[meta["user_id"]]
        assert body["role"] == meta["context_role"] == enrollment["type"]
        local = int(enrollment["enrollment_id"]) % 10**13
        assert body["enrollment_id"] == str(local)
        assert body["section_id"] == str(int(enrollment["course_section_id"]) % 10**13)
        assert body["level"] is None
        if body["asset_type"] == "course":
            assert body["asset_id"] == meta["context_id"]
    assert len(seen) >= 12  # nearly every row of the table was used


def test_sessions_bracket_a_persons_requests() -> None:
    events, _ = run_yaml(BROWSE % BROWSE_STEP)
    sessions: dict[str, str] = {}  # user -> current session
    ended: set[str] = set()
    logins = 0
    for event in events:
        meta = event["metadata"]
        name, user = meta["event_name"], meta.get("user_id")
        if name == "logged_in":
            logins += 1
            assert event["body"] == {"redirect_url": None}
            assert "context_type" not in meta and "time_zone" not in meta
            keys = list(meta)
            assert keys.index("producer") < keys.index("user_id") < keys.index("user_sis_id")
            assert meta["session_id"] != sessions.get(user)
            sessions[user] = meta["session_id"]
            ended.discard(user)
        elif name == "logged_out":
            assert event["body"] == {} and meta["session_id"] == sessions[user]
            assert meta["time_zone"] and "context_type" not in meta
            ended.add(user)
        elif user in sessions and "session_id" in meta and meta.get("developer_key_id") is None:
            # every browser request after signing in is in that session, never after signing out
            assert meta["session_id"] == sessions[user], event
            assert user not in ended
    assert logins >= 7


def test_a_session_keeps_its_device() -> None:
    events, _ = run_yaml(BROWSE % BROWSE_STEP)
    devices: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for event in events:
        meta = event["metadata"]
        if meta.get("session_id") and meta.get("user_id"):
            devices[meta["session_id"]].add((meta["user_agent"], meta["client_ip"]))
    assert devices and all(len(found) == 1 for found in devices.values())


def test_browsing_leaves_the_gradebook_as_it_was() -> None:
    """Activity draws from its own stream: the gradebook's bodies do not change."""
    without, _ = run_yaml(BROWSE % "")
    with_browsing, _ = run_yaml(BROWSE % BROWSE_STEP)

    def gradebook(events: list[dict[str, Any]]) -> list[tuple[str, Any]]:
        skip = {"asset_accessed", "logged_in", "logged_out"}
        return [
            (e["metadata"]["event_name"], e["body"])
            for e in events
            if e["metadata"]["event_name"] not in skip
        ]

    assert gradebook(without) == gradebook(with_browsing)


def test_browse_rejects_an_unknown_page_kind() -> None:
    from canvas_sim.errors import ScenarioError
    from canvas_sim.scenario import parse_scenario

    text = BROWSE % "  - browse: {open: {homepage: 1}}\n"
    try:
        parse_scenario(text, "x.yaml")
    except ScenarioError as error:
        assert "unknown page kind 'homepage'" in str(error)
    else:
        raise AssertionError("no error")
