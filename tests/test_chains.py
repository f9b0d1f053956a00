"""old_*/new consistency and stream invariants over random valid scenarios (hypothesis).

Every check reads the emitted stream only (never simulator internals); the generator knows
nothing but the scenario format.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
import yaml
from eventspec import (
    REPO,
    account_of,
    check_body,
    check_metadata,
    is_job,
    local,
    names,
    parse_ts,
    run_yaml,
)
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

Events = list[dict[str, Any]]

ONLINE = ("online_text_entry", "online_url", "online_upload", "media_recording")
SUBMISSION_TYPE_CHOICES = (
    ["online_text_entry"],
    ["online_url"],
    ["online_upload", "online_text_entry"],
    ["media_recording"],
    ["on_paper"],
    ["external_tool"],
    ["online_quiz"],
)
GRADED_TYPES = ("points", "percent", "pass_fail", "letter_grade", "gpa_scale")
POINTS = (0, 1, 3, 5, 10, 12.5, 20, 100)
VIAS = ("speedgrader", "gradebook", "api", "lti")
STATUSES = ("Incomplete", "Extension granted")
# step timings; the zero and sub-second ones put two actions within milliseconds of each other
CALM_TIMINGS: tuple[dict[str, str], ...] = ({}, {"after": "30s"}, {"after": "2h"}, {"over": "1d"})
TIGHT_TIMINGS: tuple[dict[str, str], ...] = ({"after": "0s"}, {"over": "1s"}, {"after": "1s"})
MAX_GAP_MS = 3600 * 1000  # the longest gap between two students' actions in one step


@dataclass
class Generated:
    """A scenario and what the generator knows about it (from its own choices)."""

    text: str
    students: dict[str, str]  # key -> name
    touched: dict[str, set[str]] = field(default_factory=dict)  # key -> assignment keys
    tight: bool = False  # zero or sub-second step gaps were allowed
    simple: bool = False  # points-based course, no drop rules, no omitted assignments
    assignments: list[_Assignment] = field(default_factory=list)  # as they end up
    initial_possible: float = 0.0  # counted points possible when the students enrolled
    copies: int = 1  # courses: the scenario's course stamped out this many times


@dataclass
class _Assignment:
    key: str
    points: float
    grading_type: str
    types: list[str]
    published: bool

    @property
    def gradable(self) -> bool:
        return self.published and self.grading_type != "not_graded"

    @property
    def quiz(self) -> bool:
        return self.gradable and "online_quiz" in self.types

    @property
    def counted(self) -> bool:
        """Counts in course scores: published, not not_graded (never omitted here)."""
        return self.published and self.types != ["not_graded"]

    @property
    def submittable(self) -> bool:
        return self.gradable and any(t in ONLINE for t in self.types)


@st.composite
def scenarios(draw: st.DrawFn, tight: bool | None = None, simple: bool = False) -> Generated:
    """A valid scenario; ``tight`` allows zero/sub-second step gaps (None: drawn); ``simple``
    keeps the score math checkable by hand (no weights, drop rules or omitted assignments)."""
    if tight is None:
        tight = draw(st.booleans())
    n_groups = draw(st.integers(1, 3))
    n_assignments = draw(st.integers(1, 5))
    n_students = draw(st.integers(1, 8))
    has_ta = draw(st.booleans())
    weighted = False if simple else draw(st.booleans())

    assignments: list[_Assignment] = []
    group_members: list[list[dict[str, Any]]] = [[] for _ in range(n_groups)]
    for i in range(n_assignments):
        if i == 0:  # always one classic quiz
            types, grading_type, published = (
                ["online_quiz"],
                draw(st.sampled_from(GRADED_TYPES)),
                True,
            )
        else:
            types = list(draw(st.sampled_from(SUBMISSION_TYPE_CHOICES)))
            grading_type = draw(st.sampled_from((*GRADED_TYPES, "not_graded")))
            published = draw(st.sampled_from((True, True, True, True, False)))
        if grading_type == "not_graded":
            types = ["not_graded"]
        points = draw(st.sampled_from(POINTS))
        spec: dict[str, Any] = {
            "key": f"a{i}",
            "title": f"Assignment {i}",
            "points": points,
            "grading_type": grading_type,
            "submission_types": types,
            "post_policy": draw(st.sampled_from(("automatic", "manual"))),
            "published": published,
        }
        due = draw(st.sampled_from((None, "1h", "1d", "3d")))
        if due is not None:
            spec["due"] = due
        if not simple and draw(st.integers(0, 9)) == 0:
            spec["omit_from_final_grade"] = True
        group_members[0 if i == 0 else draw(st.integers(0, n_groups - 1))].append(spec)
        assignments.append(_Assignment(spec["key"], points, grading_type, types, published))

    groups = []
    for g, members in enumerate(group_members):
        keys = [m["key"] for m in members]
        group: dict[str, Any] = {
            "key": f"g{g}",
            "weight": draw(st.sampled_from((0, 10, 25, 40, 60, 100))),
            "assignments": members,
        }
        if not simple and draw(st.booleans()):
            group["drop_lowest"] = draw(st.integers(0, 2))
            group["drop_highest"] = draw(st.integers(0, 1))
            if keys:
                group["never_drop"] = draw(st.lists(st.sampled_from(keys), unique=True, max_size=2))
        groups.append(group)

    students = {f"s{i}": f"Pupil {i}" for i in range(1, n_students + 1)}
    student_keys = list(students)
    graders = ["teacher1", *(["ta1"] if has_ta else [])]
    data: dict[str, Any] = {
        "name": "random",
        "start": "2024-09-02T08:00:00-06:00",
        "job_delay": draw(st.sampled_from(("5s", "1m", "2s"))),
        "account": {"shard": draw(st.sampled_from((1, 7, 2107))), "domain": "uni.test"},
        "course": {
            "weighted": weighted,
            "custom_statuses": list(STATUSES),
            "teachers": 1,
            "tas": 1 if has_ta else 0,
            "students": [{"key": k, "name": n} for k, n in students.items()],
            "groups": groups,
        },
    }
    generated = Generated("", students, {k: set() for k in student_keys}, tight, simple)
    generated.assignments = assignments
    generated.initial_possible = sum(a.points for a in assignments if a.counted)

    # Enrollment first: everyone, some students invited and then accepting.
    invited = draw(st.lists(st.sampled_from(student_keys), unique=True))
    active = [k for k in student_keys if k not in invited]
    steps: list[dict[str, Any]] = []
    if not invited:
        steps.append({"enroll": {"users": "all"}})
    else:
        steps.append({"enroll": {"users": "teachers"}})
        if has_ta:
            steps.append({"enroll": {"users": "tas"}})
        if active:
            steps.append({"enroll": {"users": active}})
        steps.append({"enroll": {"users": invited, "state": "invited"}})
        steps.append({"accept_invitation": {"students": invited}})
    # an upper bound of the simulated time (ms from the start) at the end of the steps so far
    bound = (len(steps) + 2) * 60_000 + len(students) * 2 * MAX_GAP_MS

    def pick_students(deterministic: bool) -> Any:
        options = ["all", "list"] + ([] if deterministic else ["percent"])
        kind = draw(st.sampled_from(options))
        if kind == "all":
            return "all"
        if kind == "percent":
            return draw(st.sampled_from(("50%", "34%", "100%")))
        return draw(st.lists(st.sampled_from(student_keys), min_size=1, unique=True))

    def resolve(selection: Any) -> list[str]:
        return student_keys if selection == "all" else list(selection)

    def score_for(points: float, extra: bool) -> Any:
        kind = draw(st.sampled_from(("number", "percent", "uniform", "normal")))
        top = points + (5 if extra else 0)
        if kind == "number":
            return draw(st.integers(0, int(top * 2))) / 2 if top else 0
        if kind == "percent":
            return f"{draw(st.integers(0, 20)) * 5}%"
        if kind == "uniform":
            return {"uniform": [0, top]}
        return {"normal": [points * 0.75, max(points * 0.2, 0.5)]}

    timings = CALM_TIMINGS + (TIGHT_TIMINGS if tight else ())
    for _ in range(draw(st.integers(5, 25))):
        by_kind = {
            "submit": [a for a in assignments if a.submittable],
            "grade": [a for a in assignments if a.gradable],
            "excuse": [a for a in assignments if a.published],
            "take_quiz": [a for a in assignments if a.quiz],
            "update_assignment": assignments,
            "post_grades": [a for a in assignments if a.published],
            "hide_grades": [a for a in assignments if a.published],
            "set_status": [a for a in assignments if a.published],
            "comment": [a for a in assignments if a.published],
            "override_grade": [None],
            "accept_invitation": [None],
        }
        kind = draw(st.sampled_from(sorted(k for k, v in by_kind.items() if v)))
        target = draw(st.sampled_from(by_kind[kind]))
        params: dict[str, Any] = {}
        if target is not None:
            params["assignment"] = target.key
        if kind in ("submit", "grade", "excuse", "take_quiz"):
            params["students"] = pick_students(deterministic=True)
            for key in resolve(params["students"]):
                generated.touched[key].add(target.key)
        elif kind not in ("update_assignment",):
            params["students"] = pick_students(deterministic=False)
        if kind == "submit":
            allowed = [t for t in target.types if t in ONLINE]
            if draw(st.booleans()):
                params["type"] = draw(st.sampled_from(allowed))
        elif kind == "grade":
            extra = draw(st.booleans())
            params["score"] = score_for(target.points, extra)
            params["extra_credit"] = extra
            params["via"] = draw(st.sampled_from(VIAS))
            if draw(st.booleans()):
                params["grader"] = draw(st.sampled_from(graders))
        elif kind == "excuse":
            params["via"] = draw(st.sampled_from(VIAS))
        elif kind == "take_quiz":
            params["score"] = score_for(target.points, False)
            params["needs_review"] = draw(st.booleans())
        elif kind == "update_assignment":
            if draw(st.booleans()) or target.grading_type == "not_graded":
                params["points"] = draw(st.sampled_from(POINTS))
                target.points = params["points"]
            if target.grading_type != "not_graded" and draw(st.booleans()):
                params["grading_type"] = draw(st.sampled_from(GRADED_TYPES))
                target.grading_type = params["grading_type"]
        elif kind == "override_grade":
            params["score"] = draw(
                st.one_of(st.none(), st.integers(0, 240).map(lambda x: x / 2), st.just("85%"))
            )
        elif kind == "set_status":
            params["status"] = draw(st.sampled_from((*STATUSES, None)))
        elif kind == "comment":
            params["author"] = draw(st.sampled_from(("student", "teacher", *graders)))
            params["attachments"] = draw(st.integers(0, 2))
        timing = dict(draw(st.sampled_from(timings)))
        if draw(st.integers(0, 7)) == 0:
            timing = {"at": f"{bound // 1000 + draw(st.integers(0, 86_400))}s"}
            bound = int(timing["at"][:-1]) * 1000
        else:
            bound += {"0s": 0, "1s": 1000, "30s": 30_000, "2h": 7_200_000}.get(
                timing.get("after", ""), 60_000
            )
        bound += 86_400_000 if "over" in timing else len(students) * MAX_GAP_MS
        steps.append({**timing, kind: params})
    data["steps"] = steps
    if not simple and draw(st.integers(0, 3)) == 0:  # the same course twice, staggered
        data["courses"] = [{**data.pop("course"), "count": 2, "stagger": "1h"}]
        generated.copies = 2
    generated.text = yaml.safe_dump(data, sort_keys=False)
    return generated


# --- the checks (stream only) -------------------------------------------------------------------


def grade_change_chain(events: Events) -> list[str]:
    problems = []
    previous: dict[str, dict[str, Any]] = {}
    for event in events:
        if event["metadata"]["event_name"] != "grade_change":
            continue
        body = event["body"]
        prev = previous.get(body["submission_id"])
        old = (body["old_score"], body["old_grade"])
        expected = (None, None) if prev is None else (prev["score"], prev["grade"])
        if old != expected:
            problems.append(f"old score/grade {old} != previous {expected}: {body}")
        points_changed = body["old_points_possible"] != body["points_possible"]
        if prev is None and points_changed:
            problems.append(f"first grade_change changes points possible: {body}")
        if points_changed:
            if not is_job(event):
                problems.append(f"points change in a request: {body}")
            if prev is not None and body["old_points_possible"] != prev["points_possible"]:
                problems.append(f"old_points_possible != previous points_possible: {body}")
        elif (
            prev is not None
            and prev["points_possible"] != body["old_points_possible"]
            and prev["score"] is not None
        ):
            # only a submission without a score is skipped when points change
            problems.append(f"graded submission missed a points change: {prev} -> {body}")
        previous[body["submission_id"]] = body
    return problems


COURSE_SCORES = ("current_score", "final_score", "unposted_current_score", "unposted_final_score")


def course_grade_chain(events: Events) -> list[str]:
    problems = []
    previous: dict[tuple[str, str], dict[str, Any]] = {}
    for event in events:
        if event["metadata"]["event_name"] != "course_grade_change":
            continue
        body = event["body"]
        key = (body["user_id"], body["course_id"])
        prev = previous.get(key)
        old = {k: body["old_" + k] for k in COURSE_SCORES}
        new = {k: body[k] for k in COURSE_SCORES}
        if prev is None:
            first_ok = (
                old["current_score"] is None
                and old["unposted_current_score"] is None
                and old["final_score"] in (0.0, None)
                and old["unposted_final_score"] in (0.0, None)
            )
            if not first_ok:
                problems.append(f"first course_grade_change of {key} has old {old}")
        elif old != prev:
            problems.append(f"old {old} != previous new {prev} for {key}")
        if old == new:
            problems.append(f"course_grade_change without a change: {body}")
        previous[key] = new
    return problems


def score_rows(events: Events) -> list[str]:
    """A student's score row is created at enrollment and keeps its created_at and id."""
    enrolled_at = {
        local(e["body"]["user_id"]): parse_ts(e["body"]["created_at"])
        for e in events
        if e["metadata"]["event_name"] == "enrollment_created"
    }
    problems = []
    created: dict[str, str] = {}
    score_ids: dict[str, str] = {}
    for event in events:
        name, body = event["metadata"]["event_name"], event["body"]
        if name == "course_grade_change":
            user = body["user_id"]
            if created.setdefault(user, body["created_at"]) != body["created_at"]:
                problems.append(f"score row of {user} changed created_at: {body}")
            if parse_ts(body["created_at"]) != enrolled_at.get(user):
                problems.append(f"score row created_at {body['created_at']} != enrollment")
            if parse_ts(body["updated_at"]) < parse_ts(body["created_at"]):
                problems.append(f"score row updated before created: {body}")
        elif name == "grade_override":
            user = body["user_id"]
            if score_ids.setdefault(user, body["score_id"]) != body["score_id"]:
                problems.append(f"score_id of {user} changed: {body}")
    return problems


