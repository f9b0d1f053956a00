"""The simulation kernel: a heap of timed actions over the world, yielding Canvas events.

Pure and deterministic: no I/O, no wall clock, one seeded random source. Steps expand into
per-student actions at simulated times; course score recomputes run as debounced jobs.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Any, TypeVar

from . import events as ev
from .build import (
    CourseCopy,
    Draw,
    add_assignment,
    add_group,
    build_courses,
    randbelow,
    randint,
    rfc_uuid,
    text_of,
)
from .clock import event_time
from .durations import datetime_to_ms
from .errors import ScenarioError
from .grading import (
    AssignmentInput,
    CourseScores,
    GroupInput,
    GroupMemo,
    SubmissionGrade,
    course_scores,
    grade_string,
)
from .metadata import Job, MetadataBuilder, Origin, Request
from .scenario import (
    AcceptParams,
    AssignmentSpec,
    Beta,
    CommentParams,
    CountRange,
    CreateAssignmentParams,
    CreateGroupParams,
    DurationRange,
    EnrollmentChangeParams,
    EnrollParams,
    ExcuseParams,
    GradeParams,
    Normal,
    OverrideParams,
    PostParams,
    Scenario,
    StatusParams,
    SubmitParams,
    TakeQuizParams,
    Timing,
    Uniform,
    UpdateAssignmentParams,
    UpdateGroupParams,
    step_action,
)
from .world import Assignment, AssignmentGroup, Enrollment, ScoreRow, Submission, User
from .yamlsource import Located

_T = TypeVar("_T")

PRIORITY_SETUP = -1
PRIORITY_JOB = 0
PRIORITY_ACTION = 1
PRIORITY_STEP = 2
DEFAULT_STEP_GAP_MS = 60_000
# Seconds between two students' actions in a step without 'over': (low, high).
ACTION_GAPS_S: dict[str, tuple[int, int]] = {
    "enroll": (2, 20),
    "accept_invitation": (60, 3600),
    "submit": (30, 900),
    "take_quiz": (30, 900),
    "grade": (20, 120),
    "excuse": (5, 30),
    "comment": (30, 180),
    "override_grade": (10, 60),
    "set_status": (5, 30),
}
ROLE_ENROLLMENT = {
    "teacher": "TeacherEnrollment",
    "ta": "TaEnrollment",
    "student": "StudentEnrollment",
}
# Steps that act once for the whole assignment, not once per student.
WHOLE_ASSIGNMENT_ACTIONS = frozenset(
    {
        "post_grades",
        "hide_grades",
        "update_assignment",
        "update_group",
        "create_assignment",
        "create_group",
    }
)
API_USER_AGENT = "python-requests/2.31.0"
LTI_USER_AGENT = "GuzzleHttp/7"
CENT = Decimal("0.01")


@dataclass(slots=True)
class _Step:
    index: int
    action: str
    params: Any
    timing: Timing
    path: tuple[str | int, ...]  # where the step is in the file


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
        self.metadata = MetadataBuilder(self.account)

    def events(self) -> Iterator[ev.Event]:
        """Every event of the scenario, in simulated time order."""
        for course in self.courses:
            course.begin()
        return self.kernel.run()


class Kernel:
    """One queue of timed actions for every course of a run, so ids are handed out in time
    order across courses; events wait in a second queue until no later action can precede them.
    """

    def __init__(self, *, direct: bool) -> None:
        self.actions: list[tuple[int, int, int, CourseEngine, Callable[[], None]]] = []
        self.sequence = 0
        self.direct = direct  # one course: its events are already in time order
        self.out: list[ev.Event] = []
        self._waiting: list[tuple[int, int, ev.Event]] = []

    def push(
        self, time_ms: int, priority: int, course: CourseEngine, action: Callable[[], None]
    ) -> None:
        self.sequence += 1
        heapq.heappush(self.actions, (time_ms, priority, self.sequence, course, action))

    def emit(self, event: ev.Event) -> None:
        if self.direct:
            self.out.append(event)
        else:
            self.sequence += 1
            heapq.heappush(self._waiting, (event.time_ms, self.sequence, event))

    def run(self) -> Iterator[ev.Event]:
        actions, waiting, out = self.actions, self._waiting, self.out
        while actions:
            time_ms, _, _, course, action = heapq.heappop(actions)
            # Every later action's events come after time_ms: what waits up to it can go.
            while waiting and waiting[0][0] <= time_ms:
                yield heapq.heappop(waiting)[2]
            course.now = max(course.now, time_ms)
            course.tick = max(course.tick, course.now)  # event times never go backwards
            action()
            if out:
                yield from out
                out.clear()
        while waiting:
            yield heapq.heappop(waiting)[2]


class CourseEngine:
    """Runs one course of a scenario. Iterate :meth:`events` once for its events in time order."""

    CACHE_INPUTS = True  # tests turn it off to prove the cache changes nothing

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
        self._wire = self.draw.wire_rng
        self._wire_bits = self._wire.getrandbits
        self.world = copy.world
        self.course = self.world.course
        self.start_ms = copy.start_ms
        self._staggered = bool(copy.block.stagger)
        self.now = self.start_ms
        self.tick = self.start_ms  # the time of the last event (a few ms apart)
        self._kernel = kernel
        # With several courses, errors name the course they happened in.
        self._where = f" (in course {self.course.name!r})" if several else ""
        self._steps = [
            _Step(i, action, getattr(step, action), step, (*copy.steps_path, i))
            for i, step in enumerate(copy.steps)
            if (action := step_action(step)) is not None
        ]
        self._server_ip = copy.server_ip
        self.path = copy.path
        self._persona_names = [persona.name for persona in copy.block.personas]
        self._users_by_id = {user.id: user for user in self.world.users.values()}
        self._group_memos: dict[int, GroupMemo] = {}
        # Per student and group, the calculator's input as of the last recompute; dropped by
        # _touch when a submission changes and by _recompute_everyone when the structure does.
        self._inputs: dict[int, dict[int, GroupInput]] = {}
        # Per student and assignment, the same for one assignment; dropped alongside.
        self._assignment_inputs: dict[int, dict[int, AssignmentInput]] = {}
        self._teacher_list = [
            user for key, user in self.world.users.items() if self.world.roles[key] == "teacher"
        ]
        self._check_references()

    @property
    def step_count(self) -> int:
        return len(self._steps)

    # --- the kernel ---------------------------------------------------------------------

    def begin(self) -> None:
        """Queue the course's setup and its first step on the kernel."""
        if self.scenario.setup_events:
            self._push(self.start_ms, PRIORITY_SETUP, self._setup)
        if self._steps:
            self._push(self.start_ms, PRIORITY_STEP, lambda: self._start_step(0, self.start_ms))

    def _push(self, time_ms: int, priority: int, action: Callable[[], None]) -> None:
        self._kernel.push(time_ms, priority, self, action)

    def _emit(self, name: str, origin: Origin, fields: dict[str, Any]) -> None:
        self.tick += randint(self._wire_bits, 2, 40)
        self._kernel.emit(ev.Event(name, self.tick, origin, fields))

    def _error(self, step: _Step, message: str, *field: str | int) -> ScenarioError:
        return self.located.error(message + self._where, (*step.path, *field))

    # --- steps --------------------------------------------------------------------------

    def _start_step(self, index: int, earliest: int) -> None:
        step = self._steps[index]
        timing = step.timing
        if timing.at is not None:
            start = (
                self.start_ms + timing.at
                if isinstance(timing.at, int)
                else datetime_to_ms(timing.at)
            )
            if start < earliest and index == 0:
                raise self._error(
                    step,
                    f"this step starts before the course does ({event_time(self.start_ms)}"
                    f"{', moved by stagger' if self._staggered else ''}); use an offset "
                    "like '3d' instead of a timestamp, or a later one",
                    "at",
                )
            if start < earliest:
                raise self._error(
                    step,
                    f"this step starts at {event_time(start)}, before the previous step has "
                    f"finished (at {event_time(earliest)}); use a later 'at', or 'after' instead",
                    "at",
                )
        elif index == 0:
            start = earliest + (timing.after or 0)
        else:
            start = earliest + (timing.after if timing.after is not None else DEFAULT_STEP_GAP_MS)
        targets = self._targets(step)
        if isinstance(step.params, SubmitParams) and (
            step.params.missing or step.params.before_due
        ):
            timed = self._hand_in_times(step, step.params, start, targets)
        elif isinstance(step.params, GradeParams) and step.params.delay is not None:
            timed = self._grading_times(step.params, step.params.delay, start, targets)
        else:
            timed = list(zip(targets, self._action_times(step, start, len(targets)), strict=True))
        handler = getattr(self, f"_do_{step.action}")
        for target, time_ms in timed:
            self._push(time_ms, PRIORITY_ACTION, partial(handler, step, step.params, target))
        end = timed[-1][1] if timed else start
        if index + 1 < len(self._steps):
            self._push(end, PRIORITY_STEP, lambda: self._start_step(index + 1, end))

    def _action_times(self, step: _Step, start: int, count: int) -> list[int]:
        if count == 0:
            return []
        over = step.timing.over
        if over:
            return sorted(start + randbelow(self._bits, over + 1) for _ in range(count))
        low, high = ACTION_GAPS_S.get(step.action, (5, 30))
        times, time_ms = [], start
        for _ in range(count):
            times.append(time_ms)
            time_ms += randint(self._bits, low * 1000, high * 1000)
        return times

    def _hand_in_times(
        self, step: _Step, params: SubmitParams, start: int, targets: list[User | None]
    ) -> list[tuple[User | None, int]]:
        """Who hands in when: some never do, most just before the due date, some late."""
        rng = self.rng
        if params.missing:
            chosen = set(rng.sample(range(len(targets)), _share(params.missing, len(targets))))
            targets = [user for i, user in enumerate(targets) if i not in chosen]
        if params.before_due is None:
            return list(zip(targets, self._action_times(step, start, len(targets)), strict=True))
        due = self.course.assignments[params.assignment].due_at
        if due is None:
            message = f"before_due needs a due date, and {params.assignment!r} has none"
            raise self._error(step, message, "submit", "before_due")
        if due <= start:
            message = "before_due: the assignment is already due when this step starts"
            raise self._error(step, message, "submit", "before_due")
        late = set()
        if params.late:
            late = set(rng.sample(range(len(targets)), _share(params.late, len(targets))))
        opens = max(start, due - params.before_due)
        timed = []
        for i, user in enumerate(targets):
            if i in late:
                time_ms = due + 1 + rng.randrange(params.late_by)
            else:  # Beta(1, 4): most hand-ins come in the last fifth of the window
                time_ms = due - int((due - opens) * rng.betavariate(1, 4))
            timed.append((user, time_ms))
        timed.sort(key=lambda pair: pair[1])
        return timed

    def _grading_times(
        self,
        params: GradeParams,
        delay: int | DurationRange,
        start: int,
        targets: list[User | None],
    ) -> list[tuple[User | None, int]]:
        """Each student's work graded a (drawn) delay after it was handed in."""
        assignment = self.course.assignments[params.assignment]
        timed: list[tuple[User | None, int]] = []
        for user in targets:
            assert user is not None
            sub = self.course.submissions.get((assignment.id, user.id))
            handed_in = None if sub is None else sub.submitted_at
            wait = delay if isinstance(delay, int) else self.rng.randint(*delay.uniform)
            timed.append((user, max(start, (handed_in or start) + wait)))
        timed.sort(key=lambda pair: pair[1])
        return timed

    def _count(self, spec: int | CountRange) -> int:
        return spec if isinstance(spec, int) else self.rng.randint(*spec.uniform)

    def _targets(self, step: _Step) -> list[User | None]:
        params = step.params
        if step.action == "enroll":
            return list(self._enroll_targets(params))
        if isinstance(params, CommentParams) and params.count != 1:
            return [
                user
                for user in self._select_students(params.students, params.assignment)
                for _ in range(self._count(params.count))
            ]
        if step.action in WHOLE_ASSIGNMENT_ACTIONS or not hasattr(params, "students"):
            return [None]
        return list(self._select_students(params.students, getattr(params, "assignment", None)))

    def _select_students(self, selection: Any, assignment_key: str | None = None) -> list[User]:
        """Enrolled students picked by 'all', 'submitted' / 'unsubmitted' (whether they handed
        in the assignment), a percentage (seeded draw), a persona or a list of keys."""
        enrolled = [
            e.user
            for e in self.course.enrollments.values()
            if e.is_student and e.workflow_state != "deleted"
        ]
        if selection == "all":
            return list(enrolled)
        if selection in ("submitted", "unsubmitted"):
            assert assignment_key is not None
            assignment_id = self.course.assignments[assignment_key].id
            wanted = selection == "submitted"
            submissions = self.course.submissions
            return [
                user
                for user in enrolled
                if (getattr(submissions.get((assignment_id, user.id)), "submitted_at", None)
                    is not None) == wanted
            ]  # fmt: skip
        if isinstance(selection, str) and selection.startswith("persona:"):
            name = selection.removeprefix("persona:")
            personas = self.world.personas
            return [u for u in enrolled if u.key in personas and personas[u.key].name == name]
        if isinstance(selection, str):  # a percentage
            chosen = set(self.rng.sample(range(len(enrolled)), _share(selection, len(enrolled))))
            return [user for i, user in enumerate(enrolled) if i in chosen]
        return [self.world.users[key] for key in selection]

    def _enroll_targets(self, params: EnrollParams) -> list[User]:
        users = params.users
        if isinstance(users, list):
            return [self.world.users[key] for key in users]
        roles = {"all": ("teacher", "ta", "student"), "students": ("student",)}.get(
            users, (users.rstrip("s"),)
        )
        return [
            user
            for key, user in self.world.users.items()
            if self.world.roles[key] in roles and user.id not in self.course.enrollments
        ]

    def _check_references(self) -> None:
        """Names in steps that the course does not define, found before anything runs.

        Assignments and groups that steps create count from the step that creates them on.
        """
        users, roles = self.world.users, self.world.roles
        kinds = {key: a.submission_types for key, a in self.course.assignments.items()}
        groups = {g.key: {a.key for a in g.assignments} for g in self.course.groups}
        for step in self._steps:
            params, action = step.params, step.action
            if isinstance(params, (CreateAssignmentParams, CreateGroupParams)):
                self._check_creation(step, params, kinds, groups)
            assignment_key = getattr(params, "assignment", None)
            if assignment_key is not None and assignment_key not in kinds:
                raise self._error(
                    step,
                    f"unknown assignment {assignment_key!r} "
                    f"(the course has: {', '.join(kinds) or 'none'})",
                    action,
                    "assignment",
                )
            if getattr(params, "score", None) == "persona" and not self._persona_names:
                message = "score: persona, but the course defines no personas (course.personas)"
                raise self._error(step, message, action, "score")
            students = getattr(params, "students", None)
            if students in ("submitted", "unsubmitted") and assignment_key is None:
                message = f"students: {students} needs a step with an assignment"
                raise self._error(step, message, action, "students")
            if isinstance(students, str) and students.startswith("persona:"):
                personas = self._persona_names
                if students.removeprefix("persona:") not in personas:
                    names = ", ".join(sorted(personas)) or "none defined"
                    message = f"unknown persona {students!r} (the course's personas: {names})"
                    raise self._error(step, message, action, "students")
            if isinstance(students, list):
                for i, key in enumerate(students):
                    if roles.get(key) != "student":
                        raise self._error(
                            step, f"{key!r} is not a student of the course", action, "students", i
                        )
            if action == "enroll" and isinstance(params.users, list):
                for i, key in enumerate(params.users):
                    if key not in users:
                        raise self._error(step, f"unknown person {key!r}", action, "users", i)
            grader = getattr(params, "grader", None)
            if grader is not None and roles.get(grader) not in ("teacher", "ta"):
                raise self._error(
                    step,
                    f"grader {grader!r} is not a teacher or TA of the course",
                    action,
                    "grader",
                )
            if grader is None and hasattr(params, "grader") and not self._teachers():
                raise self._error(step, "the course has no teacher to act in this step", action)
            if action == "take_quiz" and "online_quiz" not in kinds[params.assignment]:
                raise self._error(
                    step,
                    f"{params.assignment!r} is not a quiz (its submission_types lack online_quiz)",
                    action,
                    "assignment",
                )
            statuses = self.course.custom_statuses
            if action == "set_status" and params.status not in (None, *statuses):
                known = ", ".join(statuses) or "none defined"
                raise self._error(
                    step,
                    f"unknown custom status {params.status!r} (course.custom_statuses: {known})",
                    action,
                    "status",
                )
            if action == "submit":
                self._check_submit(step, params, kinds[params.assignment])
            if action == "update_group":
                self._check_group(step, params, groups)
            if action == "comment" and params.author not in ("student", "teacher", *users):
                raise self._error(
                    step,
                    f"unknown author {params.author!r} (expected student, teacher, or a "
                    "teacher's, TA's or student's key)",
                    action,
                    "author",
                )

    def _check_creation(
        self,
        step: _Step,
        params: CreateAssignmentParams | CreateGroupParams,
        kinds: dict[str, tuple[str, ...]],
        groups: dict[str, set[str]],
    ) -> None:
        """A created group or assignment gets a new key (and an existing group)."""
        action = step.action
        if isinstance(params, CreateGroupParams):
            if params.key in groups:
                raise self._error(step, f"group {params.key!r} already exists", action, "key")
            members = {a.key for a in params.assignments}
            for i, key in enumerate(params.never_drop):
                if key not in members:
                    message = f"never_drop names {key!r}, not an assignment of group {params.key!r}"
                    raise self._error(step, message, action, "never_drop", i)
            groups[params.key] = members
            specs: list[tuple[tuple[str | int, ...], AssignmentSpec]] = [
                (("assignments", i), a) for i, a in enumerate(params.assignments)
            ]
        else:
            if params.group not in groups:
                known = ", ".join(groups) or "none"
                message = f"unknown group {params.group!r} (the course has: {known})"
                raise self._error(step, message, action, "group")
            groups[params.group].add(params.key)
            specs = [((), params)]
        for where, spec in specs:
            if spec.key in kinds:
                raise self._error(
                    step, f"assignment {spec.key!r} already exists", action, *where, "key"
                )
            kinds[spec.key] = tuple(spec.submission_types)

    def _check_group(
        self, step: _Step, params: UpdateGroupParams, groups: dict[str, set[str]]
    ) -> None:
        members = groups.get(params.group)
        if members is None:
            known = ", ".join(groups) or "none"
            message = f"unknown group {params.group!r} (the course has: {known})"
            raise self._error(step, message, "update_group", "group")
        for i, key in enumerate(params.never_drop or ()):
            if key not in members:
                message = f"never_drop names {key!r}, not an assignment of group {params.group!r}"
                raise self._error(step, message, "update_group", "never_drop", i)

    def _check_submit(self, step: _Step, params: SubmitParams, kinds: tuple[str, ...]) -> None:
        allowed = [t for t in kinds if t in _ONLINE_TYPES]
        if not allowed:
            raise self._error(
                step,
                f"{params.assignment!r} takes no online submissions "
                f"(submission_types: {', '.join(kinds)})",
                "submit",
                "assignment",
            )
        if params.type is not None and params.type not in allowed:
            raise self._error(step, f"type must be one of {', '.join(allowed)}", "submit", "type")

    # --- shared helpers -----------------------------------------------------------------

    def _teachers(self) -> list[User]:
        return self._teacher_list

    def _grader(self, key: str | None) -> User:
        return self.world.users[key] if key else self._teachers()[0]

    def _role(self, user: User) -> str:
        enrollment = self.course.enrollments.get(user.id)
        if enrollment is not None:
            return enrollment.type
        return (
            "AccountAdmin"
            if user is self.world.admin
            else ROLE_ENROLLMENT[self.world.roles[user.key]]
        )

    def _url(self, path: str) -> str:
        return f"https://{self.world.account.domain}{path}"

    def _request(
        self,
        actor: User,
        method: str,
        path: str,
        referrer: str | None,
        via: str = "browser",
        *,
        context: str | None = "Course",
    ) -> Request:
        """A request by ``actor``; ``via`` api (token) or lti (a tool, no user keys)."""
        request_id = rfc_uuid(self._wire)
        if via == "lti":
            return Request(
                None,
                None,
                method,
                self._url(path),
                None,
                request_id,
                None,
                LTI_USER_AGENT,
                self._server_ip,
                course=self.course,
            )
        if via == "api":
            return Request(
                actor,
                None,
                method,
                self._url(path),
                None,
                request_id,
                None,
                API_USER_AGENT,
                self._server_ip,
                self.world.account.gid(self.world.developer_key_id),
                course=self.course,
            )
        return Request(
            actor,
            self._role(actor),
            method,
            self._url(path),
            None if referrer is None else self._url(referrer),
            request_id,
            actor.session_id,
            actor.user_agent,
            actor.client_ip,
            context=context,
            course=self.course,
        )

    def _job(self, tag: str) -> Job:
        return Job(self.world.account.gid(self.world.ids.next("jobs")), tag, self.course)

    def _grading_request(self, grader: User, via: str, sub: Submission) -> Request:
        course_id, assignment_id, student_id = self.course.id, sub.assignment.id, sub.user.id
        if via == "api":
            path = (
                f"/api/v1/courses/{course_id}/assignments/{assignment_id}/submissions/{student_id}"
            )
            return self._request(grader, "PUT", path, None, "api")
        if via == "lti":
            path = f"/api/lti/courses/{course_id}/line_items/{assignment_id}/scores"
            return self._request(grader, "POST", path, None, "lti")
        referrer = (
            f"/courses/{course_id}/gradebook/speed_grader?assignment_id={assignment_id}"
            f"&student_id={student_id}"
            if via == "speedgrader"
            else f"/courses/{course_id}/gradebook"
        )
        return self._request(
            grader, "POST", f"/courses/{course_id}/gradebook/update_submission", referrer
        )

    def _student_enrollment(
        self, step: _Step, user: User, *, dropped_ok: bool = False
    ) -> Enrollment:
        """The student's enrollment; a located error when there is none, or when the student
        was dropped (unless ``dropped_ok``: dropping again changes nothing)."""
        enrollment = self.course.enrollments.get(user.id)
        if enrollment is None or not enrollment.is_student:
            raise self._error(
                step,
                f"student {user.key!r} is not enrolled at this point; add an enroll step before it",
                step.action,
            )
        if enrollment.workflow_state == "deleted" and not dropped_ok:
            raise self._error(
                step, f"student {user.key!r} was dropped (a drop step came before)", step.action
            )
        return enrollment

    def _require_active(self, step: _Step, user: User) -> None:
        """Students act only once their enrollment is active (invitation accepted)."""
        state = self.course.enrollments[user.id].workflow_state
        if state == "completed":
            message = f"student {user.key!r} has been concluded (a conclude step came before)"
            raise self._error(step, message, step.action)
        if state != "active":
            raise self._error(
                step,
                f"student {user.key!r} has not accepted the course invitation yet "
                "(add an accept_invitation step)",
                step.action,
            )

    def _submission(self, step: _Step, assignment: Assignment, user: User) -> Submission:
        self._student_enrollment(step, user)
        if not assignment.published:
            raise self._error(step, f"assignment {assignment.key!r} is not published", step.action)
        return self.course.submissions[(assignment.id, user.id)]

    def _draw_score(
        self,
        step: _Step,
        spec: Any,
        points: Decimal,
        extra_credit: bool,
        user: User | None = None,
    ) -> Decimal:
        if spec == "persona":
            persona = None if user is None else self.world.personas.get(user.key)
            if persona is None:
                who = "this step" if user is None else f"student {user.key!r}"
                raise self._error(
                    step, f"score: persona, but {who} has no persona (course.personas)", step.action
                )
            level = persona.level
            if isinstance(level, Uniform):
                fraction = self.rng.uniform(*level.uniform)
            elif isinstance(level, Beta):
                fraction = self.rng.betavariate(*level.beta)
            elif isinstance(level, Normal):
                fraction = self.rng.gauss(*level.normal)
            else:
                fraction = float(level)
            drawn = max(Decimal(str(round(fraction * float(points) * 2) / 2)), Decimal(0))
            return drawn.normalize() if extra_credit else min(drawn, points).normalize()
        if isinstance(spec, str):  # "85%"
            score = (points * Decimal(spec[:-1]) / 100).quantize(CENT, ROUND_HALF_UP).normalize()
        elif isinstance(spec, float):
            score = Decimal(str(spec))
            if score < 0:
                raise self._error(step, f"score {spec} is negative", step.action, "score")
        if isinstance(spec, (str, float)):
            if score > points and not extra_credit:
                raise self._error(
                    step,
                    f"score {spec} is above the {points} points possible; "
                    "set extra_credit: true to allow it",
                    step.action,
                    "score",
                )
            return score
        if isinstance(spec, Uniform):
            value = self.rng.uniform(*spec.uniform)
        elif isinstance(spec, Beta):
            value = self.rng.betavariate(*spec.beta) * float(points)
        elif isinstance(spec, Normal):
            value = self.rng.gauss(*spec.normal)
        else:  # pragma: no cover - the scenario model admits nothing else
            raise TypeError(spec)
        score = (Decimal(str(round(value * 2) / 2))).normalize()
        upper = None if extra_credit else points
        score = max(score, Decimal(0))
        return min(score, upper) if upper is not None else score

    def _set_grade(self, sub: Submission, score: Decimal | None) -> None:
        assignment = sub.assignment
        if assignment.grading_type == "pass_fail" and score is not None:
            score = assignment.points_possible if score > 0 else Decimal(0)
        sub.score = score
        sub.grade = grade_string(
            score, assignment.points_possible, assignment.grading_type, self.course.grading_scheme
        )

    # --- scores -------------------------------------------------------------------------

    def score_inputs(self, user: User) -> list[GroupInput]:
        """The score calculator's input for ``user``: each group, with its assignments and the
        student's submissions as they are now."""
        inputs = self._inputs.setdefault(user.id, {})
        return self._cached(inputs, self.course.groups, self._group_input, user)

    def _scores_for(self, user: User) -> CourseScores:
        groups = self.score_inputs(user)
        concluded = self.course.enrollments[user.id].workflow_state == "completed"
        # The per-student memo of group scores is bounded by the world's size, not the events'.
        memo = self._group_memos.setdefault(user.id, {})
        return course_scores(groups, weighted=self.course.weighted, concluded=concluded, memo=memo)

    def _cached(
        self,
        table: dict[int, _T],
        records: Iterable[Assignment] | Iterable[AssignmentGroup],
        build: Callable[[Any, User], _T],
        user: User,
    ) -> list[_T]:
        """``table[record.id]`` for each record, built by ``build(record, user)`` when missing
        (and kept, unless the cache is off)."""
        found_all = []
        for record in records:
            found = table.get(record.id)
            if found is None:
                found = build(record, user)
                if self.CACHE_INPUTS:
                    table[record.id] = found
            found_all.append(found)
        return found_all

    def _group_input(self, group: AssignmentGroup, user: User) -> GroupInput:
        """What the score calculator needs of one group for one student."""
        cached = self._assignment_inputs.setdefault(user.id, {})
        assignments = self._cached(cached, group.assignments, self._assignment_input, user)
        return GroupInput(
            id=group.id,
            assignments=tuple(assignments),
            weight=group.weight,
            drop_lowest=group.drop_lowest,
            drop_highest=group.drop_highest,
            never_drop=group.never_drop,
        )

    def _assignment_input(self, assignment: Assignment, user: User) -> AssignmentInput:
        """What the score calculator needs of one assignment and the student's submission."""
        sub = self.course.submissions.get((assignment.id, user.id))
        grade = None
        if sub is not None and (
            sub.score is not None or sub.excused or sub.workflow_state != "unsubmitted"
        ):
            grade = SubmissionGrade(
                score=sub.score,
                excused=sub.excused,
                posted=sub.posted_at is not None,
                pending_review=sub.workflow_state == "pending_review",
            )
        return AssignmentInput(
            id=assignment.id,
            points_possible=assignment.points_possible,
            submission=grade,
            published=assignment.published,
            submission_types=assignment.submission_types,
            omit_from_final_grade=assignment.omit_from_final_grade,
        )

    def _touch(self, sub: Submission) -> None:
        """A submission's score, excused, posted or workflow state changed: its input, and its
        group's, for that student are built again at the next recompute."""
        inputs = self._inputs.get(sub.user.id)
        if inputs is not None:
            inputs.pop(sub.assignment.group.id, None)
        cached = self._assignment_inputs.get(sub.user.id)
        if cached is not None:
            cached.pop(sub.assignment.id, None)

    def _schedule_recompute(self, enrollment: Enrollment) -> None:
        """Debounced: one pending recompute job per student covers every change before it runs."""
        if enrollment.recompute_pending or enrollment.score is None:
            return
        enrollment.recompute_pending = True
        delay = self.scenario.job_delay + randint(self._bits, 0, 1500)
        self._push(
            self.now + delay,
            PRIORITY_JOB,
            lambda: self._recompute(enrollment, self._job("Enrollment.recompute_final_score")),
        )

    def _recompute(self, enrollment: Enrollment, job: Job) -> None:
        enrollment.recompute_pending = False
        row = enrollment.score
        assert row is not None
        old = _row_scores(row)
        new = self._scores_for(enrollment.user)
        if new == old:
            return
        row.current, row.final = new.current_score, new.final_score
        row.unposted_current, row.unposted_final = (
            new.unposted_current_score,
            new.unposted_final_score,
        )
        row.updated_at = self.tick
        self._emit(
            "course_grade_change",
            job,
            ev.course_grade_change_fields(self.world, enrollment, old, new, self.tick),
        )

    # --- actions ------------------------------------------------------------------------

    def _setup(self) -> None:
        """The course, its people, groups and assignments come into being (setup_events)."""
        world, course = self.world, self.course
        admin = world.admin
        assert admin is not None
        account_path = f"/accounts/{world.account.sub_account_id}"
        request = self._request(
            admin, "POST", f"/api/v1{account_path}/courses", account_path, context=None
        )
        self._emit("course_created", request, ev.course_fields(world, "available", request.zone))
        users_path = f"/accounts/{world.account.id}/users"
        for user in world.users.values():
            request = self._request(
                admin, "POST", f"/api/v1{users_path}", users_path, context="Account"
            )
            self._emit("user_created", request, ev.user_fields(world, user, request.zone))
        if not self._teacher_list:
            return
        for group in course.groups:
            self._announce_group(group, self._teacher_list[0])

    def _do_enroll(self, step: _Step, params: EnrollParams, user: User | None) -> None:
        assert user is not None and self.world.admin is not None
        course = self.course
        if user.id in course.enrollments:
            raise self._error(step, f"{user.key!r} is already enrolled", "enroll")
        admin = self.world.admin
        request = self._request(
            admin, "POST", f"/courses/{course.id}/enroll_users", f"/courses/{course.id}/users"
        )
        enrollment = Enrollment(
            id=self.world.ids.next("enrollments"),
            user=user,
            type=ROLE_ENROLLMENT[self.world.roles[user.key]],
            workflow_state=params.state,
            section_id=course.default_section_id,
            created_at=self.now,
            updated_at=self.now,
        )
        course.enrollments[user.id] = enrollment
        if enrollment.is_student:
            for assignment in course.assignments.values():
                if assignment.published:
                    self._add_placeholder(assignment, user)
            scores = self._scores_for(user)
            enrollment.score = ScoreRow(
                id=self.world.ids.next("scores"),
                created_at=self.now,
                updated_at=self.now,
                current=scores.current_score,
                final=scores.final_score,
                unposted_current=scores.unposted_current_score,
                unposted_final=scores.unposted_final_score,
            )
        self._emit(
            "enrollment_created",
            request,
            ev.enrollment_fields(self.world, enrollment, request.zone),
        )
        self._emit(
            "enrollment_state_created",
            request,
            ev.enrollment_state_fields(self.world, enrollment, self.now),
        )

    def _do_accept_invitation(self, step: _Step, params: AcceptParams, user: User | None) -> None:
        assert user is not None
        enrollment = self._student_enrollment(step, user)
        if enrollment.workflow_state != "invited":
            return
        request = self._request(
            user,
            "POST",
            f"/courses/{self.course.id}/enrollment_invitation",
            f"/courses/{self.course.id}",
        )
        enrollment.workflow_state = "active"
        enrollment.updated_at = self.now
        self._emit_enrollment_update(enrollment, request)

    def _do_submit(self, step: _Step, params: SubmitParams, user: User | None) -> None:
        assert user is not None
        assignment = self.course.assignments[params.assignment]
        persona = self.world.personas.get(user.key)
        if persona is not None and persona.submits < 1 and self.rng.random() >= persona.submits:
            return  # this student does not hand the work in
        sub = self._submission(step, assignment, user)
        self._require_active(step, user)
        kind = params.type or next(t for t in assignment.submission_types if t in _ONLINE_TYPES)
        request = self._request(
            user,
            "POST",
            f"/courses/{self.course.id}/assignments/{assignment.id}/submissions",
            f"/courses/{self.course.id}/assignments/{assignment.id}",
        )
        sub.attempt = (sub.attempt or 0) + 1
        sub.submitted_at = self.now
        sub.updated_at = self.now
        sub.submission_type = kind
        sub.workflow_state = "submitted"
        self._touch(sub)
        sub.body = (
            (params.body or self.rng.choice(self.draw.paragraphs))
            if kind == "online_text_entry"
            else None
        )
        sub.url = (
            (params.url or f"https://example.com/work/{user.id}/{sub.attempt}")
            if kind == "online_url"
            else None
        )
        self._emit(
            "submission_created",
            request,
            ev.submission_fields(self.world, sub, self.now, request.zone),
        )

    def _do_grade(self, step: _Step, params: GradeParams, user: User | None) -> None:
        assert user is not None
        assignment = self.course.assignments[params.assignment]
        sub = self._submission(step, assignment, user)
        if assignment.grading_type == "not_graded":
            raise self._error(step, f"{assignment.key!r} is not graded", "grade", "assignment")
        score = self._draw_score(
            step, params.score, assignment.points_possible, params.extra_credit, user
        )
        grader = self._grader(params.grader)
        self._apply_grade(sub, grader, params.via, score=score, excused=False)

    def _do_excuse(self, step: _Step, params: ExcuseParams, user: User | None) -> None:
        assert user is not None
        sub = self._submission(step, self.course.assignments[params.assignment], user)
        self._apply_grade(sub, self._grader(params.grader), params.via, score=None, excused=True)

    def _apply_grade(
        self, sub: Submission, grader: User, via: str, *, score: Decimal | None, excused: bool
    ) -> None:
        """A teacher's grade or excuse: submission_updated, grade_change, a recompute job."""
        request = self._grading_request(grader, via, sub)
        audit = _Audit(sub)
        sub.excused = excused
        self._set_grade(sub, score)
        sub.workflow_state = "graded"
        sub.graded_at = self.now
        sub.updated_at = self.now
        sub.grader_id = grader.id
        if not sub.assignment.post_manually and sub.posted_at is None:
            sub.posted_at = self.now
        self._touch(sub)
        self._emit(
            "submission_updated",
            request,
            ev.submission_fields(self.world, sub, self.now, request.zone),
        )
        if audit.changed(sub):
            self._emit(
                "grade_change",
                request,
                ev.grade_change_fields(
                    self.world, sub, audit.old, None if via == "lti" else grader
                ),
            )
            self._schedule_recompute(self.course.enrollments[sub.user.id])

    def _do_take_quiz(self, step: _Step, params: TakeQuizParams, user: User | None) -> None:
        assert user is not None
        assignment = self.course.assignments[params.assignment]
        sub = self._submission(step, assignment, user)
        self._require_active(step, user)
        score = self._draw_score(step, params.score, assignment.points_possible, False, user)
        assert assignment.quiz_id is not None
        if sub.quiz_submission_id is None:  # one quiz submission per student; attempts on it
            sub.quiz_submission_id = self.world.ids.next("quiz_submissions")
        request = self._request(
            user,
            "POST",
            f"/courses/{self.course.id}/quizzes/{assignment.quiz_id}/submissions/"
            f"{sub.quiz_submission_id}/complete",
            f"/courses/{self.course.id}/quizzes/{assignment.quiz_id}/take",
        )
        audit = _Audit(sub)
        sub.attempt = (sub.attempt or 0) + 1
        sub.submitted_at = self.now
        sub.updated_at = self.now
        sub.submission_type = "online_quiz"
        sub.excused = False
        self._set_grade(sub, score)
        sub.grader_id = None
        sub.graded_at = self.now
        if params.needs_review:
            sub.workflow_state = "pending_review"
        else:
            sub.workflow_state = "graded"
        if not assignment.post_manually and sub.posted_at is None:
            sub.posted_at = self.now
        self._touch(sub)
        self._emit("quiz_submitted", request, ev.quiz_submitted_fields(self.world, sub))
        name = "submission_created" if params.needs_review else "submission_updated"
        self._emit(name, request, ev.submission_fields(self.world, sub, self.now, request.zone))
        if audit.changed(sub):
            self._emit(
                "grade_change", request, ev.grade_change_fields(self.world, sub, audit.old, None)
            )
            self._schedule_recompute(self.course.enrollments[user.id])

    def _do_update_assignment(
        self, step: _Step, params: UpdateAssignmentParams, user: User | None
    ) -> None:
        assignment = self.course.assignments[params.assignment]
        old_points, old_type = assignment.points_possible, assignment.grading_type
        before = (old_points, old_type, assignment.published, assignment.omit_from_final_grade)
        title_changed = params.title is not None and params.title != assignment.title
        _assign(
            assignment,
            points_possible=params.points,
            grading_type=params.grading_type,
            published=params.published,
            omit_from_final_grade=params.omit_from_final_grade,
            title=params.title,
        )
        after = (
            assignment.points_possible,
            assignment.grading_type,
            assignment.published,
            assignment.omit_from_final_grade,
        )
        if before == after and not title_changed:
            return
        self._save_assignment(
            "assignment_updated",
            assignment,
            self._grader(params.grader),
            "PUT",
            f"/api/v1/courses/{self.course.id}/assignments/{assignment.id}",
            f"/courses/{self.course.id}/assignments/{assignment.id}/edit",
        )
        if (old_points, old_type) != (assignment.points_possible, assignment.grading_type):
            job = self._job("Assignment#update_student_submissions")
            for (assignment_id, _), sub in self.course.submissions.items():
                if assignment_id != assignment.id or sub.score is None:
                    continue
                old = ev.GradeSnapshot(sub.score, sub.grade, old_points)
                self._set_grade(sub, sub.score)
                sub.updated_at = self.now
                grader = self._user_by_id(sub.grader_id)
                self._emit(
                    "grade_change", job, ev.grade_change_fields(self.world, sub, old, grader)
                )
        if before != after:
            self._recompute_everyone()

    def _add_placeholders(self, assignment: Assignment) -> None:
        """Silent unsubmitted submissions for every student of a published assignment."""
        for enrollment in self.course.enrollments.values():
            if enrollment.is_student:
                self._add_placeholder(assignment, enrollment.user)

    def _add_placeholder(self, assignment: Assignment, user: User) -> None:
        """Canvas creates an unsubmitted submission per student and assignment: no event."""
        key = (assignment.id, user.id)
        if key not in self.course.submissions:
            self.course.submissions[key] = Submission(
                id=self.world.ids.next("submissions"),
                assignment=assignment,
                user=user,
                updated_at=self.now,
            )

    def _recompute_everyone(self) -> None:
        """The gradebook's structure changed: every student's scores are recomputed."""
        self._inputs.clear()
        self._assignment_inputs.clear()
        for enrollment in self.course.enrollments.values():
            if enrollment.is_student and enrollment.workflow_state != "deleted":
                self._schedule_recompute(enrollment)

    def _do_update_group(self, step: _Step, params: UpdateGroupParams, user: User | None) -> None:
        group = next(g for g in self.course.groups if g.key == params.group)
        before = (group.name, group.weight, group.drop_lowest, group.drop_highest, group.never_drop)
        never_drop = None
        if params.never_drop is not None:
            never_drop = frozenset(self.course.assignments[k].id for k in params.never_drop)
        _assign(
            group,
            name=params.name,
            weight=params.weight,
            drop_lowest=params.drop_lowest,
            drop_highest=params.drop_highest,
            never_drop=never_drop,
        )
        after = (group.name, group.weight, group.drop_lowest, group.drop_highest, group.never_drop)
        if before == after:
            return
        teacher = self._grader(params.grader)
        path = f"/api/v1/courses/{self.course.id}/assignment_groups/{group.id}"
        request = self._request(teacher, "PUT", path, f"/courses/{self.course.id}/assignments")
        self._emit(
            "assignment_group_updated", request, ev.assignment_group_fields(self.world, group)
        )
        if before[1:] != after[1:]:
            self._recompute_everyone()

    def _do_create_group(self, step: _Step, params: CreateGroupParams, user: User | None) -> None:
        group = add_group(
            self.world, params, self.start_ms, self.now, self.rng, self.located, step.path
        )
        self._announce_group(group, self._grader(params.grader))

    def _announce_group(self, group: AssignmentGroup, teacher: User) -> None:
        """assignment_group_created, then each of its assignments."""
        path = f"/api/v1/courses/{self.course.id}/assignment_groups"
        request = self._request(teacher, "POST", path, f"/courses/{self.course.id}/assignments")
        self._emit(
            "assignment_group_created", request, ev.assignment_group_fields(self.world, group)
        )
        for assignment in group.assignments:
            self._announce_assignment(assignment, teacher)

    def _do_create_assignment(
        self, step: _Step, params: CreateAssignmentParams, user: User | None
    ) -> None:
        group = next(g for g in self.course.groups if g.key == params.group)
        assignment = add_assignment(self.world, group, params, self.start_ms, self.now, self.rng)
        self._announce_assignment(assignment, self._grader(params.grader))

    def _announce_assignment(self, assignment: Assignment, teacher: User) -> None:
        """assignment_created; a published one gets placeholders and moves final scores."""
        course_id = self.course.id
        self._save_assignment(
            "assignment_created",
            assignment,
            teacher,
            "POST",
            f"/api/v1/courses/{course_id}/assignments",
            f"/courses/{course_id}/assignments/new",
        )
        if assignment.published:
            self._recompute_everyone()

    def _save_assignment(
        self,
        name: str,
        assignment: Assignment,
        teacher: User,
        method: str,
        path: str,
        referrer: str,
    ) -> None:
        """The teacher's save of an assignment: its event; a published one gets placeholders."""
        request = self._request(teacher, method, path, referrer)
        self._emit(
            name, request, ev.assignment_fields(self.world, assignment, self.now, request.zone)
        )
        if assignment.published:
            self._add_placeholders(assignment)

    def _do_conclude(self, step: _Step, params: EnrollmentChangeParams, user: User | None) -> None:
        self._change_enrollment(step, user, "completed")

    def _do_drop(self, step: _Step, params: EnrollmentChangeParams, user: User | None) -> None:
        self._change_enrollment(step, user, "deleted")

    def _change_enrollment(self, step: _Step, user: User | None, state: str) -> None:
        """A teacher concludes or removes a student: enrollment_updated, then its state row."""
        assert user is not None
        enrollment = self._student_enrollment(step, user, dropped_ok=state == "deleted")
        if enrollment.workflow_state == state:
            return
        teacher = self._grader(None)
        verb = "DELETE" if state == "deleted" else "PUT"
        path = f"/api/v1/courses/{self.course.id}/enrollments/{enrollment.id}"
        request = self._request(teacher, verb, path, f"/courses/{self.course.id}/users")
        enrollment.workflow_state = state
        enrollment.updated_at = self.now
        self._emit_enrollment_update(enrollment, request)

    def _emit_enrollment_update(self, enrollment: Enrollment, request: Request) -> None:
        fields = ev.enrollment_fields(self.world, enrollment, request.zone)
        self._emit("enrollment_updated", request, fields)
        state = ev.enrollment_state_fields(self.world, enrollment, self.now)
        self._emit("enrollment_state_updated", request, state)

    def _user_by_id(self, user_id: int | None) -> User | None:
        return None if user_id is None else self._users_by_id[user_id]

    def _do_post_grades(self, step: _Step, params: PostParams, user: User | None) -> None:
        self._post_or_hide(step, params, post=True)

    def _do_hide_grades(self, step: _Step, params: PostParams, user: User | None) -> None:
        self._post_or_hide(step, params, post=False)

    def _post_or_hide(self, step: _Step, params: PostParams, *, post: bool) -> None:
        assignment = self.course.assignments[params.assignment]
        job = self._job("Assignment#post_submissions" if post else "Assignment#hide_submissions")
        changed: list[Enrollment] = []
        for target in self._select_students(params.students, params.assignment):
            sub = self._submission(step, assignment, target)
            if (sub.posted_at is not None) == post:
                continue
            sub.posted_at = self.now if post else None
            self._touch(sub)
            if sub.score is None and not sub.excused:
                continue
            snapshot = ev.grade_snapshot(sub)
            grader = self._user_by_id(sub.grader_id)
            self._emit(
                "grade_change", job, ev.grade_change_fields(self.world, sub, snapshot, grader)
            )
            changed.append(self.course.enrollments[target.id])
        for enrollment in changed:
            self._recompute(enrollment, job)

    def _do_override_grade(self, step: _Step, params: OverrideParams, user: User | None) -> None:
        assert user is not None
        enrollment = self._student_enrollment(step, user)
        row = enrollment.score
        assert row is not None
        new = (
            None
            if params.score is None
            else self._draw_score(step, params.score, Decimal(100), True, user)
            .quantize(CENT)
            .normalize()
        )
        if new == row.override:
            return
        grader = self._grader(params.grader)
        request = self._request(
            grader, "POST", "/api/graphql", f"/courses/{self.course.id}/gradebook"
        )
        old, row.override = row.override, new
        row.updated_at = self.now
        self._emit(
            "grade_override",
            request,
            ev.grade_override_fields(self.world, enrollment, old, self.now),
        )

    def _do_set_status(self, step: _Step, params: StatusParams, user: User | None) -> None:
        assert user is not None
        sub = self._submission(step, self.course.assignments[params.assignment], user)
        status = None if params.status is None else self.course.custom_statuses[params.status]
        if status is sub.custom_status:
            return
        old = sub.custom_status
        grader = self._grader(params.grader)
        request = self._grading_request(grader, "gradebook", sub)
        sub.custom_status = status
        sub.updated_at = self.now
        self._emit(
            "submission_custom_grade_status",
            request,
            ev.custom_status_fields(
                self.world,
                sub,
                "" if old is None else old.name,
                "" if old is None else str(old.id),
                self.now,
                request.zone,
            ),
        )

    def _do_comment(self, step: _Step, params: CommentParams, user: User | None) -> None:
        assert user is not None
        assignment = self.course.assignments[params.assignment]
        sub = self._submission(step, assignment, user)
        if params.author == "student":
            self._require_active(step, user)
            author = user
        elif params.author == "teacher":
            author = self._teachers()[0]
        else:
            author = self.world.users[params.author]
        course_id = self.course.id
        if author is user:
            path = f"/courses/{course_id}/assignments/{assignment.id}/submissions/{user.id}"
            request = self._request(author, "POST", path, path)
        else:
            request = self._request(
                author,
                "PUT",
                f"/api/v1/courses/{course_id}/assignments/{assignment.id}/submissions/{user.id}",
                f"/courses/{course_id}/gradebook/speed_grader?assignment_id={assignment.id}"
                f"&student_id={user.id}",
            )
        attachments = [
            self.world.ids.next("attachments") for _ in range(self._count(params.attachments))
        ]
        if params.text is not None:
            text = params.text
        elif params.words is not None:
            text = text_of(self.rng, self.draw.words, self._count(params.words))
        else:
            text = self.rng.choice(self.draw.sentences)
        comment_id = self.world.ids.next("submission_comments")
        self._emit(
            "submission_comment_created",
            request,
            ev.comment_fields(comment_id, sub, author, text, attachments, self.now),
        )


