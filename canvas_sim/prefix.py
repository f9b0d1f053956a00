"""The end state of a run stopped early: exactly what the events that went out tell.

A stopped run's engine has run ahead of its last event sent (a whole action at once, events
waiting to be sent, or a producer process far ahead). The run is deterministic, so the state is
taken again from fresh engines: the first pass counts how many of the first ``emitted`` events
each course made (courses interleave in time); the second takes each course's state right after
it made its last counted event, before its next change. Courses and assignments (with their
submissions) are listed once the stream has told of them (``course_created``,
``assignment_created``, or from the start without setup events).
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
from .world import GLOBAL_ID_BASE


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
    # Per course, the assignments the stream has told of: those it starts with when it sends
    # no setup events, then each assignment_created.
    setup = engine.scenario.setup_events
    known: list[set[int]] = [
        set() if setup else {a.id for a in c.course.assignments.values()} for c in engine.courses
    ]
    told_of = [not setup] * len(engine.courses)  # the course itself, by course_created

    def snapshot(index: int, course: CourseEngine) -> None:
        book = course_gradebook(course)
        told = {course.world.account.gid(i) for i in known[index]}
        keys = {a["key"] for a in book["assignments"] if a["assignment_id"] in told}
        book["assignments"] = [a for a in book["assignments"] if a["key"] in keys]
        for student in book["students"]:
            subs = student["submissions"]
            student["submissions"] = {key: sub for key, sub in subs.items() if key in keys}
        snapshots[index] = (book, course_students(course))

    made: Counter[int] = Counter()
    for index, course in enumerate(engine.courses):
        if targets[index] == 0:
            snapshot(index, course)  # before anything happened
            continue

        def count(event: Event, i: int = index, c: CourseEngine = course) -> None:
            made[i] += 1
            if event.name == "course_created":
                told_of[i] = True
            elif event.name == "assignment_created":
                known[i].add(int(event.fields["assignment_id"]) % GLOBAL_ID_BASE)
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
        "courses": [snapshots[i][0] for i in range(len(engine.courses)) if told_of[i]],
    }
    result.students = [student for i in range(len(engine.courses)) for student in snapshots[i][1]]