def override_chain(events: Events) -> list[str]:
    problems = []
    previous: dict[str, float | None] = {}
    for event in events:
        if event["metadata"]["event_name"] != "grade_override":
            continue
        body = event["body"]
        prev = previous.get(body["score_id"])
        if body["old_override_score"] != prev:
            problems.append(f"old_override_score != previous {prev}: {body}")
        if body["override_score"] == body["old_override_score"]:
            problems.append(f"grade_override without a change: {body}")
        previous[body["score_id"]] = body["override_score"]
    return problems


def status_chain(events: Events) -> list[str]:
    problems = []
    previous: dict[str, tuple[str, str]] = {}
    ids: dict[str, str] = {}
    for event in events:
        if event["metadata"]["event_name"] != "submission_custom_grade_status":
            continue
        body = event["body"]
        new = (body["submission_status"], body["submission_status_id"])
        old = (body["old_submission_status"], body["old_submission_status_id"])
        prev = previous.get(body["submission_id"], ("", ""))
        if old != prev:
            problems.append(f"old status {old} != previous {prev}: {body}")
        if new == old:
            problems.append(f"status event without a change: {body}")
        for name, status_id in (new, old):
            if (name == "") != (status_id == ""):
                problems.append(f"status name/id disagree: {body}")
            if name and ids.setdefault(name, status_id) != status_id:
                problems.append(f"status {name!r} changed id: {body}")
        previous[body["submission_id"]] = new
    return problems


