"""A Caliper consumer tested with the pytest fixture, as docs/testing-consumers.md shows it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import httpx
import pytest

from canvas_sim.pytest_plugin import Simulator


class CaliperScores:
    """A WSGI app keeping the latest score of each submission from Caliper GradeEvents."""

    def __init__(self) -> None:
        self.scores: dict[str, float | None] = {}
        self.seen: list[str] = []

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        envelope = json.loads(environ["wsgi.input"].read(size))
        (event,) = envelope["data"]  # Canvas sends one event per envelope
        self.seen.append(f"{event['type']}/{event['action']}")
        if event["type"] == "GradeEvent":
            submission = event["object"]["id"].rsplit(":", 1)[1]  # the global id
            self.scores[submission] = event["generated"].get("scoreGiven")  # absent: no score
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"ok": true}']


def test_a_caliper_consumer_keeps_every_submission_score(canvas_sim: Simulator) -> None:
    sim = canvas_sim.run("quickstart", seed=42, format="caliper")
    consumer = CaliperScores()
    client = httpx.Client(transport=httpx.WSGITransport(app=consumer), base_url="http://app")
    assert {r.status_code for r in sim.post_to(client, "/caliper")} == {200}
    assert len(consumer.seen) == len(sim.lines) == len(sim.names)
    for student in sim.students():
        for submission in student["submissions"].values():
            assert consumer.scores.get(submission["submission_id"]) == submission["score"]


def test_caliper_runs_keep_the_canvas_names_and_the_canvas_form(canvas_sim: Simulator) -> None:
    sim = canvas_sim.run("quickstart", seed=42, format="caliper")
    assert len(sim.of_type("grade_change")) == 74
    assert {e["data"][0]["type"] for e in sim.of_type("grade_change")} == {"GradeEvent"}
    assert not sim.of_type("course_grade_change")  # no Caliper form in Canvas
    canvas = canvas_sim.run("quickstart", seed=42)
    assert sim.canvas_lines == canvas.lines
    with pytest.raises(ValueError, match="format='xapi'"):
        canvas_sim.run("quickstart", format="xapi")
