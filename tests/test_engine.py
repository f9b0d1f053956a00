"""Each action emits exactly Canvas's events, in order, with hand-checked values."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from canvas_sim.engine import Engine
from canvas_sim.errors import ScenarioError
from canvas_sim.run import run_scenario
from canvas_sim.scenario import parse_scenario
from canvas_sim.sinks import MemorySink

COURSE = """
start: 2024-09-02T08:00:00-06:00
job_delay: 5s
setup_events: false
course:
  time_zone: America/Denver
  weighted: {weighted}
  custom_statuses: [Incomplete, Late pass]
  teachers: [{{key: prof, name: Ada Lovelace, time_zone: America/Denver}}]
  students:
    - {{key: ann, name: Ann Lee, time_zone: America/Los_Angeles}}
    - {{key: bob, name: Bob Ray, time_zone: America/Denver}}
  groups:
    - key: hw
      weight: 40
      assignments:
        - {{key: a1, title: Essay, points: 10, due: 2d}}
        - {{key: a2, title: Lab, points: 10, due: 2d}}
    - key: exams
      weight: 60
      assignments:
        - {{key: q1, title: Quiz, points: 20, submission_types: [online_quiz], due: 3d}}
        - {{key: mid, title: Midterm, points: 50, grading_type: letter_grade, post_policy: manual}}
steps:
  - enroll: {{users: all}}
