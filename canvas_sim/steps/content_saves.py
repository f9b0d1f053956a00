"""Event bodies of course content (shared by the content steps): wiki pages, files, classic
quizzes, the syllabus (CANVAS_ACTIVITY_EVENTS sections 2.7, 2.11-2.13)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..clock import body_time
from ..coursework import File, Page, Quiz
from ..events import truncate
from ..metadata import Request
from ..world import User

if TYPE_CHECKING:
    from ..course import CourseEngine

QUIZ_FLAGS = (
    "shuffle_answers",
    "show_correct_answers",
    "show_correct_answers_last_attempt",
    "one_question_at_a_time",
    "cant_go_back",
    "one_time_results",
    "anonymous_submissions",
    "require_lockdown_browser",
    "require_lockdown_browser_for_results",
    "disable_timer_autosubmission",
    "only_visible_to_overrides",
)
QUIZ_TIMES = (
    "due_at",
    "lock_at",
    "unlock_at",
    "show_correct_answers_at",
    "hide_correct_answers_at",
)


def page_fields(ctx: CourseEngine, page: Page) -> dict[str, Any]:
    """wiki_page_created (wiki_page_id global)."""
    return {
        "wiki_page_id": ctx.world.account.gid(page.id),
        "title": truncate(page.title),
        "body": truncate(page.body),
    }


def file_fields(
    ctx: CourseEngine, file: File, request: Request, old_name: str | None = None
) -> dict[str, Any]:
    """attachment_created / _updated / _deleted (ids global)."""
    gid, zone, now = ctx.world.account.gid, request.zone, ctx.clock.now
    locked = (file.lock_at is not None and file.lock_at <= now) or (
        file.unlock_at is not None and file.unlock_at > now
    )
    fields = {
        "attachment_id": gid(file.id),
        "user_id": None if file.uploader is None else gid(file.uploader.id),
        "display_name": truncate(file.display_name),
        "filename": truncate(file.filename),
        "context_type": "Course",
        "context_id": gid(ctx.course.id),
        "content_type": file.content_type,
        "folder_id": gid(file.folder_id),
        "unlock_at": body_time(file.unlock_at, zone),
        "lock_at": body_time(file.lock_at, zone),
        "locked": locked,
        "updated_at": body_time(file.updated_at, zone),
    }
    if old_name is not None:
        fields["old_display_name"] = truncate(old_name)
    return fields


def quiz_fields(ctx: CourseEngine, quiz: Quiz, request: Request) -> dict[str, Any]:
    """quiz_created / quiz_updated (ids global; access_code only says whether there is one)."""
    gid, zone, course = ctx.world.account.gid, request.zone, ctx.course
    settings = quiz.settings
    assignment = quiz.assignment
    fields: dict[str, Any] = {
        "quiz_id": gid(quiz.id),
        "assignment_id": None if assignment is None else gid(assignment.id),
        "context_id": gid(course.id),
        "context_type": "Course",
        "context_uuid": course.uuid,
        "title": truncate(quiz.title),
        "description": truncate(settings.get("description")),
        "quiz_type": quiz.quiz_type,
        "points_possible": None if assignment is None else float(assignment.points_possible),
    }
    for name in QUIZ_TIMES:
        value = assignment.due_at if name == "due_at" and assignment else settings.get(name)
        fields[name] = body_time(value, zone)
    fields["time_limit"] = settings.get("time_limit")
    fields["allowed_attempts"] = settings.get("allowed_attempts")
    fields["access_code"] = bool(settings.get("access_code"))
    fields["ip_filter"] = settings.get("ip_filter")
    fields["scoring_policy"] = settings.get("scoring_policy", "keep_highest")
    fields["hide_results"] = settings.get("hide_results")
    for name in QUIZ_FLAGS:
        fields[name] = settings.get(name, False)
    fields["workflow_state"] = quiz.workflow_state
    fields["updated_at"] = body_time(quiz.updated_at, zone)
    return fields


def teacher_request(
    ctx: CourseEngine, teacher: User, method: str, path: str, referrer: str
) -> Request:
    """A teacher's save through the API below /api/v1/courses/:c, from a course page."""
    course_id = ctx.course.id
    return ctx.requests.request(
        teacher, method, f"/api/v1/courses/{course_id}{path}", f"/courses/{course_id}{referrer}"
    )
