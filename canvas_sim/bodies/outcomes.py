"""learning_outcome_*, learning_outcome_group_*, learning_outcome_link_*, outcome_proficiency_*,
outcome_calculation_method_*, rubric_assessed and learning_outcome_result_* (ids local);
``updated_at`` only in the *_updated events."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from ..clock import body_time
from ..events import truncate
from ..records import Assessed, MasteryScale, Outcome, OutcomeGroup
from ..world import Submission, World


def _updated(fields: dict[str, Any], updated_at: int | None, zone: ZoneInfo | None) -> None:
    if updated_at is not None:
        fields["updated_at"] = body_time(updated_at, zone)


def outcome_fields(
    world: World, outcome: Outcome, updated_at: int | None, zone: ZoneInfo | None
) -> dict[str, Any]:
    course = world.course
    fields = {
        "learning_outcome_id": str(outcome.id),
        "context_type": "Course",
        "context_id": str(course.id),
        "context_uuid": course.uuid,
        "display_name": outcome.title,
        "short_description": outcome.title,
        "description": truncate(outcome.description),
        "vendor_guid": None,
        "calculation_method": outcome.calculation_method,
        "calculation_int": outcome.calculation_int,
        "rubric_criterion": {
            "description": outcome.title,
            "mastery_points": outcome.mastery_points,
            "points_possible": outcome.points_possible,
            "ratings": [{"description": d, "points": p} for d, p in outcome.ratings],
        },
        "title": outcome.title,
        "workflow_state": outcome.workflow_state,
        "copied_from_outcome_id": None,
    }
    _updated(fields, updated_at, zone)
    return fields


def outcome_group_fields(
    world: World, group: OutcomeGroup, updated_at: int | None, zone: ZoneInfo | None
) -> dict[str, Any]:
    course, parent = world.course, group.parent
    fields = {
        "learning_outcome_group_id": str(group.id),
        "context_id": str(course.id),
        "context_uuid": course.uuid,
        "context_type": "Course",
        "title": group.title,
        "description": None,
        "vendor_guid": None,
        "parent_outcome_group_id": None if parent is None else str(parent.id),
        "parent_outcome_group_context_uuid": None if parent is None else course.uuid,
        "workflow_state": group.workflow_state,
    }
    _updated(fields, updated_at, zone)
    return fields


def outcome_link_fields(
    world: World, outcome: Outcome, updated_at: int | None, zone: ZoneInfo | None
) -> dict[str, Any]:
    course = world.course
    fields = {
        "learning_outcome_link_id": str(outcome.link_id),
        "learning_outcome_id": str(outcome.id),
        "learning_outcome_context_uuid": course.uuid,
        "learning_outcome_group_id": str(outcome.group.id),
        "learning_outcome_group_context_uuid": course.uuid,
        "context_id": str(course.id),
        "context_type": "Course",
        "workflow_state": outcome.workflow_state,
    }
    _updated(fields, updated_at, zone)
    return fields


def proficiency_fields(
    world: World, scale: MasteryScale, updated_at: int | None, zone: ZoneInfo | None
) -> dict[str, Any]:
    fields = {
        "outcome_proficiency_id": str(scale.id),
        "context_type": "Course",
        "context_id": str(world.course.id),
        "workflow_state": scale.workflow_state,
        "outcome_proficiency_ratings": [
            {
                "outcome_proficiency_rating_id": str(rating_id),
                "description": description,
                "points": points,
                "mastery": mastery,
                "color": color,
                "workflow_state": "active",
            }
            for rating_id, description, points, mastery, color in scale.ratings
        ],
    }
    _updated(fields, updated_at, zone)
    return fields


def calculation_fields(
    world: World, method_id: int, method: str, number: int | None, updated_at: int | None,
    zone: ZoneInfo | None,
) -> dict[str, Any]:  # fmt: skip
    fields = {
        "outcome_calculation_method_id": str(method_id),
        "context_type": "Course",
        "context_id": str(world.course.id),
        "workflow_state": "active",
        "calculation_method": method,
        "calculation_int": number,
    }
    _updated(fields, updated_at, zone)
    return fields


def rubric_assessed_fields(
    world: World,
    assessment: Assessed,
    sub: Submission,
    aligned: bool,
    now: int,
    zone: ZoneInfo | None,
) -> dict[str, Any]:
    return {
        "id": str(assessment.id),
        "aligned_to_outcomes": aligned,
        "artifact_id": str(sub.id),
        "artifact_type": "Submission",
        "assessment_type": "grading",
        "context_uuid": world.course.uuid,
        "submitted_at": body_time(sub.submitted_at if sub.submitted_at else now, zone),
        "created_at": body_time(assessment.created_at, zone),
        "updated_at": body_time(now, zone),
        "attempt": sub.attempt,
    }


def result_fields(
    world: World,
    result: Assessed,
    outcome: Outcome,
    sub: Submission,
    assessment: Assessed,
    score: float,
    now: int,
    updated: bool,
) -> dict[str, Any]:
    """learning_outcome_result_created / _updated (job-driven: UTC timestamps)."""
    course, possible = world.course, outcome.points_possible
    mastery = score >= outcome.mastery_points
    fields: dict[str, Any] = {
        "id": str(result.id),
        "learning_outcome_id": str(outcome.id),
        "learning_outcome_context_uuid": course.uuid,
        "result_context_id": str(course.id),
        "result_context_type": "Course",
        "result_context_uuid": course.uuid,
        "mastery": mastery,
        "score": score,
        "possible": possible,
        "original_score": score,
        "original_possible": possible,
        "percent": round(score / possible, 4) if possible else None,
        "original_mastery": mastery,
        "created_at": body_time(result.created_at),
    }
    if updated:
        fields["updated_at"] = body_time(now)
    fields |= {
        "attempt": sub.attempt,
        "assessed_at": body_time(now),
        "workflow_state": "active",
        "user_uuid": sub.user.uuid,
        "associated_asset_id": str(sub.assignment.id),
        "associated_asset_type": "Assignment",
        "artifact_id": str(assessment.id),
        "artifact_type": "RubricAssessment",
    }
    return fields
