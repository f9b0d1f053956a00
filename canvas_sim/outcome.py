"""What a run yields, in-process or in the producer process: rendered events and the result."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from .delivery import DeliveryStats, Rendered
from .engine import CourseEngine, Engine
from .gradebook import gradebook
from .marks import StepTracker
from .metadata import Job
from .render import Renderer


@dataclass(slots=True)
class StudentResult:
    key: str
    name: str
    current_score: Decimal | None
    final_score: Decimal | None
    override: Decimal | None
    course: str  # the course code


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
    delivery: DeliveryStats | None = None
    dead_letter_path: Path | None = None
    gradebook: dict[str, Any] | None = None  # the end state (see canvas_sim.gradebook)

    @property
    def total(self) -> int:
        return sum(self.events.values())


def rendered_events(
    engine: Engine,
    renderer: Renderer,
    only: Collection[int] | None = None,
    *,
    steps: bool = False,
) -> Iterator[Rendered]:
    """Every event of the run (or of the courses ``only`` names), rendered, in time order;
    with ``steps``, each with the scenario step it comes from (see :mod:`canvas_sim.marks`)."""
    build_metadata = engine.metadata.build
    mark = StepTracker(engine).mark if steps else None
    for event in engine.events(only):
        metadata = build_metadata(event.origin, event.name, event.time_ms)
        line = renderer.render(
            metadata, event.name, event.fields, job=isinstance(event.origin, Job)
        )
        if mark is None:
            yield Rendered(event.name, event.time_ms, line)
        else:
            yield Rendered(event.name, event.time_ms, line, step=mark(event.ordinal, event.time_ms))


def finish(engine: Engine, result: RunResult, book: bool = True) -> RunResult:
    """Fill ``result`` with the end state: the grade book (unless ``book`` is false) and each
    student's course scores."""
    if book:
        result.gradebook = gradebook(engine)
    for course in engine.courses:
        result.students.extend(course_students(course))
    return result


def course_students(course: CourseEngine) -> list[StudentResult]:
    """Each student's course scores at the end of ``course``'s run."""
    students = []
    for enrollment in course.course.enrollments.values():
        if enrollment.score is not None:
            row = enrollment.score
            students.append(
                StudentResult(
                    enrollment.user.key,
                    enrollment.user.name,
                    row.current,
                    row.final,
                    row.override,
                    course.course.code,
                )
            )
    return students
