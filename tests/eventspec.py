"""The Canvas Live Events contract, written by hand from the docs (not from the simulator).

Sources: ``/work/shared/seeds/*.txt`` (Canvas's pages for the seven seeded events),
``CANVAS_REFERENCE.md`` sections 1-4 and ``CANVAS_EVENTS.md`` (enrollment_*, quiz_submitted).
Every check returns a list of human-readable problems; an empty list means the event conforms.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from canvas_sim.run import run_scenario
from canvas_sim.scenario import parse_scenario
from canvas_sim.sinks import MemorySink

REPO = Path(__file__).parent.parent
GLOBAL_BASE = 10**13

# --- value kinds ------------------------------------------------------------------------------

TS_SECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")
TS_MILLIS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$")
TS_ANY = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)$")
EVENT_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
RFC_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
CANVAS_UUID = re.compile(r"^[A-Za-z0-9]{40}$")
HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX40 = re.compile(r"^[0-9a-f]{40}$")
LOCAL_ID = re.compile(r"^[1-9]\d{0,12}$")
GLOBAL_ID = re.compile(r"^[1-9]\d{13,}$")


@dataclass(frozen=True)
class Kind:
    """One body field's JSON type (and, for strings, its form)."""

    name: str
    check: Callable[[Any, int], bool]
    nullable: bool = False

    def null(self) -> Kind:
        return Kind(self.name + "|null", self.check, True)

    def ok(self, value: Any, shard: int) -> bool:
        if value is None:
            return self.nullable
        return self.check(value, shard)


def _is_number(value: Any, _: int) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_global(value: Any, shard: int) -> bool:
    """A global id: a digit string, 14+ digits, = shard * 10**13 + a positive local id."""
    if not isinstance(value, str) or not GLOBAL_ID.match(value):
        return False
    number = int(value)
    return number // GLOBAL_BASE == shard and number % GLOBAL_BASE > 0


def is_local(value: Any, _: int = 0) -> bool:
    return isinstance(value, str) and bool(LOCAL_ID.match(value))


STR = Kind("string", lambda v, _: isinstance(v, str))
BOOL = Kind("boolean", lambda v, _: isinstance(v, bool))
INT = Kind("integer", lambda v, _: isinstance(v, int) and not isinstance(v, bool))
NUM = Kind("number", _is_number)
TS = Kind("timestamp (seconds)", lambda v, _: isinstance(v, str) and bool(TS_SECONDS.match(v)))
TS_MS = Kind("timestamp (ms)", lambda v, _: isinstance(v, str) and bool(TS_MILLIS.match(v)))
TS_ISO = Kind("timestamp", lambda v, _: isinstance(v, str) and bool(TS_ANY.match(v)))
GID = Kind("global id", is_global)
LID = Kind("local id", is_local)
LID_OR_EMPTY = Kind("local id or ''", lambda v, _: v == "" or is_local(v))
LID_LIST = Kind(
    "array of local ids", lambda v, _: isinstance(v, list) and all(is_local(x) for x in v)
)
RFC = Kind("rfc uuid", lambda v, _: isinstance(v, str) and bool(RFC_UUID.match(v)))
HEX40_KIND = Kind("40 hex", lambda v, _: isinstance(v, str) and bool(HEX40.match(v)))
UUID40 = Kind("40-char uuid", lambda v, _: isinstance(v, str) and bool(CANVAS_UUID.match(v)))


def one_of(*values: str) -> Kind:
    return Kind(f"one of {values}", lambda v, _: v in values)


SUBMISSION_STATES = ("unsubmitted", "submitted", "graded", "pending_review", "deleted")
SUBMISSION_TYPES = (
    "online_text_entry",
    "online_url",
    "online_upload",
    "media_recording",
    "online_quiz",
    "discussion_topic",
    "basic_lti_launch",
    "external_tool",
)

# --- body specs: the exact key set, each key's kind --------------------------------------------

