"""Which scenario step each event comes from, for the live line of a run paced by ``--speed``.

The engine runs ahead of delivery (the pacing waits; a forked child renders ahead), so the
step is carried with each event (``Rendered.step``) and shown when that event is sent. Only a
paced run asks for marks: other runs render exactly as before, and no output byte depends on
them.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .engine import Engine
    from .steps.base import Step


class StepMark(NamedTuple):
    """A step as the live line names it: its place in the scenario file, its kind, and its
    number (from 1) among its course's ``total`` steps."""

    file: str
    line: int
    kind: str
    number: int
    total: int

    def __str__(self) -> str:
        return f"step {self.number} of {self.total}: {self.file}:{self.line} {self.kind}"


class StepTracker:
    """Each course's steps as the engine starts them; ``mark(ordinal, time_ms)`` is the step
    an event of that course at that time belongs to (None before its first step: setup).

    A step is told with the earliest time of its events: its start, and later than every event
    the course emitted before it started (a course's event times only grow). So an event gets
    the step that was running when it was emitted, whichever order the kernel then yields
    events in (one course, several, a shard's share): the same marks in every mode.
    """

    def __init__(self, engine: Engine) -> None:
        shared: dict[tuple[str | int, ...], list[StepMark]] = {}  # copies share their marks
        self._marks: dict[int, list[StepMark]] = {}
        self._starts: dict[int, deque[tuple[int, int]]] = {}
        self._current: dict[int, StepMark | None] = {}
        for course in engine.courses:
            steps = course.steps
            key = steps[0].path[:-1] if steps else ()
            if key not in shared:
                shared[key] = [_mark(step, i + 1, len(steps)) for i, step in enumerate(steps)]
            self._marks[course.ordinal] = shared[key]
            self._starts[course.ordinal] = deque()
            self._current[course.ordinal] = None
            course.on_step = self.started

    def started(self, ordinal: int, from_ms: int, index: int) -> None:
        """Course ``ordinal``'s step ``index`` owns its events from ``from_ms`` on (told by the
        course, or by the shard process that runs it)."""
        self._starts[ordinal].append((from_ms, index))

    def mark(self, ordinal: int, time_ms: int) -> StepMark | None:
        starts = self._starts[ordinal]
        while starts and starts[0][0] <= time_ms:
            self._current[ordinal] = self._marks[ordinal][starts.popleft()[1]]
        return self._current[ordinal]


def _mark(step: Step, number: int, total: int) -> StepMark:
    line, _, file = step.located.place(step.path)
    return StepMark(file.rsplit("/", 1)[-1], line or 0, step.action, number, total)
