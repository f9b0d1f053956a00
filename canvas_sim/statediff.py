"""Compare two end states (``--state-out`` format, or derived from events): readable differences.

Records are matched by id, in their global or local form alike; submissions by their
assignment (a state's ``submissions`` may be keyed by the assignment's key, as ``--state-out``
writes them, or by its id, as :mod:`canvas_sim.derive` does). What the events cannot tell (keys,
grading types, post policies) is not compared; placeholders are left out unless asked for (see
:func:`diff`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SHARD = 10**13  # a global id is shard x 10^13 + the local id
SCORES = (
    "current_score",
    "final_score",
    "unposted_current_score",
    "unposted_final_score",
    "override_score",
)
SUBMISSION_FIELDS = (
    "submission_id",
    "workflow_state",
    "attempt",
    "score",
    "grade",
    "excused",
    "posted",
    "custom_status",
)
ASSIGNMENT_FIELDS = ("title", "points_possible", "published")
STUDENT_FIELDS = ("name", "sis_id", "enrollment_state")
ABSENT = "(absent)"


def local_id(value: Any) -> str | None:
    """The local form of an id given in either form (``"21070000000005090"`` -> ``"5090"``)."""
    if value is None:
        return None
    text = str(value)
    return str(int(text) % SHARD) if text.isdigit() else text


@dataclass(frozen=True)
class Difference:
    """One field where the derived state is not the expected one (ids in their local form).

    ``field`` is a submission, score, student or assignment field, or ``course``, ``student``,
    ``assignment``, ``submission`` for a record only one side has (its value is ``ABSENT``)."""

    where: str
    field: str
    derived: Any
    expected: Any
    course_id: str
    user_id: str | None = None
    assignment_id: str | None = None

    def __str__(self) -> str:
        return f"{self.where}: {self.field} {_show(self.derived)}, expected {_show(self.expected)}"


def _show(value: Any) -> str:
    if value is ABSENT:
        return "absent"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "null" if value is None else repr(value)


def _same(a: Any, b: Any, field: str) -> bool:
    if field.endswith("_id"):
        return local_id(a) == local_id(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return float(a) == float(b)
    return bool(a == b)


def _by_id(records: list[dict[str, Any]], field: str) -> dict[str, dict[str, Any]]:
    return {local_id(record[field]) or "?": record for record in records}


def _submissions(course: dict[str, Any], student: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A student's submissions keyed by the local id of their assignment."""
    ids = {a.get("key"): local_id(a["assignment_id"]) for a in course.get("assignments", [])}
    ids.pop(None, None)
    return {
        ids.get(key) or local_id(key) or "?": sub
        for key, sub in student.get("submissions", {}).items()
    }


def is_placeholder(submission: dict[str, Any]) -> bool:
    """An ``unsubmitted`` submission nothing has touched, which Canvas creates without an event."""
    return (
        submission.get("workflow_state") == "unsubmitted"
        and submission.get("score") is None
        and submission.get("grade") is None
        and not submission.get("excused")
        and submission.get("custom_status") is None
    )


def _silent_row(scores: dict[str, Any]) -> bool:
    """A score row as enrolment creates it, before any recompute (no event names it)."""
    return (
        scores.get("current_score") is None
        and scores.get("unposted_current_score") is None
        and scores.get("final_score") in (None, 0)
        and scores.get("unposted_final_score") in (None, 0)
    )


class _Differ:
    def __init__(self, placeholders: bool) -> None:
        self.placeholders = placeholders
        self.found: list[Difference] = []

    def fields(
        self,
        where: str,
        names: tuple[str, ...],
        got: dict[str, Any],
        want: dict[str, Any],
        **ids: Any,
    ) -> None:
        for name in names:
            if not _same(got.get(name), want.get(name), name):
                self.found.append(Difference(where, name, got.get(name), want.get(name), **ids))

    def presence(
        self, where: str, kind: str, got: dict[str, Any], want: dict[str, Any], **ids: Any
    ) -> list[str]:
        """Report the keys only one side has; returns the keys both have."""
        for key in want.keys() - got.keys():
            self.found.append(Difference(f"{where} {kind} {key}", kind, ABSENT, "present", **ids))
        for key in got.keys() - want.keys():
            self.found.append(Difference(f"{where} {kind} {key}", kind, "present", ABSENT, **ids))
        return [key for key in want if key in got]

    def course(self, got: dict[str, Any], want: dict[str, Any]) -> None:
        cid = local_id(want["course_id"]) or "?"
        where = f"course {cid} ({want.get('name')})"
        self.fields(where, ("name",), got, want, course_id=cid)
        got_a = _by_id(got.get("assignments", []), "assignment_id")
        want_a = _by_id(want.get("assignments", []), "assignment_id")
        both = self.presence(where, "assignment", got_a, want_a, course_id=cid)
        for aid in both:
            title = want_a[aid].get("title")
            self.fields(
                f"{where}, assignment {aid} ({title})",
                ASSIGNMENT_FIELDS,
                got_a[aid],
                want_a[aid],
                course_id=cid,
                assignment_id=aid,
            )
        got_s = _by_id(got.get("students", []), "user_id")
        want_s = _by_id(want.get("students", []), "user_id")
        both = self.presence(where, "student", got_s, want_s, course_id=cid)
        for uid in both:
            self.student(where, cid, uid, (got, got_s[uid]), (want, want_s[uid]))

    def student(
        self,
        where: str,
        cid: str,
        uid: str,
        got: tuple[dict[str, Any], dict[str, Any]],
        want: tuple[dict[str, Any], dict[str, Any]],
    ) -> None:
        (got_course, got_student), (want_course, want_student) = got, want
        where = f"{where}, student {uid} ({want_student.get('name')})"
        self.fields(where, STUDENT_FIELDS, got_student, want_student, course_id=cid, user_id=uid)
        got_scores, want_scores = got_student.get("scores", {}), want_student.get("scores", {})
        names: tuple[str, ...] = SCORES
        if not self.placeholders and _silent_row(got_scores) and _silent_row(want_scores):
            names = SCORES[4:]
        self.fields(where, names, got_scores, want_scores, course_id=cid, user_id=uid)
        got_subs = _submissions(got_course, got_student)
        want_subs = _submissions(want_course, want_student)
        if not self.placeholders:
            want_subs = {
                aid: sub
                for aid, sub in want_subs.items()
                if aid in got_subs or not is_placeholder(sub)
            }
        ids = {"course_id": cid, "user_id": uid}
        both = self.presence(where, "submission", got_subs, want_subs, **ids)
        for aid in both:
            self.fields(
                f"{where}, assignment {aid}",
                SUBMISSION_FIELDS,
                got_subs[aid],
                want_subs[aid],
                assignment_id=aid,
                **ids,
            )


def diff(
    derived: dict[str, Any], expected: dict[str, Any], *, placeholders: bool = False
) -> list[Difference]:
    """Where ``derived`` differs from ``expected``; empty when they agree.

    Compared: course names; assignments' titles, points possible and published flags; students'
    names, SIS ids, enrollment states and five scores; every submission field. Placeholders
    (untouched ``unsubmitted`` submissions, and score rows no recompute has touched on both
    sides) are skipped unless ``placeholders`` is true."""
    differ = _Differ(placeholders)
    got = _by_id(derived.get("courses", []), "course_id")
    want = _by_id(expected.get("courses", []), "course_id")
    both = differ.presence("stream", "course", got, want, course_id="")
    for cid in both:
        differ.course(got[cid], want[cid])
    return differ.found
