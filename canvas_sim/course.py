"""One course on the kernel: its services, its setup events, its steps scheduled in time."""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import partial
from typing import Any

from . import events as ev
from .build import CourseCopy
from .clock import event_time
from .coursework import Coursework
from .durations import datetime_to_ms
from .grading import GroupInput
from .kernel import PRIORITY_ACTION, PRIORITY_SETUP, PRIORITY_STEP, Clock, Kernel
from .randoms import randbelow, randint
from .scenario import Scenario, step_action
from .services.people import People
from .services.progress import Progress
from .services.requests import Requests
from .services.scores import Scores
from .services.sessions import Sessions
from .services.views import Views
from .steps.announce import announce_group
from .steps.base import Step, StepKind, Targets
from .steps.checks import References, check_common
from .steps.registry import STEP_KINDS
from .world import User
from .yamlsource import Located

DEFAULT_STEP_GAP_MS = 60_000


class CourseEngine:
    """Runs one course of a scenario; step handlers reach the course and its services here."""

    def __init__(
        self,
        scenario: Scenario,
        located: Located,
        copy: CourseCopy,
        kernel: Kernel,
        several: bool = False,
    ) -> None:
        self.scenario = scenario
        self.located = located
        self.draw = copy.draw
        self.rng = self.draw.rng
        self._bits = self.rng.getrandbits  # for randint / randbelow, Random's own numbers
        self.world = copy.world
        self.course = self.world.course
        self.start_ms = copy.start_ms
        self._staggered = bool(copy.block.stagger)
        self.ordinal = copy.ordinal
        self.clock = Clock(kernel, self.start_ms, self.draw.wire_rng.getrandbits, copy.ordinal)
        self.path = copy.path
        self.requests = Requests(self.world, self.draw.wire_rng, copy.server_ip)
        self.people = People(self.world, self.rng)
        self.scores = Scores(self.world, self.clock, self.requests, self._bits, scenario.job_delay)
        # Course activity (sessions, page views, modules, content) draws from a stream of its
        # own, so that it never changes the people, scores or times of the gradebook steps.
        self.activity_rng = random.Random(f"{self.draw.seed}/activity/{self.course.id}")
        self.coursework = Coursework(folder_id=self.world.ids.next("folders"))
        self.sessions = Sessions(self.requests, self.clock, self.activity_rng)
        self.requests.before_browser = self.sessions.resume
        self.progress = Progress(
            self.world, self.coursework, self.clock, self.requests, self.activity_rng.getrandbits
        )
        self.scores.on_grade = self.progress.graded
        self.views = Views(
            self.world, self.coursework, self.clock, self.requests, self.sessions, self.progress
        )
        # With several courses, errors name the course they happened in.
        where = f" (in course {self.course.name!r})" if several else ""
        self._steps = [
            Step(i, action, getattr(step, action), step, (*copy.steps_path, i), located, where)
            for i, step in enumerate(copy.steps)
            if (action := step_action(step)) is not None
        ]
        self._check_references([persona.name for persona in copy.block.personas])
        # Told (ordinal, time of its first event at the earliest, index) as each step starts:
        # the live line's step (canvas_sim.marks).
        self.on_step: Callable[[int, int, int], None] | None = None

    @property
    def step_count(self) -> int:
        return len(self._steps)

    @property
    def steps(self) -> list[Step]:
        return self._steps

    def score_inputs(self, user: User) -> list[GroupInput]:
        """The score calculator's input for ``user`` as it is now."""
        return self.scores.inputs(user)

    def _check_references(self, personas: list[str]) -> None:
        """Names in steps that the course does not define, found before anything runs.

        Assignments and groups that steps create count from the step that creates them on.
        """
        course = self.course
        refs = References(
            users=self.world.users,
            roles=self.world.roles,
            kinds={key: a.submission_types for key, a in course.assignments.items()},
            groups={g.key: {a.key for a in g.assignments} for g in course.groups},
            personas=personas,
            statuses=course.custom_statuses,
            has_teacher=bool(self.people.teachers),
        )
        for step in self._steps:
            kind = STEP_KINDS[step.action]
            if kind.declare is not None:
                kind.declare(refs, step, step.params)
            check_common(refs, step)
            if kind.check is not None:
                kind.check(refs, step, step.params)

    def begin(self) -> None:
        """Queue the course's setup and its first step on the kernel."""
        if self.scenario.setup_events:
            self.clock.push(self.start_ms, PRIORITY_SETUP, self._setup)
        if self._steps:
            self.clock.push(
                self.start_ms, PRIORITY_STEP, lambda: self._start_step(0, self.start_ms)
            )

    def _setup(self) -> None:
        """The course, its people, groups and assignments come into being (setup_events)."""
        world, course, emit, request_of = self.world, self.course, self.clock.emit, self.requests
        admin = world.admin
        assert admin is not None
        account_path = f"/accounts/{world.account.sub_account_id}"
        request = request_of.request(
            admin, "POST", f"/api/v1{account_path}/courses", account_path, context=None
        )
        emit("course_created", request, ev.course_fields(world, "available", request.zone))
        users_path = f"/accounts/{world.account.id}/users"
        for user in world.users.values():
            request = request_of.request(
                admin, "POST", f"/api/v1{users_path}", users_path, context="Account"
            )
            emit("user_created", request, ev.user_fields(world, user, request.zone))
        if not self.people.teachers:
            return
        for group in course.groups:
            announce_group(self, group, self.people.teachers[0])

    def _start_step(self, index: int, earliest: int) -> None:
        """Queue one action per target of step ``index`` at its time, then the next step."""
        step = self._steps[index]
        kind = STEP_KINDS[step.action]
        start = self._start_of(step, index, earliest)
        if self.on_step is not None:  # its events: from its start, emitted from now on
            self.on_step(self.ordinal, max(start, self.clock.tick + 1), index)
        targets = self._targets(step, kind)
        timed = None if kind.times is None else kind.times(self, step, step.params, start, targets)
        if timed is None:
            timed = list(zip(targets, self.action_times(step, start, len(targets)), strict=True))
        push = self.clock.push
        for target, time_ms in timed:
            push(time_ms, PRIORITY_ACTION, partial(kind.handle, self, step, step.params, target))
        end = timed[-1][1] if timed else start
        if index + 1 < len(self._steps):
            push(end, PRIORITY_STEP, lambda: self._start_step(index + 1, end))

    def _start_of(self, step: Step, index: int, earliest: int) -> int:
        """When a step starts: its 'at', or 'after' (a minute by default) the previous one."""
        timing = step.timing
        if timing.at is None:
            if index == 0:
                return earliest + (timing.after or 0)
            return earliest + (timing.after if timing.after is not None else DEFAULT_STEP_GAP_MS)
        start = (
            self.start_ms + timing.at if isinstance(timing.at, int) else datetime_to_ms(timing.at)
        )
        if start < earliest and index == 0:
            raise step.error(
                f"this step starts before the course does ({event_time(self.start_ms)}"
                f"{', moved by stagger' if self._staggered else ''}); use an offset "
                "like '3d' instead of a timestamp, or a later one",
                "at",
            )
        if start < earliest:
            raise step.error(
                f"this step starts at {event_time(start)}, before the previous step has "
                f"finished (at {event_time(earliest)}); use a later 'at', or 'after' instead",
                "at",
            )
        return start

    def _targets(self, step: Step, kind: StepKind[Any]) -> Targets:
        """Whom a step acts on: its kind's choice, else once, else the selected students."""
        if kind.targets is not None:
            return kind.targets(self, step, step.params)
        params = step.params
        if kind.whole or not hasattr(params, "students"):
            return [None]
        return list(
            self.people.select_students(params.students, getattr(params, "assignment", None))
        )

    def action_times(self, step: Step, start: int, count: int) -> list[int]:
        """``count`` action times from ``start``: spread over 'over', else the kind's gaps."""
        if count == 0:
            return []
        over = step.timing.over
        if over:
            return sorted(start + randbelow(self._bits, over + 1) for _ in range(count))
        low, high = STEP_KINDS[step.action].gap_s
        times, time_ms = [], start
        for _ in range(count):
            times.append(time_ms)
            time_ms += randint(self._bits, low * 1000, high * 1000)
        return times
