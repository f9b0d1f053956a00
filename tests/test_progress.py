"""Modules and course progress: course_progress counts match the requirements each student met
(worked out here from the stream and the scenario), debounced two minutes after the last one,
job metadata, counts never going backwards, course_completed rules."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from itertools import pairwise
from typing import Any

from eventspec import run_yaml

from canvas_sim.validate import validate_lines

MODULES = """
name: modules
seed: 8
start: 2024-09-09T06:00:00-06:00
course:
  sis_id: BIO-1
  students: 8
  groups:
    - key: hw
      assignments:
        - {key: hw1, points: 10, due: 1d}
        - {key: hw2, points: 10, due: 2d}
steps:
  - enroll: {users: all}
  - create_module:
      key: week1
      items:
        - {assignment: hw1, requirement: view}
        - {url: "https://example.com/reading", title: Reading, requirement: view}
        - {assignment: hw1, requirement: submit}
  - create_module:
      key: week2
      items:
        - {url: "https://example.com/video", title: Video, requirement: view}
        - {assignment: hw2, requirement: submit}
        - {url: "https://example.com/extra", title: Extra}
  - over: 1d
    browse:
      open: {module_item: 6, home: 1, assignment: 1}
      pages: {uniform: [3, 12]}
      teachers: false
  - submit: {assignment: hw1, students: 70%}
  - submit: {assignment: hw2, students: 40%}
"""
# (module, position) -> requirement, as the scenario above sets them.
REQUIREMENTS = {
    (0, 1): "view",
    (0, 2): "view",
    (0, 3): "submit",
    (1, 1): "view",
    (1, 2): "submit",
}
TARGETS = {(0, 1): "hw1", (0, 3): "hw1", (1, 2): "hw2"}


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def met_requirements(events: list[dict[str, Any]]) -> dict[str, list[tuple[int, set[int]]]]:
    """Per student (local id), the requirement items met after each of their actions."""
    modules: list[str] = []
    items: dict[tuple[int, int], str] = {}  # (module index, position) -> item id
    assignments: dict[str, str] = {}  # assignment key (by title order) -> global id
    for event in events:
        name, body = event["metadata"]["event_name"], event["body"]
        if name == "module_created":
            modules.append(body["module_id"])
        elif name == "module_item_created":
            items[(modules.index(body["module_id"]), body["position"])] = body["module_item_id"]
        elif name == "assignment_created":
            assignments[f"hw{len(assignments) + 1}"] = body["assignment_id"]
    by_item = {items[where]: where for where in REQUIREMENTS}
    met: dict[str, set[int]] = defaultdict(set)
    history: dict[str, list[tuple[int, set[int]]]] = defaultdict(list)
    for event in events:
        meta, body = event["metadata"], event["body"]
        user = meta.get("user_id")
        if user is None or meta.get("context_role") != "StudentEnrollment":
            continue
        student = str(int(user) % 10**13)
        done: set[tuple[int, int]] = set()
        if meta["event_name"] == "asset_accessed":
            url = meta["url"]
            if "/modules/items/" in url:
                done |= {by_item[i] for i in by_item if url.endswith(f"/modules/items/{i}")}
            for where, key in TARGETS.items():
                if REQUIREMENTS[where] == "view" and body["asset_id"] == assignments[key]:
                    done.add(where)
        elif meta["event_name"] == "submission_created":
            for where, key in TARGETS.items():
                if REQUIREMENTS[where] == "submit" and body["assignment_id"] == assignments[key]:
                    done.add(where)
        new = {int(items[w]) for w in done} - met[student]
        if new:
            met[student] |= new
            history[student].append((ms(meta["event_time"]), set(met[student])))
    return history


def test_course_progress_counts_the_requirements_each_student_met() -> None:
    events, lines = run_yaml(MODULES)
    report = validate_lines(lines)
    assert report.ok, report.problems[:5]
    history = met_requirements(events)
    reports = [e for e in events if e["metadata"]["event_name"] == "course_progress"]
    assert len(reports) >= 8
    last: dict[str, int] = {}
    for event in reports:
        meta, body = event["metadata"], event["body"]
        assert meta["job_tag"] == "CourseProgress.dispatch_live_event"
        assert "context_type" not in meta and "user_id" not in meta
        student, at = body["user"]["id"], ms(meta["event_time"])
        actions = [(time, met) for time, met in history[student] if time <= at]
        assert actions, "a report without a requirement met before it"
        last_action, met = actions[-1]
        assert at - last_action >= 120_000  # two minutes after the last requirement met
        later = [time for time, _ in history[student] if time > at]
        # debounced: no requirement met in the two minutes before the report is left out
        assert not later or later[0] - at > 0
        progress = body["progress"]
        assert progress["requirement_count"] == len(REQUIREMENTS)
        assert progress["requirement_completed_count"] == len(met)
        assert progress["requirement_completed_count"] >= last.get(student, 0)
        assert progress["next_requirement_url"] is None and progress["completed_at"] is None
        last[student] = progress["requirement_completed_count"]
        assert body["course"]["sis_source_id"] == "BIO-1"
    # one report per burst: never two for a student within two minutes
    times: dict[str, list[int]] = defaultdict(list)
    for event in reports:
        times[event["body"]["user"]["id"]].append(ms(event["metadata"]["event_time"]))
    for found in times.values():
        assert all(b - a >= 120_000 for a, b in pairwise(found))


COMPLETE = """
name: complete
seed: 4
start: 2024-09-09T06:00:00-06:00
course:
  students: 3
  groups:
    - key: hw
      assignments:
        - {key: hw1, points: 10, due: 1d}