"""


def simulate(steps: str, *, weighted: bool = False, seed: int = 1) -> list[dict[str, Any]]:
    text = COURSE.format(weighted=str(weighted).lower()) + textwrap.indent(
        textwrap.dedent(steps), "  "
    )
    scenario, located = parse_scenario(text, "test.yaml")
    sink = MemorySink()
    run_scenario(scenario, located, [sink], seed=seed)
    return sink.events()


def names(events: list[dict[str, Any]]) -> list[str]:
    return [e["metadata"]["event_name"] for e in events]


def after_enroll(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if not e["metadata"]["event_name"].startswith("enrollment")]


def test_enroll_emits_enrollment_events_only_and_no_placeholder_events() -> None:
    events = simulate("")
    assert names(events) == ["enrollment_created", "enrollment_state_created"] * 3
    types = [
        e["body"]["type"] for e in events if e["metadata"]["event_name"] == "enrollment_created"
    ]
    assert types == ["TeacherEnrollment", "StudentEnrollment", "StudentEnrollment"]
    created, state = events[0], events[1]
    assert created["metadata"]["request_id"] == state["metadata"]["request_id"]
    assert created["body"]["enrollment_id"] == state["body"]["enrollment_id"]
    assert created["metadata"]["context_role"] == "AccountAdmin"


def test_grade_emits_updated_then_grade_change_then_debounced_course_grade_change() -> None:
    events = after_enroll(simulate("- grade: {assignment: a1, students: [ann], score: 8}"))
    assert names(events) == ["submission_updated", "grade_change", "course_grade_change"]
    updated, change, course = events
    assert updated["metadata"]["request_id"] == change["metadata"]["request_id"]
    assert updated["body"]["attempt"] is None  # never submitted
    assert updated["body"]["workflow_state"] == "graded"
    assert change["body"]["score"] == 8.0 and change["body"]["grade"] == "8"
    assert change["body"]["old_score"] is None and change["body"]["old_grade"] is None
    assert change["body"]["points_possible"] == 10.0 == change["body"]["old_points_possible"]
    assert change["body"]["grading_complete"] is True and change["body"]["muted"] is False
    assert change["body"]["grader_id"] == updated["metadata"]["user_id"]
    # Points-based course, 90 points published: current 8/10 = 80 %, final 8/90 = 8.888.. -> 8.89.
    assert course["body"]["current_score"] == 80.0
    assert course["body"]["final_score"] == 8.89
    assert course["body"]["old_current_score"] is None
    assert course["body"]["old_final_score"] == 0.0
    assert "job_id" in course["metadata"] and "request_id" not in course["metadata"]
    assert course["metadata"]["job_tag"] == "Enrollment.recompute_final_score"
    grade_ms = change["metadata"]["event_time"]
    assert course["metadata"]["event_time"] > grade_ms


def test_weighted_scores() -> None:
    events = simulate(
        """
        - grade: {assignment: a1, students: [ann], score: 5}
        - grade: {assignment: q1, students: [ann], score: 15}
        """,
        weighted=True,
    )
    last = [e for e in events if e["metadata"]["event_name"] == "course_grade_change"][-1]
    # current: hw 5/10 * 40 + exams 15/20 * 60 = 20 + 45 = 65 over weights 100 -> 65.0
    # final: hw 5/20 * 40 = 10, exams 15/70 * 60 = 12.857.. -> 22.857.. -> 22.86
    assert last["body"]["current_score"] == 65.0
    assert last["body"]["final_score"] == 22.86


def test_quick_successive_grades_collapse_into_one_course_grade_change() -> None:
    events = after_enroll(
        simulate(
            """
            - grade: {assignment: a1, students: [ann], score: 10}
            - after: 1s
              grade: {assignment: a2, students: [ann], score: 5}
            """
        )
    )
    courses = [e for e in events if e["metadata"]["event_name"] == "course_grade_change"]
    assert len(courses) == 1
    body = courses[0]["body"]
    assert body["old_current_score"] is None and body["old_final_score"] == 0.0
    assert body["current_score"] == 75.0  # 15 / 20
    assert body["final_score"] == 16.67  # 15 / 90 = 16.666..


def test_submit_and_resubmit_keep_the_submission_and_count_attempts() -> None:
    events = after_enroll(
        simulate(
            """
            - submit: {assignment: a1, students: [ann]}
            - grade: {assignment: a1, students: [ann], score: 7}
            - submit: {assignment: a1, students: [ann]}
            """
        )
    )
    assert names(events) == [
        "submission_created",
        "submission_updated",
        "grade_change",
        "course_grade_change",
        "submission_created",
    ]
    first, resubmitted = events[0]["body"], events[-1]["body"]
    assert first["attempt"] == 1 and resubmitted["attempt"] == 2
    assert first["submission_id"] == resubmitted["submission_id"]
    # Resubmitting after grading: back to submitted, score and grade kept.
    assert resubmitted["workflow_state"] == "submitted"
    assert resubmitted["score"] == 7.0 and resubmitted["grade"] == "7"
    assert first["late"] is False
    assert events[0]["metadata"]["context_role"] == "StudentEnrollment"
    assert events[0]["metadata"]["url"].endswith("/submissions")


def test_late_and_missing_are_evaluated_when_the_event_is_emitted() -> None:
    events = after_enroll(
        simulate(
            """
            - at: 2d 1h
              submit: {assignment: a1, students: [ann]}
            - grade: {assignment: a2, students: [bob], score: 0}
            """
        )
    )
    submitted = events[0]["body"]
    assert submitted["late"] is True and submitted["missing"] is False
    bob = next(e for e in events if e["metadata"]["event_name"] == "submission_updated")
    assert bob["body"]["missing"] is True and bob["body"]["late"] is False


def test_excuse() -> None:
    events = after_enroll(
        simulate(
            """
            - grade: {assignment: a1, students: [ann], score: 5}
            - grade: {assignment: a2, students: [ann], score: 10}
            - after: 1h
              excuse: {assignment: a1, students: [ann]}
            """
        )
    )
    excused = events[-3:]
    assert names(excused) == ["submission_updated", "grade_change", "course_grade_change"]
    change = excused[1]["body"]
    assert change["score"] is None and change["grade"] is None
    assert change["old_score"] == 5.0 and change["old_grade"] == "5"
    assert change["grading_complete"] is True
    course = excused[2]["body"]
    # Before: current 15/20 = 75.0, final 15/90 = 16.67. Excused a1 leaves both totals:
    # current 10/10 = 100.0, final 10/80 = 12.5.
    assert (course["old_current_score"], course["old_final_score"]) == (75.0, 16.67)
    assert (course["current_score"], course["final_score"]) == (100.0, 12.5)


def test_excusing_without_a_score_change_emits_no_course_grade_change() -> None:
    # current stays null and final stays 0/90 -> 0/80 = 0.0: no score moved, so no event.
    events = after_enroll(simulate("- excuse: {assignment: a1, students: [ann]}"))
    assert names(events) == ["submission_updated", "grade_change"]


def test_autoscored_quiz_and_quiz_needing_review() -> None:
    events = after_enroll(
        simulate(
            """
            - take_quiz: {assignment: q1, students: [ann], score: 18}
            - take_quiz: {assignment: q1, students: [bob], score: 6, needs_review: true}
            """
        )
    )
    ann = [e for e in events if e["body"].get("user_id") != events[-1]["body"].get("user_id")]
    assert names(events)[:3] == ["quiz_submitted", "submission_updated", "grade_change"]
    assert events[1]["body"]["workflow_state"] == "graded"
    assert events[2]["body"]["grader_id"] is None
    assert events[2]["body"]["grading_complete"] is True
    assert ann
    review = [e for e in events if e["body"].get("workflow_state") == "pending_review"]
    assert len(review) == 1 and review[0]["metadata"]["event_name"] == "submission_created"
    bob_change = [
        e
        for e in events
        if e["metadata"]["event_name"] == "grade_change" and e["body"]["score"] == 6.0
    ]
    assert bob_change[0]["body"]["grading_complete"] is False
    bob_course = [
        e
        for e in events
        if e["metadata"]["event_name"] == "course_grade_change"
        and e["body"]["final_score"] == 6.67  # 6 / 90 = 6.666.. (pending counts in final)
    ]
    assert bob_course and bob_course[0]["body"]["current_score"] is None  # skipped in current


def test_points_change_resaves_graded_submissions_in_a_job() -> None:
    events = after_enroll(
        simulate(
            """
            - grade: {assignment: a1, score: 8}
            - after: 1h
              update_assignment: {assignment: a1, points: 20}
            """
        )
    )
    resaves = [
        e
        for e in events
        if e["metadata"]["event_name"] == "grade_change" and "job_id" in e["metadata"]
    ]
    assert len(resaves) == 2
    for event in resaves:
        body = event["body"]
        assert body["old_points_possible"] == 10.0 and body["points_possible"] == 20.0
        assert body["old_score"] == body["score"] == 8.0
        assert body["old_grade"] == body["grade"] == "8"
    tail = events[events.index(resaves[-1]) + 1 :]
    assert names(tail) == ["course_grade_change", "course_grade_change"]
    # current 8/20 = 40 %, was 8/10 = 80 %.
    assert {e["body"]["current_score"] for e in tail} == {40.0}
    assert {e["body"]["old_current_score"] for e in tail} == {80.0}


def test_manual_post_policy_hides_then_posts() -> None:
    events = after_enroll(
        simulate(
            """
            - grade: {assignment: mid, students: [ann], score: 47}
            - after: 1h
              post_grades: {assignment: mid}
            """
        )
    )
    assert names(events) == [
        "submission_updated",
        "grade_change",
        "course_grade_change",
        "grade_change",
        "course_grade_change",
    ]
    hidden, course_hidden, posted, course_posted = events[1], events[2], events[3], events[4]
    assert hidden["body"]["muted"] is True and hidden["body"]["grade"] == "A"  # 94 %
    # Unposted: only the unposted pair moves. 47/50 = 94.0; final 47/90 = 52.22.
    assert course_hidden["body"]["current_score"] is None
    assert course_hidden["body"]["unposted_current_score"] == 94.0
    assert course_hidden["body"]["unposted_final_score"] == 52.22
    assert posted["metadata"]["job_tag"] == "Assignment#post_submissions"
    assert posted["body"]["muted"] is False
    assert posted["body"]["old_grade"] == posted["body"]["grade"] == "A"
    assert course_posted["body"]["current_score"] == 94.0
    assert course_posted["body"]["old_current_score"] is None
    assert course_posted["metadata"]["job_tag"] == "Assignment#post_submissions"


def test_override_emits_only_on_change() -> None:
    events = after_enroll(
        simulate(
            """
            - override_grade: {students: [ann], score: 90}
            - override_grade: {students: [ann], score: 90}
            - override_grade: {students: [ann], score: 85.5}
            - override_grade: {students: [ann], score: null}
            """
        )
    )
    assert names(events) == ["grade_override"] * 3
    values = [(e["body"]["old_override_score"], e["body"]["override_score"]) for e in events]
    assert values == [(None, 90.0), (90.0, 85.5), (85.5, None)]
    assert events[0]["metadata"]["event_name"] == "grade_override"
    body = events[0]["body"]
    assert len(body["score_id"]) < 14 and len(body["enrollment_id"]) < 14  # local ids


def test_custom_status_chain_uses_empty_strings() -> None:
    events = after_enroll(
        simulate(
            """
            - set_status: {assignment: a1, students: [bob], status: Incomplete}
            - set_status: {assignment: a1, students: [bob], status: Late pass}
            - set_status: {assignment: a1, students: [bob], status: null}
            """
        )
    )
    pairs = [(e["body"]["old_submission_status"], e["body"]["submission_status"]) for e in events]
    assert pairs == [("", "Incomplete"), ("Incomplete", "Late pass"), ("Late pass", "")]
    assert events[2]["body"]["submission_status_id"] == ""
    assert (
        events[1]["body"]["old_submission_status_id"] == events[0]["body"]["submission_status_id"]
    )


def test_comments_by_teacher_and_student() -> None:
    events = after_enroll(
        simulate(
            """
            - comment:
                {assignment: a1, students: [ann], author: teacher, text: Nice, attachments: 2}
            - submit: {assignment: a1, students: [ann]}
            - comment: {assignment: a1, students: [ann], author: student, text: "Thanks!"}
            """
        )
    )
    teacher, student = events[0], events[2]
    assert teacher["body"]["body"] == "Nice"
    assert len(teacher["body"]["attachment_ids"]) == 2
    assert teacher["metadata"]["context_role"] == "TeacherEnrollment"
    assert student["metadata"]["context_role"] == "StudentEnrollment"
    assert (
        student["body"]["user_id"]
        == student["metadata"]["user_id"][-len(student["body"]["user_id"]) :]
    )
    assert teacher["body"]["submission_id"] == student["body"]["submission_id"]


@pytest.mark.parametrize(
    ("via", "url_part", "has_user", "has_developer_key", "session"),
    [
        ("speedgrader", "/gradebook/update_submission", True, False, True),
        ("gradebook", "/gradebook/update_submission", True, False, True),
        ("api", "/api/v1/courses/", True, True, False),
        ("lti", "/api/lti/courses/", False, False, False),
    ],
)
def test_grading_request_shapes(
    via: str, url_part: str, has_user: bool, has_developer_key: bool, session: bool
) -> None:
    events = after_enroll(
        simulate(f"- grade: {{assignment: a1, students: [ann], score: 9, via: {via}}}")
    )
    meta = events[0]["metadata"]
    assert url_part in meta["url"]
    assert ("user_id" in meta) is has_user
    assert ("developer_key_id" in meta) is has_developer_key
    assert (meta["session_id"] is not None) is session
    if via == "speedgrader":
        assert "speed_grader?assignment_id=" in meta["referrer"]
    if via == "lti":
        assert events[1]["body"]["grader_id"] is None


def test_body_timestamps_use_the_actors_offset_and_jobs_use_utc() -> None:
    events = after_enroll(
        simulate(
            """
            - at: 1d
              submit: {assignment: a1, students: [ann]}
            - grade: {assignment: a1, students: [ann], score: 9}
            """
        )
    )
    submitted, graded, _, course = events
    assert submitted["body"]["submitted_at"].endswith("-07:00")  # Ann is in Los Angeles
    assert graded["body"]["submitted_at"].endswith("-06:00")  # the teacher is in Denver
    assert submitted["body"]["submitted_at"][:13] == "2024-09-03T07"
    assert course["body"]["updated_at"].endswith("Z")


def test_grading_before_enrolling_is_a_located_error() -> None:
    text = """start: 2024-09-02T08:00:00Z
