"""Discussions: topics, entries and replies, graded topics handing work in (create_topic,
update_topic, discuss), checked against tests/activity_contract.py and the validator."""

from __future__ import annotations

from typing import Any

import pytest
from activity_contract import check_activity_body, check_discussions, local
from eventspec import run_yaml

from canvas_sim.errors import ScenarioError
from canvas_sim.validate import validate_lines

HEAD = """
start: 2024-09-02T08:00:00-06:00
account: {shard: 31}
course:
  students: 6
  groups:
    - key: participation
      assignments: [{key: hw1, points: 10}]
steps:
  - enroll: {}
"""
SCENARIO = (
    HEAD
    + """
  - create_topic: {key: intro, title: Introduce yourself}
  - create_topic: {key: debate, points: 5, due: 7d}
  - create_topic: {key: news, announcement: true}
  - discuss: {topic: intro, entries: {uniform: [1, 3]}}
  - discuss: {topic: debate, via: rest, entries: 2, replies: "50%"}
  - discuss: {topic: intro, authors: [teacher1], via: rest, replies: "100%"}
  - grade: {assignment: debate, students: submitted, score: {uniform: [3, 5]}}
  - update_topic: {topic: intro, locked: true}
  - update_topic: {topic: debate, title: The Great Debate}
  - update_topic: {topic: news, delete: true}
  - update_topic: {topic: debate, title: The Great Debate}
"""
)


def named(events: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [e for e in events if e["metadata"]["event_name"] == name]


@pytest.mark.parametrize("nulls", ["keep", "omit"])
def test_discussion_events_follow_the_reference(nulls: str) -> None:
    events, lines = run_yaml(SCENARIO, nulls=nulls)
    report = validate_lines(lines, lenient=nulls == "omit")  # omitted nulls are lenient
    assert report.ok, report.problems[:3]
    activity = [e for e in events if e["metadata"]["event_name"].startswith("discussion_")]
    assert len(activity) > 20
    for event in activity:
        assert check_activity_body(event, 31, nulls == "omit") == []
        assert event["metadata"]["context_type"] == "Course"
    assert check_discussions(events) == []


def test_threads_graded_posts_and_rest_posts() -> None:
    events, _ = run_yaml(SCENARIO)
    created = named(events, "discussion_entry_created")
    replies = [e for e in created if e["body"]["parent_discussion_entry_id"] is not None]
    assert replies and len(replies) < len(created)
    topics = {local(e["body"]["discussion_topic_id"]): e["body"] for e in events if
              e["metadata"]["event_name"] == "discussion_topic_created"}  # fmt: skip
    graded = {tid for tid, body in topics.items() if body["assignment_id"] is not None}
    assert len(graded) == 1 and [t["is_announcement"] for t in topics.values()].count(True) == 1
    # REST posts: both events for the same entry, in one request; GraphQL posts: created only
    submitted = named(events, "discussion_entry_submitted")
    by_entry = {e["body"]["discussion_entry_id"]: e for e in created}
    for event in submitted:
        twin = by_entry[event["body"]["discussion_entry_id"]]
        assert twin["metadata"]["request_id"] == event["metadata"]["request_id"]
        assert "/entries" in event["metadata"]["url"]
    rest_ids = {e["body"]["discussion_entry_id"] for e in submitted}
    graphql = [e for e in created if e["body"]["discussion_entry_id"] not in rest_ids]
    assert graphql and all(e["metadata"]["url"].endswith("/api/graphql") for e in graphql)
    # graded: every student post carries the submission; a teacher's does not
    [debate] = graded
    for event in submitted:
        body = event["body"]
        if body["discussion_topic_id"] == debate:
            assert body["assignment_id"] == topics[debate]["assignment_id"]
            assert body["submission_id"] is not None
        else:
            assert body["assignment_id"] is None and body["submission_id"] is None
    # each poster's first graded post creates the submission, later ones update it
    firsts = named(events, "submission_created")
    posters = {
        e["body"]["user_id"] for e in submitted if e["body"]["discussion_topic_id"] == debate
    }
    assert {local(e["body"]["user_id"]) for e in firsts} == posters
    for event in firsts:
        assert event["body"]["submission_type"] == "discussion_topic"
        assert event["body"]["attempt"] == 1
    updates = [e for e in named(events, "submission_updated") if e["body"]["grade"] is None]
    assert updates and all(e["body"]["attempt"] == 1 for e in updates)


def test_updates_fire_on_changes_only_and_carry_the_state() -> None:
    events, _ = run_yaml(SCENARIO)
    states = [e["body"]["workflow_state"] for e in named(events, "discussion_topic_updated")]
    assert states == ["locked", "active", "deleted"]  # the last update_topic changes nothing
    renamed = named(events, "assignment_updated")
    assert [e["body"]["title"] for e in renamed] == ["The Great Debate"]


def test_an_unpublished_graded_topic_publishes_its_assignment() -> None:
    text = (
        HEAD
        + """
  - create_topic: {key: debate, points: 5, published: false}
  - update_topic: {topic: debate, published: true}
  - discuss: {topic: debate, students: [student1]}
"""
    )
    events, _ = run_yaml(text)
    states = [e["body"]["workflow_state"] for e in events
              if e["metadata"]["event_name"] in ("assignment_created", "assignment_updated")
              and e["body"]["title"] == "Debate"]  # fmt: skip
    assert states == ["unpublished", "published"]
    assert named(events, "submission_created")


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ("  - discuss: {topic: nope}\n", "unknown topic 'nope'"),
        ("  - create_topic: {key: t}\n  - create_topic: {key: t}\n", "topic 't' already exists"),
        (
            "  - create_topic: {key: t, locked: true}\n",
            "locked",
        ),
        (
            "  - create_topic: {key: t}\n  - update_topic: {topic: t, locked: true}\n"
            "  - discuss: {topic: t}\n",
            "topic 't' is locked",
        ),
        ("  - create_topic: {key: t, announcement: true, points: 3}\n", "cannot be graded"),
        ("  - create_topic: {key: hw1, points: 3}\n", "assignment 'hw1' already exists"),
        ("  - discuss: {topic: t, authors: [ghost]}\n", "unknown topic"),
    ],
)
def test_mistakes_are_located(steps: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        run_yaml(HEAD + steps)
