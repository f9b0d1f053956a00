"""Group sets, groups, memberships and sections (create_group_set, update_group_set,
join_group, create_section, update_section), checked against tests/activity_contract.py."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from activity_contract import check_activity_body, check_groups
from eventspec import is_job, run_yaml

from canvas_sim.errors import ScenarioError
from canvas_sim.validate import validate_lines

HEAD = """
start: 2024-09-02T08:00:00-06:00
account: {shard: 31}
course:
  students: 8
steps:
  - enroll: {}
"""
SCENARIO = (
    HEAD
    + """
  - create_group_set: {key: projects, groups: 3, group_limit: 3}
  - join_group: {set: projects}
  - join_group: {set: projects, students: [student1], group: 3}
  - join_group: {set: projects, students: [student2], leave: true}
  - update_group_set: {set: projects, group: 1, group_name: Team Alpha}
  - update_group_set: {set: projects, group: 2, delete: true}
  - create_group_set: {key: labs, name: Lab partners, groups: 4, assign: random}
  - update_group_set: {set: labs, name: Lab pairs}
  - update_group_set: {set: labs, delete: true}
  - create_section: {key: a, name: Section A, sis_id: SEC-A, start_at: 1d, end_at: 10w}
  - update_section: {section: a, name: Section A (Mon)}
  - update_section: {section: a, name: Section A (Mon)}
  - update_section: {section: a, delete: true}
"""
)
FAMILY = ("group_", "course_section_")


def family(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["metadata"]["event_name"].startswith(FAMILY)]


@pytest.mark.parametrize("nulls", ["keep", "omit"])
def test_group_and_section_events_follow_the_reference(nulls: str) -> None:
    events, lines = run_yaml(SCENARIO, nulls=nulls)
    assert validate_lines(lines, lenient=nulls == "omit").ok
    for event in family(events):
        assert check_activity_body(event, 31, nulls == "omit") == []
    assert check_groups(events) == []


def test_what_each_step_sends() -> None:
    events, _ = run_yaml(SCENARIO)
    counts = Counter(e["metadata"]["event_name"] for e in family(events))
    assert counts == {
        "group_category_created": 2,
        "group_created": 3 + 4,
        # 8 sign up (at most 3 a group: 3+3+2), student1 moves (unless already in group 3),
        # 8 assigned to lab groups
        "group_membership_created": counts["group_membership_created"],
        "group_membership_updated": counts["group_membership_updated"],
        "group_updated": 2 + 4,  # rename, delete; the deleted set's 4 groups
        "group_category_updated": 2,
        "course_section_created": 1,
        "course_section_updated": 2,  # the repeated rename changes nothing
    }
    created = [e for e in events if e["metadata"]["event_name"] == "group_membership_created"]
    assigned = [e for e in created if is_job(e)]
    assert len(assigned) == 8
    assert {e["metadata"]["job_tag"] for e in assigned} == {
        "GroupCategory#assign_unassigned_members"
    }
    assert 8 + 8 <= len(created) <= 8 + 8 + 1
    ended = [e for e in events if e["metadata"]["event_name"] == "group_membership_updated"]
    assert all(e["body"]["workflow_state"] == "deleted" for e in ended)
    assert 1 <= len(ended) <= 2  # student2 leaves; student1 moves unless already there
    sections = [e["body"] for e in family(events) if "course_section_id" in e["body"]]
    assert [s["workflow_state"] for s in sections] == ["active", "active", "deleted"]
    assert sections[0]["sis_source_id"] == "SEC-A" and sections[0]["default_section"] is False


def test_group_and_section_endpoints_carry_no_course_context() -> None:
    """Course-scoped endpoints (/api/v1/courses/:c/...) have the course context; the group,
    group set and section endpoints have none here (their own contexts are not modelled)."""
    events, _ = run_yaml(SCENARIO)
    for event in family(events):
        meta = event["metadata"]
        if is_job(event):
            continue
        if "/api/v1/courses/" in meta["url"]:
            assert meta["context_type"] == "Course"
        else:
            assert "context_type" not in meta and "context_role" not in meta, meta["url"]


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ("  - join_group: {set: nope}\n", "unknown group set 'nope'"),
        (
            "  - create_group_set: {key: p, groups: 1, group_limit: 1}\n"
            "  - join_group: {set: p, group: 1}\n",
            "is full",
        ),
        (
            "  - create_group_set: {key: p, groups: 2}\n  - join_group: {set: p, group: 3}\n",
            "has 2 groups",
        ),
        ("  - update_section: {section: s}\n", "unknown section 's'"),
        (
            "  - create_section: {key: s}\n  - create_section: {key: s}\n",
            "section 's' already exists",
        ),
    ],
)
def test_mistakes_are_located(steps: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        run_yaml(HEAD + steps)
