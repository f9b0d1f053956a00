"""Every shipped scenario runs, and shows what its description promises."""

from __future__ import annotations

import datetime
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from eventspec import SEEDED

from canvas_sim.event_types import CATALOGUE
from canvas_sim.run import run_scenario
from canvas_sim.scenario import load_scenario, parse_scenario
from canvas_sim.sinks import MemorySink
from canvas_sim.validate import validate_lines

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))

# What each scenario is for, as event types (or "type:field=value") that must appear.
PROMISES: dict[str, list[str]] = {
    "demo": [
        "enrollment_created",
        "submission_created:attempt=2",
        "quiz_submitted",
        "grade_change:score=9.5",
        "course_grade_change",
        "submission_comment_created",
        "submission_custom_grade_status",
        "grade_override",
    ],
    "quickstart": list(SEEDED),
    "semester": [
        "enrollment_updated:workflow_state=deleted",
        "enrollment_updated:workflow_state=completed",
        "grade_override",
        "submission_custom_grade_status",
        "submission_comment_created",
        "quiz_submitted",
        "grade_change:muted=True",
        "submission_created:attempt=2",
    ],
    "quiz-day": [
        "quiz_submitted",
        "submission_created:workflow_state=pending_review",
        "grade_change:grader_id=None",
        "grade_change:grading_complete=False",
        "submission_updated:attempt=2",
    ],
    "regrade-storm": [
        "assignment_updated:workflow_state=unpublished",
        "assignment_group_updated",
        "grade_change:points_possible=25.0",
        "course_grade_change",
    ],
    "edge-cases": [
        "grade_change:grade=complete",
        "grade_change:grade=incomplete",
        "grade_change:score=None",
        "grade_change:score=12.0",
        "submission_custom_grade_status",
        "grade_override",
    ],
    "campus-day": [
        "asset_accessed:asset_type=wiki_page",
        "asset_accessed:asset_type=attachment",
        "asset_accessed:asset_type=quizzes:quiz",
        "asset_accessed:asset_subtype=speed_grader",
        "asset_accessed:level=participate",
        "logged_in",
        "logged_out",
        "course_progress",
        "course_completed",
        "module_item_updated",
        "wiki_page_updated",
        "syllabus_updated",
        "quiz_created",
        "attachment_created",
        "submission_created",
        "quiz_submitted",
        "grade_change",
        "submission_comment_created",
    ],
    "term": [
        "discussion_topic_created:is_announcement=True",
        "discussion_topic_updated:workflow_state=locked",
        "discussion_topic_updated:workflow_state=deleted",
        "discussion_entry_created",
        "discussion_entry_submitted",
        "submission_created:submission_type=discussion_topic",
        "conversation_created",
        "conversation_message_created",
        "conversation_forwarded",
        "group_category_created",
        "group_category_updated",
        "group_created",
        "group_updated:workflow_state=deleted",
        "group_membership_created",
        "group_membership_updated:workflow_state=deleted",
        "course_section_created",
        "course_section_updated",
        "rubric_assessed",
        "learning_outcome_result_created",
        "learning_outcome_result_updated",
        "learning_outcome_link_updated:workflow_state=deleted",
        "outcome_proficiency_updated",
        "outcome_calculation_method_updated",
        "sis_batch_updated:workflow_state=imported_with_messages",
        "user_account_association_created",
        "content_migration_completed",
        "master_migration_completed",
        "lti_resource_link_updated",
        "account_notification_created",
        "account_updated",
        "user_updated",
        "plagiarism_resubmit",
    ],
    "load": [
        "course_created",
        "submission_created:late=True",
        "submission_created:late=False",
        "quiz_submitted",
        "submission_comment_created",
        "grade_change:muted=True",
        "grade_override",
    ],
}
# Large scenarios run small in the test suite (their full size is a benchmark's business).
SMALL = {"load": {"courses": "3"}, "campus-day": {"courses": "2"}}


def run(path: Path) -> list[dict[str, Any]]:
    scenario, located = load_scenario(path, SMALL.get(path.stem))
    sink = MemorySink()
    run_scenario(scenario, located, [sink])
    report = validate_lines(sink.lines)  # schemas and chains, by the independent validator
    assert report.ok, report.problems[:5]
    return sink.events()


