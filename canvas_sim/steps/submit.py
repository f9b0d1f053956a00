"""``submit``: students hand work in, some never, some late (submission_created)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field, model_validator

from .. import events as ev
from ..services.people import share
from ..values import Duration, Key, Model, Percent, Students
from ..world import User
from .base import Step, StepKind, Targets, Timed
from .checks import References

if TYPE_CHECKING:
    from ..course import CourseEngine

ONLINE_TYPES = ("online_text_entry", "online_url", "online_upload", "media_recording")


class SubmitParams(Model):
    assignment: Key
    students: Students = "all"
    type: str | None = Field(None, description="Submission type; the assignment's first by default")
    body: str | None = Field(None, description="Text of an online_text_entry; generated if absent")
    url: str | None = None
    missing: Percent | None = Field(
        None, description="Share of the selected students who never hand this in"
    )
    before_due: Duration | None = Field(
        None,
        description="Hand-ins arrive in this window before the assignment's due date, bunched "
        "up near the deadline (instead of the step's own timing)",
    )
    late: Percent | None = Field(
        None, description="Share of the students handing in who do so after the due date"
    )
    late_by: Annotated[Duration, Field(gt=0)] = Field(
        86_400_000, description="Late work arrives up to this long after the due date"
    )

    @model_validator(mode="after")
    def _late_needs_window(self) -> SubmitParams:
        if self.late is not None and self.before_due is None:
            raise ValueError("late needs before_due (hand-ins are then timed around the due date)")
        return self


def _check(refs: References, step: Step, params: SubmitParams) -> None:
    kinds = refs.kinds[params.assignment]
    allowed = [t for t in kinds if t in ONLINE_TYPES]
    if not allowed:
        raise step.error(
            f"{params.assignment!r} takes no online submissions "
            f"(submission_types: {', '.join(kinds)})",
            "submit",
            "assignment",
        )
    if params.type is not None and params.type not in allowed:
        raise step.error(f"type must be one of {', '.join(allowed)}", "submit", "type")


def _times(
    ctx: CourseEngine, step: Step, params: SubmitParams, start: int, targets: Targets
) -> Timed | None:
    """Who hands in when: some never do, most just before the due date, some late."""
    if not (params.missing or params.before_due):
        return None
    rng = ctx.rng
    if params.missing:
        chosen = set(rng.sample(range(len(targets)), share(params.missing, len(targets))))
        targets = [user for i, user in enumerate(targets) if i not in chosen]
    if params.before_due is None:
        return list(zip(targets, ctx.action_times(step, start, len(targets)), strict=True))
    due = ctx.course.assignments[params.assignment].due_at
    if due is None:
        message = f"before_due needs a due date, and {params.assignment!r} has none"
        raise step.error(message, "submit", "before_due")
    if due <= start:
        message = "before_due: the assignment is already due when this step starts"
        raise step.error(message, "submit", "before_due")
    late = set()
    if params.late:
        late = set(rng.sample(range(len(targets)), share(params.late, len(targets))))
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


def submit(ctx: CourseEngine, step: Step, params: SubmitParams, user: User | None) -> None:
    assert user is not None
    course, now = ctx.course, ctx.clock.now
    assignment = course.assignments[params.assignment]
    persona = ctx.world.personas.get(user.key)
    if persona is not None and persona.submits < 1 and ctx.rng.random() >= persona.submits:
        return  # this student does not hand the work in
    sub = ctx.people.submission(step, assignment, user)
    ctx.people.require_active(step, user)
    kind = params.type or next(t for t in assignment.submission_types if t in ONLINE_TYPES)
    request = ctx.requests.request(
        user,
        "POST",
        f"/courses/{course.id}/assignments/{assignment.id}/submissions",
        f"/courses/{course.id}/assignments/{assignment.id}",
    )
    sub.attempt = (sub.attempt or 0) + 1
    sub.submitted_at = now
    sub.updated_at = now
    sub.submission_type = kind
    sub.workflow_state = "submitted"
    ctx.scores.touch(sub)
    sub.body = (
        (params.body or ctx.rng.choice(ctx.draw.paragraphs))
        if kind == "online_text_entry"
        else None
    )
    sub.url = (
        (params.url or f"https://example.com/work/{user.id}/{sub.attempt}")
        if kind == "online_url"
        else None
    )
    ctx.clock.emit(
        "submission_created", request, ev.submission_fields(ctx.world, sub, now, request.zone)
    )


KIND = StepKind(
    "submit",
    SubmitParams,
    submit,
    emits=("submission_created",),
    check=_check,
    times=_times,
    gap_s=(30, 900),
)
