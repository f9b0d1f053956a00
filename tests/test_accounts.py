"""Several root accounts (institutions), each on its shard, in one scenario: every course's ids,
metadata and URLs follow its account."""

from __future__ import annotations

from typing import Any

import pytest

from canvas_sim.errors import ScenarioError
from canvas_sim.run import run_scenario
from canvas_sim.scenario import parse_scenario
from canvas_sim.sinks import MemorySink

SCENARIO = """
start: 2024-09-02T08:00:00Z
accounts:
  - {key: north, domain: north.instructure.com, shard: 2107, id: 1, time_zone: America/Chicago}
  - key: south
    domain: canvas.south.edu
    shard: 26348
    id: 7
    sub_account_id: 9
    uuid: SouthRootAccountUuid0000000000000000000
    time_zone: Europe/Berlin
courses:
  - name: "North ${i}"
    count: 2
    students: 3
    groups: [{key: g, assignments: [{key: a, points: 10}]}]
  - name: South
    account: south
    students: 2
    groups: [{key: g, assignments: [{key: a, points: 10}]}]
steps:
  - enroll: {}
  - submit: {assignment: a}
  - grade: {assignment: a, score: 8, via: api}
"""
NORTH = {
    "shard": "2107",
    "hostname": "north.instructure.com",
    "root_account_id": "21070000000000001",
    "sub_account": "21070000000000001",
    "zone": "America/Chicago",
}
SOUTH = {
    "shard": "26348",
    "hostname": "canvas.south.edu",
    "root_account_id": "263480000000000007",
    "sub_account": "263480000000000009",
    "zone": "Europe/Berlin",
}


def run(text: str = SCENARIO, seed: int = 1) -> tuple[list[bytes], list[dict[str, Any]], Any]:
    scenario, located = parse_scenario(text, "accounts.yaml")
    sink = MemorySink()
    result = run_scenario(scenario, located, [sink], seed=seed)
    return sink.lines, sink.events(), result


def test_each_courses_events_carry_its_accounts_ids_metadata_and_urls() -> None:
    _, events, _ = run()
    seen = {"North": 0, "South": 0}
    zones: dict[bool, set[str]] = {False: set(), True: set()}  # students' zones, by south
    names: dict[str, str] = {}  # course global id -> course name, from course_created
    for event in events:
        if event["metadata"]["event_name"] == "course_created":
            names[event["body"]["course_id"]] = event["body"]["name"]
    for event in events:
        meta, body = event["metadata"], event["body"]
        course = names[meta["context_id"]] if meta.get("context_type") == "Course" else None
        if course is None:
            continue
        expected = SOUTH if course == "South" else NORTH
        seen["South" if course == "South" else "North"] += 1
        assert meta["context_id"].startswith(expected["shard"]), meta
        assert len(meta["context_id"]) == len(expected["shard"]) + 13
        assert meta["root_account_id"] == expected["root_account_id"]
        assert meta["context_account_id"] == expected["sub_account"]
        if "hostname" in meta:
            assert meta["hostname"] == expected["hostname"]
            assert meta["url"].startswith(f"https://{expected['hostname']}/")
        if "user_account_id" in meta:
            assert meta["user_account_id"] == expected["root_account_id"]
            assert meta["user_id"].startswith(expected["shard"])
        if meta.get("user_id") and meta.get("context_role") == "StudentEnrollment":
            zones[course == "South"].add(meta["time_zone"])
        for key in ("enrollment_id", "course_id", "user_id"):
            value = body.get(key)
            if event["metadata"]["event_name"].startswith("enrollment") and value:
                assert value.startswith(expected["shard"]), (key, value)
    assert seen["North"] > 20 and seen["South"] > 10
    # The account's zone is its students' (about one in ten draws another US zone).
    assert NORTH["zone"] in zones[False] and SOUTH["zone"] not in zones[False]
    assert SOUTH["zone"] in zones[True] and NORTH["zone"] not in zones[True]
    # Account-level events (user_created) too: a hostname always comes with its root account.
    pairs = {(e["metadata"].get("hostname"), e["metadata"]["root_account_id"]) for e in events}
    hosts = {SOUTH["hostname"]: SOUTH, NORTH["hostname"]: NORTH}
    assert all(host is None or hosts[host]["root_account_id"] == root for host, root in pairs)
    assert {e["metadata"]["event_name"] for e in events} >= {"user_created", "course_created"}
    souths = [e["metadata"] for e in events if e["metadata"].get("hostname") == SOUTH["hostname"]]
    assert {m["root_account_uuid"] for m in souths} == {"SouthRootAccountUuid0000000000000000000"}
    norths = [e["metadata"] for e in events if e["metadata"].get("hostname") == NORTH["hostname"]]
    assert len({m["root_account_uuid"] for m in norths}) == 1
    assert {m["root_account_lti_guid"] for m in norths} == {
        f"{norths[0]['root_account_uuid']}.north.instructure.com"
    }


def test_same_seed_same_bytes_and_the_end_state_follows_the_accounts() -> None:
    lines, _, result = run()
    assert run()[0] == lines
    assert run(seed=2)[0] != lines
    ids = [course["course_id"] for course in result.gradebook["courses"]]
    assert [i[:-13] for i in ids] == ["2107", "2107", "26348"]


def test_one_account_scenarios_are_unchanged_by_the_feature() -> None:
    one = SCENARIO.replace("    account: south\n", "")
    one = one[: one.index("accounts:")] + one[one.index("courses:") :]
    _, events, _ = run(one)
    assert {e["metadata"]["root_account_id"] for e in events} == {"21070000000000001"}
    assert {e["metadata"].get("hostname") for e in events} <= {"canvas.example.edu", None}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("account: south", "account: sout"), "unknown account 'sout', did you mean 'south'?"),
        (("key: south", "key: north"), "account key 'north' is used twice"),
        (("shard: 26348\n    id: 7", "shard: 2107\n    id: 1"), "already has a root account"),
        (("accounts:", "account: {shard: 3}\naccounts:"), "give either account or accounts"),
        (("time_zone: Europe/Berlin", "time_zone: Mars/Base"), "time zone"),
    ],
)
def test_account_mistakes_are_located(change: tuple[str, str], expected: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        run(SCENARIO.replace(*change))
    assert expected in str(caught.value)
    assert str(caught.value).startswith("accounts.yaml:")


def test_a_course_naming_an_account_in_a_one_account_scenario_is_an_error() -> None:
    text = "start: 2024-09-02T08:00:00Z\ncourse: {account: x, students: 1}\n"
    with pytest.raises(ScenarioError, match="declares no accounts") as caught:
        run(text)
    assert str(caught.value).startswith("accounts.yaml:2:")


def test_check_shows_each_courses_account(tmp_path: Any) -> None:
    from click.testing import CliRunner

    from canvas_sim.cli import main

    path = tmp_path / "accounts.yaml"
    path.write_text(SCENARIO)
    result = CliRunner().invoke(main, ["check", str(path), "--no-dry-run"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    assert "on north.instructure.com (shard 2107)" in said
    assert "on canvas.south.edu (shard 26348)" in said