SUBMISSION_EVENTS = ("submission_created", "submission_updated")


def attempt_chain(events: Events) -> list[str]:
    """Attempts never decrease; only the student's own turn-in adds one (and creates)."""
    problems = []
    attempts: dict[str, int | None] = {}
    for event in events:
        meta, body = event["metadata"], event["body"]
        if meta["event_name"] not in SUBMISSION_EVENTS:
            continue
        sub = body["submission_id"]
        before = attempts.get(sub)
        attempt = body["attempt"]
        by_student = meta.get("user_id") == body["user_id"]
        if before is not None and (attempt is None or attempt < before):
            problems.append(f"attempt went from {before} to {attempt}: {body}")
        elif by_student and attempt != (before or 0) + 1:
            problems.append(f"a turn-in made attempt {attempt} after {before}: {body}")
        elif not by_student and attempt != before:
            problems.append(f"grading changed attempt {before} -> {attempt}: {body}")
        if meta["event_name"] == "submission_created" and not by_student:
            problems.append(f"submission_created outside the student's request: {meta}")
        attempts[sub] = attempt
    return problems


def silent_placeholders(events: Events, generated: Generated) -> list[str]:
    """Only submitted/graded/excused/quizzed submissions appear in submission_* events."""
    users_of_name: dict[str, list[str]] = defaultdict(list)  # one user per course copy
    for e in events:
        if e["metadata"]["event_name"] == "enrollment_created":
            users_of_name[e["body"]["user_name"]].append(e["body"]["user_id"])
    assignments_of_user: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if event["metadata"]["event_name"] in SUBMISSION_EVENTS:
            body = event["body"]
            assignments_of_user[body["user_id"]].add(body["assignment_id"])
    problems = []
    for key, name in generated.students.items():
        for user in users_of_name[name]:
            got = len(assignments_of_user.pop(user, set()))
            expected = len(generated.touched[key])
            if got != expected:
                problems.append(
                    f"{key}: submission events on {got} assignments, acted on {expected}"
                )
    if assignments_of_user:
        problems.append(f"submission events for non-students {sorted(assignments_of_user)}")
    return problems