course:
  students: 2
  groups: [{key: g, assignments: [{key: a1}]}]
steps:
  - grade: {assignment: a1, students: [student1], score: 3}
"""
    scenario, located = parse_scenario(text, "bad.yaml")
    with pytest.raises(ScenarioError) as caught:
        run_scenario(scenario, located, [MemorySink()])
    assert "not enrolled" in str(caught.value)
    assert str(caught.value).startswith("bad.yaml:6:")


def test_scores_above_points_need_extra_credit() -> None:
    with pytest.raises(ScenarioError, match="extra_credit"):
        simulate("- grade: {assignment: a1, students: [ann], score: 11}")
    events = after_enroll(
        simulate("- grade: {assignment: a1, students: [ann], score: 11, extra_credit: true}")
    )
    assert events[1]["body"]["score"] == 11.0
    assert events[2]["body"]["current_score"] == 110.0


def test_invited_students_must_accept_before_submitting() -> None:
    text = COURSE.format(weighted="false").replace(
        "enroll: {users: all}", "enroll: {users: all, state: invited}"
    )
    scenario, located = parse_scenario(
        text + "  - submit: {assignment: a1, students: [ann]}\n", "t.yaml"
    )
    with pytest.raises(ScenarioError, match="accept"):
        run_scenario(scenario, located, [MemorySink()])
    scenario, located = parse_scenario(
        text
        + "  - accept_invitation: {students: [ann]}\n"
        + "  - submit: {assignment: a1, students: [ann]}\n",
        "t.yaml",
    )
    sink = MemorySink()
    run_scenario(scenario, located, [sink])
    events = after_enroll(sink.events())
    tail = [e for e in sink.events() if e["metadata"]["event_name"] == "enrollment_updated"]
    assert tail[0]["body"]["workflow_state"] == "active"
    assert names(events) == ["submission_created"]


def test_setup_events_describe_the_course_before_the_first_step() -> None:
    text = COURSE.format(weighted="true").replace("setup_events: false", "setup_events: true")
    text = text.replace("      weight: 40\n", "      weight: 40\n      drop_lowest: 1\n")
    text = text.replace("      weight: 40\n", "      weight: 40\n      never_drop: [a1]\n")
    scenario, located = parse_scenario(text, "setup.yaml")
    sink = MemorySink()
    run_scenario(scenario, located, [sink])
    events = sink.events()
    assert names(events)[:7] == [
        "course_created",
        "user_created",
        "user_created",
        "user_created",
        "assignment_group_created",
        "assignment_created",
        "assignment_created",
    ]
    course, first_user = events[0], events[1]
    assert "context_type" not in course["metadata"]  # created from the account, no context
    assert first_user["metadata"]["context_type"] == "Account"
    assert first_user["body"]["name"] == "Ada Lovelace"
    group = events[4]["body"]
    assignment = events[5]["body"]
    assert len(group["assignment_group_id"]) < 14  # local in its own event
    assert assignment["assignment_group_id"] == str(
        2107 * 10**13 + int(group["assignment_group_id"])
    )  # global in assignment events
    assert group["group_weight"] == 40.0 and group["position"] == 1
    a1_local = int(assignment["assignment_id"]) % 10**13
    assert group["rules"] == f"drop_lowest:1\nnever_drop:{a1_local}\n"
    assert assignment["points_possible"] == 10.0 and assignment["submission_types"] == (
        "online_text_entry"
    )
    assert names(events).count("assignment_created") == 4
    assert names(events)[7] == "assignment_group_created"  # exams
    assert names(events)[10] == "enrollment_created"  # then the first step


def test_points_change_emits_assignment_updated_first() -> None:
    events = after_enroll(simulate("- update_assignment: {assignment: a2, points: 15}"))
    assert names(events) == ["assignment_updated"]
    assert events[0]["body"]["points_possible"] == 15.0
    assert events[0]["metadata"]["http_method"] == "PUT"


def test_group_weight_change_recomputes_every_student() -> None:
    events = after_enroll(
        simulate(
            """
            - grade: {assignment: a1, students: [ann], score: 5}
            - grade: {assignment: q1, students: [ann, bob], score: 20}
            - after: 1h
              update_group: {group: hw, weight: 80}
            """,
            weighted=True,
        )
    )
    changed = events[
        events.index(next(e for e in events if names([e]) == ["assignment_group_updated"])) :
    ]
    assert names(changed)[0] == "assignment_group_updated"
    assert changed[0]["body"]["group_weight"] == 80.0
    courses = [
        e["body"] for e in changed[1:] if e["metadata"]["event_name"] == "course_grade_change"
    ]
    # Weights now sum to 140: Canvas never scales down. ann: current 5/10*80 + 20/20*60 = 100.0
    # (was 5/10*40 + 60 = 80.0); final 5/20*80 + 20/70*60 = 20 + 17.142.. = 37.14 (was 27.14).
    # bob: current 100.0 either way (only exams graded, scaled up); final 0 + 17.14 either way:
    # nothing moved, so no event for bob.
    assert len(courses) == 1
    assert (courses[0]["old_current_score"], courses[0]["current_score"]) == (80.0, 100.0)
    assert (courses[0]["old_final_score"], courses[0]["final_score"]) == (27.14, 37.14)


def test_publishing_an_assignment_moves_final_scores_of_students_without_grades() -> None:
    text = COURSE.format(weighted="false").replace(
        "{key: mid, title: Midterm, points: 50, grading_type: letter_grade, post_policy: manual}",
        "{key: mid, title: Midterm, points: 50, published: false}",
    )
    scenario, located = parse_scenario(
        text.replace("groups:\n", "groups:\n", 1)
        + "  - grade: {assignment: a1, students: [ann], score: 10}\n"
        + "  - after: 1h\n    update_assignment: {assignment: mid, published: true}\n"
        + "  - grade: {assignment: mid, students: [bob], score: 25}\n",
        "t.yaml",
    )
    sink = MemorySink()
    run_scenario(scenario, located, [sink])
    events = after_enroll(sink.events())
    published = names(events).index("assignment_updated")
    assert events[published]["body"]["workflow_state"] == "published"
    after = [e["body"] for e in events[published + 1 :] if names([e]) == ["course_grade_change"]]
    # ann: final 10/40 = 25.0 -> 10/90 = 11.11; bob (no grades) final 0.0 stays 0.0: no event,
    # then bob's midterm 25/50 counts: current 50.0, final 25/90 = 27.78.
    assert after[0]["old_final_score"] == 25.0 and after[0]["final_score"] == 11.11
    assert (after[-1]["current_score"], after[-1]["final_score"]) == (50.0, 27.78)


def test_conclude_and_drop() -> None:
    events = simulate(
        """
        - grade: {assignment: a1, students: [ann, bob], score: 8}
        - conclude: {students: [ann]}
        - drop: {students: [bob]}
        - after: 1h
          grade: {assignment: a2, score: 9}
        """
    )
    updates = [e["body"] for e in events if names([e]) == ["enrollment_updated"]]
    assert [u["workflow_state"] for u in updates] == ["completed", "deleted"]
    states = [e["body"]["state"] for e in events if names([e]) == ["enrollment_state_updated"]]
    assert states == ["completed", "deleted"]
    last = events[-3:]
    # "all" no longer includes the dropped student: only ann is graded on a2.
    assert names(last) == ["submission_updated", "grade_change", "course_grade_change"]
    # ann is concluded: ungraded work is left out of final instead of counting 0:
    # (8 + 9) / 20 = 85.0 for both current and final.
    assert (last[2]["body"]["current_score"], last[2]["body"]["final_score"]) == (85.0, 85.0)


@pytest.mark.parametrize(
    "step",
    [
        "- grade: {assignment: a1, students: [bob], score: 3}",
        "- submit: {assignment: a1, students: [bob]}",
        "- override_grade: {students: [bob], score: 90}",
        "- conclude: {students: [bob]}",
    ],
)
def test_a_dropped_student_cannot_be_acted_on(step: str) -> None:
    with pytest.raises(ScenarioError, match=r"student 'bob' was dropped \(a drop step came"):
        simulate(f"- drop: {{students: [bob]}}\n{step}\n")


def test_dropping_twice_changes_nothing() -> None:
    events = simulate("- drop: {students: [bob]}\n- drop: {students: [bob]}\n")
    assert names(events).count("enrollment_updated") == 1


PERSONAS = """start: 2024-09-02T08:00:00Z
setup_events: false
course:
  students: 20
  personas:
    - {name: strong, share: 0.25, level: 0.9}
    - {name: absent, share: 0.25, level: {uniform: [0.0, 0.3]}, submits: 0}
  groups: [{key: g, assignments: [{key: a1, points: 10}]}]