# submission_created / submission_updated: seed field list + posted_at (REFERENCE section 1).
SUBMISSION_BODY: dict[str, Kind] = {
    "assignment_id": GID,
    "attempt": INT.null(),
    "body": STR.null(),
    "grade": STR.null(),
    "graded_at": TS.null(),
    "group_id": LID.null(),
    "late": BOOL,
    "lti_assignment_id": RFC,
    "lti_user_id": HEX40_KIND.null(),
    "missing": BOOL,
    "score": NUM.null(),
    "submission_id": GID,
    "submission_type": one_of(*SUBMISSION_TYPES).null(),
    "submitted_at": TS.null(),
    "updated_at": TS,
    "url": STR.null(),
    "user_id": GID,
    "workflow_state": one_of(*SUBMISSION_STATES),
    "posted_at": TS.null(),
}

BODY_SPECS: dict[str, dict[str, Kind]] = {
    "submission_created": SUBMISSION_BODY,
    "submission_updated": SUBMISSION_BODY,
    # seed field list + assignment_name (REFERENCE section 1)
    "grade_change": {
        "assignment_id": GID,
        "assignment_name": STR,
        "grade": STR.null(),
        "grader_id": GID.null(),
        "grading_complete": BOOL,
        "muted": BOOL,
        "old_grade": STR.null(),
        "old_points_possible": NUM,
        "old_score": NUM.null(),
        "points_possible": NUM,
        "score": NUM.null(),
        "student_id": GID,
        "student_sis_id": STR.null(),
        "submission_id": GID,
        "user_id": GID,
    },
    "course_grade_change": {
        "user_id": LID,
        "course_id": LID,
        "workflow_state": one_of("active", "deleted"),
        "created_at": TS,
        "updated_at": TS,
        "current_score": NUM.null(),
        "old_current_score": NUM.null(),
        "final_score": NUM.null(),
        "old_final_score": NUM.null(),
        "unposted_current_score": NUM.null(),
        "old_unposted_current_score": NUM.null(),
        "unposted_final_score": NUM.null(),
        "old_unposted_final_score": NUM.null(),
    },
    "grade_override": {
        "score_id": LID,
        "enrollment_id": LID,
        "user_id": LID,
        "course_id": LID,
        "grading_period_id": LID.null(),
        "override_score": NUM.null(),
        "old_override_score": NUM.null(),
        "updated_at": TS_MS,
    },
    "submission_comment_created": {
        "attachment_ids": LID_LIST,
        "body": STR,
        "created_at": TS_MS,
        "submission_comment_id": LID,
        "submission_id": LID,
        "user_id": LID,
    },
    "submission_custom_grade_status": {
        "assignment_id": LID,
        "submission_id": LID,
        "user_id": LID,
        "course_id": LID,
        "submission_status": STR,
        "submission_status_id": LID_OR_EMPTY,
        "old_submission_status": STR,
        "old_submission_status_id": LID_OR_EMPTY,
        "updated_at": TS,
    },
    # CANVAS_EVENTS.md section 2 (associated_user_id only for observers, see below)
    "enrollment_created": {
        "enrollment_id": GID,
        "course_id": GID,
        "course_section_id": GID,
        "user_id": GID,
        "type": one_of(
            "StudentEnrollment",
            "TeacherEnrollment",
            "TaEnrollment",
            "ObserverEnrollment",
            "DesignerEnrollment",
            "StudentViewEnrollment",
        ),
        "user_name": STR,
        "limit_privileges_to_course_section": BOOL,
        "workflow_state": one_of(
            "invited", "active", "creation_pending", "inactive", "completed", "deleted"
        ),
        "created_at": TS_ISO,
        "updated_at": TS_ISO,
        "course_uuid": UUID40,
        "user_uuid": UUID40,
    },
    "enrollment_state_created": {
        "enrollment_id": GID,
        "state": one_of(
            "pending_invited",
            "active",
            "invited",
            "pending_active",
            "completed",
            "inactive",
            "deleted",
        ),
        "state_is_current": BOOL,
        "access_is_current": BOOL,
        "restricted_access": BOOL,
        "state_started_at": TS_ISO.null(),
        "state_valid_until": TS_ISO.null(),
    },
    "quiz_submitted": {"quiz_id": GID, "submission_id": GID},
}
BODY_SPECS["enrollment_updated"] = BODY_SPECS["enrollment_created"]
BODY_SPECS["enrollment_state_updated"] = BODY_SPECS["enrollment_state_created"]