def event_times(events: Events) -> list[str]:
    times = [e["metadata"]["event_time"] for e in events]
    return [
        f"event {i}: {times[i]} ({names(events)[i]}) after {times[i - 1]} ({names(events)[i - 1]})"
        for i in range(1, len(times))
        if times[i] < times[i - 1]
    ]


def grade_change_requests(events: Events) -> list[str]:
    problems = []
    seen: dict[str, set[str]] = defaultdict(set)  # request_id -> submission ids updated
    for event in events:
        meta, body = event["metadata"], event["body"]
        if is_job(event):
            continue
        if meta["event_name"] in SUBMISSION_EVENTS:
            seen[meta["request_id"]].add(body["submission_id"])
        elif (
            meta["event_name"] == "grade_change"
            and body["submission_id"] not in seen[meta["request_id"]]
        ):
            problems.append(f"grade_change without its submission event: {meta} {body}")
    return problems


def grade_change_agrees_with_its_submission(events: Events) -> list[str]:
    """In one request the grade_change reports the state its submission event just showed."""
    problems = []
    last: dict[tuple[str, str], dict[str, Any]] = {}  # (request, submission) -> body
    for event in events:
        meta, body = event["metadata"], event["body"]
        if is_job(event):
            continue
        key = (meta["request_id"], body.get("submission_id", ""))
        if meta["event_name"] in SUBMISSION_EVENTS:
            last[key] = body
        elif meta["event_name"] == "grade_change" and key in last:
            sub = last[key]
            if (sub["score"], sub["grade"]) != (body["score"], body["grade"]):
                problems.append(f"grade_change {body} disagrees with {sub}")
            if body["muted"] != (sub["posted_at"] is None):
                problems.append(f"muted {body['muted']} but posted_at {sub['posted_at']}")
            excused = sub["workflow_state"] == "graded" and sub["score"] is None
            complete = excused or (sub["score"] is not None and sub["workflow_state"] == "graded")
            if body["grading_complete"] != complete:
                problems.append(f"grading_complete {body['grading_complete']} for {sub}")
    return problems