steps:
  - enroll: {}
  - submit: {assignment: a1}
  - grade: {assignment: a1, students: "persona:strong", score: persona}
  - grade: {assignment: a1, students: "persona:absent", score: persona}
"""


def test_personas_decide_who_submits_and_how_well() -> None:
    scenario, located = parse_scenario(PERSONAS, "p.yaml")
    sink = MemorySink()
    run_scenario(scenario, located, [sink])
    events = sink.events()
    submitted = [e for e in events if names([e]) == ["submission_created"]]
    assert len(submitted) == 15  # 5 of 20 are the 'absent' persona and never hand in
    changes = [e["body"] for e in events if names([e]) == ["grade_change"]]
    strong, absent = changes[:5], changes[5:]
    assert [c["score"] for c in strong] == [9.0] * 5  # 0.9 of 10 points
    assert len(absent) == 5 and all(0 <= c["score"] <= 3 for c in absent)
    submitters = {e["body"]["user_id"] for e in submitted}
    assert not {c["user_id"] for c in absent} & submitters


def test_persona_mistakes_are_located() -> None:
    bad = PERSONAS.replace('students: "persona:absent"', 'students: "persona:lazy"')
    with pytest.raises(ScenarioError, match=r"p.yaml:13:29:.*unknown persona 'persona:lazy'"):
        scenario, located = parse_scenario(bad, "p.yaml")
        run_scenario(scenario, located, [MemorySink()])
    no_persona = PERSONAS.replace('students: "persona:strong", score: persona', "score: persona")
    scenario, located = parse_scenario(no_persona, "p.yaml")
    with pytest.raises(ScenarioError, match="has no persona"):
        run_scenario(scenario, located, [MemorySink()])


def test_a_step_that_starts_too_early_says_both_times() -> None:
    steps = (
        "- over: 2d\n  submit: {assignment: a1}\n"
        "- at: 2024-09-03T08:00:00Z\n  grade: {assignment: a1, score: 5}\n"
    )
    with pytest.raises(ScenarioError) as caught:
        simulate(steps)
    message = str(caught.value)
    assert "this step starts at 2024-09-03T08:00:00.000Z, before the previous step" in message
    assert "has finished (at 2024-09-04T" in message  # two days of hand-ins after the start


def test_an_unknown_comment_author_lists_what_is_expected() -> None:
    with pytest.raises(ScenarioError, match=r"unknown author 'nobody' \(expected student, teacher"):
        simulate("- comment: {assignment: a1, author: nobody}\n")


def test_a_percentage_score_above_100_needs_extra_credit() -> None:
    with pytest.raises(ScenarioError, match=r"score 150% is above the 10 points possible; set"):
        simulate('- grade: {assignment: a1, students: [ann], score: "150%"}\n')
    events = simulate(
        '- grade: {assignment: a1, students: [ann], score: "150%", extra_credit: true}\n'
    )
    change = next(e["body"] for e in events if names([e]) == ["grade_change"])
    assert change["score"] == 15.0 and change["points_possible"] == 10.0


def test_a_persona_score_without_personas_is_found_before_anything_runs() -> None:
    text = COURSE.format(weighted="false") + "  - grade: {assignment: a1, score: persona}\n"
    with pytest.raises(ScenarioError, match=r"score: persona, but the course defines no personas"):
        Engine(*parse_scenario(text, "test.yaml"))  # no event is generated


CONCLUDED = """
start: 2024-09-02T08:00:00Z
setup_events: false
course:
  students: [{key: ann, name: Ann Lee}]
  groups:
    - key: g
      assignments:
        - {key: a1, points: 10}
        - {key: a2, points: 20}
        - {key: a3, points: 10, post_policy: manual}
steps:
  - enroll: {users: all}
  - grade: {assignment: a1, students: [ann], score: 8}
  - grade: {assignment: a3, students: [ann], score: 7}
  - conclude: {students: [ann]}
  - grade: {assignment: a1, students: [ann], score: 9}
"""


def test_a_concluded_students_never_handed_in_work_counts_0_in_the_unposted_final() -> None:
    # Canvas keeps an unsubmitted placeholder for a2: for a concluded enrollment only absent
    # rows are left out, so the unposted final counts it 0: (9 + 7 + 0) / 40 = 40.00. The
    # posted pair leaves out a3 (not posted) and the placeholder (never posted): 9 / 10.
    scenario, located = parse_scenario(CONCLUDED, "t.yaml")
    sink = MemorySink()
    run_scenario(scenario, located, [sink])
    last = [e["body"] for e in sink.events() if names([e]) == ["course_grade_change"]][-1]
    scores = [
        last[name]
        for name in (
            "current_score",
            "final_score",
            "unposted_current_score",
            "unposted_final_score",
        )
    ]
    assert scores == [90.0, 90.0, 80.0, 40.0]
