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
    """One queue of timed actions for the courses of a run; events wait in a second queue until
    no later action can precede them.

    The stream is ordered by (event time, course ordinal), then each course's own order: courses
    share nothing, so a course's events do not depend on which others run beside it, and
    streams of disjoint sets of courses merge by that key into the stream of all of them.
    """

    def __init__(self, *, direct: bool) -> None:
        self.actions: list[tuple[int, int, int, int, Clock, Action]] = []
        self.sequence = 0  # restricted to one course, the course's own push order
        self.direct = direct  # one course: its events are already in time order
        self.out: list[Event] = []
        self._waiting: list[tuple[int, int, int, Event]] = []
        # The running action's entry: (time, priority, ordinal, ...) locate a failure in order.
        self.current: tuple[int, int, int, int, Clock, Action] | None = None

    def push(self, time_ms: int, priority: int, clock: Clock, action: Action) -> None:
        self.sequence += 1
        entry = (time_ms, priority, clock.ordinal, self.sequence, clock, action)
        heapq.heappush(self.actions, entry)

    def emit(self, event: Event) -> None:
        if self.direct:
            self.out.append(event)
        else:
            self.sequence += 1
            heapq.heappush(self._waiting, (event.time_ms, event.ordinal, self.sequence, event))

    def run(self) -> Iterator[Event]:
        actions, waiting, out = self.actions, self._waiting, self.out
        while actions:
            self.current = entry = heapq.heappop(actions)
            time_ms, _, _, _, clock, action = entry
            # Every later action's events come after time_ms: what waits up to it can go.
            while waiting and waiting[0][0] <= time_ms:
                yield heapq.heappop(waiting)[3]
            clock.now = max(clock.now, time_ms)
            clock.tick = max(clock.tick, clock.now)  # event times never go backwards
            action()
            if out:
                yield from out
                out.clear()
        while waiting:
            yield heapq.heappop(waiting)[3]


class Clock:
    """One course's simulated time: ``now`` (the running action's) and ``tick`` (the last
    event's, a few ms apart); it queues the course's actions and events on the kernel."""

    __slots__ = ("_bits", "_kernel", "now", "ordinal", "tick")

    def __init__(
        self, kernel: Kernel, start_ms: int, wire_bits: Callable[[int], int], ordinal: int = 0
    ) -> None:
        self._kernel = kernel
        self._bits = wire_bits  # the milliseconds between events come from the wire stream
        self.ordinal = ordinal  # the course's place in the scenario: orders equal times
        self.now = start_ms
        self.tick = start_ms

    def push(self, time_ms: int, priority: int, action: Action) -> None:
        self._kernel.push(time_ms, priority, self, action)

    def emit(self, name: str, origin: Origin, fields: dict[str, Any]) -> None:
        self.tick += randint(self._bits, 2, 40)
        self._kernel.emit(Event(name, self.tick, origin, fields, self.ordinal))


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