def no_op_grade_changes(events: Events) -> list[str]:
    """A grading request's grade_change reports a change of score, grade, completion or post."""
    problems = []
    state: dict[str, tuple[Any, ...]] = {}
    regraded: set[str] = set()  # back to submitted/pending_review since their grade_change
    for event in events:
        meta, body = event["metadata"], event["body"]
        if meta["event_name"] in SUBMISSION_EVENTS and body["workflow_state"] != "graded":
            regraded.add(body["submission_id"])
        if meta["event_name"] != "grade_change":
            continue
        sub = body["submission_id"]
        before = state.get(sub, (None, None, False, None))
        after = (body["score"], body["grade"], body["grading_complete"], body["muted"])
        state[sub] = after
        if is_job(event):
            continue  # jobs re-save or post on purpose (and leave the workflow state alone)
        if sub in regraded:
            regraded.discard(sub)
            continue  # a submission newly graded is audited even when nothing else moved
        if after == before:
            problems.append(f"grade_change reports no change: {body}")
    return problems


def muted_follows_posting(events: Events) -> list[str]:
    """A submission's posted state only changes with a grade_change saying so (muted)."""
    problems = []
    muted: dict[str, bool] = {}
    pending: list[dict[str, Any]] = []  # submission events of the current request or job
    current = None

    def settle() -> None:
        for body in pending:
            known = muted.get(body["submission_id"])
            if known is not None and known != (body["posted_at"] is None):
                problems.append(f"posted_at {body['posted_at']} but grade_change muted={known}")
        pending.clear()

    for event in events:
        meta, body = event["metadata"], event["body"]
        origin = meta.get("request_id") or meta.get("job_id")
        if origin != current:
            settle()
            current = origin
        if meta["event_name"] == "grade_change":
            muted[body["submission_id"]] = body["muted"]
        elif meta["event_name"] in SUBMISSION_EVENTS:
            pending.append(body)
    settle()
    return problems


def _exact(value: float) -> Fraction:
    return Fraction(Decimal(repr(value)))


def _percent(score: Fraction, possible: Fraction) -> float | None:
    """100 * score / possible, 2 places half up; None without possible points."""
    if possible <= 0:
        return None
    value = 100 * score / possible
    cents = (200 * abs(value.numerator) + value.denominator) // (2 * value.denominator)
    return float(Decimal(cents if value >= 0 else -cents).scaleb(-2))


@dataclass(frozen=True)
class _Work:
    """One counted assignment of one student, as the stream shows it."""

    possible: Fraction
    score: Fraction | None
    excused: bool
    posted: bool


def _scores_by_hand(work: list[tuple[_Work, bool]]) -> dict[str, float | None]:
    """Points-based course scores from (work, pending_review) pairs (CANVAS_REFERENCE 4)."""
    # [current, final] sums of [score, possible] for the unposted (0) and posted (1) pass
    sums = {p: [[Fraction(0), Fraction(0)], [Fraction(0), Fraction(0)]] for p in (0, 1)}
    for item, pending in work:
        for posted_pass in (0, 1):
            visible = item.posted or not posted_pass  # the posted pass ignores unposted work
            if visible and item.excused:
                continue
            current, final = sums[posted_pass]
            if visible and item.score is not None and not pending:
                current[0] += item.score
                current[1] += item.possible
            final[0] += item.score if visible and item.score is not None else 0
            final[1] += item.possible
    return {
        "current_score": _percent(*sums[1][0]),
        "final_score": _percent(*sums[1][1]),
        "unposted_current_score": _percent(*sums[0][0]),
        "unposted_final_score": _percent(*sums[0][1]),
    }


