"""The event catalogue: what each Canvas event type carries, built from world records.

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


# name -> (what emits it, request or job)
CATALOGUE: dict[str, str] = {
    "course_created": "setup: the scenario's course is created (setup_events)",
    "user_created": "setup: each person of the scenario is created (setup_events)",
    "assignment_group_created": "setup: each assignment group is created (setup_events); "
    "create_group",
    "assignment_created": "setup: each assignment is created (setup_events); create_assignment, "
    "create_group",
    "assignment_updated": "update_assignment: points, grading type, publishing, title, omit",
    "assignment_group_updated": "update_group: a group's name, weight or drop rules change",
    "enrollment_created": "enroll: a user is enrolled in the course",
    "enrollment_state_created": "enroll: the enrollment's effective state row is created",
    "enrollment_updated": "accept_invitation, conclude, drop, reopen: an enrollment's state "
    "changes",
    "enrollment_state_updated": "accept_invitation, conclude, drop, reopen: its effective "
    "state changes",
    "submission_created": "submit / resubmit; take_quiz that needs manual review (pending_review)",
    "submission_updated": "grade, excuse, grading never-submitted work, autoscored take_quiz",
    "grade_change": "grade, excuse, take_quiz; a points/grading type change re-saving grades "
    "(job); post_grades / hide_grades (job)",
    "course_grade_change": "a job recomputing a student's course scores after grade changes "
    "(debounced), only when one of the four scores changed",
    "grade_override": "override_grade: the final grade override changes",
    "submission_custom_grade_status": "set_status: a custom status is applied or removed",
    "submission_comment_created": "comment: a student or teacher comments on a submission",
    "quiz_submitted": "take_quiz: a student turns in a classic quiz",
    "asset_accessed": "browse: a person opens a course page, list, file or module item; "
    "create_page / update_page (level participate)",
    "logged_in": "browse: a session starts after the person's last one expired or ended",
    "logged_out": "browse: a session ends by signing out",
    "module_created": "create_module: a teacher creates a module",
    "module_updated": "create_module (requirements saved, published); update_module: renamed, "
    "published, unpublished, deleted",
    "module_item_created": "create_module: each item added to the module",
    "module_item_updated": "create_module (items published with the module); update_module with "
    "item: published, unpublished, deleted",
    "course_progress": "a job two minutes after a student last met a module requirement (a "
    "browse view, submit, take_quiz, a grade reaching min_score, mark_done), debounced",
    "course_completed": "as course_progress, when the student has completed every module",
    "course_updated": "update_syllabus: the course is saved with a new syllabus",
    "syllabus_updated": "update_syllabus: the syllabus text changes",
    "wiki_page_created": "create_page: a teacher writes a page",
    "wiki_page_updated": "update_page: a page's title or body changes",
    "wiki_page_deleted": "update_page with deleted: a page is deleted",
    "attachment_created": "upload_file: a teacher uploads a file to the course",
    "attachment_updated": "update_file: a file is renamed or its lock dates change",
    "attachment_deleted": "update_file with deleted: a file is deleted",
    "quiz_created": "create_quiz: a teacher makes a practice quiz or survey",
    "quiz_updated": "update_quiz: a classic quiz's settings change",
    "discussion_topic_created": "create_topic: a discussion or announcement is posted",
    "discussion_topic_updated": "update_topic: a topic is edited, published, locked or deleted",
    "discussion_entry_created": "discuss: an entry or reply is posted",
    "discussion_entry_submitted": "discuss via rest: the REST API's entry and reply endpoints",
    "conversation_created": "message: a new inbox conversation (a pair's private one is reused)",
    "conversation_message_created": "message: each message, answers and the one adding people",
    "conversation_forwarded": "message with add: people are added to a conversation",
    "group_category_created": "create_group_set: a group set is made",
    "group_category_updated": "update_group_set: a group set is renamed or deleted",
    "group_created": "create_group_set: each of the set's groups",
    "group_updated": "update_group_set: a group is renamed or deleted",
    "group_membership_created": "create_group_set with assign: random (job); join_group",
    "group_membership_updated": "join_group: a move or a leave deletes the old membership",
    "course_section_created": "create_section: a section is added",
    "course_section_updated": "update_section: a section is renamed, re-dated or deleted",
    "learning_outcome_group_created": "create_outcome: the course's root group and a new group",
    "learning_outcome_group_updated": "update_outcome with group_title: its group is renamed",
    "learning_outcome_created": "create_outcome: an outcome is added",
    "learning_outcome_updated": "update_outcome: an outcome is edited or removed",
    "learning_outcome_link_created": "create_outcome: the outcome is linked into its group",
    "learning_outcome_link_updated": "update_outcome with delete: the link is deleted",
    "outcome_proficiency_created": "set_mastery: the course's first mastery scale",
    "outcome_proficiency_updated": "set_mastery: the mastery scale changes",
    "outcome_calculation_method_created": "set_mastery: the first calculation method",
    "outcome_calculation_method_updated": "set_mastery: the calculation method changes",
    "rubric_assessed": "assess: a rubric assessment is saved (again on regrading)",
    "learning_outcome_result_created": "assess with outcomes: a student's first result (job)",
    "learning_outcome_result_updated": "assess with outcomes: a later result (job)",
    "user_updated": "update_user: a person's name, SIS id or time zone changes",
    "user_account_association_created": "associate_users: people tied to the course's accounts "
    "(job)",
    "account_notification_created": "notify_account: a global announcement",
    "sis_batch_created": "sis_import: an SIS import is uploaded",
    "sis_batch_updated": "sis_import: the import job changes its workflow_state (job)",
    "content_migration_started": "copy_course: the import starts (job)",
    "content_migration_completed": "copy_course: the import is done (job)",
    "master_migration_started": "blueprint_sync: the blueprint sync starts (job)",
    "master_migration_completed": "blueprint_sync: the blueprint sync is done (job)",
    "lti_resource_link_created": "link_tool: an LTI 1.3 link is placed in the course",
    "lti_resource_link_updated": "update_tool_link: the tool changes or removes a link",
    "account_created": "create_account: a sub-account is added",
    "account_updated": "update_account: a sub-account is renamed, re-zoned or deleted",
    "plagiarism_resubmit": "resubmit_plagiarism: work is sent to the plagiarism tool again",
}

# Keys some events leave out (not null: absent), per event type.
OPTIONAL_FIELDS: dict[str, frozenset[str]] = {
    "asset_accessed": frozenset(
        ("filename", "display_name", "url", "domain", "enrollment_id", "section_id")
    ),
    "wiki_page_updated": frozenset(("old_title", "old_body")),
    "attachment_updated": frozenset(("old_display_name",)),
}


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
