"""Events in plain words ("Sep 5 10:00 Anthony Nelson graded Homework 1 for Angela Bennett: 8/10").

Names come from what the stream said earlier (``user_created``, ``enrollment_created``,
``assignment_created``...), as the :class:`~canvas_sim.derive.Deriver` keeps them; an id stands in
for a name the stream has not given.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..derive import Deriver, local_id


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "none" if value is None else str(value)


def _percent(value: Any) -> str:
    return "none" if value is None else f"{_number(value)}%"


class Feed:
    """Describes events with the names a :class:`Deriver` fed the same stream knows."""

    def __init__(self, deriver: Deriver) -> None:
        self.d = deriver
        self._zones: dict[str, ZoneInfo | None] = {}
        self._course_zone: dict[Any, Any] = {}  # course context -> a zone its requests showed

    def when(self, metadata: dict[str, Any]) -> str:
        """The event's time, in the acting person's time zone when the metadata names one."""
        text = str(metadata.get("event_time") or "")
        try:
            moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text
        context, name = metadata.get("context_id"), metadata.get("time_zone")
        if name is None:  # a job: show it in the zone of the course's people
            name = self._course_zone.get(context)
        elif context is not None:
            self._course_zone.setdefault(context, name)
        zone = self._zone(name)
        if zone is not None:
            moment = moment.astimezone(zone)
        return f"{moment:%b} {moment.day} {moment:%H:%M}"

    def _zone(self, name: Any) -> ZoneInfo | None:
        if not isinstance(name, str):
            return None
        if name not in self._zones:
            try:
                self._zones[name] = ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                self._zones[name] = None
        return self._zones[name]

    def person(self, user_id: Any) -> str:
        return self.d.user_name(user_id) or f"user {local_id(user_id)}"

    def actor(self, metadata: dict[str, Any]) -> str:
        """Who made the request: a name the stream gave, else their role; Canvas for a job."""
        user = metadata.get("user_id")
        if not user:
            return "Canvas"
        name = self.d.user_name(user)
        if name is not None:
            return name
        role = str(metadata.get("context_role") or "")
        return "An admin" if role == "AccountAdmin" else str(metadata.get("user_login") or user)

    def title(self, assignment_id: Any) -> str:
        assignment = self.d.assignment(assignment_id)
        title = None if assignment is None else assignment.get("title")
        return title or f"assignment {local_id(assignment_id)}"

    def points(self, assignment_id: Any) -> Any:
        assignment = self.d.assignment(assignment_id)
        return None if assignment is None else assignment.get("points_possible")

    def people(self, event: dict[str, Any]) -> list[str]:
        """Everyone the event is by or about, for the page's person filter."""
        metadata, body = event["metadata"], event["body"]
        ids = [body.get("user_id"), body.get("student_id")]
        owner = self.d.submission_owner.get(local_id(body.get("submission_id")) or "")
        if owner is not None:
            ids.append(owner[0])
        enrolled = self.d.enrollment_user.get(local_id(body.get("enrollment_id")) or "")
        ids.append(enrolled)
        names = {self.person(i) for i in ids if isinstance(i, (str, int))}
        if metadata.get("user_id"):
            names.add(self.actor(metadata))
        return sorted(names)

    def describe(self, event: dict[str, Any]) -> str:
        """What happened, in a sentence (without the time)."""
        metadata, body = event["metadata"], event["body"]
        name = str(metadata.get("event_name"))
        actor = self.actor(metadata)
        words = _WORDS.get(name)
        if words is None:
            return f"{actor}: {name}"
        return words(self, actor, body)

    def line(self, event: dict[str, Any]) -> str:
        """The terminal feed's line: time and sentence."""
        return f"{self.when(event['metadata'])}  {self.describe(event)}"


Words = Callable[[Feed, str, dict[str, Any]], str]


def _score(f: Feed, body: dict[str, Any], prefix: str = "") -> str:
    score, grade = body.get(prefix + "score"), body.get(prefix + "grade")
    if score is None and grade is None:
        return "no grade"
    points = body.get("points_possible") or f.points(body.get("assignment_id"))
    shown = f"{_number(score)}/{_number(points)}" if points else _number(score)
    if grade is not None and grade != _number(score):
        shown += f" ({grade})"
    return shown


def _grade_change(f: Feed, actor: str, b: dict[str, Any]) -> str:
    student = f.person(b.get("student_id") or b.get("user_id"))
    title = b.get("assignment_name") or f.title(b.get("assignment_id"))
    grader = f.person(b["grader_id"]) if b.get("grader_id") else "Canvas (autoscored)"
    if b.get("grading_complete") and b.get("score") is None and b.get("grade") is None:
        return f"{grader} excused {student} from {title}"
    now = _score(f, b)
    hidden = " (hidden from the student)" if b.get("muted") else ""
    if b.get("old_score") == b.get("score") and b.get("old_grade") == b.get("grade"):
        if b.get("old_points_possible") != b.get("points_possible"):
            return (
                f"{title} regraded out of {_number(b.get('points_possible'))} for {student}: {now}"
            )
        return f"{title} grade for {student}: {now}{hidden or ', now visible to the student'}"
    was = "" if b.get("old_score") is None and b.get("old_grade") is None else ", was "
    if was:
        old = {**b, "score": b.get("old_score"), "grade": b.get("old_grade")}
        was += _score(f, {**old, "points_possible": b.get("old_points_possible")})
    return f"{grader} graded {title} for {student}: {now}{was}{hidden}"