def course_scores_by_hand(events: Events, generated: Generated) -> list[str]:
    """Points-based courses: the last course scores of each student, recomputed from the stream.

    Per submission the stream tells the score and posting (latest grade_change), excused
    (latest grade_change without score but complete) and pending_review (latest submission
    event); the generator tells which assignments count and their final points.

    One transition is not audited: a quiz retake moving a graded quiz back to pending_review
    with an unchanged score sends no grade_change and, as canvas-lms (recompute on a score or
    excused change, or pending_review -> graded), triggers no recompute; a later recompute
    for another reason sees it. Such a quiz may count either way.
    """
    assert generated.simple
    id_of_title = {
        e["body"]["assignment_name"]: e["body"]["assignment_id"]
        for e in events
        if e["metadata"]["event_name"] == "grade_change"
    }
    users_of_name: dict[str, list[str]] = defaultdict(list)  # one user per course copy
    for e in events:
        if e["metadata"]["event_name"] == "enrollment_created":
            users_of_name[e["body"]["user_name"]].append(e["body"]["user_id"])
    grades: dict[tuple[str, str], dict[str, Any]] = {}
    states: dict[tuple[str, str], str] = {}
    last_scores: dict[str, dict[str, Any]] = {}
    for event in events:
        name, body = event["metadata"]["event_name"], event["body"]
        if name == "grade_change":
            key = (body["assignment_id"], body["user_id"])
            grades[key] = {**body, "pending": states.get(key) == "pending_review"}
        elif name in SUBMISSION_EVENTS:
            states[(body["assignment_id"], body["user_id"])] = body["workflow_state"]
        elif name == "course_grade_change":
            last_scores[body["user_id"]] = body
    counted = [a for a in generated.assignments if a.counted]
    problems = []
    for student_name in generated.students.values():
        [user] = users_of_name[student_name]  # simple scenarios have one course
        work: list[tuple[_Work, bool | None]] = []  # None: pending either way
        for assignment in counted:
            key = (id_of_title.get(f"Assignment {assignment.key[1:]}", ""), user)
            grade = grades.get(key)
            item = _Work(
                possible=_exact(assignment.points),
                score=None if grade is None or grade["score"] is None else _exact(grade["score"]),
                excused=grade is not None and grade["score"] is None and grade["grading_complete"],
                posted=grade is not None and not grade["muted"],
            )
            pending: bool | None = states.get(key) == "pending_review"
            if grade is not None and pending and not grade["pending"]:
                pending = None
            work.append((item, pending))
        ambiguous = [i for i, (_, pending) in enumerate(work) if pending is None]
        candidates = []
        for choice in itertools.product((False, True), repeat=len(ambiguous)):
            chosen = dict(zip(ambiguous, choice, strict=True))
            candidates.append(
                _scores_by_hand([(w, bool(chosen.get(i, p))) for i, (w, p) in enumerate(work)])
            )
        row = last_scores.get(local(user))
        if row is None:  # never recomputed: still the row made at enrollment
            initial = 0.0 if generated.initial_possible > 0 else None
            got = dict.fromkeys(COURSE_SCORES, None)
            got["final_score"] = got["unposted_final_score"] = initial
        else:
            got = {k: row[k] for k in COURSE_SCORES}
        if got not in candidates:
            problems.append(f"{student_name}: course scores {got}, by hand {candidates}")
    return problems


# --- the properties -------------------------------------------------------------------------------

# No shrinking: a run costs ~0.2 s and shrinking a failure takes minutes; the failing
# scenario is printed in full anyway.
PROPERTY = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)


def simulate(generated: Generated, seed: int = 1) -> Events:
    events, _ = run_yaml(generated.text, seed=seed)
    assert any(n == "enrollment_created" for n in names(events))
    return events


