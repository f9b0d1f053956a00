"""A pytest plugin: simulated Canvas Live Events for a consumer's own tests.

Installed with the package (entry point ``pytest11``), it provides the ``canvas_sim`` fixture::

    def test_my_consumer_keeps_course_scores(canvas_sim, my_app_client):
        sim = canvas_sim.run("scenarios/quickstart.yaml", seed=7)   # or inline YAML text
        sim.post_to(my_app_client)                    # one POST per event, like Canvas
        for student in sim.students():
            assert my_app.score_of(student["user_id"]) == student["scores"]["current_score"]

``run`` returns a :class:`Simulation`: the events (parsed), the raw JSON lines, and the end state
(the gradebook a consumer should have derived; see ``simulator.gradebook``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from .render import NullPolicy
from .run import run_scenario
from .scenario import load_scenario, parse_scenario
from .sinks import MemorySink


@dataclass
class Simulation:
    """What one simulated run produced."""

    lines: list[bytes]
    gradebook: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.events:
            self.events = [orjson.loads(line) for line in self.lines]

    def of_type(self, *names: str) -> list[dict[str, Any]]:
        """The events of the given types, in stream order."""
        return [e for e in self.events if e["metadata"]["event_name"] in names]

    def students(self) -> Iterator[dict[str, Any]]:
        """Every student of every course in the end state."""
        for course in self.gradebook["courses"]:
            yield from course["students"]

    def post_to(
        self, target: str | httpx.Client, *, headers: dict[str, str] | None = None
    ) -> list[httpx.Response]:
        """POST every event, one per request with ``Content-Type: application/json``.

        ``target`` is a URL or an ``httpx.Client`` (for example one wrapping your WSGI app:
        ``httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://app")``, then
        pass the client and set ``headers``/path through its ``base_url``).
        """
        sent_headers = {"Content-Type": "application/json", **(headers or {})}
        if isinstance(target, str):
            with httpx.Client() as client:
                return [
                    client.post(target, content=line, headers=sent_headers) for line in self.lines
                ]
        return [target.post("", content=line, headers=sent_headers) for line in self.lines]


class Simulator:
    """Runs scenarios in memory (the ``canvas_sim`` fixture)."""

    def run(
        self, scenario: str | Path, *, seed: int | None = None, nulls: NullPolicy = "keep"
    ) -> Simulation:
        """``scenario`` is a scenario file's path or the YAML text itself."""
        if isinstance(scenario, Path) or ("\n" not in scenario and Path(scenario).is_file()):
            model, located = load_scenario(scenario)
        else:
            model, located = parse_scenario(str(scenario), "<inline scenario>")
        sink = MemorySink()
        result = run_scenario(model, located, [sink], seed=seed, nulls=nulls)
        assert result.gradebook is not None
        return Simulation(lines=list(sink.lines), gradebook=result.gradebook)


@pytest.fixture
def canvas_sim() -> Simulator:
    """Simulated Canvas Live Events: ``canvas_sim.run(path_or_yaml, seed=...)``."""
    return Simulator()
