"""Content authoring: pages, files, quizzes, the syllabus, modules; only the changes Canvas
reports fire an update; every id an activity event names was announced earlier in the stream."""

from __future__ import annotations

from typing import Any

from eventspec import run_yaml

from canvas_sim.validate import validate_lines

CONTENT = """
name: content
seed: 3
start: 2024-09-09T06:00:00-06:00
course:
  students: 4
  groups:
    - key: hw
      assignments:
        - {key: hw1, points: 10, due: 1d}
        - {key: q1, points: 10, submission_types: [online_quiz], due: 2d}
steps:
  - enroll: {users: all}
  - create_page: {key: intro, title: Welcome to the course}
  - create_page: {key: notes, title: Week 1 notes, published: false}
  - upload_file: {key: slides, name: "Lecture 1 (slides).pdf"}
  - create_quiz: {key: practice, title: Practice quiz, time_limit: 10}
  - update_syllabus: {body: "<p>Syllabus</p>"}
  - update_syllabus: {body: "<p>Syllabus</p>"}
  - update_syllabus: {body: "<p>Syllabus v2</p>"}
  - create_module:
      key: week1
      items:
        - {page: intro, requirement: view}
        - {file: slides, requirement: view}
        - {quiz: practice}
        - {assignment: q1}
        - {url: "https://example.com/x", title: Extra, published: false}
  - update_page: {page: notes, published: true}
  - update_page: {page: notes, body: "<p>New notes</p>"}
  - update_page: {page: intro, title: Welcome!}
  - update_file: {file: slides, name: "Lecture 1.pdf", lock_at: 5d}
  - update_file: {file: slides, name: "Lecture 1.pdf"}
  - update_quiz: {quiz: practice, access_code: secret, allowed_attempts: 3}
  - update_quiz: {quiz: practice, allowed_attempts: 3}
  - update_quiz: {assignment: q1, time_limit: 30}
  - update_module: {module: week1, item: 5, published: true}
  - update_module: {module: week1, name: Week one}
  - update_module: {module: week1, name: Week one}
  - over: 1d
    browse: {open: {page: 1, file: 1, quiz: 1, module_item: 2}}
  - at: 2d
    update_page: {page: notes, deleted: true}
  - update_file: {file: slides, deleted: true}
  - update_module: {module: week1, deleted: true}
"""