@PROPERTY
@given(scenarios())
def test_chains_hold_over_random_scenarios(generated: Generated) -> None:
    """One run per scenario (a run costs ~0.2 s), every stream check on it."""
    events = simulate(generated)
    account = account_of(generated.text)
    problems = {
        "grade_change old_* chain": grade_change_chain(events),
        "course_grade_change old_* chain": course_grade_chain(events),
        "grade_override chain": override_chain(events),
        "score rows": score_rows(events),
        "custom status chain": status_chain(events),
        "attempts": attempt_chain(events),
        "silent placeholders": silent_placeholders(events, generated),
        "grade_change shares its submission's request": grade_change_requests(events),
        "grade_change agrees with its submission event": grade_change_agrees_with_its_submission(
            events
        ),
        "no no-op grade_change from grading": no_op_grade_changes(events),
        "event contract (tests/eventspec.py)": [
            p for e in events for p in check_body(e, account) + check_metadata(e, account)
        ],
        "grade_change muted vs posted_at": muted_follows_posting(events),
        "event_time order": event_times(events),
    }
    failed = {check: found[:3] for check, found in problems.items() if found}
    assert not failed, failed


@PROPERTY
@given(scenarios(simple=True))
def test_course_scores_match_a_calculation_by_hand(generated: Generated) -> None:
    """Points-based courses without drop rules: each student's last course_grade_change (or
    the silent row made at enrollment) equals the scores computed from the stream."""
    problems = course_scores_by_hand(simulate(generated), generated)
    assert not problems, problems[:3]


# --- the checkers can fail ----------------------------------------------------------------------


def _event(name: str, body: dict[str, Any], **meta: Any) -> dict[str, Any]:
    return {"metadata": {"event_name": name, **meta}, "body": body}


def test_the_chain_checkers_catch_broken_chains() -> None:
    grade = {
        "submission_id": "1",
        "score": 5.0,
        "grade": "5",
        "old_score": None,
        "old_grade": None,
        "points_possible": 10.0,
        "old_points_possible": 10.0,
    }
    good = [_event("grade_change", grade), _event("grade_change", grade | {"old_score": 5.0})]
    assert len(grade_change_chain(good)) == 1  # old_grade "5" missing in the second
    assert grade_change_chain([good[0]]) == []
    assert grade_change_chain([_event("grade_change", grade | {"points_possible": 12.0})])
    scores = dict.fromkeys(COURSE_SCORES, 50.0)
    olds = {"old_" + k: None for k in COURSE_SCORES}
    first = _event("course_grade_change", {"user_id": "2", "course_id": "3", **scores, **olds})
    assert course_grade_chain([first]) == []
    assert course_grade_chain([first, first])  # second old_* is not the first's new
    assert override_chain(
        [_event("grade_override", {"score_id": "1", "override_score": 1, "old_override_score": 2})]
    )
    status = {
        "submission_id": "1",
        "submission_status": "A",
        "submission_status_id": "4",
        "old_submission_status": "",
        "old_submission_status_id": "",
    }
    assert status_chain([_event("submission_custom_grade_status", status)]) == []
    assert status_chain([_event("submission_custom_grade_status", status)] * 2)
    sub = {"submission_id": "1", "user_id": "9", "attempt": 2}
    assert attempt_chain([_event("submission_created", sub, user_id="9")])
    late = _event("x", {}, event_time="2024-01-01T00:00:00.010Z")
    early = _event("x", {}, event_time="2024-01-01T00:00:00.009Z")
    assert event_times([late, early])
    orphan = _event("grade_change", {"submission_id": "1"}, request_id="r")
    assert grade_change_requests([orphan])


# --- known bugs --------------------------------------------------------------------------------

ZERO_GAP = """
start: 2024-03-04T09:00:00Z
course:
  students: 3
  groups:
    - key: g
      assignments:
        - {key: a, points: 10}
steps:
  - enroll: {users: all}
  - after: 0s
    submit: {assignment: a}
  - after: 0s
    grade: {assignment: a, score: 5}
"""
CLOSE_JOBS = """
start: 2024-03-04T09:00:00Z
course:
  students: 30
  groups:
    - key: g
      assignments:
        - {key: a, points: 10}
steps:
  - enroll: {users: all}
  - grade: {assignment: a, score: 5}
  - after: 1h
    update_assignment: {assignment: a, points: 20}
"""


@pytest.mark.parametrize("scenario", [ZERO_GAP, CLOSE_JOBS], ids=["after-0s", "close-jobs"])
def test_event_time_never_decreases_when_actions_touch(scenario: str) -> None:
    """Two actions or jobs closer than the few ms their events take (a step with after: 0s,
    recompute jobs of a points change landing together) keep event_time ordered."""
    events, _ = run_yaml(scenario, seed=3)
    assert len(events) > 8
    assert event_times(events) == []


def _one_student(steps: str) -> str:
    return f"""
start: 2024-03-04T09:00:00Z
course:
  students: 1
  groups:
    - key: g
      assignments:
        - {{key: a, points: 10}}
        - {{key: q, points: 10, submission_types: [online_quiz]}}
steps:
  - enroll: {{users: all}}
{steps}
"""


def _split_at_last(events: Events, name: str) -> tuple[Events, dict[str, Any], Events]:
    """(events before, the last ``name`` event, events after it)."""
    index = max(i for i, e in enumerate(events) if e["metadata"]["event_name"] == name)
    return events[:index], events[index], events[index + 1 :]


