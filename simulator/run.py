"""One simulation run: scenario -> engine -> renderer -> sinks, with a summary of what happened."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .engine import Engine
from .metadata import Job
from .render import NullPolicy, Renderer
from .scenario import Scenario, load_scenario
from .sinks import Sink
from .yamlsource import Located


@dataclass(slots=True)
class StudentResult:
    key: str
    name: str
    current_score: Decimal | None
    final_score: Decimal | None
    override: Decimal | None


@dataclass(slots=True)
class RunResult:
    """What a run produced, for the end-of-run summary."""

    scenario: str
    seed: int
    events: Counter[str] = field(default_factory=Counter)
    first_event_ms: int | None = None
    last_event_ms: int | None = None
    students: list[StudentResult] = field(default_factory=list)
    destinations: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.events.values())


def run_scenario(
    scenario: Scenario,
    located: Located,
    sinks: Sequence[Sink],
    *,
    seed: int | None = None,
    templates: str | Path | None = None,
    nulls: NullPolicy = "keep",
    progress: Callable[[int], None] | None = None,
) -> RunResult:
    """Run ``scenario`` and send every event to every sink; partial output never survives."""
    engine = Engine(scenario, located, seed)
    renderer = Renderer(templates, nulls)
    result = RunResult(scenario.name, engine.seed, destinations=[s.description for s in sinks])
    build_metadata = engine.metadata.build
    counts = result.events
    opened: list[Sink] = []
    ok = False
    try:
        for sink in sinks:
            sink.open()
            opened.append(sink)
        for event in engine.events():
            metadata = build_metadata(event.origin, event.name, event.time_ms)
            line = renderer.render(
                metadata, event.name, event.fields, job=isinstance(event.origin, Job)
            )
            for sink in sinks:
                sink.send(line)
            counts[event.name] += 1
            if result.first_event_ms is None:
                result.first_event_ms = event.time_ms
            result.last_event_ms = event.time_ms
            if progress is not None and result.total % 10_000 == 0:
                progress(result.total)
        ok = True
    finally:
        for sink in opened:
            sink.close(ok=ok)
    for enrollment in engine.course.enrollments.values():
        if enrollment.score is not None:
            row = enrollment.score
            result.students.append(
                StudentResult(
                    enrollment.user.key, enrollment.user.name, row.current, row.final, row.override
                )
            )
    return result


def run_file(path: str | Path, sinks: Sequence[Sink], **options: object) -> RunResult:
    """Load, validate and run a scenario file."""
    scenario, located = load_scenario(path)
    return run_scenario(scenario, located, sinks, **options)  # type: ignore[arg-type]
