"""Why a student's course scores are what they are: the calculator's work, group by group.

``canvas-sim explain`` runs a scenario and, for one student, shows each assignment group's kept
score and possible points in the posted pass (what the student sees: ``current_score`` and
``final_score``), the assignments its drop rules dropped, and the four course scores. A consumer
whose own calculation disagrees can see where.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from .course import CourseEngine
from .errors import SimulatorError
from .events import num
from .grading import GroupScore, course_scores, group_score
from .world import GLOBAL_ID_BASE

MAX_COURSES = 10  # explained at once without --course


class ExplainError(SimulatorError):
    """The student asked about is not in the scenario (a usage error)."""

    exit_code = 2


def find_student(engines: list[CourseEngine], key: str, course: str | None) -> list[CourseEngine]:
    """The courses (of ``engines``) where ``key`` is a person, narrowed to the course code
    ``course`` when given; ExplainError says what is known when there is none. Call it before
    the run (people exist from the start; enrollments come with the steps)."""
    found = [engine for engine in engines if key in engine.world.users]
    if not found:
        keys = sorted({k for engine in engines for k in engine.world.users}, key=natural)
        close = difflib.get_close_matches(key, keys, n=3)
        hint = f"did you mean {' or '.join(map(repr, close))}? " if close else ""
        shown = ", ".join(keys[:12]) + (", ..." if len(keys) > 12 else "")
        raise ExplainError(f"no one with the key {key!r} in the scenario ({hint}people: {shown})")
    if course is not None:
        chosen = [engine for engine in found if engine.course.code == course]
        if not chosen:
            codes = ", ".join(engine.course.code for engine in found[:10])
            raise ExplainError(f"{key!r} is not in course {course!r} (but in {codes})")
        return chosen
    if len(found) > MAX_COURSES:
        codes = ", ".join(engine.course.code for engine in found[:3])
        raise ExplainError(
            f"{key!r} is in {len(found)} courses: choose one with --course CODE ({codes}, ...)"
        )
    return found


def natural(text: str) -> tuple[tuple[int, int | str], ...]:
    """A sort key that puts ``student2`` before ``student10``."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text) if part
    )


def student_key(engines: list[CourseEngine], given: str) -> str:
    """The person's key for ``given``: a key, a user id in its global or local form, or the
    person's name (any case)."""
    if any(given in engine.world.users for engine in engines):
        return given
    if not given.isdigit():
        wanted = given.casefold()
        for engine in engines:
            for user in engine.world.users.values():
                if user.name.casefold() == wanted:
                    return user.key
        return given
    number = int(given)
    for engine in engines:
        account = engine.world.account
        local = number % GLOBAL_ID_BASE
        if number >= GLOBAL_ID_BASE and account.gid(local) != str(number):
            continue  # a global id of another shard
        for user in engine.world.users.values():
            if user.id == local:
                return user.key
    return given


def enrolled(engines: list[CourseEngine], key: str) -> list[CourseEngine]:
    """Of ``engines`` after the run, those where ``key`` was enrolled as a student."""
    kept = []
    for engine in engines:
        enrollment = engine.course.enrollments.get(engine.world.users[key].id)
        if enrollment is not None and enrollment.is_student and enrollment.score is not None:
            kept.append(engine)
    if not kept:
        raise ExplainError(f"{key!r} is never enrolled as a student by the scenario's steps")
    return kept


def _group_part(result: GroupScore, keys: dict[int, str]) -> dict[str, Any]:
    return {
        "score": num(result.score),
        "possible": num(result.possible),
        "percent": None
        if result.possible <= 0
        else round(float(100 * result.score / result.possible), 4),
        "counted": [keys[i] for i in result.kept],
        "dropped": [keys[i] for i in result.dropped],
    }


def explain_student(engine: CourseEngine, key: str) -> dict[str, Any]:
    """The explanation of one student's scores in one course, as JSON-ready data."""
    course = engine.course
    user = engine.world.users[key]
    enrollment = course.enrollments[user.id]
    row = enrollment.score
    assert row is not None, "students have a score row"
    concluded = enrollment.workflow_state == "completed"
    inputs = engine.score_inputs(user)
    groups = []
    for group, given in zip(course.groups, inputs, strict=True):
        keys = {assignment.id: assignment.key for assignment in group.assignments}
        groups.append(
            {
                "group": group.key,
                "name": group.name,
                "weight": num(group.weight),
                "drop_lowest": group.drop_lowest,
                "drop_highest": group.drop_highest,
                "current": _group_part(
                    group_score(given, final=False, posted_only=True, concluded=concluded), keys
                ),
                "final": _group_part(
                    group_score(given, final=True, posted_only=True, concluded=concluded), keys
                ),
                # All grades: where a concluded student's never handed in work still counts 0.
                "unposted_final": _group_part(
                    group_score(given, final=True, posted_only=False, concluded=concluded), keys
                ),
            }
        )
    now = course_scores(inputs, weighted=course.weighted, concluded=concluded)
    scores = {
        "current_score": num(row.current),
        "final_score": num(row.final),
        "unposted_current_score": num(row.unposted_current),
        "unposted_final_score": num(row.unposted_final),
        "override_score": num(row.override),
    }
    recomputed = {
        "current_score": num(now.current_score),
        "final_score": num(now.final_score),
        "unposted_current_score": num(now.unposted_current_score),
        "unposted_final_score": num(now.unposted_final_score),
    }
    return {
        "student": key,
        "name": user.name,
        "course": course.name,
        "course_code": course.code,
        "enrollment_state": enrollment.workflow_state,
        "weighted": course.weighted,
        "groups": groups,
        "scores": scores,
        # Only when they differ: a concluded student's scores are those of the last recompute
        # (concluding triggers none, as in Canvas).
        "recomputed_now": None
        if all(scores[name] == value for name, value in recomputed.items())
        else recomputed,
    }
