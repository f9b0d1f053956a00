"""A whole scenario's simulation: every course it defines, on one kernel, in time order."""

from __future__ import annotations

from collections.abc import Collection, Iterator

from .build import build_courses
from .course import CourseEngine
from .draw import Draw
from .events import Event
from .kernel import Kernel
from .metadata import AccountsMetadata, MetadataBuilder
from .scenario import Scenario
from .yamlsource import Located

__all__ = ["CourseEngine", "Engine"]


class Engine:
    """Runs one scenario: every course it defines, on one clock, as one stream in time order."""

    def __init__(self, scenario: Scenario, located: Located, seed: int | None = None) -> None:
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else seed
        draw = Draw(self.seed)
        copies = build_courses(scenario, draw, located)
        self.kernel = Kernel(direct=len(copies) == 1)
        self.courses = [
            CourseEngine(scenario, located, copy, self.kernel, len(copies) > 1) for copy in copies
        ]
        self.account = copies[0].world.account
        accounts = {copy.world.course.id: copy.world.account for copy in copies}
        self.metadata: MetadataBuilder | AccountsMetadata = (
            MetadataBuilder(self.account)
            if len({id(account) for account in accounts.values()}) == 1
            else AccountsMetadata(accounts)
        )

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