steps:
  - enroll: {users: all}
  - create_module:
      key: one
      complete: one
      items:
        - {assignment: hw1, requirement: min_score, min_score: 6}
        - {url: "https://example.com/v", title: Video, requirement: mark_done}
  - create_module:
      key: seq
      sequential: true
      items:
        - {url: "https://example.com/a", title: A, requirement: mark_done}
        - {url: "https://example.com/b", title: B, requirement: mark_done}
  - mark_done: {module: seq, item: 2, students: [student1]}
  - mark_done: {module: seq, item: 1, students: [student1, student2]}
  - after: 10m
    mark_done: {module: seq, item: 2, students: [student1, student2]}
  - after: 10m
    grade: {assignment: hw1, score: 9, students: [student1, student2]}
  - after: 10m
    mark_done: {module: one, item: 2, students: [student1]}
"""


def test_completion_rules() -> None:
    events, lines = run_yaml(COMPLETE)
    assert validate_lines(lines).ok
    reports = [
        (e["metadata"]["event_name"], e["body"], ms(e["metadata"]["event_time"]))
        for e in events
        if e["metadata"]["event_name"] in ("course_progress", "course_completed")
    ]
    names = {e["body"]["user_id"]: e["body"]["name"] for e in events
             if e["metadata"]["event_name"] == "user_created"}  # fmt: skip
    student1 = [r for r in reports if r[1]["user"]["name"] == list(names.values())[1]]
    # item B of the sequential module is locked until A is done: marking it first counts nothing
    name, body, _ = student1[0]
    assert name == "course_progress"
    assert body["progress"]["requirement_completed_count"] == 1
    assert body["progress"]["requirement_count"] == 4
    completed = [r for r in reports if r[0] == "course_completed"]
    # 'complete one' needs only the min_score item: complete with 3 of 4 requirements met
    assert [r[1]["progress"]["requirement_completed_count"] for r in completed] == [3, 3, 4]
    # meeting one more while complete reports course_completed again (student1, 4 of 4)
    assert completed[-1][1]["user"] == student1[-1][1]["user"]
    for _, body, at in completed:
        done = ms(body["progress"]["completed_at"])
        assert body["progress"]["completed_at"].endswith("Z") and done <= at - 120_000
        assert body["progress"]["next_requirement_url"] is None
    # the third student met nothing: no report
    assert len({r[1]["user"]["id"] for r in reports}) == 2