def test_every_shipped_scenario_has_promises() -> None:
    assert {path.stem for path in SHIPPED} == set(PROMISES)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_scenario_keeps_its_promises(path: Path) -> None:
    events = run(path)
    kinds = Counter(e["metadata"]["event_name"] for e in events)
    assert set(kinds) <= set(CATALOGUE)
    for promise in PROMISES[path.stem]:
        name, _, condition = promise.partition(":")
        matching = [e for e in events if e["metadata"]["event_name"] == name]
        if condition:
            field, _, text = condition.partition("=")
            matching = [e for e in matching if str(e["body"].get(field)) == text]
        assert matching, f"{path.name} emits no {promise}"
    times = [e["metadata"]["event_time"] for e in events]
    assert times == sorted(times)


def test_the_demo_lasts_about_three_minutes_with_a_late_regrade() -> None:
    events = run(ROOT / "scenarios" / "demo.yaml")
    times = [e["metadata"]["event_time"] for e in events]
    first, last = (datetime.datetime.fromisoformat(t[:-1]) for t in (times[0], times[-1]))
    assert 150 <= (last - first).total_seconds() <= 210
    regrades = [
        e["body"]
        for e in events
        if e["metadata"]["event_name"] == "grade_change"
        and e["body"]["old_score"] not in (None, e["body"]["score"])
    ]
    assert len(regrades) == 1 and regrades[0]["score"] == 9.5


def test_the_example_in_the_scenario_docs_runs() -> None:
    text = (ROOT / "docs" / "scenarios.md").read_text()
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    scenario, located = parse_scenario(example, "docs/scenarios.md")
    sink = MemorySink()
    result = run_scenario(scenario, located, [sink])
    assert result.events["grade_override"] == 1 and result.events["course_grade_change"] > 10
    assert validate_lines(sink.lines).ok


def test_campus_day_is_a_day_of_mostly_page_views() -> None:
    """The assumed mix (docs): page views dominate, sign-outs are rarer than sign-ins, progress
    is reported once per several views, and everything happens on the scenario's date."""
    events = run(ROOT / "scenarios" / "campus-day.yaml")
    kinds = Counter(e["metadata"]["event_name"] for e in events)
    assert kinds["asset_accessed"] / len(events) >= 0.7
    assert kinds["logged_out"] * 3 < kinds["logged_in"]
    assert kinds["course_progress"] * 3 < kinds["asset_accessed"]
    days = {e["metadata"]["event_time"][:10] for e in events}
    assert days <= {"2024-10-16", "2024-10-17"}  # Denver's day ends at 06:00 UTC


def test_load_is_hundreds_of_courses_and_tens_of_thousands_of_students_by_default() -> None:
    """Measured on three copies: the default size gives at least 200,000 events."""
    default, _ = load_scenario(ROOT / "scenarios" / "load.yaml")
    courses = int(str(default.params["courses"]))
    assert courses >= 200
    [block] = default.courses
    assert not isinstance(block.students, (int, list))
    fewest, most = block.students.uniform
    assert courses * (fewest + most) / 2 >= 10_000
    scenario, located = load_scenario(ROOT / "scenarios" / "load.yaml", SMALL["load"])
    result = run_scenario(scenario, located, [MemorySink()])
    assert result.gradebook is not None
    students = sum(len(c["students"]) for c in result.gradebook["courses"])
    per_student = result.total / students
    assert per_student * courses * fewest >= 200_000  # even if every copy drew the fewest


def test_the_homework_week_example_in_the_scenario_docs_runs() -> None:
    import textwrap

    text = (ROOT / "docs" / "scenarios.md").read_text()
    snippet = text.split("# a homework week as it happens\n", 1)[1].split("```", 1)[0]
    head = (
        "start: 2024-09-02T08:00:00-06:00\n"
        "course:\n  students: 20\n  groups:\n    - key: homework\n"
        "      assignments: [{key: hw1, points: 10, due: 5d}]\n"
        "steps:\n  - enroll: {}\n"
    )
    scenario, located = parse_scenario(head + textwrap.indent(snippet, "  "), "docs.yaml")
    sink = MemorySink()
    result = run_scenario(scenario, located, [sink])
    assert result.events["submission_created"] == 19  # 5% of 20 never hand in
    assert result.events["grade_change"] == 20 and result.events["assignment_created"] == 2
    assert validate_lines(sink.lines).ok
