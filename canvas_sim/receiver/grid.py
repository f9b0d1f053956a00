"""The derived gradebook as the page draws it: one course's students x assignments, as text."""

from __future__ import annotations

from typing import Any

from ..derive import Deriver
from ..statediff import SCORES

STATES = {"submitted": "submitted", "pending_review": "needs review", "unsubmitted": ""}


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def cell_text(values: dict[str, Any], column: str) -> str:
    """A cell's text from (some of) its fields: ``7.5``, ``42 (B+)``, ``EX``, ``82.5%``,
    ``submitted``, with ``· STATUS`` for a custom status and ``(hidden)`` for unposted work."""
    if column in SCORES:
        value = values.get(column)
        return "" if value is None else f"{_number(value)}%"
    if values.get("excused"):
        text = "EX"
    elif values.get("score") is not None:
        score, grade = _number(values["score"]), values.get("grade")
        text = score if grade in (None, score) else f"{score} ({grade})"
        if values.get("posted") is False:
            text += " (hidden)"
    elif values.get("grade") is not None:
        text = str(values["grade"])
    else:
        text = STATES.get(str(values.get("workflow_state")), "")
    status = values.get("custom_status")
    if status:
        text = f"{text} · {status}" if text else str(status)
    return text


def course_list(deriver: Deriver) -> list[dict[str, Any]]:
    return [
        {"id": cid, "name": course["name"] or f"course {cid}", "students": len(course["students"])}
        for cid, course in deriver.courses.items()
    ]


def course_grid(deriver: Deriver, course_id: str) -> dict[str, Any] | None:
    """One course's gradebook: its assignments (columns) and students (rows of cell texts)."""
    course = deriver.courses.get(course_id)
    if course is None:
        return None
    assignments = [
        {"id": aid, "title": a["title"] or f"assignment {aid}", "points": a["points_possible"]}
        for aid, a in course["assignments"].items()
    ]
    students = []
    for uid, student in course["students"].items():
        cells = {aid: cell_text(sub, aid) for aid, sub in student["submissions"].items()}
        cells.update({name: cell_text(student["scores"], name) for name in SCORES})
        students.append(
            {
                "id": uid,
                "name": deriver.user_name(uid) or f"user {uid}",
                "state": student["enrollment_state"],
                "cells": cells,
            }
        )
    return {
        "id": course_id,
        "name": course["name"] or f"course {course_id}",
        "assignments": assignments,
        "students": students,
    }
