"""The Caliper forms of Canvas events the simulator does not emit yet: each shipped template
renders a Canvas-format event (bodies as CANVAS_EVENTS.md / CANVAS_ACTIVITY_EVENTS.md give them)
into an envelope that passes the checks, with the object CALIPER.md section 3 describes."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from canvas_sim.caliper import FORMS, CaliperRenderer
from canvas_sim.caliper.checks import check_envelope

U = "urn:instructure:canvas:"
ROOT_META = {
    "root_account_uuid": "VicYj3cu5BIFpoZhDVU4DZumnlBrWi1grgJEzADs",
    "root_account_id": "21070000000000001",
    "root_account_lti_guid": "VicYj3cu5BIFpoZhDVU4DZumnlBrWi1grgJEzADs.canvas.example.edu",
}
REQUEST = {
    **ROOT_META,
    "user_login": "t@example.edu",
    "user_id": "21070000000000987",
    "context_role": "TeacherEnrollment",
    "request_id": "1dd9dc6f-2fb0-4c19-a6c5-7ee1bf3ed295",
    "session_id": "ef686f8ed684abf78cbfa1f6a58112b5",
    "hostname": "canvas.example.edu",
    "http_method": "GET",
    "user_agent": "Mozilla/5.0",
    "client_ip": "93.184.216.34",
    "url": "https://canvas.example.edu/courses/565",
    "referrer": None,
    "producer": "canvas",
    "event_time": "2024-09-05T16:00:00.014Z",
}
COURSE = {"context_type": "Course", "context_id": "21070000000000565", "context_account_id": "1"}
# event name -> (extra metadata, body, expected object id)
CASES: dict[str, tuple[dict[str, Any], dict[str, Any], str]] = {
    "course_updated": (
        {},
        {"course_id": "21070000000000565", "name": "Bio", "workflow_state": "available"},
        f"{U}course:21070000000000565",
    ),
    "assignment_override_created": (
        COURSE,
        {
            "assignment_override_id": "12",
            "assignment_id": "355",
            "type": "CourseSection",
            "course_section_id": "481",
            "due_at": "2024-09-10T08:00:00-06:00",
            "unlock_at": None,
            "lock_at": None,
            "all_day": True,
            "all_day_date": "2024-09-10",
            "workflow_state": "active",
        },
        f"{U}assignment_override:21070000000000012",  # local in Canvas's form, global here
    ),
    "quiz_created": (
        COURSE,
        {
            "quiz_id": "21070000000000777",
            "title": "Quiz 1",
            "quiz_type": "assignment",
            "points_possible": 10.0,
            "time_limit": 30,
            "access_code": False,
            "workflow_state": "available",
            "due_at": None,
            "unlock_at": None,
            "updated_at": "2024-09-05T10:00:00-06:00",
        },
        f"{U}quiz:21070000000000777",
    ),
    "logged_in": (
        {},
        {"redirect_url": "https://canvas.example.edu/courses/565"},
        "http://canvas.example.edu/",
    ),
    "logged_out": ({}, {}, "http://canvas.example.edu/"),
    "attachment_created": (
        {"user_id": None, "user_login": None, "context_role": None},
        {
            "attachment_id": "21070000000000044",
            "context_id": "21070000000000565",
            "context_type": "Course",
            "folder_id": "21070000000000003",
            "user_id": "21070000000000048",
            "display_name": "notes (1).pdf",
            "filename": "notes+%281%29.pdf",
            "content_type": "application/pdf",
            "updated_at": "2024-09-05T10:00:00-06:00",
        },
        f"{U}attachment:21070000000000044",
    ),
    "asset_accessed": (
        COURSE,
        {
            "asset_type": "wiki_page",
            "asset_id": "21070000000000009",
            "asset_name": "Intro",
            "category": "wiki",
            "role": "TeacherEnrollment",
        },
        f"{U}wikiPage:21070000000000009",
    ),
    "user_account_association_created": (
        {},
        {
            "user_id": "21070000000000048",
            "account_id": "21070000000000001",
            "is_admin": False,
            "created_at": "2024-09-05T10:00:00-06:00",
            "updated_at": "2024-09-05T10:00:00-06:00",
        },
        f"{U}account:21070000000000001",
    ),
    "wiki_page_created": (
        COURSE,
        {"wiki_page_id": "21070000000000009", "title": "Intro", "body": "<p>Hi</p>"},
        f"{U}wikiPage:21070000000000009",
    ),
    "discussion_topic_created": (
        COURSE,
        {
            "discussion_topic_id": "21070000000000108",
            "is_announcement": False,
            "title": "Week 1",
            "context_id": "565",
            "context_type": "Course",
            "workflow_state": "active",
        },
        f"{U}discussion:21070000000000108",
    ),
    "discussion_entry_created": (
        COURSE,
        {
            "user_id": "48",
            "created_at": "2024-06-28T19:36:16-07:00",
            "discussion_entry_id": "7",
            "discussion_topic_id": "108",
            "text": "<p>Hello</p>",
        },
        f"{U}discussionEntry:21070000000000007",
    ),
    "syllabus_updated": (
        {},
        {"course_id": "21070000000000565", "syllabus_body": "<p>Syllabus</p>"},
        f"{U}course:21070000000000565",
    ),
    "group_category_created": (
        COURSE,
        {
            "group_category_id": "21070000000000049",
            "group_category_name": "Projects",
            "context_id": "565",
            "context_type": "Course",
        },
        f"{U}groupCategory:21070000000000049",
    ),
    "group_created": (
        COURSE,
        {
            "group_category_id": "21070000000000049",
            "group_category_name": "Projects",
            "group_id": "21070000000000051",
            "group_name": "Group 1",
        },
        f"{U}group:21070000000000051",
    ),
    "group_membership_created": (
        {},
        {
            "group_membership_id": "21070000000123460",
            "user_id": "21070000000000047",
            "group_id": "21070000000000051",
            "group_name": "Group 1",
            "group_category_id": "21070000000000049",
            "group_category_name": "Projects",
        },
        f"{U}groupMembership:21070000000123460",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_form_renders_a_checked_envelope(name: str) -> None:
    extra, body, object_id = CASES[name]
    metadata = {**REQUEST, **extra, "event_name": name}
    metadata = {key: value for key, value in metadata.items() if value is not None}
    line = CaliperRenderer().envelope(metadata, body)
    assert line is not None
    envelope = orjson.loads(line)
    assert check_envelope(envelope, name) == []
    event = envelope["data"][0]
    assert event["object"]["id"] == object_id
    assert (event["type"], event["action"]) == (FORMS[name].type, FORMS[name].action)
    if FORMS[name].group == "none":
        assert "group" not in event and "membership" not in event


def test_the_forms_without_a_simulated_event_are_all_covered() -> None:
    simulated = {
        "grade_change",
        "submission_created",
        "submission_updated",
        "quiz_submitted",
        "enrollment_created",
        "enrollment_updated",
        "enrollment_state_created",
        "enrollment_state_updated",
        "course_created",
        "assignment_created",
        "assignment_updated",
    }
    pairs = {
        "assignment_override_updated",
        "quiz_updated",
        "attachment_updated",
        "attachment_deleted",
        "wiki_page_updated",
        "wiki_page_deleted",
    }
    assert set(FORMS) == simulated | pairs | set(CASES)


def test_details_of_the_special_forms() -> None:
    metadata = {**REQUEST, "event_name": "asset_accessed", **COURSE}
    body = {"asset_type": "course", "asset_id": "21070000000000565", "asset_subtype": "grades"}
    event = CaliperRenderer().event(metadata, body)
    assert event is not None
    assert event["object"]["type"] == "Entity" and event["object"]["name"] == "grades"
    metadata = {**REQUEST, "event_name": "syllabus_updated"}
    event = CaliperRenderer().event(metadata, CASES["syllabus_updated"][1])
    assert event is not None and "group" not in event
    assert event["membership"]["organization"]["id"] == f"{U}course:21070000000000565"
    metadata = {**REQUEST, "event_name": "logged_in"}
    event = CaliperRenderer().event(metadata, {})
    assert event is not None and event["object"] == event["edApp"]
