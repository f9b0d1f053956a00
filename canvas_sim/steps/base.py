"""What every step kind is made of: the scheduled step, the kind's table entry, small helpers."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel

from ..durations import datetime_to_ms
from ..errors import ScenarioError
from ..kernel import PRIORITY_JOB
from ..metadata import Job, Request
from ..values import CountRange, Timing
from ..world import User
from ..yamlsource import Located

if TYPE_CHECKING:
    from ..course import CourseEngine
    from .checks import References

P = TypeVar("P", bound=BaseModel)
Targets = list[User | None]
Timed = list[tuple[User | None, int]]


@dataclass(slots=True)
class Step:
    """One step of one course as scheduled: its kind, params, timing and place in the file."""

    index: int
    action: str
    params: Any
    timing: Timing
    path: tuple[str | int, ...]  # where the step is in the file
    located: Located
    where: str  # with several courses, errors name the course they happened in

    def error(self, message: str, *field: str | int) -> ScenarioError:
        """A located error at this step (or at one of its fields)."""
        return self.located.error(message + self.where, (*self.path, *field))


@dataclass(frozen=True, slots=True)
class StepKind(Generic[P]):
    """A step kind's entry in the step table.

    ``handle`` acts once per target (a student, or None for whole-assignment steps) at its
    time. ``declare`` adds the names a step creates, ``check`` checks the step's own names;
    both run on every step, in order, before anything runs. ``targets`` and ``times`` replace
    the default choice of students and the default spacing (``times`` may return None for it).
    """

    name: str
    params: type[P]
    handle: Callable[[CourseEngine, Step, P, User | None], None]
    emits: tuple[str, ...] = ()  # the event types it may emit
    check: Callable[[References, Step, P], None] | None = None
    declare: Callable[[References, Step, P], None] | None = None
    targets: Callable[[CourseEngine, Step, P], Targets] | None = None
    times: Callable[[CourseEngine, Step, P, int, Targets], Timed | None] | None = None
    gap_s: tuple[int, int] = (5, 30)  # seconds between two targets' actions without 'over'
    whole: bool = False  # acts once for the whole assignment, not once per student
    empty_ok: bool = False  # ``- name:`` with nothing after it means the defaults


def count(rng: random.Random, spec: int | CountRange) -> int:
    """A number given as such or drawn from ``{uniform: [low, high]}``."""
    return spec if isinstance(spec, int) else rng.randint(*spec.uniform)


def assign_given(target: object, **changes: Any) -> bool:
    """Set the attributes a step gives (those not None); whether any of them changed."""
    changed = False
    for name, value in changes.items():
        if value is not None and getattr(target, name) != value:
            setattr(target, name, value)
            changed = True
    return changed


def save_given(
    ctx: CourseEngine,
    record: object,
    event: str,
    request: Callable[[], Request],
    fields: Callable[[Request], dict[str, Any]],
    **changes: Any,
) -> Request | None:
    """:func:`assign_given`; when anything changed, emit ``event`` from the request
    ``request()`` makes (drawn only then) with ``fields(request)``. The request, or None when
    nothing changed (and nothing was sent)."""
    if not assign_given(record, **changes):
        return None
    origin = request()
    ctx.clock.emit(event, origin, fields(origin))
    return origin


def when_ms(start_ms: int, value: datetime | int | None) -> int | None:
    """A time a step gives: a timestamp, or an offset from the course's start."""
    if value is None:
        return None
    return start_ms + value if isinstance(value, int) else datetime_to_ms(value)


def job_sends(ctx: CourseEngine, time_ms: int, job: Job, name: str, fields: dict[str, Any]) -> None:
    """An event a background job sends at ``time_ms``."""
    ctx.clock.push(time_ms, PRIORITY_JOB, partial(ctx.clock.emit, name, job, fields))


def require_alive(step: Step, record: Any, what: str, *where: str | int) -> None:
    """A located error when a step names something an earlier step deleted."""
    if record.workflow_state == "deleted":
        message = f"{what} {record.key!r} was deleted by an earlier step"
        raise step.error(message, step.action, *where)
