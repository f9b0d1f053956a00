"""Module requirements and course progress (CANVAS_ACTIVITY_EVENTS section 2.4): what each
student has met, and the debounced job that reports it as course_progress or course_completed
two minutes after the last requirement met (job metadata, counts as of the job's run)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..clock import body_time
from ..coursework import Coursework, File, Module, ModuleItem, Page, Quiz
from ..kernel import PRIORITY_JOB, Clock
from ..randoms import randint
from ..world import Assignment, Submission, User, World
from .requests import Requests

DELAY_MS = 120_000  # Canvas runs the job two minutes after the last change (run_at overwritten)
JOB_TAG = "CourseProgress.dispatch_live_event"


class Progress:
    """Each student's met requirements per module, and their course progress jobs."""

    def __init__(
        self,
        world: World,
        coursework: Coursework,
        clock: Clock,
        requests: Requests,
        bits: Callable[[int], int],
    ) -> None:
        self.world = world
        self._work = coursework
        self._clock = clock
        self._requests = requests
        self._bits = bits  # the activity stream: when a job is picked up
        self._met: dict[tuple[int, int], set[int]] = {}  # (student, module) -> item ids met
        self._done_at: dict[tuple[int, int], int] = {}  # (student, module) -> completed
        self._due: dict[int, int] = {}  # student -> when their pending job runs

    # --- what completes a requirement -------------------------------------------------------

    def viewed(self, user: User, target: Assignment | Page | File | Quiz | ModuleItem) -> None:
        """must_view of every item showing ``target`` (an external URL item is itself)."""
        for item in self._items():
            if item.requirement == "must_view" and (item is target or item.target is target):
                self._meet(user, item)

    def submitted(self, user: User, assignment: Assignment) -> None:
        for item in self._items():
            if item.requirement == "must_submit" and _shows(item, assignment):
                self._meet(user, item)

    def graded(self, sub: Submission) -> None:
        """min_score: the score reaches the item's minimum."""
        if sub.score is None:
            return
        for item in self._items():
            if (
                item.requirement == "min_score"
                and _shows(item, sub.assignment)
                and item.min_score is not None
                and sub.score >= item.min_score
            ):
                self._meet(sub.user, item)

    def marked_done(self, user: User, item: ModuleItem) -> None:
        if item.requirement == "must_mark_done":
            self._meet(user, item)

    def met(self, user: User, item: ModuleItem) -> bool:
        return item.id in self._met.get((user.id, item.module.id), ())

    def locked(self, user: User, item: ModuleItem) -> bool:
        """In a sequential module, an item after a requirement the student has not met."""
        if not item.module.sequential:
            return False
        return any(
            not self.met(user, earlier)
            for earlier in item.module.requirements()
            if earlier.position < item.position
        )

    def next_item(self, user: User, module: Module) -> ModuleItem | None:
        """The first requirement of ``module`` the student has not met."""
        return next((i for i in module.requirements() if not self.met(user, i)), None)

    def _items(self) -> list[ModuleItem]:
        return [item for m in self._work.live_modules() for item in m.items if item.visible]

    def _meet(self, user: User, item: ModuleItem) -> None:
        enrollment = self.world.course.enrollments.get(user.id)
        if enrollment is None or not enrollment.is_student or self.locked(user, item):
            return
        met = self._met.setdefault((user.id, item.module.id), set())
        if item.id in met:
            return
        met.add(item.id)
        key = (user.id, item.module.id)
        if key not in self._done_at and self._complete(user, item.module):
            self._done_at[key] = self._clock.now
        self._schedule(user)

    # --- the debounced job ------------------------------------------------------------------

    def _schedule(self, user: User) -> None:
        """(Re)schedule the student's job two minutes from now; a pending one moves."""
        pending = user.id in self._due
        self._due[user.id] = self._clock.now + DELAY_MS + randint(self._bits, 0, 4000)
        if not pending:
            self._clock.push(self._due[user.id], PRIORITY_JOB, lambda: self._run(user))

    def _run(self, user: User) -> None:
        due = self._due[user.id]
        if self._clock.now < due:  # moved by a later completion
            self._clock.push(due, PRIORITY_JOB, lambda: self._run(user))
            return
        del self._due[user.id]
        fields = self.report(user)
        name = "course_completed" if fields["progress"]["completed_at"] else "course_progress"
        self._clock.emit(name, self._requests.job(JOB_TAG, context=False), fields)

    def _complete(self, user: User, module: Module) -> bool:
        requirements = module.requirements()
        met = sum(self.met(user, item) for item in requirements)
        return met >= 1 if module.complete_one and requirements else met == len(requirements)

    def report(self, user: User) -> dict[str, Any]:
        """The course_progress body: counts of the requirements visible now."""
        modules = self._work.live_modules()
        requirements = [item for m in modules for item in m.requirements()]
        met = sum(self.met(user, item) for item in requirements)
        with_requirements = [m for m in modules if m.requirements()]
        complete = bool(requirements) and all(self._complete(user, m) for m in with_requirements)
        next_url = None
        completed_at = None
        if complete:
            done = [self._done_at.get((user.id, m.id), self._clock.now) for m in with_requirements]
            completed_at = body_time(max(done))
        else:
            first = next((m for m in with_requirements if not self._complete(user, m)), None)
            item = None if first is None else self.next_item(user, first)
            if first is not None and first.sequential and item is not None:
                next_url = self._requests.url(
                    f"/courses/{self.world.course.id}/modules/items/{item.id}"
                )
        course, account = self.world.course, self.world.account
        return {
            "progress": {
                "requirement_count": len(requirements),
                "requirement_completed_count": met,
                "next_requirement_url": next_url,
                "completed_at": completed_at,
            },
            "user": {"id": str(user.id), "name": user.name, "email": user.login},
            "course": {
                "id": str(course.id),
                "name": course.name,
                "account_id": str(account.sub_account_id),
                "sis_source_id": course.sis_source_id,
            },
        }


def _shows(item: ModuleItem, assignment: Assignment) -> bool:
    """The item is the assignment, or the quiz of a graded quiz."""
    target = item.target
    return target is assignment or (isinstance(target, Quiz) and target.assignment is assignment)
