"""The canvas_sim pytest fixture, used as a consumer's own test would use it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from example_consumer import ScoreKeeper

from canvas_sim.errors import ScenarioError
from canvas_sim.faults import FaultConfig
from canvas_sim.pytest_plugin import Simulator

QUICKSTART = Path(__file__).resolve().parent.parent / "scenarios" / "quickstart.yaml"

INLINE = """
start: 2024-09-02T08:00:00Z
course:
  students: 3
  groups: [{key: hw, assignments: [{key: a1, points: 10}, {key: a2, points: 20}]}]
steps:
  - enroll: {}
  - grade: {assignment: a1, score: {uniform: [4, 10]}}
  - grade: {assignment: a2, score: 15}
"""


def test_the_fixture_is_registered(canvas_sim: Simulator) -> None:
    assert isinstance(canvas_sim, Simulator)


def test_inline_scenario_and_end_state(canvas_sim: Simulator) -> None:
    sim = canvas_sim.run(INLINE, seed=3)
    assert len(sim.of_type("grade_change")) == 6
    students = list(sim.students())
    assert len(students) == 3
    for student in students:
        a1 = student["submissions"]["a1"]["score"]
        # points-based: (a1 + 15) / 30
        expected = round((a1 + 15) / 30 * 100 + 1e-9, 2)
        assert student["scores"]["current_score"] == expected


def test_a_consumer_derives_the_end_state(canvas_sim: Simulator) -> None:
    sim = canvas_sim.run(QUICKSTART, seed=42)
    consumer = ScoreKeeper()
    client = httpx.Client(transport=httpx.WSGITransport(app=consumer), base_url="http://app/events")
    responses = sim.post_to(client)
    assert {r.status_code for r in responses} == {200}
    course_id = str(int(sim.gradebook["courses"][0]["course_id"]) % 10**13)
    for student in sim.students():
        user_id = str(int(student["user_id"]) % 10**13)
        kept = consumer.scores[(course_id, user_id)]
        assert kept["current_score"] == student["scores"]["current_score"]
        assert kept["final_score"] == student["scores"]["final_score"]


def test_a_consumer_routes_activity_events(canvas_sim: Simulator) -> None:
    """Page views, sign-ins and module progress reach their handlers; in any order."""
    sim = canvas_sim.run("campus-day", params={"courses": 1, "students": 8})
    consumer = ScoreKeeper()
    client = httpx.Client(transport=httpx.WSGITransport(app=consumer), base_url="http://app/events")
    shuffled = list(reversed(sim.lines))  # the newest first: the worst order
    for line in shuffled:
        assert client.post("", content=line).status_code == 200
    views = sim.of_type("asset_accessed")
    assert sum(consumer.views.values()) == len(views) > 0
    progress = sim.of_type("course_progress", "course_completed")
    assert progress
    for event in progress:
        body = event["body"]
        kept = consumer.progress[(body["course"]["id"], body["user"]["id"])]
        assert (
            kept["progress"]["requirement_completed_count"]
            >= body["progress"]["requirement_completed_count"]
        )
    signed_in = {e["metadata"]["user_id"] for e in sim.of_type("logged_in")}
    assert set(consumer.sessions) == signed_in
    assert consumer.other["submission_created"] == len(sim.of_type("submission_created"))


def test_a_shipped_scenario_by_name_with_params(canvas_sim: Simulator) -> None:
    by_name = canvas_sim.run("quickstart", seed=42)
    assert by_name.lines == canvas_sim.run(QUICKSTART, seed=42).lines
    two = canvas_sim.run("load", params={"courses": 2, "students_max": 41})
    assert len(two.gradebook["courses"]) == 2
    assert all(40 <= len(c["students"]) <= 41 for c in two.gradebook["courses"])


def test_a_missing_file_is_said_so_not_read_as_yaml(canvas_sim: Simulator) -> None:
    with pytest.raises(ScenarioError, match=r"nope\.yaml: no such scenario file \(shipped"):
        canvas_sim.run("scenarios/nope.yaml")


def test_faults_through_the_api_come_with_their_manifest(canvas_sim: Simulator) -> None:
    clean = canvas_sim.run("quickstart")
    faulty = canvas_sim.run("quickstart", faults=FaultConfig(duplicates=0.2, drop=0.1, seed=5))
    kinds = [row["fault"] for row in faulty.faults]
    assert kinds.count("duplicated") > 0 and kinds.count("dropped") > 0
    # Every duplicate adds a line and every drop removes one (checked against the clean run).
    expected = len(clean.lines) + kinds.count("duplicated") - kinds.count("dropped")
    assert len(faulty.lines) == expected
    for row in faulty.faults:
        assert clean.events[row["index"]]["metadata"]["event_name"] == row["event_name"]
    assert canvas_sim.run("quickstart").faults == []


def test_the_plugin_loads_the_simulator_only_when_used() -> None:
    import subprocess
    import sys

    code = (
        "import sys, canvas_sim.pytest_plugin; "
        "print(sorted(m for m in ('canvas_sim.engine', 'faker', 'httpx') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_consumer_project_with_its_own_simulator_module_runs_pytest(tmp_path: Path) -> None:
    """The plugin is imported into every test run, so its package name must not shadow (or be
    shadowed by) a consumer's own module: a project with ``simulator.py`` still runs pytest."""
    import subprocess
    import sys

    (tmp_path / "simulator.py").write_text("NAME = 'the consumer own simulator'\n")
    (tmp_path / "test_consumer.py").write_text(
        "import simulator\n\n"
        "def test_own_module_and_fixture(canvas_sim):\n"
        "    assert simulator.NAME == 'the consumer own simulator'\n"
        "    sim = canvas_sim.run('quickstart', seed=1)\n"
        "    assert sim.of_type('grade_change')\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_ids_convert_between_forms_on_the_scenarios_shard(canvas_sim: Simulator) -> None:
    sim = canvas_sim.run("quickstart")
    assert sim.shards == [2107]
    comment = sim.of_type("submission_comment_created")[0]["body"]  # local ids there
    submission = sim.global_id(comment["submission_id"])
    assert submission == str(2107 * 10**13 + int(comment["submission_id"]))
    assert sim.local_id(submission) == comment["submission_id"] == sim.local_id(int(submission))
    assert sim.global_id(submission) == submission  # already global
    assert submission in {e["body"]["submission_id"] for e in sim.of_type("submission_updated")}
    student = next(sim.students())
    assert sim.global_id(sim.local_id(student["user_id"])) == student["user_id"]


def test_with_several_shards_the_id_helper_asks_which(canvas_sim: Simulator) -> None:
    sim = canvas_sim.run(
        "start: 2024-09-02T08:00:00Z\n"
        "accounts: [{key: a, shard: 2107}, {key: b, shard: 26348}]\n"
        "courses: [{students: 1}, {account: b, students: 1}]\n"
    )
    assert sim.shards == [2107, 26348]
    assert sim.global_id(565, shard=26348) == "263480000000000565"
    with pytest.raises(ValueError, match="several shards"):
        sim.global_id(565)


def test_diff_compares_a_consumers_state_with_the_end_state(canvas_sim: Simulator) -> None:
    from canvas_sim.derive import derive

    sim = canvas_sim.run("quickstart")
    derived = derive(sim.events)  # what a consumer of the stream knows: local ids, ids as keys
    assert sim.diff(derived) == []
    student = derived["courses"][0]["students"][2]
    student["scores"]["final_score"] = 12.5
    [difference] = sim.diff(derived)
    assert difference.field == "final_score" and difference.derived == 12.5
    said = str(difference)
    assert "final_score 12.5, expected" in said
    assert sim.diff(derive(sim.events), placeholders=True) != []  # no event names them
