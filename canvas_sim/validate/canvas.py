"""Canvas Live Events: each payload against its event's schema, the stream against its chains."""

from __future__ import annotations

from typing import Any

from .catalogue import body_owner, catalogue
from .fastpath import json_equal
from .findings import quick_findings, schema_findings, show
from .report import Recorder

# chain name -> (key fields, [(old field, new field)], what the record is)
CHAINS: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str], ...], str]] = {
    "grade_change": (
        ("submission_id",),
        (
            ("old_score", "score"),
            ("old_grade", "grade"),
            ("old_points_possible", "points_possible"),
        ),
        "submission",
    ),
    "course_grade_change": (
        ("user_id", "course_id"),
        tuple(
            ("old_" + name, name)
            for name in (
                "current_score",
                "final_score",
                "unposted_current_score",
                "unposted_final_score",
            )
        ),
        "user, course",
    ),
    "grade_override": (("score_id",), (("old_override_score", "override_score"),), "score"),
    "submission_custom_grade_status": (
        ("submission_id",),
        (
            ("old_submission_status_id", "submission_status_id"),
            ("old_submission_status", "submission_status"),
        ),
        "submission",
    ),
    "final_grade_custom_status": (
        ("score_id",),
        (
            ("old_override_status_id", "override_status_id"),
            ("old_override_status", "override_status"),
        ),
        "score",
    ),
}
ATTEMPT_EVENTS = frozenset({"submission_created", "submission_updated"})


class CanvasChecker:
    """Checks Canvas events in stream order: schema findings, a body sent under another
    event's name, old/new chains and attempts (see :mod:`canvas_sim.validate`)."""

    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder
        self._specs = catalogue()
        # chain -> record key -> (new values, line); submission_id -> (attempt, line)
        self._chains: dict[str, dict[tuple[str, ...], tuple[tuple[Any, ...], int]]] = {
            name: {} for name in CHAINS
        }
        self._attempts: dict[str, tuple[int, int]] = {}

    def check(self, event: dict[str, Any], line: int, duplicate_of: int | None) -> None:
        """Check one payload at 1-based ``line`` (a JSON object)."""
        recorder = self._recorder
        metadata, body = event.get("metadata"), event.get("body")
        if not isinstance(metadata, dict) or not isinstance(body, dict):
            recorder.problem(line, None, "json", "not an object with metadata and body objects")
            return
        name = metadata.get("event_name")
        if not isinstance(name, str):
            recorder.problem(line, None, "schema", "$.metadata.event_name: missing or not a string")
            return
        recorder.report.events[name] += 1
        if duplicate_of is not None:
            recorder.tolerated(
                line, name, "duplicate", f"an exact duplicate of line {duplicate_of}"
            )
            return
        spec = self._specs.get(name)
        if spec is None:
            recorder.problem(line, name, "unknown_event", f"$.metadata.event_name: {show(name)}")
            return
        findings = quick_findings(spec, event)
        if findings is None:
            findings = schema_findings(spec, event)
        if any(finding.body_shape for finding in findings):
            owner = body_owner(spec, frozenset(body))
            if owner is not None:
                recorder.problem(
                    line,
                    name,
                    "schema",
                    f"$.metadata.event_name: {show(name)}, but the body is a "
                    f"{' / '.join(owner.same_body)} body",
                )
                relabelled = {**event, "metadata": {**metadata, "event_name": owner.name}}
                spec, findings = owner, schema_findings(owner, relabelled)
        for finding in findings:
            if finding.note is None:
                recorder.problem(line, name, "schema", finding.message)
            else:
                recorder.tolerated(line, name, finding.note, finding.message)
        self._check_chains(spec.name, name, body, line)

    def _check_chains(self, kind: str, name: str, body: dict[str, Any], line: int) -> None:
        chain = CHAINS.get(kind)
        if chain is not None:
            key_fields, pairs, record = chain
            key = tuple(part for part in map(body.get, key_fields) if isinstance(part, str))
            if len(key) != len(key_fields):
                return
            state = self._chains[kind]
            previous = state.get(key)
            if previous is not None:
                values, before = previous
                for (old, new), was in zip(pairs, values, strict=True):
                    if not json_equal(body.get(old), was):
                        self._recorder.problem(
                            line,
                            name,
                            "chain",
                            f"$.body.{old}: {show(body.get(old))}, but the previous {kind} of "
                            f"{record} {', '.join(key)} (line {before}) set {new} "
                            f"{show(was)}",
                        )
            state[key] = (tuple(body.get(new) for _, new in pairs), line)
        if kind in ATTEMPT_EVENTS:
            submission, attempt = body.get("submission_id"), body.get("attempt")
            if not isinstance(submission, str):
                return
            value = attempt if isinstance(attempt, int) and not isinstance(attempt, bool) else 0
            previous_attempt = self._attempts.get(submission)
            if previous_attempt is not None and value < previous_attempt[0]:
                self._recorder.problem(
                    line,
                    name,
                    "attempt",
                    f"$.body.attempt: {show(attempt)} after {previous_attempt[0]} (line "
                    f"{previous_attempt[1]}) for submission {submission}: attempts never decrease",
                )
            self._attempts[submission] = (value, line)