def named(events: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [e for e in events if e["metadata"]["event_name"] == name]


def test_only_changes_canvas_reports_fire_updates() -> None:
    events, lines = run_yaml(CONTENT)
    report = validate_lines(lines)
    assert report.ok, report.problems[:5]
    pages = [e["body"] for e in named(events, "wiki_page_updated")]
    assert len(pages) == 2  # publishing alone sends nothing
    assert pages[0]["old_body"] and "old_title" not in pages[0]
    assert pages[1]["old_title"] == "Welcome to the course" and "old_body" not in pages[1]
    files = [e["body"] for e in named(events, "attachment_updated")]
    assert len(files) == 1 and files[0]["old_display_name"] == "Lecture 1 (slides).pdf"
    assert files[0]["filename"] == "Lecture+1.pdf"
    syllabus = [e["body"] for e in named(events, "syllabus_updated")]
    assert [s.get("old_syllabus_body") for s in syllabus] == [None, "<p>Syllabus</p>"]
    assert len(named(events, "course_updated")) == 2
    quizzes = [e["body"] for e in named(events, "quiz_updated")]
    assert len(quizzes) == 2 and quizzes[0]["access_code"] is True
    assert quizzes[1]["quiz_type"] == "assignment" and quizzes[1]["time_limit"] == 30
    assert "secret" not in b"".join(lines).decode()
    modules = [e["body"] for e in named(events, "module_updated")]
    assert [m["workflow_state"] for m in modules] == ["active", "active", "deleted"]
    assert modules[1]["name"] == "Week one"
    assert len(named(events, "wiki_page_deleted")) == len(named(events, "attachment_deleted")) == 1


def test_authoring_logs_a_participate_access_in_the_same_request() -> None:
    events, _ = run_yaml(CONTENT)
    for index, event in enumerate(events):
        if event["metadata"]["event_name"] in ("wiki_page_created", "wiki_page_updated"):
            access = events[index + 1]
            assert access["metadata"]["event_name"] == "asset_accessed"
            assert access["metadata"]["request_id"] == event["metadata"]["request_id"]
            assert access["body"]["level"] == "participate"
            assert access["body"]["asset_id"] == event["body"]["wiki_page_id"]


def test_every_id_an_activity_event_names_was_announced_before() -> None:
    """Modules, items, pages, files, quizzes, assignments, users, courses: created first."""
    events, _ = run_yaml(CONTENT)
    announced: set[tuple[str, str]] = set()
    deleted: set[tuple[str, str]] = set()

    def need(kind: str, value: str) -> None:
        assert (kind, value) in announced, f"{kind} {value} named before it was created"
        assert (kind, value) not in deleted, f"{kind} {value} named after it was deleted"

    asset_kinds = {
        "course": "course",
        "assignment": "assignment",
        "wiki_page": "page",
        "attachment": "file",
        "quizzes:quiz": "quiz",
    }
    for event in events:
        name, body = event["metadata"]["event_name"], event["body"]
        if name == "course_created":
            announced.add(("course", body["course_id"]))
        elif name == "user_created":
            announced.add(("user", str(int(body["user_id"]) % 10**13)))
        elif name == "assignment_created":
            announced.add(("assignment", body["assignment_id"]))
        elif name == "module_created":
            announced.add(("module", body["module_id"]))
        elif name == "module_item_created":
            need("module", body["module_id"])
            announced.add(("item", body["module_item_id"]))
        elif name in ("module_updated", "module_item_updated"):
            need("module", body["module_id"])
            if name == "module_item_updated":
                need("item", body["module_item_id"])
            if body["workflow_state"] == "deleted":
                deleted.add(("module", body["module_id"]))
        elif name == "wiki_page_created":
            announced.add(("page", body["wiki_page_id"]))
        elif name in ("wiki_page_updated", "wiki_page_deleted"):
            need("page", body["wiki_page_id"])
            if name == "wiki_page_deleted":
                deleted.add(("page", body["wiki_page_id"]))
        elif name == "attachment_created":
            announced.add(("file", body["attachment_id"]))
        elif name in ("attachment_updated", "attachment_deleted"):
            need("file", body["attachment_id"])
            if name == "attachment_deleted":
                deleted.add(("file", body["attachment_id"]))
        elif name == "quiz_created":
            announced.add(("quiz", body["quiz_id"]))
        elif name == "quiz_updated":
            if body["assignment_id"]:  # a graded quiz: announced by its assignment
                need("assignment", body["assignment_id"])
            else:
                need("quiz", body["quiz_id"])
        elif name == "asset_accessed" and body["asset_type"] == "content_tag":
            need("item", str(int(body["asset_id"]) % 10**13))  # an external URL item
        elif name == "asset_accessed":
            kind = asset_kinds[body["asset_type"]]
            if kind == "quiz" and (kind, body["asset_id"]) not in announced:
                continue  # a graded quiz's quiz: announced by its assignment
            need(kind, body["asset_id"])
            if "module_item_id=" in event["metadata"]["url"]:
                need("item", event["metadata"]["url"].rsplit("=", 1)[-1])
        elif name in ("course_progress", "course_completed"):
            need("user", body["user"]["id"])
    assert ("module", next(iter(m for k, m in announced if k == "module"))) in deleted


def test_omitting_nulls_drops_the_keys_canvas_leaves_out() -> None:
    events, _ = run_yaml(CONTENT, nulls="omit")
    for event in events:
        assert None not in event["body"].values(), event
    views = named(events, "asset_accessed")
    assert all(
        "asset_subtype" not in v["body"] for v in views if v["body"]["asset_type"] != "course"
    )
    progress = named(events, "course_progress") + named(events, "course_completed")
    assert progress and all("completed_at" in p["body"]["progress"] for p in progress)


def test_the_validator_follows_page_file_and_syllabus_changes() -> None:
    """old_* equals the value before; an update without old_* keeps the value."""
    import orjson

    _, lines = run_yaml(CONTENT)
    broken = []
    for line in lines:
        event = orjson.loads(line)
        name, body = event["metadata"]["event_name"], event["body"]
        if name == "wiki_page_updated" and "old_title" in body:
            body["old_title"] = "Not what it was"
        elif name == "attachment_updated":
            body["display_name"] = "Renamed silently.pdf"
            del body["old_display_name"]
        elif name == "syllabus_updated" and body["old_syllabus_body"]:
            body["old_syllabus_body"] = "<p>Another</p>"
        broken.append(orjson.dumps(event))
    problems = validate_lines(broken).problems
    assert [p.kind for p in problems] == ["chain"] * 3, problems
    assert {p.event for p in problems} == {
        "wiki_page_updated",
        "attachment_updated",
        "syllabus_updated",
    }


def test_names_a_step_does_not_know_are_located_errors() -> None:
    import pytest

    from canvas_sim.errors import ScenarioError

    head = CONTENT.split("steps:")[0] + "steps:\n  - enroll: {users: all}\n"
    cases = {
        "  - create_module: {key: m, items: [{page: nope}]}\n": "unknown page 'nope'",
        "  - update_module: {module: nope, published: false}\n": "unknown module 'nope'",
        "  - create_page: {key: p}\n  - create_page: {key: p}\n": "page 'p' already exists",
        "  - create_module: {key: m, items: [{url: 'https://x.test'}]}\n": "needs a title",
        "  - create_module: {key: m, items: [{assignment: hw1, requirement: min_score}]}\n": (
            "min_score goes with requirement: min_score"
        ),
        "  - update_quiz: {assignment: hw1, time_limit: 5}\n": "'hw1' is not a quiz",
        "  - browse: {open: {speed_grader: 1}}\n": "'speed_grader' is not a page students open",
    }
    for steps, message in cases.items():
        with pytest.raises(ScenarioError, match=message) as caught:
            run_yaml(head + steps)
        assert "test.yaml:" in str(caught.value)  # located in the file