# Set-up events of CANVAS_EVENTS.md section 2-3, beyond the brief's twelve: checked when emitted.
SUBMISSION_TYPE_LIST = (
    *SUBMISSION_TYPES,
    "on_paper",
    "none",
    "not_graded",
    "wiki_page",
)
BODY_SPECS.update(
    {
        "course_created": {
            "course_id": GID,
            "account_id": GID,
            "uuid": UUID40,
            "name": STR,
            "workflow_state": one_of("created", "claimed", "available", "completed", "deleted"),
            "created_at": TS_ISO,
            "updated_at": TS_ISO,
        },
        "user_created": {
            "user_id": GID,
            "uuid": UUID40,
            "name": STR,
            "short_name": STR,
            "workflow_state": one_of("pre_registered", "registered", "deleted"),
            "created_at": TS_ISO,
            "updated_at": TS_ISO,
            "user_login": STR.null(),
            "user_sis_id": STR.null(),
        },
        "assignment_group_created": {
            "assignment_group_id": LID,
            "context_id": LID,
            "context_type": one_of("Course"),
            "name": STR,
            "position": INT,
            "group_weight": NUM,
            "rules": STR.null(),
            "sis_source_id": STR.null(),
            "integration_data": Kind("object", lambda v, _: isinstance(v, dict)).null(),
            "workflow_state": one_of("available", "deleted"),
        },
        "assignment_created": {
            "assignment_id": GID,
            "context_id": GID,
            "assignment_group_id": GID,
            "context_type": one_of("Course"),
            "context_uuid": UUID40,
            "title": STR,
            "description": STR.null(),
            "due_at": TS_ISO.null(),
            "unlock_at": TS_ISO.null(),
            "lock_at": TS_ISO.null(),
            "points_possible": NUM.null(),
            "submission_types": Kind(
                "comma-separated submission types",
                lambda v, _: (
                    isinstance(v, str) and all(t in SUBMISSION_TYPE_LIST for t in v.split(","))
                ),
            ),
            "workflow_state": one_of(
                "published",
                "unpublished",
                "deleted",
                "duplicating",
                "failed_to_duplicate",
                "importing",
                "failed_to_import",
                "failed_to_migrate",
            ),
            "updated_at": TS_ISO,
            "lti_assignment_id": RFC,
            "lti_resource_link_id": Kind(
                "40 chars", lambda v, _: isinstance(v, str) and len(v) == 40
            ),
            "created_on_blueprint_sync": BOOL,
            "domain": STR,
        },
    }
)
for _created, _updated in (
    ("course_created", "course_updated"),
    ("user_created", "user_updated"),
    ("assignment_group_created", "assignment_group_updated"),
    ("assignment_created", "assignment_updated"),
):
    BODY_SPECS[_updated] = BODY_SPECS[_created]
# Keys a documented event may carry beyond its required ones ("source only", copies only, ...).
OPTIONAL_KEYS: dict[str, dict[str, Kind]] = {
    "course_created": {"account_uuid": UUID40},
    "assignment_created": {
        "assignment_id_duplicated_from": GID,
        "lti_resource_link_id_duplicated_from": STR,
        "domain_duplicated_from": STR,
        "anonymous_grading": BOOL,
        "anonymous_participants": BOOL,
        "lti_assignment_description": STR.null(),
        "resource_map": Kind("any", lambda v, _: True).null(),
        "associated_integration_id": STR,
    },
}
OPTIONAL_KEYS["course_updated"] = OPTIONAL_KEYS["course_created"]
OPTIONAL_KEYS["assignment_updated"] = OPTIONAL_KEYS["assignment_created"]
# Documented in CANVAS_EVENTS.md; allowed in the stream, shapes not encoded here.
OTHER_DOCUMENTED = frozenset(
    {
        "course_section_created",
        "course_section_updated",
        "user_account_association_created",
        "assignment_override_created",
        "assignment_override_updated",
        "quiz_created",
        "quiz_updated",
        "final_grade_custom_status",
        "logged_in",
        "logged_out",
        "attachment_created",
        "rubric_assessed",
        "asset_accessed",
    }
)
# Events about the account rather than the course: their requests may lack context_* keys.
NO_COURSE_CONTEXT = frozenset(
    {
        "course_created",
        "course_updated",
        "user_created",
        "user_updated",
        "user_account_association_created",
        "logged_in",
        "logged_out",
    }
)

