"""A pytest plugin: simulated Canvas Live Events for a consumer's own tests.

Installed with the package (entry point ``pytest11``), it provides the ``canvas_sim`` fixture::

    def test_my_consumer_keeps_course_scores(canvas_sim, my_app_client):
        sim = canvas_sim.run("quickstart", seed=7)  # a shipped scenario, a path, or YAML text
        sim.post_to(my_app_client, "/events")         # one POST per event, like Canvas
        for student in sim.students():
            assert my_app.score_of(student["user_id"]) == student["scores"]["current_score"]

``run`` returns a :class:`Simulation`: the events (parsed), the raw JSON lines, and the end state
(the gradebook a consumer should have derived; see ``canvas_sim.gradebook``).
``canvas_sim.run(..., format="caliper")`` gives the same run as Canvas's Caliper 1.1 envelopes
(the events without a Caliper form left out; ``names`` keeps each one's Canvas event name).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import orjson
import pytest

GLOBAL_ID_BASE = 10**13  # global id = shard * 10**13 + local id

if TYPE_CHECKING:  # the simulator itself loads on first use: pytest starts as fast as before
    from .derive import Difference
    from .faults import FaultConfig
    from .render import NullPolicy


class HttpClient(Protocol):
    """A client that can POST: ``httpx.Client``, a Starlette/FastAPI ``TestClient``, ..."""

    def post(self, url: Any, *, content: bytes, headers: dict[str, str]) -> Any: ...


@dataclass
class Simulation:
    """What one simulated run produced (``faults``: the manifest rows, when faults were on)."""

    lines: list[bytes]
    gradebook: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)
    faults: list[dict[str, Any]] = field(default_factory=list)
    format: str = "canvas"  # or "caliper": the lines are Caliper envelopes
    names: list[str] = field(default_factory=list)  # each line's Canvas event name
    canvas_lines: list[bytes] = field(default_factory=list)  # the run in Canvas form

    def __post_init__(self) -> None:
        if not self.events:
            self.events = [orjson.loads(line) for line in self.lines]
        if not self.names and self.format == "canvas":
            self.names = [event["metadata"]["event_name"] for event in self.events]
        if not self.canvas_lines and self.format == "canvas":
            self.canvas_lines = self.lines

    def of_type(self, *names: str) -> list[dict[str, Any]]:
        """The events of the given Canvas types, in stream order (in either format)."""
        return [e for e, name in zip(self.events, self.names, strict=True) if name in names]

    def students(self) -> Iterator[dict[str, Any]]:
        """Every student of every course in the end state."""
        for course in self.gradebook["courses"]:
            yield from course["students"]

    def diff(self, state: dict[str, Any], *, placeholders: bool = False) -> list[Difference]:
        """Where a consumer's ``state`` differs from the end state; empty when they agree.

        ``state`` is in the ``--state-out`` format (docs/end-state.md) as a consumer derives it:
        ids in either form, submissions keyed by assignment key or id, keys and what no event
        carries may be null. Each :class:`~canvas_sim.derive.Difference` prints as one readable
        line (``str(d)``). Placeholders (never handed in work, score rows no recompute touched)
        are compared only with ``placeholders=True``."""
        from .derive import diff

        return diff(state, self.gradebook, placeholders=placeholders)

    @property
    def shards(self) -> list[int]:
        """The shards of the scenario's root accounts (one unless it declares several)."""
        found = {int(c["course_id"]) // GLOBAL_ID_BASE for c in self.gradebook["courses"]}
        return sorted(found)

    def global_id(self, local_id: int | str, shard: int | None = None) -> str:
        """An id in its global form (``"21070000000000565"``), on ``shard`` (by default the
        scenario's only shard); a global id is returned as it is."""
        number = int(local_id)
        if number >= GLOBAL_ID_BASE:
            return str(number)
        if shard is None:
            if len(self.shards) != 1:
                raise ValueError(f"the scenario has several shards {self.shards}: pass shard=")
            shard = self.shards[0]
        return str(shard * GLOBAL_ID_BASE + number)

    @staticmethod
    def local_id(any_id: int | str) -> str:
        """An id in its local form (``"565"``), from either form."""
        return str(int(any_id) % GLOBAL_ID_BASE)

    def post_to(
        self,
        target: str | HttpClient,
        path: str = "",
        *,
        headers: dict[str, str] | None = None,
    ) -> list[Any]:
        """POST every event, one per request with ``Content-Type: application/json``.

        ``target`` is a URL, or a client with ``post``: a FastAPI/Starlette ``TestClient``, or an
        ``httpx.Client`` (for example around a WSGI app such as Flask:
        ``httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://app")``).
        ``path`` is where the events go on it: a path such as ``"/events"`` (joined to the
        client's ``base_url``) or a full URL. Without ``path`` events go to ``target`` itself
        (the URL, or the client's ``base_url``).
        """
        import httpx

        sent_headers = {"Content-Type": "application/json", **(headers or {})}
        if isinstance(target, str):
            url = httpx.URL(target).join(path) if path else target
            with httpx.Client() as client:
                return [client.post(url, content=line, headers=sent_headers) for line in self.lines]
        return [target.post(path, content=line, headers=sent_headers) for line in self.lines]


class Simulator:
    """Runs scenarios in memory (the ``canvas_sim`` fixture)."""

    def run(
        self,
        scenario: str | Path,
        *,
        seed: int | None = None,
        nulls: NullPolicy = "keep",
        params: Mapping[str, object] | None = None,
        faults: FaultConfig | None = None,
        format: str = "canvas",
    ) -> Simulation:
        """Run ``scenario``: a scenario file's path, a shipped scenario's name (``"quickstart"``)
        or the YAML text itself (any text with a line break). ``params`` override the
        scenario's params (as ``--set``); ``faults`` injects delivery faults (as the ``run``
        options do), listed in ``Simulation.faults``; ``format="caliper"`` renders the events
        as Canvas's Caliper 1.1 envelopes (``Simulation.canvas_lines`` keeps the Canvas form)."""
        from .caliper import FORMS
        from .caliper.format import FORMATS, CaliperFormat, CaliperSink
        from .faults import FaultInjector, Manifest
        from .run import run_scenario
        from .scenario import load_scenario, parse_scenario
        from .sinks import MemorySink

        overrides = {name: str(value) for name, value in (params or {}).items()}
        if isinstance(scenario, Path) or "\n" not in scenario:
            model, located = load_scenario(scenario, overrides)
        else:
            model, located = parse_scenario(scenario, "<inline scenario>", overrides)
        if format not in FORMATS:
            raise ValueError(f"format={format!r}: expected one of {', '.join(FORMATS)}")
        sink, caliper = MemorySink(), MemorySink()
        sinks: list[Any] = [sink]
        if format == "caliper":
            sinks.append(CaliperSink(caliper, CaliperFormat()))
        with tempfile.TemporaryDirectory(prefix="canvas-sim-") as folder:
            manifest = Path(folder) / "faults.jsonl"
            injector = None if faults is None else FaultInjector(faults, Manifest(manifest))
            result = run_scenario(model, located, sinks, seed=seed, nulls=nulls, faults=injector)
            rows = manifest.read_bytes().splitlines() if manifest.exists() else []
        assert result.gradebook is not None
        fault_rows = [orjson.loads(row) for row in rows]
        if format == "canvas":
            return Simulation(lines=list(sink.lines), gradebook=result.gradebook, faults=fault_rows)
        names = [orjson.loads(line)["metadata"]["event_name"] for line in sink.lines]
        return Simulation(
            lines=list(caliper.lines),
            gradebook=result.gradebook,
            faults=fault_rows,
            format="caliper",
            names=[name for name in names if name in FORMS],
            canvas_lines=list(sink.lines),
        )


@pytest.fixture
def canvas_sim() -> Simulator:
    """Simulated Canvas Live Events: ``canvas_sim.run(path_or_yaml, seed=...)``."""
    return Simulator()
