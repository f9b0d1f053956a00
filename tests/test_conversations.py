"""Conversations (the message step): new conversations announced before their first message,
a pair's private conversation reused, answers, people added; checked against
tests/activity_contract.py and the validator."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from activity_contract import check_activity_body, check_conversations, local
from eventspec import run_yaml

from canvas_sim.errors import ScenarioError
from canvas_sim.validate import validate_lines

HEAD = """
start: 2024-09-02T08:00:00-06:00
account: {shard: 31}
course:
  students: 5
  tas: 1
steps:
  - enroll: {}
"""


def named(events: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [e for e in events if e["metadata"]["event_name"] == name]


@pytest.mark.parametrize("nulls", ["keep", "omit"])
def test_conversation_events_follow_the_reference(nulls: str) -> None:
    text = (
        HEAD
        + """
  - message: {students: [student1, student2], replies: "100%"}
  - message: {sender: teacher, students: all}
  - message: {sender: teacher, students: [student3, student4], individual: false, add: [ta1]}
"""
    )
    events, lines = run_yaml(text, nulls=nulls)
    assert validate_lines(lines, lenient=nulls == "omit").ok  # omitted nulls are lenient
    inbox = [e for e in events if e["metadata"]["event_name"].startswith("conversation_")]
    for event in inbox:
        assert check_activity_body(event, 31, nulls == "omit") == []
    assert check_conversations(events) == []
    counts = Counter(e["metadata"]["event_name"] for e in inbox)
    # 2 students' private conversations (answered), then the teacher to 5 students: 3 new
    # and 2 reused; then one group conversation, forwarded to the TA
    assert counts == {
        "conversation_created": 2 + 3 + 1,
        "conversation_message_created": 2 + 2 + 5 + 1 + 1,
        "conversation_forwarded": 1,
    }


def test_a_pairs_private_conversation_is_reused_and_new_ones_come_first() -> None:
    text = (
        HEAD
        + """
  - message: {students: [student1]}
  - message: {students: [student1]}
  - message: {sender: teacher, students: [student1]}
"""
    )
    events, _ = run_yaml(text)
    inbox = [e for e in events if e["metadata"]["event_name"].startswith("conversation_")]
    assert [e["metadata"]["event_name"] for e in inbox] == [
        "conversation_created",
        "conversation_message_created",
        "conversation_message_created",
        "conversation_message_created",
    ]
    assert len({e["body"]["conversation_id"] for e in inbox}) == 1
    created, first = inbox[0], inbox[1]
    assert created["metadata"]["request_id"] == first["metadata"]["request_id"]
    assert created["metadata"]["event_time"] < first["metadata"]["event_time"]
    users = {local(e["metadata"]["user_id"]) for e in inbox}
    assert {e["body"]["author_id"] for e in inbox[1:]} == users
    assert inbox[1]["metadata"]["url"].endswith("/api/graphql")
    assert inbox[1]["metadata"]["referrer"].endswith("/conversations")


def test_adding_people_ends_the_private_conversation() -> None:
    text = (
        HEAD
        + """
  - message: {students: [student1], add: [ta1]}
  - message: {students: [student1]}
"""
    )
    events, _ = run_yaml(text)
    assert len(named(events, "conversation_created")) == 2
    forwarded = named(events, "conversation_forwarded")
    [first, *_] = named(events, "conversation_created")
    assert forwarded[0]["body"]["conversation_id"] == first["body"]["conversation_id"]


def test_answers_come_later_within_the_window() -> None:
    text = (
        HEAD
        + """
  - message: {students: all, replies: "100%", reply_within: 2h}
"""
    )
    events, _ = run_yaml(text)
    by_conversation: dict[str, list[str]] = {}
    for event in named(events, "conversation_message_created"):
        by_conversation.setdefault(event["body"]["conversation_id"], []).append(
            event["metadata"]["event_time"]
        )
    assert len(by_conversation) == 5
    assert all(len(times) == 2 and times[0] < times[1] for times in by_conversation.values())


def test_unknown_people_are_located() -> None:
    with pytest.raises(ScenarioError, match="'ghost' is not a teacher or ta or student"):
        run_yaml(HEAD + "  - message: {to: [ghost]}\n")