_ONLINE_TYPES = ("online_text_entry", "online_url", "online_upload", "media_recording")


def _share(percent: str, count: int) -> int:
    """How many of ``count`` a percentage like ``'30%'`` selects (half up)."""
    return min(int((Decimal(percent[:-1]) / 100 * count).to_integral_value(ROUND_HALF_UP)), count)


def _assign(target: object, **changes: Any) -> None:
    """Set the attributes a step gives (those not None)."""
    for name, value in changes.items():
        if value is not None:
            setattr(target, name, value)


class _Audit:
    """What a save changed, as Canvas's grade change audit sees it.

    A grade_change is due when the score, grade, excused flag or posting changed, or when the
    submission has just become graded (a resubmission or a reviewed quiz graded again).
    """

    __slots__ = ("excused", "old", "posted", "state")

    def __init__(self, sub: Submission) -> None:
        self.old = ev.grade_snapshot(sub)
        self.excused = sub.excused
        self.posted = sub.posted_at is not None
        self.state = sub.workflow_state

    def changed(self, sub: Submission) -> bool:
        return (
            (self.old.score, self.old.grade, self.excused) != (sub.score, sub.grade, sub.excused)
            or self.posted != (sub.posted_at is not None)
            or (self.state != "graded" and sub.workflow_state == "graded")
        )


def _row_scores(row: ScoreRow) -> CourseScores:
    return CourseScores(row.current, row.final, row.unposted_current, row.unposted_final)