def _last_body(events: Events, name: str) -> dict[str, Any]:
    return [e for e in events if e["metadata"]["event_name"] == name][-1]["body"]


def test_regrading_a_hidden_grade_posts_it_visibly() -> None:
    """Automatic post policy: grading a hidden submission posts it, even with the same score:
    grade_change (muted false) and a recompute (canvas-lms audits a posted_at change)."""
    events, _ = run_yaml(
        _one_student(
            """  - submit: {assignment: a}
  - grade: {assignment: a, score: 5}
  - hide_grades: {assignment: a}
  - grade: {assignment: a, score: 5}"""
        )
    )
    before, regrade, after = _split_at_last(events, "submission_updated")
    assert _last_body(before, "course_grade_change")["current_score"] is None  # hidden
    assert _last_body(before, "grade_change")["muted"] is True
    assert regrade["body"]["posted_at"] is not None  # posted again
    assert names(after) == ["grade_change", "course_grade_change"]
    assert after[0]["body"]["muted"] is False
    assert after[0]["metadata"]["request_id"] == regrade["metadata"]["request_id"]
    assert after[1]["body"]["current_score"] == 50.0


def test_completing_a_pending_review_quiz_with_the_same_score() -> None:
    """Grading a pending_review quiz completes it even when the partial score stays: a
    grade_change (grading_complete true) and a recompute (current_score now counts it)."""
    events, _ = run_yaml(
        _one_student(
            """  - grade: {assignment: a, score: 10}
  - take_quiz: {assignment: q, score: 6, needs_review: true}
  - grade: {assignment: q, score: 6}"""
        )
    )
    before, graded, after = _split_at_last(events, "submission_updated")
    assert _last_body(before, "course_grade_change")["current_score"] == 100.0  # quiz skipped
    assert _last_body(before, "grade_change")["grading_complete"] is False
    assert graded["body"]["workflow_state"] == "graded"
    assert names(after) == ["grade_change", "course_grade_change"]
    assert after[0]["body"]["grading_complete"] is True
    assert after[1]["body"]["current_score"] == 80.0  # (10 + 6) / 20


def test_regrading_a_resubmission_with_the_same_score_emits_grade_change() -> None:
    """canvas-lms Submission#grade_change_audit audits a submission newly 'graded'."""
    events, _ = run_yaml(
        _one_student(
            """  - submit: {assignment: a}
  - grade: {assignment: a, score: 5}
  - submit: {assignment: a}
  - grade: {assignment: a, score: 5}"""
        )
    )
    assert _last_body(events, "submission_created")["workflow_state"] == "submitted"
    _, regrade, after = _split_at_last(events, "submission_updated")
    assert regrade["body"]["workflow_state"] == "graded"
    assert names(after) == ["grade_change"]  # the course score does not move
    assert after[0]["metadata"]["request_id"] == regrade["metadata"]["request_id"]
    body = after[0]["body"]
    assert (body["old_score"], body["score"], body["grading_complete"]) == (5.0, 5.0, True)


def test_quiz_retake_with_the_same_score_emits_no_grade_change() -> None:
    """canvas-lms audits only a changed grade/score/excused/posted_at or a newly graded state."""
    events, _ = run_yaml(
        _one_student(
            """  - take_quiz: {assignment: q, score: 7}
  - take_quiz: {assignment: q, score: 7}"""
        )
    )
    quiz_requests = [
        e["metadata"]["request_id"]
        for e in events
        if e["metadata"]["event_name"] == "quiz_submitted"
    ]
    assert len(quiz_requests) == 2
    first = [e for e in events if e["metadata"].get("request_id") == quiz_requests[0]]
    retake = [e for e in events if e["metadata"].get("request_id") == quiz_requests[1]]
    assert names(first) == ["quiz_submitted", "submission_updated", "grade_change"]
    assert names(retake) == ["quiz_submitted", "submission_updated"]
    assert retake[1]["body"]["attempt"] == 2


# --- determinism ------------------------------------------------------------------------------


def test_same_seed_same_lines_and_another_seed_other_lines() -> None:
    text = (REPO / "scenarios" / "quickstart.yaml").read_text(encoding="utf-8")
    _, first = run_yaml(text, seed=9)
    _, again = run_yaml(text, seed=9)
    _, other = run_yaml(text, seed=10)
    assert first == again
    assert len(first) > 100
    assert first != other


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.integers(0, 2**31))
def test_random_scenarios_are_deterministic(generated: Generated, seed: int) -> None:
    _, first = run_yaml(generated.text, seed=seed)
    _, again = run_yaml(generated.text, seed=seed)
    _, other = run_yaml(generated.text, seed=seed + 1)
    assert first == again
    assert first != other
