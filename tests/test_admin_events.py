"""Account, user, SIS, migration, blueprint and LTI link events (update_user, associate_users,
notify_account, sis_import, copy_course, blueprint_sync, link_tool, update_tool_link,
create_account, update_account), checked against tests/activity_contract.py."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from activity_contract import BODIES, check_activity_body, check_admin
from eventspec import is_job, run_yaml

from canvas_sim.errors import ScenarioError
from canvas_sim.validate import validate_lines

HEAD = """
start: 2024-09-02T08:00:00-06:00
account: {shard: 31, id: 2, sub_account_id: 5}
course:
  students: 3
  groups:
    - key: labs
      assignments: [{key: lab1, points: 20}]
steps:
"""
SCENARIO = (
    HEAD
    + """
  - sis_import: {outcome: imported_with_messages}
  - enroll: {}
  - associate_users: {}
  - associate_users: {users: [teacher1], accounts: root}
  - copy_course: {migration_type: common_cartridge_importer}
  - blueprint_sync: {}
  - blueprint_sync: {takes: 1m}
  - link_tool: {key: sim, title: Simulator, assignment: lab1}
  - link_tool: {key: quiz, url: "https://quiz.example.com/launch"}
  - update_tool_link: {link: sim, title: Simulator 2}
  - update_tool_link: {link: sim, title: Simulator 2}
  - update_tool_link: {link: quiz, delete: true}
  - notify_account: {subject: Maintenance, icon: warning}
  - create_account: {key: sci, name: Sciences}
  - create_account: {key: bio, parent: sci}
  - update_account: {account: bio, name: Biology}
  - update_account: {account: bio, delete: true}
  - update_user: {users: [student1], name: Sam Rivera}
  - update_user: {users: [student2, student3], time_zone: Europe/Paris}
"""
)
NAMES = {
    name
    for name in BODIES
    if name.startswith(("sis_", "content_", "master_", "lti_", "account", "user_"))
}


def family(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["metadata"]["event_name"] in NAMES]


@pytest.mark.parametrize("nulls", ["keep", "omit"])
def test_admin_events_follow_the_reference(nulls: str) -> None:
    events, lines = run_yaml(SCENARIO, nulls=nulls)
    assert validate_lines(lines, lenient=nulls == "omit").ok
    for event in family(events):
        assert check_activity_body(event, 31, nulls == "omit") == []
    assert check_admin(events) == []
    assert {e["metadata"]["event_name"] for e in family(events)} == NAMES


def test_what_each_step_sends() -> None:
    events, _ = run_yaml(SCENARIO)
    counts = Counter(e["metadata"]["event_name"] for e in family(events))
    assert counts == {
        "sis_batch_created": 1,
        "sis_batch_updated": 2,
        "user_account_association_created": 3 * 2 + 1,  # the course's account and the root
        "content_migration_started": 1,
        "content_migration_completed": 1,
        "master_migration_started": 2,
        "master_migration_completed": 2,
        "lti_resource_link_created": 2,
        "lti_resource_link_updated": 2,  # the repeated title changes nothing
        "account_notification_created": 1,
        "account_created": 2,
        "account_updated": 2,
        "user_updated": 3,
    }
    by_name: dict[str, list[dict[str, Any]]] = {}
    for event in family(events):
        by_name.setdefault(event["metadata"]["event_name"], []).append(event)
    migrations = by_name["master_migration_started"]
    assert (
        migrations[0]["body"]["master_template_id"] == migrations[1]["body"]["master_template_id"]
    )
    assert (
        migrations[0]["body"]["master_migration_id"] != migrations[1]["body"]["master_migration_id"]
    )
    [done] = by_name["content_migration_completed"]
    assert done["metadata"]["job_tag"] == "CC::Importer::CCWorker#perform"
    assert done["metadata"]["context_type"] == "Course"
    assert done["body"]["lti_context_id"] == done["body"]["destination_course_lti_id"]
    on_assignment, in_course = by_name["lti_resource_link_created"]
    assert on_assignment["body"]["context_type"] == "Assignment"
    assert in_course["body"]["context_type"] == "Course"
    deleted = by_name["lti_resource_link_updated"][-1]
    assert deleted["body"]["workflow_state"] == "deleted" and "user_id" not in deleted["metadata"]
    sci, bio = by_name["account_created"]
    assert (
        "parent_account_id" in sci["body"]
        and bio["body"]["parent_account_id"] == sci["body"]["account_id"]
    )
    assert sci["body"]["root_account_id"] == "310000000000002"
    associations = by_name["user_account_association_created"]
    assert all(is_job(e) for e in associations)
    accounts = {e["body"]["account_id"] for e in associations}
    assert accounts == {"310000000000002", "310000000000005"}
    names = [e["body"]["name"] for e in by_name["user_updated"]]
    assert names[0] == "Sam Rivera"


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ("  - update_tool_link: {link: nope}\n", "unknown tool link 'nope'"),
        ("  - update_account: {account: nope}\n", "unknown account 'nope'"),
        ("  - create_account: {key: a, parent: nope}\n", "unknown account 'nope'"),
        ("  - copy_course: {migration_type: floppy}\n", "migration_type"),
        ("  - update_user: {users: [student1, student2], name: X}\n", "one person"),
    ],
)
def test_mistakes_are_located(steps: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        run_yaml(HEAD + "  - enroll: {}\n" + steps)


def test_plagiarism_resubmit_repeats_the_submission() -> None:
    text = (
        HEAD
        + """
  - enroll: {}
  - submit: {assignment: lab1, students: [student1, student2]}
  - resubmit_plagiarism: {assignment: lab1}
"""
    )
    events, lines = run_yaml(text)
    assert validate_lines(lines).ok
    resent = [e for e in events if e["metadata"]["event_name"] == "plagiarism_resubmit"]
    handed = {
        e["body"]["submission_id"]: e["body"]
        for e in events
        if e["metadata"]["event_name"] == "submission_created"
    }
    assert len(resent) == 2
    for event in resent:
        assert check_activity_body(event, 31, False) == []
        body = event["body"]
        original = handed[body["submission_id"]]
        same = ("assignment_id", "user_id", "submitted_at", "attempt", "body", "workflow_state")
        assert all(body[key] == original[key] for key in same)
    with pytest.raises(ScenarioError, match="nothing to resend"):
        run_yaml(
            HEAD + "  - enroll: {}\n  - resubmit_plagiarism: {assignment: lab1, students: all}\n"
        )