BRIEF_EVENTS = frozenset(
    {
        "submission_created",
        "submission_updated",
        "grade_change",
        "course_grade_change",
        "grade_override",
        "submission_comment_created",
        "submission_custom_grade_status",
        "enrollment_created",
        "enrollment_updated",
        "enrollment_state_created",
        "enrollment_state_updated",
        "quiz_submitted",
    }
)
SEEDED = (
    "course_grade_change",
    "grade_change",
    "grade_override",
    "submission_comment_created",
    "submission_created",
    "submission_custom_grade_status",
    "submission_updated",
)

# --- metadata -----------------------------------------------------------------------------------

CONTEXT_KEYS = ("context_type", "context_id", "context_account_id", "context_sis_source_id")
ROOT_KEYS = frozenset({"root_account_id", "root_account_uuid", "root_account_lti_guid"})
USER_KEYS = ("user_login", "user_account_id", "user_sis_id", "user_id", "time_zone")
REQUEST_TAIL = (
    "request_id",
    "session_id",
    "hostname",
    "http_method",
    "user_agent",
    "client_ip",
    "url",
    "referrer",
    "producer",
    "event_name",
    "event_time",
)
REQUEST_ONLY = frozenset(
    {
        *USER_KEYS,
        "developer_key_id",
        "real_user_id",
        "context_role",
        "request_id",
        "session_id",
        "hostname",
        "http_method",
        "user_agent",
        "client_ip",
        "url",
        "referrer",
    }
)
# Events that only a request can cause; course_grade_change only a job; grade_change and the
# enrollment_state_updated event can be either.
REQUEST_EVENTS = frozenset(
    {
        "submission_created",
        "submission_updated",
        "submission_comment_created",
        "submission_custom_grade_status",
        "grade_override",
        "enrollment_created",
        "enrollment_state_created",
        "quiz_submitted",
    }
)
JOB_EVENTS = frozenset({"course_grade_change"})


@dataclass(frozen=True)
class Account:
    """What the scenario says about the account, to check ids and hosts against."""

    shard: int
    domain: str
    root_id: int = 1
    sub_account_id: int = 1


def is_job(event: dict[str, Any]) -> bool:
    return "job_id" in event["metadata"]


def _expected_request_order(meta: dict[str, Any]) -> list[str]:
    order = list(CONTEXT_KEYS) if "context_type" in meta else []
    roots = [k for k in meta if k in ROOT_KEYS]  # the three root keys, any inner order
    order += roots
    if "user_id" in meta:
        order += list(USER_KEYS)
    for optional in ("developer_key_id", "real_user_id", "context_role"):
        if optional in meta:
            order.append(optional)
    order += list(REQUEST_TAIL)
    return order


