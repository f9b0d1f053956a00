"""The Caliper checker against Canvas's own doc examples (``../shared/caliper_docs_examples.json``):
every example envelope passes, and broken copies of each are caught with the field named."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest
from referencing import Registry, Resource

from canvas_sim.caliper.checks import check_envelope
from canvas_sim.caliper.schema import BASE, ENVELOPE, schemas
from canvas_sim.caliper.stream import is_caliper
from canvas_sim.validate import validate_lines

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
EXAMPLES_FILE = SHARED / "caliper_docs_examples.json"


def _examples() -> list[tuple[str, dict[str, Any]]]:
    if not EXAMPLES_FILE.exists():
        return []
    data = json.loads(EXAMPLES_FILE.read_text("utf-8"))
    return [
        (name, example["envelope"])
        for name, entry in sorted(data["event_types"].items())
        for example in entry["examples"]
    ]


EXAMPLES = _examples()
IDS = [f"{name}-{index}" for index, (name, _) in enumerate(EXAMPLES)]


@pytest.fixture(autouse=True)
def _shared_data() -> None:
    if EXAMPLES:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{EXAMPLES_FILE} is missing: CI must have ../shared beside the clone")
    pytest.skip(f"{EXAMPLES_FILE} not found (it lives beside the repository)")


def test_the_docs_hold_71_envelopes_of_32_event_types() -> None:
    assert len(EXAMPLES) == 71
    assert len({name for name, _ in EXAMPLES}) == 32


@pytest.mark.parametrize(("name", "envelope"), EXAMPLES, ids=IDS)
def test_every_doc_example_passes(name: str, envelope: dict[str, Any]) -> None:
    assert check_envelope(envelope, name) == []
    report = validate_lines([orjson.dumps(envelope)])  # the format is recognised by itself
    assert report.problems == []
    assert report.events == {
        " ".join(
            (
                envelope["data"][0]["type"],
                envelope["data"][0]["action"],
                envelope["data"][0]["object"]["type"],
            )
        ): 1
    }


def _validator(name: str) -> jsonschema.Draft202012Validator:
    found = schemas()
    registry: Registry[Any] = Registry().with_resources(
        (BASE + file, Resource.from_contents(schema)) for file, schema in found.items()
    )
    return jsonschema.Draft202012Validator(found[f"{name}.schema.json"], registry=registry)


@pytest.mark.parametrize(("name", "envelope"), EXAMPLES, ids=IDS)
def test_every_doc_example_fits_the_written_schemas(name: str, envelope: dict[str, Any]) -> None:
    assert list(_validator(name).iter_errors(envelope)) == []


def _drop_actor(event: dict[str, Any], envelope: dict[str, Any]) -> str:
    del event["actor"]
    return "$.data[0].actor"


def _two_events(event: dict[str, Any], envelope: dict[str, Any]) -> str:
    envelope["data"].append(copy.deepcopy(event))
    return "$.data"


def _local_time(event: dict[str, Any], envelope: dict[str, Any]) -> str:
    # the same instant as the example's, at an offset of -07:00 and without milliseconds
    event["eventTime"] = "2019-11-01T12:11:05-07:00"
    return "$.data[0].eventTime"


def _null(event: dict[str, Any], envelope: dict[str, Any]) -> str:
    event["object"]["name"] = None
    return "$.data[0].object.name"


def _broken_id(entity_id: str) -> str:
    """A URN as its bare id; an application's http://<host>/ without its trailing slash."""
    return entity_id.rsplit(":", 1)[1] if entity_id.startswith("urn:") else entity_id.rstrip("/")


def _wrong_object_id(event: dict[str, Any], envelope: dict[str, Any]) -> str:
    event["object"]["id"] = _broken_id(event["object"]["id"])
    return "$.data[0].object.id"


def _wrong_event_id(event: dict[str, Any], envelope: dict[str, Any]) -> str:
    event["id"] = event["id"].replace("urn:uuid:", "")
    return "$.data[0].id"


