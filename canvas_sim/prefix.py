"""The end state of a run stopped early: exactly what the events that went out tell.

A stopped run's engine has run ahead of its last event sent (a whole action at once, events
waiting to be sent, or a producer process far ahead). The run is deterministic, so the state is
taken again from fresh engines: the first pass counts how many of the first ``emitted`` events
each course made (courses interleave in time); the second takes each course's state right after
it made its last counted event, before its next change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from .course import CourseEngine
from .engine import Engine
from .events import Event
from .gradebook import course_gradebook
from .kernel import Action, Clock, Kernel
from .outcome import RunResult, StudentResult, course_students


class _CourseEmits:
    """Stands between one course's clock and the kernel, to see the course's events made."""

    def __init__(self, kernel: Kernel, made: Callable[[Event], None]) -> None:
        self._kernel = kernel
        self._made = made

    def push(self, time_ms: int, priority: int, clock: Clock, action: Action) -> None:
        self._kernel.push(time_ms, priority, clock, action)

    def emit(self, event: Event) -> None:
        self._kernel.emit(event)
        self._made(event)


def _watch(course: CourseEngine, kernel: Kernel, made: Callable[[Event], None]) -> None:
    course.clock._kernel = _CourseEmits(kernel, made)  # type: ignore[assignment]


def _made_by_course(engine: Engine, emitted: int) -> list[int]:
    """How many of the stream's first ``emitted`` events each course made."""
    if len(engine.courses) == 1:
        return [emitted]
    owner: dict[int, int] = {}
    for index, course in enumerate(engine.courses):

        def note(event: Event, i: int = index) -> None:
            owner[id(event)] = i

        _watch(course, engine.kernel, note)
    counts = [0] * len(engine.courses)
    for total, event in enumerate(engine.events(), start=1):
        if total > emitted:
            break
        counts[owner.pop(id(event))] += 1
    return counts


_Snapshot = tuple[dict[str, Any], list[StudentResult]]


def prefix_state(make_engine: Callable[[], Engine], emitted: int, result: RunResult) -> None:
    """Fill ``result`` with the state after the stream's first ``emitted`` events."""
    targets = _made_by_course(make_engine(), emitted)
    engine = make_engine()
    snapshots: dict[int, _Snapshot] = {}

    def snapshot(index: int, course: CourseEngine) -> None:
        snapshots[index] = (course_gradebook(course), course_students(course))

    made: Counter[int] = Counter()
    for index, course in enumerate(engine.courses):
        if targets[index] == 0:
            snapshot(index, course)  # before anything happened
            continue

        def count(_: Event, i: int = index, c: CourseEngine = course) -> None:
            made[i] += 1
            if made[i] == targets[i]:
                snapshot(i, c)

        _watch(course, engine.kernel, count)
    for _ in engine.events():
        if len(snapshots) == len(engine.courses):
            break
    for index, course in enumerate(engine.courses):  # the stream ended first (faults' copies)
        if index not in snapshots:
            snapshot(index, course)
    result.gradebook = {
        "scenario": engine.scenario.name,
        "seed": engine.seed,
        "courses": [snapshots[i][0] for i in range(len(engine.courses))],
    }
    result.students = [student for i in range(len(engine.courses)) for student in snapshots[i][1]]
