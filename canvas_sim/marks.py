"""Which scenario step each event comes from, for the live line of a run paced by ``--speed``.

The engine runs ahead of delivery (the pacing waits; a forked child renders ahead), so the
step is carried with each event (``Rendered.step``) and shown when that event is sent. Only a
paced run asks for marks: other runs render exactly as before, and no output byte depends on
them.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any, NamedTuple

from .scenario import step_action

if TYPE_CHECKING:
    from .engine import Engine
    from .yamlsource import Located


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
        for slot in engine.slots:  # built or not (a shard process may build them)
            if slot.steps_path not in shared:
                shared[slot.steps_path] = _marks(engine.located, slot.steps_path, slot.steps)
            self._marks[slot.ordinal] = shared[slot.steps_path]
            self._starts[slot.ordinal] = deque()
            self._current[slot.ordinal] = None
        for course in engine.courses:
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


def _marks(located: Located, path: tuple[str | int, ...], steps: list[Any]) -> list[StepMark]:
    """The marks of a course's steps (those ``path`` holds, as the course runs them)."""
    actions = [(i, action) for i, step in enumerate(steps) if (action := step_action(step))]
    marks = []
    for number, (index, action) in enumerate(actions, 1):
        line, _, file = located.place((*path, index))
        marks.append(StepMark(file.rsplit("/", 1)[-1], line or 0, action, number, len(actions)))
    return marks