def check_metadata(event: dict[str, Any], account: Account) -> list[str]:
    meta = event["metadata"]
    name = meta.get("event_name")
    problems: list[str] = []
    shard = account.shard

    def bad(message: str) -> None:
        problems.append(f"{name} metadata: {message}")

    if set(meta) & ROOT_KEYS != ROOT_KEYS:
        bad(f"missing root keys {sorted(ROOT_KEYS - set(meta))}")
    if meta.get("producer") != "canvas":
        bad(f"producer {meta.get('producer')!r}")
    if not isinstance(meta.get("event_time"), str) or not EVENT_TIME.match(meta["event_time"]):
        bad(f"event_time {meta.get('event_time')!r}")
    if meta.get("root_account_id") != str(shard * GLOBAL_BASE + account.root_id):
        bad(f"root_account_id {meta.get('root_account_id')!r}")
    if not CANVAS_UUID.match(str(meta.get("root_account_uuid"))):
        bad(f"root_account_uuid {meta.get('root_account_uuid')!r}")
    guid = meta.get("root_account_lti_guid")
    if not isinstance(guid, str) or not guid:
        bad(f"root_account_lti_guid {guid!r}")
    for key, value in meta.items():
        if key in ("request_id", "session_id"):
            continue
        if (key.endswith("_id") or key == "id") and key != "context_sis_source_id":
            if key == "user_sis_id":
                if value is not None and not isinstance(value, str):
                    bad(f"{key} {value!r} not a string")
            elif not is_global(value, shard):
                bad(f"{key} {value!r} is not a global id of shard {shard}")
    if "context_type" not in meta and name not in NO_COURSE_CONTEXT and "job_id" not in meta:
        bad("a course event's request without context_* keys")
    if "context_type" in meta:
        if meta["context_type"] not in ("Course", "Account", "CourseSection"):
            bad(f"context_type {meta['context_type']!r}")
        if name not in NO_COURSE_CONTEXT and meta["context_type"] != "Course":
            bad(f"context_type {meta['context_type']!r} for a course event")
        if meta["context_type"] == "Course" and meta.get("context_account_id") != str(
            shard * GLOBAL_BASE + account.sub_account_id
        ):
            bad(f"context_account_id {meta.get('context_account_id')!r}")
        sis = meta.get("context_sis_source_id", "absent")
        if sis is not None and not isinstance(sis, str):
            bad(f"context_sis_source_id {sis!r}")

    if "job_id" in meta:
        allowed = set(CONTEXT_KEYS) | ROOT_KEYS | {"job_id", "job_tag", "producer"}
        allowed |= {"event_name", "event_time"}
        extra = set(meta) - allowed
        if extra:
            bad(f"job-driven event has request keys {sorted(extra)}")
        if not isinstance(meta.get("job_tag"), str) or not meta["job_tag"]:
            bad(f"job_tag {meta.get('job_tag')!r}")
        expected = [k for k in meta if k in CONTEXT_KEYS or k in ROOT_KEYS]
        expected += ["job_id", "job_tag", "producer", "event_name", "event_time"]
        if list(meta) != expected:
            bad(f"job key order {list(meta)}")
        if name in REQUEST_EVENTS:
            bad("should be request-driven")
        return problems

    if name in JOB_EVENTS:
        bad("should be job-driven (job_id, job_tag)")
    expected = _expected_request_order(meta)
    if list(meta) != expected:
        bad(f"key order/set {list(meta)} != {expected}")
    if not UUID4.match(str(meta.get("request_id"))):
        bad(f"request_id {meta.get('request_id')!r} is not a uuid4")
    session = meta.get("session_id")
    api_or_lti = "developer_key_id" in meta or "user_id" not in meta
    if api_or_lti:
        if session is not None:
            bad(f"session_id {session!r} on a token/LTI call (null expected)")
    elif not isinstance(session, str) or not HEX32.match(session):
        bad(f"session_id {session!r} is not 32 hex chars")
    if "user_id" in meta:
        try:
            ZoneInfo(str(meta.get("time_zone")))
        except (ZoneInfoNotFoundError, ValueError):
            bad(f"time_zone {meta.get('time_zone')!r}")
        if not isinstance(meta.get("user_login"), str) or "[email" in meta["user_login"]:
            bad(f"user_login {meta.get('user_login')!r}")
        if meta.get("user_account_id") != meta.get("root_account_id"):
            bad("user_account_id is not the root account")
    if "user_id" in meta and "developer_key_id" not in meta and "context_role" not in meta:
        bad("a logged-in browser request without context_role")
    if meta.get("hostname") != account.domain:
        bad(f"hostname {meta.get('hostname')!r}")
    if meta.get("http_method") not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        bad(f"http_method {meta.get('http_method')!r}")
    if not isinstance(meta.get("user_agent"), str) or not meta["user_agent"]:
        bad(f"user_agent {meta.get('user_agent')!r}")
    try:
        ipaddress.ip_address(str(meta.get("client_ip")))
    except ValueError:
        bad(f"client_ip {meta.get('client_ip')!r}")
    prefix = f"https://{account.domain}/"
    if not str(meta.get("url")).startswith(prefix):
        bad(f"url {meta.get('url')!r}")
    referrer = meta.get("referrer")
    if referrer is not None and not str(referrer).startswith(prefix):
        bad(f"referrer {referrer!r}")
    return problems


