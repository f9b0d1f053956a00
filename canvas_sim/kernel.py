"""The kernel: timed actions, debounced jobs and course clocks; it knows no step kind."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Hashable, Iterator
from typing import Any

from .events import Event
from .metadata import Origin
from .randoms import randint

# At one instant: a course's setup, then due jobs, then students' actions, then the next step.
PRIORITY_SETUP = -1
PRIORITY_JOB = 0
PRIORITY_ACTION = 1
PRIORITY_STEP = 2

Action = Callable[[], None]


class Kernel:
    """One queue of timed actions for every course of a run, so ids are handed out in time
    order across courses; events wait in a second queue until no later action can precede them.
    """

    def __init__(self, *, direct: bool) -> None:
        self.actions: list[tuple[int, int, int, Clock, Action]] = []
        self.sequence = 0
        self.direct = direct  # one course: its events are already in time order
        self.out: list[Event] = []
        self._waiting: list[tuple[int, int, Event]] = []

    def push(self, time_ms: int, priority: int, clock: Clock, action: Action) -> None:
        self.sequence += 1
        heapq.heappush(self.actions, (time_ms, priority, self.sequence, clock, action))

    def emit(self, event: Event) -> None:
        if self.direct:
            self.out.append(event)
        else:
            self.sequence += 1
            heapq.heappush(self._waiting, (event.time_ms, self.sequence, event))

    def run(self) -> Iterator[Event]:
        actions, waiting, out = self.actions, self._waiting, self.out
        while actions:
            time_ms, _, _, clock, action = heapq.heappop(actions)
            # Every later action's events come after time_ms: what waits up to it can go.
            while waiting and waiting[0][0] <= time_ms:
                yield heapq.heappop(waiting)[2]
            clock.now = max(clock.now, time_ms)
            clock.tick = max(clock.tick, clock.now)  # event times never go backwards
            action()
            if out:
                yield from out
                out.clear()
        while waiting:
            yield heapq.heappop(waiting)[2]


class Clock:
    """One course's simulated time: ``now`` (the running action's) and ``tick`` (the last
    event's, a few ms apart); it queues the course's actions and events on the kernel."""

    __slots__ = ("_bits", "_kernel", "now", "tick")

    def __init__(self, kernel: Kernel, start_ms: int, wire_bits: Callable[[int], int]) -> None:
        self._kernel = kernel
        self._bits = wire_bits  # the milliseconds between events come from the wire stream
        self.now = start_ms
        self.tick = start_ms

    def push(self, time_ms: int, priority: int, action: Action) -> None:
        self._kernel.push(time_ms, priority, self, action)

    def emit(self, name: str, origin: Origin, fields: dict[str, Any]) -> None:
        self.tick += randint(self._bits, 2, 40)
        self._kernel.emit(Event(name, self.tick, origin, fields))


class Debounced:
    """A job per key that, once asked for, runs once for every request made before it runs."""

    __slots__ = ("_clock", "_pending")

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._pending: set[Hashable] = set()

    def request(self, key: Hashable, time_of: Callable[[], int], job: Action) -> None:
        """Run ``job`` at ``time_of()``, unless a job for ``key`` is already pending (then
        ``time_of``, which may draw, is not called)."""
        if key in self._pending:
            return
        self._pending.add(key)
        self._clock.push(time_of(), PRIORITY_JOB, job)

    def done(self, key: Hashable) -> None:
        """The work for ``key`` ran (by its job or directly): the next request queues a job."""
        self._pending.discard(key)
