"""Derive the end state from a stream of events, as a consumer would, and diff it with another.

:class:`Deriver` takes events one at a time (in any order: for each record and field the event
with the latest ``metadata.event_time`` wins, so reordered and duplicated deliveries end in the
same state) and gives the gradebook in the ``canvas-sim run --state-out`` format
(:mod:`canvas_sim.gradebook`), with what no event carries left empty: ``key`` of assignments and
students is null, ``grading_type`` and ``post_manually`` are null, ``group`` is the group's name,
and ``submissions`` are keyed by the assignment's id. ``scenario`` and ``seed`` are null.

:func:`diff` compares a derived state with an expected one (``--state-out``) field by field,
matching courses, students, assignments and submissions by id (global or local forms alike).
Placeholders are what Canvas creates silently, so no event names them: the ``unsubmitted``
submission of work never handed in, and a student's score row before its first recompute
(``current`` null, ``final`` 0.0 or null). They are left out of the comparison unless
``placeholders=True`` (for a consumer that creates them from enrolments and assignments).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .statediff import SCORES, SHARD, SUBMISSION_FIELDS, Difference, diff, local_id

__all__ = ["Change", "Deriver", "Difference", "derive", "diff", "local_id"]


@dataclass(frozen=True)
class Change:
    """One gradebook cell that an event changed: ``column`` is an assignment id or a score."""

    course_id: str
    user_id: str
    column: str
    old: Any
    new: Any


class Deriver:
    """Feed it events (:meth:`feed`); :meth:`state` is the gradebook they add up to."""

    def __init__(self) -> None:
        self.shard: int | None = None
        self.courses: dict[str, dict[str, Any]] = {}  # local course id -> course record
        self.users: dict[str, dict[str, Any]] = {}  # local user id -> {name, sis_id}
        self.assignment_course: dict[str, str] = {}  # local assignment id -> local course id
        self.enrollment_user: dict[str, str] = {}  # local enrollment id -> local user id
        self.submission_owner: dict[str, tuple[str, str]] = {}  # -> (user id, assignment id)
        self._times: dict[tuple[str, ...], str] = {}

    # --- lookups the feed and the page share -------------------------------------------------

    def user_name(self, user_id: Any) -> str | None:
        user = self.users.get(local_id(user_id) or "")
        return None if user is None else user.get("name")

    def assignment(self, assignment_id: Any) -> dict[str, Any] | None:
        local = local_id(assignment_id) or ""
        course = self.courses.get(self.assignment_course.get(local, ""))
        return None if course is None else course["assignments"].get(local)

    def course_name(self, course_id: Any) -> str | None:
        course = self.courses.get(local_id(course_id) or "")
        return None if course is None else course["name"]

    # --- feeding ------------------------------------------------------------------------------

    def feed(self, event: dict[str, Any]) -> list[Change]:
        """Apply one event; returns the gradebook cells it changed."""
        metadata, body = event["metadata"], event["body"]
        if self.shard is None:
            root = str(metadata.get("root_account_id") or "")
            if root.isdigit() and int(root) >= SHARD:
                self.shard = int(root) // SHARD
        handler = _HANDLERS.get(metadata.get("event_name", ""))
        if handler is None:
            return []
        changes: list[Change] = []
        handler(self, metadata, body, str(metadata.get("event_time") or ""), changes)
        return changes

    def _newer(self, key: tuple[str, ...], when: str) -> bool:
        """Whether an event at ``when`` may set ``key`` (no later event has set it)."""
        if self._times.get(key, "") > when:
            return False
        self._times[key] = when
        return True

    def _course(self, course_id: Any) -> dict[str, Any]:
        local = local_id(course_id) or "?"
        course = self.courses.get(local)
        if course is None:
            course = {"id": local, "name": None, "groups": {}, "assignments": {}, "students": {}}
            self.courses[local] = course
        return course

    def _event_course(self, metadata: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        course_id = body.get("course_id")
        if course_id is None and metadata.get("context_type") == "Course":
            course_id = metadata.get("context_id")
        if course_id is None:
            course_id = self.assignment_course.get(local_id(body.get("assignment_id")) or "")
        return self._course(course_id)

    def _student(self, course: dict[str, Any], user_id: Any) -> dict[str, Any]:
        local = local_id(user_id) or "?"
        student: dict[str, Any] | None = course["students"].get(local)
        if student is None:
            student = {"enrollment_state": None, "enrolled": False, "submissions": {}}
            student["scores"] = dict.fromkeys(SCORES)
            course["students"][local] = student
        return student

    def _set(
        self,
        record: dict[str, Any],
        values: dict[str, Any],
        key: tuple[str, ...],
        when: str,
        changes: list[Change] | None = None,
        cell: tuple[str, str, str] | None = None,
    ) -> None:
        """Set fields of ``record`` unless a later event set them; report the cell if it moved."""
        old: dict[str, Any] = {}
        times = self._times
        for name, value in values.items():
            slot = (*key, name)
            if times.get(slot, "") > when:
                continue  # a later event set it: this one arrived late
            times[slot] = when
            before = record.get(name)
            if before != value:
                old[name] = before
                record[name] = value
        if old and cell is not None and changes is not None:
            course_id, user_id, column = cell
            new = {name: record.get(name) for name in values}
            changes.append(Change(course_id, user_id, column, {**new, **old}, new))

    # --- the state ----------------------------------------------------------------------------

    def global_id(self, local: str | None) -> str | None:
        """An id in its global form, once the stream has shown the shard."""
        if local is None or self.shard is None or not local.isdigit():
            return local
        return str(self.shard * SHARD + int(local))

    def state(self) -> dict[str, Any]:
        """The gradebook so far, in the ``--state-out`` format (see the module docstring)."""
        gid = self.global_id
        courses = []
        for course in self.courses.values():
            groups = course["groups"]
            assignments = [
                {
                    "assignment_id": gid(aid),
                    "key": None,
                    "title": a["title"],
                    "points_possible": a["points_possible"],
                    "grading_type": None,
                    "group": groups.get(a.get("group_id")),
                    "published": a["published"],
                    "post_manually": None,
                }
                for aid, a in course["assignments"].items()
            ]
            students = []
            for uid, student in course["students"].items():
                if not student["enrolled"]:
                    continue
                user = self.users.get(uid, {})
                submissions = {
                    gid(aid): {
                        name: gid(sub[name]) if name == "submission_id" else sub.get(name)
                        for name in SUBMISSION_FIELDS
                    }
                    for aid, sub in student["submissions"].items()
                }
                students.append(
                    {
                        "user_id": gid(uid),
                        "key": None,
                        "name": user.get("name"),
                        "sis_id": user.get("sis_id"),
                        "enrollment_state": student["enrollment_state"],
                        "scores": dict(student["scores"]),
                        "submissions": submissions,
                    }
                )
            courses.append(
                {
                    "course_id": gid(course["id"]),
                    "name": course["name"],
                    "assignments": assignments,
                    "students": students,
                }
            )
        return {"scenario": None, "seed": None, "courses": courses}


# --- event handlers: (deriver, metadata, body, event time, changes) ----------------------------


def _course_event(
    d: Deriver, m: dict[str, Any], b: dict[str, Any], t: str, c: list[Change]
) -> None:
    course = d._course(b.get("course_id"))
    d._set(course, {"name": b.get("name")}, ("course", course["id"]), t)


def _user_event(d: Deriver, m: dict[str, Any], b: dict[str, Any], t: str, c: list[Change]) -> None:
    uid = local_id(b.get("user_id")) or "?"
    user = d.users.setdefault(uid, {"name": None, "sis_id": None})
    d._set(user, {"name": b.get("name"), "sis_id": b.get("user_sis_id")}, ("user", uid), t)


def _group_event(d: Deriver, m: dict[str, Any], b: dict[str, Any], t: str, c: list[Change]) -> None:
    course = d._course(b.get("context_id") or m.get("context_id"))
    gid = local_id(b.get("assignment_group_id")) or "?"
    if d._newer(("group", gid), t):
        course["groups"][gid] = b.get("name")


def _assignment_event(
    d: Deriver, m: dict[str, Any], b: dict[str, Any], t: str, c: list[Change]
) -> None:
    course = d._course(b.get("context_id") or m.get("context_id"))
    aid = local_id(b.get("assignment_id")) or "?"
    d.assignment_course[aid] = course["id"]
    record = course["assignments"].setdefault(
        aid, {"title": None, "points_possible": None, "published": None, "group_id": None}
    )
    values = {
        "title": b.get("title"),
        "points_possible": b.get("points_possible"),
        "published": b.get("workflow_state") == "published",
        "group_id": local_id(b.get("assignment_group_id")),
    }
    d._set(record, values, ("assignment", aid), t)


def _enrollment_event(
    d: Deriver, m: dict[str, Any], b: dict[str, Any], t: str, c: list[Change]
) -> None:
    uid = local_id(b.get("user_id")) or "?"
    d.enrollment_user[local_id(b.get("enrollment_id")) or "?"] = uid
    if b.get("type", "StudentEnrollment") != "StudentEnrollment":
        return
    course = d._event_course(m, b)
    student = d._student(course, uid)
    student["enrolled"] = True
    d._set(student, {"enrollment_state": b.get("workflow_state")}, ("enr", course["id"], uid), t)
    user = d.users.setdefault(uid, {"name": None, "sis_id": None})
    if user["name"] is None and b.get("user_name"):
        user["name"] = b["user_name"]


def _submission(d: Deriver, m: dict[str, Any], b: dict[str, Any]) -> tuple[Any, ...]:
    course = d._event_course(m, b)
    uid = local_id(b.get("user_id") or b.get("student_id")) or "?"
    aid = local_id(b.get("assignment_id")) or "?"
    d.assignment_course.setdefault(aid, course["id"])
    submissions = d._student(course, uid)["submissions"]
    d.submission_owner[local_id(b.get("submission_id")) or "?"] = (uid, aid)
    sub = submissions.get(aid)
    if sub is None:
        # First named by a grade or a status: it existed as a silent placeholder until then.
        sub = dict.fromkeys(SUBMISSION_FIELDS)
        sub.update(
            workflow_state="unsubmitted",
            excused=False,
            posted=False,
            submission_id=local_id(b.get("submission_id")),
        )
        submissions[aid] = sub
    return sub, ("sub", course["id"], uid, aid), (course["id"], uid, aid)


def _submission_event(
    d: Deriver, m: dict[str, Any], b: dict[str, Any], t: str, c: list[Change]
) -> None:
    sub, key, cell = _submission(d, m, b)
    values = {
        "workflow_state": b.get("workflow_state"),
        "attempt": b.get("attempt"),
        "score": b.get("score"),
        "grade": b.get("grade"),
        "posted": b.get("posted_at") is not None,
    }
    d._set(sub, values, key, t, c, cell)


def _grade_change(
    d: Deriver, m: dict[str, Any], b: dict[str, Any], t: str, c: list[Change]
) -> None:
    sub, key, cell = _submission(d, m, b)
    score, grade = b.get("score"), b.get("grade")
    values = {
        "score": score,
        "grade": grade,
        "posted": not b.get("muted"),
        "excused": bool(b.get("grading_complete")) and score is None and grade is None,
    }
    d._set(sub, values, key, t, c, cell)


def _custom_status(
    d: Deriver, m: dict[str, Any], b: dict[str, Any], t: str, c: list[Change]
) -> None:
    sub, key, cell = _submission(d, m, b)
    d._set(sub, {"custom_status": b.get("submission_status") or None}, key, t, c, cell)


def _scores(d: Deriver, m: dict[str, Any], b: dict[str, Any], t: str, c: list[Change]) -> None:
    course = d._event_course(m, b)
    uid = local_id(b.get("user_id")) or "?"
    scores = d._student(course, uid)["scores"]
    names = ("override_score",) if "override_score" in b else SCORES[:4]
    key = ("scores", course["id"], uid)
    for name in names:
        d._set(scores, {name: b.get(name)}, key, t, c, (course["id"], uid, name))


_HANDLERS = {
    "course_created": _course_event,
    "course_updated": _course_event,
    "user_created": _user_event,
    "user_updated": _user_event,
    "assignment_group_created": _group_event,
    "assignment_group_updated": _group_event,
    "assignment_created": _assignment_event,
    "assignment_updated": _assignment_event,
    "enrollment_created": _enrollment_event,
    "enrollment_updated": _enrollment_event,
    "submission_created": _submission_event,
    "submission_updated": _submission_event,
    "grade_change": _grade_change,
    "submission_custom_grade_status": _custom_status,
    "course_grade_change": _scores,
    "grade_override": _scores,
}


def derive(events: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The end state a stream of events adds up to (see the module docstring)."""
    deriver = Deriver()
    for event in events:
        deriver.feed(event)
    return deriver.state()
