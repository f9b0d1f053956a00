"""The end state a consumer should have derived from the stream: the gradebook as JSON
(documented in docs/end-state.md, schema in schemas/_end_state.schema.json).

Format (``canvas-sim run --state-out``), ids as the events carry them (global strings):

    {"scenario": name, "seed": n, "courses": [{
        "course_id", "name", "assignments": [{"assignment_id", "key", "title",
            "points_possible", "grading_type", "group", "published", "post_manually"}],
        "students": [{"user_id", "key", "name", "sis_id", "enrollment_state",
            "scores": {"current_score", "final_score", "unposted_current_score",
                       "unposted_final_score", "override_score"},
            "submissions": {<assignment key>: {"submission_id", "workflow_state", "attempt",
                "score", "grade", "excused", "posted", "custom_status"}}}]}]}

``submissions`` holds every submission Canvas keeps, including the ``unsubmitted`` placeholders of
work never handed in, which no event names.
"""

from __future__ import annotations

from typing import Any

from .course import CourseEngine
from .engine import Engine
from .events import num


def gradebook(engine: Engine) -> dict[str, Any]:
    """The final gradebook of a finished (or stopped) run."""
    return {
        "scenario": engine.scenario.name,
        "seed": engine.seed,
        "courses": [course_gradebook(course) for course in engine.courses],
    }


def course_gradebook(engine: CourseEngine) -> dict[str, Any]:
    """One course's assignments and students, as the end state lists them."""
    world, course = engine.world, engine.course
    gid = world.account.gid
    assignments = list(course.assignments.values())
    students = []
    for enrollment in course.enrollments.values():
        row = enrollment.score
        if not enrollment.is_student or row is None:
            continue
        user = enrollment.user
        submissions = {}
        for assignment in assignments:
            sub = course.submissions.get((assignment.id, user.id))
            if sub is None:
                continue
            submissions[assignment.key] = {
                "submission_id": gid(sub.id),
                "workflow_state": sub.workflow_state,
                "attempt": sub.attempt,
                "score": num(sub.score),
                "grade": sub.grade,
                "excused": sub.excused,
                "posted": sub.posted_at is not None,
                "custom_status": None if sub.custom_status is None else sub.custom_status.name,
            }
        students.append(
            {
                "user_id": gid(user.id),
                "key": user.key,
                "name": user.name,
                "sis_id": user.sis_id,
                "enrollment_state": enrollment.workflow_state,
                "scores": {
                    "current_score": num(row.current),
                    "final_score": num(row.final),
                    "unposted_current_score": num(row.unposted_current),
                    "unposted_final_score": num(row.unposted_final),
                    "override_score": num(row.override),
                },
                "submissions": submissions,
            }
        )
    return {
        "course_id": gid(course.id),
        "name": course.name,
        "assignments": [
            {
                "assignment_id": gid(a.id),
                "key": a.key,
                "title": a.title,
                "points_possible": num(a.points_possible),
                "grading_type": a.grading_type,
                "group": a.group.key,
                "published": a.published,
                "post_manually": a.post_manually,
            }
            for a in assignments
        ],
        "students": students,
    }