def _course_grade(f: Feed, actor: str, b: dict[str, Any]) -> str:
    student = f.person(b.get("user_id"))
    current, old = b.get("current_score"), b.get("old_current_score")
    change = f" (was {_percent(old)})" if old != current else ""
    return (
        f"{student}'s course score: {_percent(current)}{change}, "
        f"final {_percent(b.get('final_score'))}"
    )


def _override(f: Feed, actor: str, b: dict[str, Any]) -> str:
    student = f.person(b.get("user_id"))
    if b.get("override_score") is None:
        return f"{actor} removed the override of {student}'s course score"
    return (
        f"{actor} overrode {student}'s course score: {_percent(b.get('override_score'))} "
        f"(was {_percent(b.get('old_override_score'))})"
    )


def _submission(f: Feed, actor: str, b: dict[str, Any], created: bool) -> str:
    student, title = f.person(b.get("user_id")), f.title(b.get("assignment_id"))
    state = b.get("workflow_state")
    if created:
        attempt = b.get("attempt")
        again = f" (attempt {attempt})" if isinstance(attempt, int) and attempt > 1 else ""
        late = ", late" if b.get("late") else ""
        review = ": it needs the teacher's review" if state == "pending_review" else ""
        return f"{student} handed in {title}{again}{late}{review}"
    return f"{student}'s {title} is now {state}: {_score(f, b)}"


def _comment(f: Feed, actor: str, b: dict[str, Any]) -> str:
    text = str(b.get("body") or "")
    quote = text if len(text) <= 80 else text[:77] + "..."
    owner = f.d.submission_owner.get(local_id(b.get("submission_id")) or "")
    author = f.person(b.get("user_id")) if b.get("user_id") else actor
    if owner is None:
        return f"{author} commented on submission {local_id(b.get('submission_id'))}: “{quote}”"
    student, title = f.person(owner[0]), f.title(owner[1])
    whose = "their" if student == author else f"{student}'s"
    return f"{author} commented on {whose} {title}: “{quote}”"


def _status(f: Feed, actor: str, b: dict[str, Any]) -> str:
    student, title = f.person(b.get("user_id")), f.title(b.get("assignment_id"))
    status, old = b.get("submission_status"), b.get("old_submission_status")
    if not status:
        return f"{actor} removed the status {old or ''} from {student}'s {title}".replace("  ", " ")
    was = f" (was {old})" if old else ""
    return f"{actor} marked {student}'s {title} as “{status}”{was}"


def _enrollment(f: Feed, actor: str, b: dict[str, Any], created: bool) -> str:
    who = b.get("user_name") or f.person(b.get("user_id"))
    role = str(b.get("type") or "").removesuffix("Enrollment").lower() or "member"
    state = b.get("workflow_state")
    if created:
        invited = " (invited)" if state == "invited" else ""
        return f"{actor} enrolled {who} as a {role}{invited}"
    return f"{who}'s enrollment as a {role} is now {state}"


def _enrollment_state(f: Feed, actor: str, b: dict[str, Any]) -> str:
    user = f.d.enrollment_user.get(local_id(b.get("enrollment_id")) or "")
    who = f.person(user) if user else f"enrollment {local_id(b.get('enrollment_id'))}"
    return f"{who}'s enrollment state: {b.get('state')}"


def _assignment(f: Feed, actor: str, b: dict[str, Any], created: bool) -> str:
    verb = "created" if created else "updated"
    points = _number(b.get("points_possible"))
    published = "" if b.get("workflow_state") == "published" else f", {b.get('workflow_state')}"
    return f"{actor} {verb} the assignment {b.get('title')} ({points} points{published})"


def _group(f: Feed, actor: str, b: dict[str, Any], created: bool) -> str:
    weight = b.get("group_weight")
    weighted = f" (weight {_number(weight)}%)" if weight else ""
    return f"{actor} {'created' if created else 'updated'} the group {b.get('name')}{weighted}"


_WORDS: dict[str, Words] = {
    "grade_change": _grade_change,
    "course_grade_change": _course_grade,
    "grade_override": _override,
    "submission_created": lambda f, a, b: _submission(f, a, b, True),
    "submission_updated": lambda f, a, b: _submission(f, a, b, False),
    "submission_comment_created": _comment,
    "submission_custom_grade_status": _status,
    "final_grade_custom_status": lambda f, a, b: (
        f"{a} set the final grade status of {f.person(b.get('user_id'))} to "
        f"“{b.get('override_status') or 'none'}”"
    ),
    "enrollment_created": lambda f, a, b: _enrollment(f, a, b, True),
    "enrollment_updated": lambda f, a, b: _enrollment(f, a, b, False),
    "enrollment_state_created": _enrollment_state,
    "enrollment_state_updated": _enrollment_state,
    "assignment_created": lambda f, a, b: _assignment(f, a, b, True),
    "assignment_updated": lambda f, a, b: _assignment(f, a, b, False),
    "assignment_group_created": lambda f, a, b: _group(f, a, b, True),
    "assignment_group_updated": lambda f, a, b: _group(f, a, b, False),
    "course_created": lambda f, a, b: f"{a} created the course {b.get('name')}",
    "course_updated": lambda f, a, b: f"{a} updated the course {b.get('name')}",
    "user_created": lambda f, a, b: f"{a} added the user {b.get('name')}",
    "user_updated": lambda f, a, b: f"{a} updated the user {b.get('name')}",
    "quiz_submitted": lambda f, a, b: f"{a} turned in quiz {local_id(b.get('quiz_id'))}",
    "logged_in": lambda f, a, b: f"{a} logged in",
    "logged_out": lambda f, a, b: f"{a} logged out",
}
