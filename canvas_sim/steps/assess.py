"""``assess``: a teacher grades submissions with a rubric in SpeedGrader, its criteria aligned
to outcomes: rubric_assessed, the grade (submission_updated, grade_change, course_grade_change),
then learning_outcome_result_created / _updated per aligned outcome from a job."""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING

from pydantic import Field

from ..bodies.outcomes import result_fields, rubric_assessed_fields
from ..kernel import PRIORITY_JOB
from ..randoms import randint
from ..records import Assessed, Outcome
from ..values import Key, Model, Score, Students
from ..world import Submission, User
from .base import Step, StepKind, require_alive
from .checks import References
from .grade import GRADING_EMITS
from .scoring import apply_grade, draw_score

if TYPE_CHECKING:
    from ..course import CourseEngine


class AssessParams(Model):
    assignment: Key
    students: Students = "submitted"
    score: Score = Field(description="The rubric's total, drawn as grade draws scores")
    outcomes: list[Key] = Field(
        default_factory=list, description="Outcomes the rubric's criteria are aligned to"
    )
    grader: Key | None = None


def _check(refs: References, step: Step, params: AssessParams) -> None:
    for i, key in enumerate(params.outcomes):
        refs.known(step, "outcome", key, "outcomes", i)


def assess(ctx: CourseEngine, step: Step, params: AssessParams, user: User | None) -> None:
    assert user is not None
    world, course, now = ctx.world, ctx.course, ctx.clock.now
    assignment = course.assignments[params.assignment]
    sub = ctx.people.submission(step, assignment, user)
    if assignment.grading_type == "not_graded":
        raise step.error(f"{assignment.key!r} is not graded", step.action, "assignment")
    outcomes = [world.records.outcomes[key] for key in params.outcomes]
    for i, outcome in enumerate(outcomes):
        require_alive(step, outcome, "outcome", "outcomes", i)
    score = draw_score(ctx, step, params.score, assignment.points_possible, False, user)
    grader = ctx.people.grader(params.grader)
    records = world.records
    rubric = records.rubric_associations.get(assignment.id)
    if rubric is None:
        rubric = records.rubric_associations[assignment.id] = world.ids.next("rubrics")
    key = (assignment.id, user.id)
    assessment = records.assessments.get(key)
    if assessment is None:
        assessment = records.assessments[key] = Assessed(world.ids.next("rubric_assessments"), now)
    speedgrader = (
        f"/courses/{course.id}/gradebook/speed_grader?assignment_id={assignment.id}"
        f"&student_id={user.id}"
    )
    path = f"/courses/{course.id}/rubric_associations/{rubric}/assessments"
    request = ctx.requests.request(grader, "POST", path, speedgrader)
    fields = rubric_assessed_fields(world, assessment, sub, bool(outcomes), now, request.zone)
    ctx.clock.emit("rubric_assessed", request, fields)
    apply_grade(ctx, sub, grader, "speedgrader", score=score, excused=False)
    if outcomes:
        fraction = score / assignment.points_possible if assignment.points_possible else Decimal(0)
        later = now + randint(ctx.rng.getrandbits, 2_000, 20_000)
        job = partial(_results, ctx, outcomes, sub, assessment, float(fraction))
        ctx.clock.push(later, PRIORITY_JOB, job)


def _results(
    ctx: CourseEngine,
    outcomes: list[Outcome],
    sub: Submission,
    assessment: Assessed,
    fraction: float,
) -> None:
    """The job that saves the student's outcome results from the assessment."""
    world, now = ctx.world, ctx.clock.now
    job = ctx.requests.job("RubricAssessment#update_outcomes_for_assessment")
    for outcome in outcomes:
        score = min(round(fraction * outcome.points_possible * 2) / 2, outcome.points_possible)
        key = (outcome.id, sub.user.id)
        result = world.records.results.get(key)
        updated = result is not None
        if result is None:
            result = world.records.results[key] = Assessed(
                world.ids.next("learning_outcome_results"), now
            )
        name = "learning_outcome_result_updated" if updated else "learning_outcome_result_created"
        fields = result_fields(world, result, outcome, sub, assessment, score, now, updated)
        ctx.clock.emit(name, job, fields)


KIND = StepKind(
    "assess",
    AssessParams,
    assess,
    emits=(
        "rubric_assessed",
        *GRADING_EMITS,
        "learning_outcome_result_created",
        "learning_outcome_result_updated",
    ),
    check=_check,
    gap_s=(30, 180),
)