def check_body(
    event: dict[str, Any], account: Account, *, omitted_nulls: bool = False
) -> list[str]:
    """Exact key set and per-key kinds. With ``omitted_nulls`` null keys may be absent."""
    name = event["metadata"]["event_name"]
    body = event["body"]
    spec = BODY_SPECS.get(name)
    if spec is None:
        if name in OTHER_DOCUMENTED:
            return _check_ids(name, body)
        return [f"{name}: not an event this contract knows"]
    optional = OPTIONAL_KEYS.get(name, {})
    problems: list[str] = []
    keys = set(body) - set(optional)
    expected = set(spec)
    if name.startswith("enrollment_") and "associated_user_id" in body:
        if body.get("type") != "ObserverEnrollment":
            problems.append(f"{name}: associated_user_id on a {body.get('type')}")
        keys.discard("associated_user_id")
    missing = expected - keys
    if omitted_nulls:
        missing = {k for k in missing if not spec[k].nullable}
    extra = keys - expected
    if missing:
        problems.append(f"{name}: missing keys {sorted(missing)}")
    if extra:
        problems.append(f"{name}: unexpected keys {sorted(extra)}")
    for key, value in body.items():
        kind = spec.get(key) or optional.get(key)
        if kind is None:
            continue
        if omitted_nulls and value is None:
            problems.append(f"{name}.{key}: null kept although nulls are omitted")
        elif not kind.ok(value, account.shard):
            problems.append(f"{name}.{key} = {value!r} is not {kind.name}")
    return problems + _check_ids(name, body)


def _check_ids(name: str, body: dict[str, Any]) -> list[str]:
    """Every id, *_id, *_ids value is a string (CANVAS_REFERENCE section 1)."""
    problems = []
    for key, value in body.items():
        if (key == "id" or key.endswith("_id") or key.endswith("_ids")) and value is not None:
            values = value if isinstance(value, list) else [value]
            if not all(isinstance(v, str) for v in values):
                problems.append(f"{name}.{key} = {value!r}: ids must be strings")
    return problems


# --- running scenarios --------------------------------------------------------------------------


def run_yaml(
    text: str, seed: int | None = 3, nulls: str = "keep"
) -> tuple[list[dict[str, Any]], list[bytes]]:
    """Run scenario text; (parsed events, raw JSON lines)."""
    scenario, located = parse_scenario(text, "test.yaml")
    sink = MemorySink()
    run_scenario(scenario, located, [sink], seed=seed, nulls=nulls)  # type: ignore[arg-type]
    return sink.events(), list(sink.lines)


def account_of(text: str) -> Account:
    data = yaml.safe_load(text)
    account = data.get("account", {})
    return Account(
        shard=account.get("shard", 2107),
        domain=account.get("domain", "canvas.example.edu"),
        root_id=account.get("id", 1),
        sub_account_id=account.get("sub_account_id", 1),
    )


def names(events: Iterable[dict[str, Any]]) -> list[str]:
    return [e["metadata"]["event_name"] for e in events]


def parse_ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def local(global_id: str) -> str:
    return str(int(global_id) % GLOBAL_BASE)
