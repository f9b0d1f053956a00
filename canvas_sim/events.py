"""What each Canvas event type carries, built from world records (the list of types and what
emits them is in :mod:`canvas_sim.event_types`).

Each builder returns the template context of one event body: field name -> JSON value, with
ids as strings (global or local per event, CANVAS_REFERENCE section 1) and numbers as floats.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from .clock import body_time, body_time_ms
from .grading import CourseScores
from .metadata import Origin
from .world import Assignment, AssignmentGroup, Enrollment, Submission, User, World

TEXT_LIMIT = 8192
OMISSION = "..."


@dataclass(slots=True)
class Event:
    """One event before rendering: its type, time, where it came from, and its body fields."""

    name: str
    time_ms: int
    origin: Origin
    fields: dict[str, Any]
    ordinal: int = 0  # the course's place among the scenario's courses (orders equal times)


def num(value: Decimal | None) -> float | None:
    """A score or points value as Canvas serialises it (a float: ``5.0``)."""
    return None if value is None else float(value)


def truncate(text: str | None, limit: int = TEXT_LIMIT) -> str | None:
    """Long text as Canvas's LiveEvents cuts it, ``truncate(8192, separator: " ")``: at most
    ``limit`` characters with a trailing ``...``, cut at the last space that leaves room for it
    (else at that room's end)."""
    if text is None or len(text) <= limit:
        return text
    room = limit - len(OMISSION)
    space = text.rfind(" ", 0, room + 1)
    return text[: room if space < 0 else space] + OMISSION


def is_late(submission: Submission) -> bool:
    """Submitted after the due date (never when excused or a custom status is set)."""
    due = submission.assignment.due_at
    if submission.excused or submission.custom_status is not None:
        return False
    return due is not None and submission.submitted_at is not None and submission.submitted_at > due


def is_missing(submission: Submission, now: int) -> bool:
    """Past due, not submitted, expecting an online submission, not excused, no custom status."""
    assignment = submission.assignment
    return (
        assignment.due_at is not None
        and now > assignment.due_at
        and submission.submitted_at is None
        and assignment.expects_submission
        and not submission.excused
        and submission.custom_status is None
    )


def submission_fields(
    world: World, submission: Submission, now: int, zone: ZoneInfo | None
) -> dict[str, Any]:
    """submission_created / submission_updated."""
    gid = world.account.gid
    return {
        "assignment_id": gid(submission.assignment.id),
        "attempt": submission.attempt,
        "body": truncate(submission.body),
        "grade": submission.grade,
        "graded_at": body_time(submission.graded_at, zone),
        "group_id": None,
        "late": is_late(submission),
        "lti_assignment_id": submission.assignment.lti_assignment_id,
        "lti_user_id": submission.user.lti_user_id,
        "missing": is_missing(submission, now),
        "score": num(submission.score),
        "submission_id": gid(submission.id),
        "submission_type": submission.submission_type,
        "submitted_at": body_time(submission.submitted_at, zone),
        "updated_at": body_time(submission.updated_at, zone),
        "url": submission.url,
        "user_id": gid(submission.user.id),
        "workflow_state": submission.workflow_state,
        "posted_at": body_time(submission.posted_at, zone),  # last, as in the templates
    }


@dataclass(slots=True, frozen=True)
class GradeSnapshot:
    """The grade values a grade_change reports as old_*."""

    score: Decimal | None
    grade: str | None
    points_possible: Decimal


def grade_snapshot(submission: Submission) -> GradeSnapshot:
    return GradeSnapshot(submission.score, submission.grade, submission.assignment.points_possible)


def grade_change_fields(
    world: World, submission: Submission, old: GradeSnapshot, grader: User | None
) -> dict[str, Any]:
    gid = world.account.gid
    assignment: Assignment = submission.assignment
    student = submission.user
    complete = submission.excused or (
        submission.score is not None and submission.workflow_state == "graded"
    )
    return {
        "assignment_id": gid(assignment.id),
        "assignment_name": assignment.title,
        "grade": submission.grade,
        "grader_id": None if grader is None else gid(grader.id),
        "grading_complete": complete,
        "muted": submission.posted_at is None,
        "old_grade": old.grade,
        "old_points_possible": num(old.points_possible),
        "old_score": num(old.score),
        "points_possible": num(assignment.points_possible),
        "score": num(submission.score),
        "student_id": gid(student.id),
        "student_sis_id": student.sis_id,
        "submission_id": gid(submission.id),
        "user_id": gid(student.id),
    }


def course_grade_change_fields(
    world: World, enrollment: Enrollment, old: CourseScores, new: CourseScores, now: int
) -> dict[str, Any]:
    row = enrollment.score
    assert row is not None
    return {
        "user_id": str(enrollment.user.id),
        "course_id": str(world.course.id),
        "workflow_state": "active",
        "created_at": body_time(row.created_at),
        "updated_at": body_time(now),
        "current_score": num(new.current_score),
        "old_current_score": num(old.current_score),
        "final_score": num(new.final_score),
        "old_final_score": num(old.final_score),
        "unposted_current_score": num(new.unposted_current_score),
        "old_unposted_current_score": num(old.unposted_current_score),
        "unposted_final_score": num(new.unposted_final_score),
        "old_unposted_final_score": num(old.unposted_final_score),
    }


def grade_override_fields(
    world: World, enrollment: Enrollment, old: Decimal | None, now: int
) -> dict[str, Any]:
    row = enrollment.score
    assert row is not None
    return {
        "score_id": str(row.id),
        "enrollment_id": str(enrollment.id),
        "user_id": str(enrollment.user.id),
        "course_id": str(world.course.id),
        "grading_period_id": None,
        "override_score": num(row.override),
        "old_override_score": num(old),
        "updated_at": body_time_ms(now),
    }


def custom_status_fields(
    world: World,
    submission: Submission,
    old_name: str,
    old_id: str,
    now: int,
    zone: ZoneInfo | None,
) -> dict[str, Any]:
    status = submission.custom_status
    return {
        "assignment_id": str(submission.assignment.id),
        "submission_id": str(submission.id),
        "user_id": str(submission.user.id),
        "course_id": str(world.course.id),
        "submission_status": "" if status is None else status.name,
        "submission_status_id": "" if status is None else str(status.id),
        "old_submission_status": old_name,
        "old_submission_status_id": old_id,
        "updated_at": body_time(now, zone),
    }


def comment_fields(
    comment_id: int,
    submission: Submission,
    author: User,
    text: str,
    attachments: list[int],
    now: int,
) -> dict[str, Any]:
    return {
        "attachment_ids": [str(attachment) for attachment in attachments],
        "body": truncate(text),
        "created_at": body_time_ms(now),
        "submission_comment_id": str(comment_id),
        "submission_id": str(submission.id),
        "user_id": str(author.id),
    }


def enrollment_fields(
    world: World, enrollment: Enrollment, zone: ZoneInfo | None
) -> dict[str, Any]:
    gid = world.account.gid
    return {
        "enrollment_id": gid(enrollment.id),
        "course_id": gid(world.course.id),
        "user_id": gid(enrollment.user.id),
        "user_name": enrollment.user.name,
        "type": enrollment.type,
        "created_at": body_time(enrollment.created_at, zone),
        "updated_at": body_time(enrollment.updated_at, zone),
        "limit_privileges_to_course_section": False,
        "course_section_id": gid(enrollment.section_id),
        "workflow_state": enrollment.workflow_state,
        "course_uuid": world.course.uuid,
        "user_uuid": enrollment.user.uuid,
    }


ENROLLMENT_STATES = {"active": "active", "invited": "invited", "completed": "completed"}


def enrollment_state_fields(
    world: World, enrollment: Enrollment, now: int, zone: ZoneInfo | None
) -> dict[str, Any]:
    return {
        "enrollment_id": world.account.gid(enrollment.id),
        "state": ENROLLMENT_STATES.get(enrollment.workflow_state, enrollment.workflow_state),
        "state_is_current": True,
        "state_started_at": body_time(now, zone),
        "state_valid_until": None,
        "access_is_current": True,
        "restricted_access": False,
    }


def quiz_submitted_fields(world: World, submission: Submission) -> dict[str, Any]:
    assert submission.assignment.quiz_id is not None and submission.quiz_submission_id is not None
    return {
        "submission_id": world.account.gid(submission.quiz_submission_id),
        "quiz_id": world.account.gid(submission.assignment.quiz_id),
    }


def course_fields(world: World, workflow_state: str, zone: ZoneInfo | None) -> dict[str, Any]:
    """course_created / course_updated (ids global)."""
    course, account = world.course, world.account
    return {
        "course_id": account.gid(course.id),
        "account_id": account.gid(account.sub_account_id),
        "uuid": course.uuid,
        "name": truncate(course.name),
        "created_at": body_time(course.created_at, zone),
        "updated_at": body_time(course.created_at, zone),
        "workflow_state": workflow_state,
        "account_uuid": account.uuid,
    }


def user_fields(world: World, user: User, zone: ZoneInfo | None) -> dict[str, Any]:
    """user_created / user_updated (ids global)."""
    return {
        "user_id": world.account.gid(user.id),
        "uuid": user.uuid,
        "name": user.name,
        "short_name": user.name,
        "workflow_state": "registered",
        "created_at": body_time(user.created_at, zone),
        "updated_at": body_time(user.created_at, zone),
        "user_login": user.login,
        "user_sis_id": user.sis_id,
    }


def group_rules(group: AssignmentGroup) -> str | None:
    """Canvas's stored rules text: one 'key:value' line per rule, each ended by a newline."""
    lines = []
    if group.drop_lowest:
        lines.append(f"drop_lowest:{group.drop_lowest}\n")
    if group.drop_highest:
        lines.append(f"drop_highest:{group.drop_highest}\n")
    lines += [f"never_drop:{assignment_id}\n" for assignment_id in sorted(group.never_drop)]
    return "".join(lines) or None


def assignment_group_fields(world: World, group: AssignmentGroup) -> dict[str, Any]:
    """assignment_group_created / assignment_group_updated (ids local)."""
    return {
        "assignment_group_id": str(group.id),
        "context_id": str(world.course.id),
        "context_type": "Course",
        "name": truncate(group.name),
        "position": group.position,
        "group_weight": float(group.weight),
        "rules": group_rules(group),
        "sis_source_id": None,
        "integration_data": None,
        "workflow_state": "available",
    }


def assignment_fields(
    world: World, assignment: Assignment, now: int, zone: ZoneInfo | None
) -> dict[str, Any]:
    """assignment_created / assignment_updated (ids global)."""
    account, course = world.account, world.course
    return {
        "assignment_id": account.gid(assignment.id),
        "context_id": account.gid(course.id),
        "context_type": "Course",
        "context_uuid": course.uuid,
        "assignment_group_id": account.gid(assignment.group.id),
        "title": truncate(assignment.title),
        "description": None,
        "due_at": body_time(assignment.due_at, zone),
        "unlock_at": None,
        "lock_at": None,
        "points_possible": num(assignment.points_possible),
        "submission_types": ",".join(assignment.submission_types),
        "workflow_state": "published" if assignment.published else "unpublished",
        "updated_at": body_time(now, zone),
        "lti_assignment_id": assignment.lti_assignment_id,
        "lti_resource_link_id": assignment.lti_resource_link_id,
        "created_on_blueprint_sync": False,
        "domain": account.domain,
    }