def _wrong_actor_id(event: dict[str, Any], envelope: dict[str, Any]) -> str:
    event["actor"]["id"] = _broken_id(event["actor"]["id"])
    return "$.data[0].actor.id"


BREAKAGES: list[Callable[[dict[str, Any], dict[str, Any]], str]] = [
    _drop_actor,
    _two_events,
    _local_time,
    _null,
    _wrong_object_id,
    _wrong_event_id,
    _wrong_actor_id,
]


@pytest.mark.parametrize("breakage", BREAKAGES, ids=lambda b: b.__name__.strip("_"))
@pytest.mark.parametrize(("name", "envelope"), EXAMPLES, ids=IDS)
def test_broken_copies_are_caught_with_the_field_named(
    name: str, envelope: dict[str, Any], breakage: Callable[..., str]
) -> None:
    broken = copy.deepcopy(envelope)
    path = breakage(broken["data"][0], broken)
    problems = check_envelope(broken, name)
    assert path in [where for where, _ in problems], problems
    assert list(_validator(name).iter_errors(broken))


def test_membership_and_extension_rules() -> None:
    envelope = copy.deepcopy(dict(EXAMPLES)["grade_change"])
    event = envelope["data"][0]
    event["membership"]["id"] = event["membership"]["id"].replace(":Instructor:", ":Learner:")
    event["actor"]["extensions"] = {"com.instructure.canvas": {"entity_id": "1"}}
    del event["extensions"]["com.instructure.canvas"]["version"]
    event["group"]["extensions"]["com.instructure.canvas"]["entity_id"] = "565"
    found = {where for where, _ in check_envelope(envelope)}
    assert found == {
        "$.data[0].membership.roles",  # Learner in the id, Instructor in roles
        "$.data[0].actor.extensions",  # Canvas's GradeEvent actors carry none
        "$.data[0].actor.extensions.com.instructure.canvas.entity_id",  # and "1" is not its id
        "$.data[0].extensions.com.instructure.canvas",
        "$.data[0].group.extensions.com.instructure.canvas",
    }


def test_a_named_event_must_have_its_form() -> None:
    envelope = dict(EXAMPLES)["submission_updated"]
    found = check_envelope(envelope, "submission_created")
    assert ("$.data[0].type", "'Event', but submission_created is 'AssignableEvent'") in found
    assert check_envelope(envelope, "course_grade_change") == [
        ("$.data[0]", "Canvas event 'course_grade_change' has no Caliper form")
    ]


def test_the_stream_flags_a_reused_event_id_and_counts_duplicate_deliveries() -> None:
    # assignment_created and quiz_created reuse one event id in Canvas's docs (CALIPER.md 6)
    first, second = dict(EXAMPLES)["assignment_created"], dict(EXAMPLES)["quiz_created"]
    lines = [orjson.dumps(envelope) for envelope in (first, first, second)]
    report = validate_lines(lines, lenient=True)
    assert report.lenient_notes == {"duplicate": 1}
    assert [(p.line, p.kind) for p in report.problems] == [(3, "caliper")]
    assert "also the id of line 1" in report.problems[0].message
    strict = validate_lines(lines[:2])
    assert [(p.line, p.kind) for p in strict.problems] == [(2, "duplicate")]


def test_a_stream_of_either_format_is_recognised() -> None:
    assert is_caliper(EXAMPLES[0][1])
    assert not is_caliper({"metadata": {"event_name": "x"}, "body": {}})
    canvas = (Path(__file__).parent / "golden" / "quickstart.jsonl").read_bytes().splitlines()
    report = validate_lines(canvas[:20])
    assert report.ok and "course_created" in report.events
    broken = copy.deepcopy(EXAMPLES[0][1])
    del broken["data"][0]["actor"]
    report = validate_lines([orjson.dumps(broken)])
    assert [(p.kind, p.message.split(":")[0]) for p in report.problems] == [
        ("caliper", "$.data[0].actor")
    ]


def test_the_envelope_schema_is_named_and_written_for_every_form() -> None:
    found = schemas()
    assert ENVELOPE in found
    assert len(found) == 1 + 32
