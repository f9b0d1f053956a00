"""``browse``: people use the course: sessions by time of day and weekday, a run of page views
in each (what they open, drawn from a mix, assignments due soon more often), signing in when
their session has expired and sometimes out: asset_accessed, logged_in, logged_out, and course
progress when a view completes a must_view requirement. It runs in the background over its
window: the steps after it start while people browse."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, ValidationInfo, field_validator

from ..coursework import File, ModuleItem, Page, Quiz
from ..kernel import PRIORITY_ACTION
from ..values import CountRange, Duration, DurationRange, Model, Percent, Students
from ..world import Assignment, User
from .base import Step, StepKind, Targets, Timed, count

if TYPE_CHECKING:
    from ..course import CourseEngine

LIST_KINDS = (
    "home", "modules", "assignments", "syllabus", "pages", "files", "grades", "quizzes",
    "announcements", "topics", "roster",
)  # fmt: skip
CONTENT_KINDS = ("assignment", "page", "file", "quiz", "module_item", "speed_grader")
STUDENT_MIX = {
    "home": 12, "modules": 14, "module_item": 22, "assignments": 8, "assignment": 12,
    "syllabus": 2, "pages": 2, "page": 6, "files": 2, "file": 5, "grades": 7, "quizzes": 2,
    "quiz": 3, "announcements": 3,
}  # fmt: skip
TEACHER_MIX = {
    "home": 15, "modules": 10, "assignments": 12, "assignment": 10, "speed_grader": 20,
    "pages": 4, "page": 8, "files": 5, "file": 5, "roster": 6, "quizzes": 3, "quiz": 2,
}  # fmt: skip
# Sessions started in each local hour, relative (students: late morning to late evening).
HOURS = (
    1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 1.5, 3, 4, 5, 5, 4.5, 5, 5.5, 5.5, 5, 4.5, 5, 6, 7, 7, 5, 3,
)  # fmt: skip
WEEKDAYS = (1, 1, 1, 1, 0.85, 0.45, 0.6)  # Monday .. Sunday
DAY_MS = 86_400_000
Weight = Annotated[float, Field(ge=0)]


class BrowseParams(Model):
    students: Students = "all"
    teachers: bool = Field(True, description="Teachers and TAs browse too (with teacher_open)")
    sessions: Annotated[int, Field(ge=0, le=100)] | CountRange = Field(
        CountRange(uniform=(0, 3)), description="Sessions per person per day, before weekdays"
    )
    weekdays: list[Weight] = Field(
        list(WEEKDAYS),
        min_length=7,
        max_length=7,
        description="Monday to Sunday: the day's sessions are multiplied by its factor",
    )
    hours: list[Weight] = Field(
        list(HOURS),
        min_length=24,
        max_length=24,
        description="Relative share of sessions starting in each local hour, 0 to 23",
    )
    pages: Annotated[int, Field(ge=1, le=1000)] | CountRange = Field(
        CountRange(uniform=(5, 30)), description="Page views per session"
    )
    think: DurationRange = Field(
        DurationRange(uniform=("10s", "3m")), description="Time between two page views"
    )
    timeout: Duration = Field(
        7_200_000, description="A session idle this long has expired: the next one signs in"
    )
    logout: Percent = Field("10%", description="Share of sessions ended by signing out")
    phone: Percent = Field("25%", description="Share of sign-ins made on the person's phone")
    open: dict[str, Weight] = Field(
        dict(STUDENT_MIX), description="What students open: page kind -> relative weight"
    )
    teacher_open: dict[str, Weight] = Field(
        dict(TEACHER_MIX), description="What teachers and TAs open: page kind -> weight"
    )
    due_soon: Duration = Field(
        2 * DAY_MS, description="Assignments due within this window are opened more often"
    )
    due_boost: Annotated[float, Field(ge=1)] = Field(
        4, description="How many times more often an assignment due soon is opened"
    )

    @field_validator("open", "teacher_open")
    @classmethod
    def _known_kinds(cls, value: dict[str, float], info: ValidationInfo) -> dict[str, float]:
        unknown = sorted(set(value) - set(LIST_KINDS) - set(CONTENT_KINDS))
        if unknown:
            kinds = ", ".join((*LIST_KINDS, *CONTENT_KINDS))
            raise ValueError(f"unknown page kind {unknown[0]!r} (known: {kinds})")
        wrong = "speed_grader" if info.field_name == "open" else "grades"
        if value.get(wrong):
            whose = "students" if info.field_name == "open" else "teachers"
            raise ValueError(f"{wrong!r} is not a page {whose} open")
        if not any(value.values()):
            raise ValueError("at least one page kind needs a weight above 0")
        return value


def _people(ctx: CourseEngine, params: BrowseParams) -> list[User]:
    people = list(ctx.people.select_students(params.students))
    if params.teachers:
        people += [
            user for key, user in ctx.world.users.items() if ctx.world.roles[key] != "student"
        ]
    return people


def _at_start(
    ctx: CourseEngine, step: Step, params: BrowseParams, start: int, targets: Targets
) -> Timed:
    """The step acts once, at its start, and ends there: the steps after it run while people
    browse."""
    return [(None, start)]


def sessions(ctx: CourseEngine, step: Step, params: BrowseParams) -> list[tuple[User, int]]:
    """Each person's session starts within the step's window ('over', a day by default)."""
    rng = ctx.activity_rng
    start = ctx.clock.now
    end = start + (step.timing.over or DAY_MS)
    timed: list[tuple[User, int]] = []
    for user in _people(ctx, params):
        for day in _local_days(user, start, end):
            factor = params.weekdays[day.weekday()] * count(rng, params.sessions)
            number = int(factor) + (rng.random() < factor - int(factor))
            for _ in range(number):
                hour = rng.choices(range(24), params.hours)[0]
                at = _ms(day + timedelta(hours=hour)) + rng.randrange(3_600_000)
                if start <= at < end:
                    timed.append((user, at))
    timed.sort(key=lambda pair: pair[1])
    return timed


def _local_days(user: User, start: int, end: int) -> list[datetime]:
    """Local midnights of the days the window touches, in the person's time zone."""
    day = datetime.fromtimestamp(start / 1000, user.zone).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    days = []
    while _ms(day) < end:
        days.append(day)
        day = (day + timedelta(days=1, hours=3)).replace(hour=0)  # safe across DST changes
    return days


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class Visit:
    """One session of one person: where they are, what they open next."""

    def __init__(self, ctx: CourseEngine, params: BrowseParams, user: User) -> None:
        self.ctx, self.params, self.user = ctx, params, user
        self.rng: random.Random = ctx.activity_rng
        self.teacher = ctx.world.roles[user.key] != "student"
        mix = params.teacher_open if self.teacher else params.open
        self.kinds = [kind for kind, weight in mix.items() if weight > 0]
        self.weights = [mix[kind] for kind in self.kinds]
        self.here: str | None = None  # the page the person is on (the next one's referrer)

    def start(self) -> None:
        ctx, params, user, rng = self.ctx, self.params, self.user, self.rng
        enrollment = ctx.course.enrollments.get(user.id)
        if enrollment is None or enrollment.workflow_state != "active":
            return  # not (or no longer) in the course
        if not ctx.sessions.live(user, params.timeout):
            ctx.sessions.sign_in(user, params.timeout, share_of(params.phone))
        time_ms = ctx.clock.now
        for number in range(count(rng, params.pages)):
            if number:
                time_ms += rng.randint(*params.think.uniform)
            ctx.clock.push(time_ms, PRIORITY_ACTION, self.home if number == 0 else self.view)
        if rng.random() < share_of(params.logout):
            time_ms += rng.randint(*params.think.uniform)
            ctx.clock.push(time_ms, PRIORITY_ACTION, self.sign_out)

    def home(self) -> None:
        self.here = self.ctx.views.list_page(self.user, "home")

    def sign_out(self) -> None:
        self.ctx.sessions.sign_out(self.user, self.ctx.requests.url(self.here or "/"))

    def view(self) -> None:
        if not self._is_active():
            return
        kind = self.rng.choices(self.kinds, self.weights)[0]
        views, user = self.ctx.views, self.user
        referrer = None if self.here is None else self.ctx.requests.url(self.here)
        if kind in LIST_KINDS:
            self.here = views.list_page(user, kind, referrer)
            return
        if kind == "module_item":
            self._module_item(referrer)
            return
        target = self._pick(kind)
        if target is None:  # nothing of that kind: the list instead
            self.here = views.list_page(user, "home", referrer)
        elif kind == "speed_grader":
            assert isinstance(target, Assignment)
            self.here = views.speed_grader(user, target, referrer)
        else:
            self.here = views.content(user, target, referrer)

    def _is_active(self) -> bool:
        enrollment = self.ctx.course.enrollments.get(self.user.id)
        return enrollment is not None and enrollment.workflow_state == "active"

    def _module_item(self, referrer: str | None) -> None:
        """From the modules page, an item: students follow sequential modules in order."""
        ctx, user = self.ctx, self.user
        progress = ctx.progress
        items = [
            item
            for module in ctx.coursework.live_modules()
            for item in module.items
            if item.visible and (self.teacher or not progress.locked(user, item))
        ]
        if not items:
            self.here = ctx.views.list_page(user, "modules", referrer)
            return
        item: ModuleItem = self.rng.choice(items)
        modules = ctx.requests.url(f"/courses/{ctx.course.id}/modules")
        if item.target is None:
            self.here = ctx.views.external_item(user, item, modules)
        else:
            self.here = ctx.views.content(user, item.target, modules, item)

    def _pick(self, kind: str) -> Assignment | Page | File | Quiz | None:
        ctx, rng = self.ctx, self.rng
        course, work = ctx.course, ctx.coursework
        if kind in ("assignment", "speed_grader"):
            found = [
                a
                for a in course.assignments.values()
                if (a.published or self.teacher) and (a.quiz_id is None or kind == "speed_grader")
            ]
            if not found:
                return None
            now, soon = ctx.clock.now, self.params.due_soon
            weights = [
                self.params.due_boost if a.due_at is not None and 0 <= a.due_at - now <= soon
                else 1.0
                for a in found
            ]  # fmt: skip
            return rng.choices(found, weights)[0]
        if kind == "page":
            pages = [p for p in work.pages.values() if not p.deleted]
            pages = [p for p in pages if p.published or self.teacher]
            return rng.choice(pages) if pages else None
        if kind == "file":
            files = [f for f in work.files.values() if not f.deleted]
            return rng.choice(files) if files else None
        quizzes: list[Assignment | Quiz] = [
            a for a in course.assignments.values() if a.quiz_id is not None and a.published
        ]
        quizzes += [q for q in work.quizzes.values() if q.workflow_state == "available"]
        return rng.choice(quizzes) if quizzes else None


def share_of(percent: str) -> float:
    """``'10%'`` as 0.1."""
    return float(percent[:-1]) / 100


def browse(ctx: CourseEngine, step: Step, params: BrowseParams, user: User | None) -> None:
    """Every session of the window, queued now."""
    for person, at in sessions(ctx, step, params):
        ctx.clock.push(at, PRIORITY_ACTION, Visit(ctx, params, person).start)


KIND = StepKind(
    "browse",
    BrowseParams,
    browse,
    emits=("asset_accessed", "logged_in", "logged_out", "course_progress", "course_completed"),
    times=_at_start,
    whole=True,
    empty_ok=True,
)
