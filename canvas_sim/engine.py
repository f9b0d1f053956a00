"""A whole scenario's simulation: every course it defines, on one kernel, in time order."""

from __future__ import annotations

from collections.abc import Collection, Iterator

from .build import CourseCopy, CourseSlot, build_courses, headcount, lay_out
from .course import CourseEngine
from .draw import Draw
from .errors import SimulatorError
from .events import Event
from .kernel import Kernel
from .metadata import AccountsMetadata, MetadataBuilder
from .scenario import Scenario
from .yamlsource import Located

__all__ = ["CourseEngine", "Engine"]


class Engine:
    """Runs one scenario: every course it defines, on one clock, as one stream in time order.

    ``build=False`` lays the courses out (``slots``: the account records, each course's
    definition and size) and builds none: ``build`` then builds all or a share of them (a
    shard process builds its own courses only).
    """

    def __init__(
        self, scenario: Scenario, located: Located, seed: int | None = None, *, build: bool = True
    ) -> None:
        self.scenario = scenario
        self.located = located
        self.seed = scenario.seed if seed is None else seed
        self._draw = Draw(self.seed)
        self.slots: list[CourseSlot] = lay_out(scenario, self._draw, located)
        self.kernel = Kernel(direct=len(self.slots) == 1)
        self.courses: list[CourseEngine] = []
        self.failed_at = (0, -1)
        self.metadata: MetadataBuilder | AccountsMetadata = MetadataBuilder(
            self.slots[0].records.account
        )
        if build:
            self.build()

    def build(self, only: Collection[int] | None = None) -> None:
        """Build the courses whose ordinals are in ``only`` (None: all): their people and
        gradebooks, then their engines (which check their steps), each course the same
        whichever others are built. On a failure, ``failed_at`` says where the build was:
        (0, ordinal) drawing a course, (1, ordinal) making its engine; a build of every course
        meets first the failure with the lowest of these."""
        chosen = None if only is None else set(only)
        slots = self.slots
        order = [slot.ordinal for slot in slots if chosen is None or slot.ordinal in chosen]
        copies: list[CourseCopy] = []
        try:
            for copy in build_courses(self.scenario, slots, self._draw, self.located, chosen):
                copies.append(copy)
        except SimulatorError:
            self.failed_at = (0, order[len(copies)])
            raise
        several = len(slots) > 1
        self.courses = []
        for copy in copies:
            self.failed_at = (1, copy.ordinal)
            self.courses.append(
                CourseEngine(self.scenario, self.located, copy, self.kernel, several)
            )
        self.failed_at = (0, -1)
        if len({id(slot.records.account) for slot in slots}) > 1:
            accounts = {copy.world.course.id: copy.world.account for copy in copies}
            self.metadata = AccountsMetadata(accounts)

    def headcount(self, slot: CourseSlot) -> int:
        """How many people ``slot``'s course has, without building it (see build.headcount)."""
        return headcount(self.scenario, slot, self._draw, self.located)

    def events(self, only: Collection[int] | None = None) -> Iterator[Event]:
        """Every event of the scenario in simulated time order (then course ordinal), or of
        the courses whose ordinals are in ``only`` (their events are the same either way)."""
        running = self.running(only)
        self.kernel.direct = len(running) == 1
        for course in running:
            course.begin()
        return self.kernel.run()

    def running(self, only: Collection[int] | None = None) -> list[CourseEngine]:
        """The courses a run of ``only`` (None: all) simulates, in ordinal order."""
        return [c for c in self.courses if only is None or c.ordinal in only]
