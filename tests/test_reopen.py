"""reopen: a concluded enrollment made active again, with Canvas's events and score math."""

from __future__ import annotations

import pytest
from test_engine import names, simulate

from canvas_sim.errors import ScenarioError


def test_reopen_makes_a_concluded_enrollment_active_again() -> None:
    events = simulate(
        """
        - grade: {assignment: a1, students: [ann], score: 8}
        - conclude: {students: [ann]}
        - reopen: {students: [ann]}
        - after: 1h
          grade: {assignment: a2, students: [ann], score: 9}
        """
    )
    updates = [e for e in events if names([e]) == ["enrollment_updated"]]
    assert [u["body"]["workflow_state"] for u in updates] == ["completed", "active"]
    states = [e["body"]["state"] for e in events if names([e]) == ["enrollment_state_updated"]]
    assert states == ["completed", "active"]
    reopened = updates[1]
    assert reopened["metadata"]["http_method"] == "POST"
    enrollment_id = int(reopened["body"]["enrollment_id"]) % 10**13  # the local id
    assert reopened["metadata"]["url"].endswith(f"/unconclude_user/{enrollment_id}")
    assert reopened["metadata"]["context_role"] == "TeacherEnrollment"
    # The event pair comes from one request, right after one another.
    position = events.index(reopened)
    pair = events[position : position + 2]
    assert names(pair) == ["enrollment_updated", "enrollment_state_updated"]
    assert events[position + 1]["metadata"]["request_id"] == reopened["metadata"]["request_id"]
    # Like conclude, reopening recomputes nothing by itself ...
    between = events[events.index(updates[0]) : position + 2]
    assert "course_grade_change" not in names(between)
    # ... but from then on work never handed in counts 0 in final again (a concluded student
    # would have 85.0): a1 8/10 and a2 9/10 of 10 + 10 + 20 + 50 points.
    scores = [e["body"] for e in events if names([e]) == ["course_grade_change"]]
    assert (scores[0]["current_score"], scores[0]["final_score"]) == (80.0, 8.89)
    assert (scores[-1]["old_current_score"], scores[-1]["old_final_score"]) == (80.0, 8.89)
    assert (scores[-1]["current_score"], scores[-1]["final_score"]) == (85.0, 18.89)


def test_a_reopened_student_can_act_again() -> None:
    events = simulate(
        """
        - conclude: {students: [ann]}
        - reopen: {students: [ann]}
        - submit: {assignment: a1, students: [ann]}
        """
    )
    assert names(events)[-1] == "submission_created"


def test_reopening_an_active_enrollment_changes_nothing() -> None:
    events = simulate("- reopen: {students: all}\n")
    assert "enrollment_updated" not in names(events)


def test_a_dropped_student_cannot_be_reopened() -> None:
    with pytest.raises(ScenarioError, match=r"student 'bob' was dropped \(a drop step came"):
        simulate("- drop: {students: [bob]}\n- reopen: {students: [bob]}\n")


def test_reopen_needs_students() -> None:
    with pytest.raises(ScenarioError, match="missing required key 'students'"):
        simulate("- reopen: {}\n")
