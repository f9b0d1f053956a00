"""A worker's shard: its courses simulated with the run's per-course seeds, handed out whole.

The master plans which courses each worker simulates (``canvas_sim.shardplan.plan_shards``,
balanced by size); the worker builds its own courses only, and a user takes one course at a
time and sends its events in the course's order (course affinity). A course's events are
generated once, in a greenlet of their own, one course at a time (the engine's kernel is
shared), yielding to the senders every few events; the next course is generated ahead.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import gevent
from gevent.lock import Semaphore

from ..delivery import Rendered
from ..engine import Engine
from ..outcome import rendered_events
from ..render import NullPolicy, Renderer
from ..scenario import load_scenario
from .options import LoadOptions

YIELD_EVERY = 128  # events generated between two chances for the senders to run


def course_label(engine: Engine, ordinal: int) -> str:
    course = next(c.course for c in engine.courses if c.ordinal == ordinal)
    return f"{course.code} (id {course.id})"


def build_engine(options: LoadOptions, only: list[int] | None = None) -> Engine:
    """The scenario's engine with the test's parameters and seed (scenario errors raise), its
    courses built (those ``only`` names, if given), in a native thread: the process's
    greenlets (Locust's heartbeats) keep running."""

    def build() -> Engine:
        scenario, located = load_scenario(cast(str, options.scenario), options.overrides())
        engine = Engine(scenario, located, options.seed, build=False)
        engine.build(only)
        return engine

    return cast(Engine, gevent.get_hub().threadpool.apply(build))


@dataclass
class CourseRun:
    """One course on its way out: its events (once generated) and the next one to send."""

    ordinal: int
    events: list[Rendered] = field(default_factory=list)
    position: int = 0
    ready: Any = None  # the greenlet generating the events (joined before sending)

    def next_event(self) -> Rendered | None:
        return self.events[self.position] if self.position < len(self.events) else None


class CoursePool:
    """The shard's courses not yet taken, in order; ``done`` once every course was sent."""

    def __init__(self, engine: Engine, renderer: Renderer, ordinals: list[int]) -> None:
        self._engine = engine
        self._renderer = renderer
        self._pending: deque[CourseRun] = deque(CourseRun(ordinal) for ordinal in ordinals)
        self._lock = Semaphore()
        self.courses = len(ordinals)
        self.active = 0
        self.finished = 0
        self.generated = 0
        self.on_done: Callable[[], None] = lambda: None
        self._announced = False

    @property
    def done(self) -> bool:
        return not self._pending and self.active == 0

    def take(self) -> CourseRun | None:
        """The next course for a user, or None when none is left; its events are being
        generated (``run.ready.join()`` before sending)."""
        if not self._pending:
            return None
        run = self._pending.popleft()
        self.active += 1
        self._start(run)
        if self._pending:
            self._start(self._pending[0])  # generated ahead, while this one is sent
        return run

    def announce_if_empty(self) -> None:
        """A shard without courses (more workers than courses) is done at once."""
        self._check_done()

    def give_back(self, run: CourseRun) -> None:
        """A stopping user's course, first in line again (its order kept)."""
        self.active -= 1
        self._pending.appendleft(run)

    def complete(self, run: CourseRun) -> None:
        """Every event of ``run`` was sent."""
        self.active -= 1
        self.finished += 1
        run.events = []
        self._check_done()

    def _check_done(self) -> None:
        if self.done and not self._announced:
            self._announced = True
            self.on_done()

    def _start(self, run: CourseRun) -> None:
        if run.ready is None:
            run.ready = gevent.spawn(self._generate, run)

    def _generate(self, run: CourseRun) -> None:
        with self._lock:  # one course at a time on the engine's kernel
            events = run.events
            for count, event in enumerate(
                rendered_events(self._engine, self._renderer, [run.ordinal]), 1
            ):
                events.append(event)
                if count % YIELD_EVERY == 0:
                    gevent.sleep(0)
            self.generated += len(events)


@dataclass
class Plan:
    """What the master sends a worker: its shard, the run's options, the test's user count
    and the URL events go to (Locust's host)."""

    shard: int
    shards: int
    ordinals: list[int]
    options: LoadOptions
    users: int
    url: str

    def as_message(self) -> dict[str, Any]:
        return {
            "shard": self.shard,
            "shards": self.shards,
            "ordinals": self.ordinals,
            "options": self.options.as_message(),
            "users": self.users,
            "url": self.url,
        }

    @classmethod
    def from_message(cls, data: dict[str, Any]) -> Plan:
        return cls(
            data["shard"],
            data["shards"],
            list(data["ordinals"]),
            LoadOptions.from_message(data["options"]),
            data["users"],
            data["url"],
        )


def course_pool(plan: Plan, engine: Engine | None = None) -> CoursePool:
    """The shard's pool of courses, with the engine (unless given, built with the shard's
    courses only) and renderer."""
    options = plan.options
    engine = engine or build_engine(options, plan.ordinals)
    renderer = Renderer(None, cast(NullPolicy, options.nulls), body_ms=not options.seconds_only)
    return CoursePool(engine, renderer, plan.ordinals)
