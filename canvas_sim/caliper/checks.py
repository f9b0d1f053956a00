"""Checks of one Caliper envelope: IMS Caliper 1.1 requirements plus Canvas's own rules.

Rules of CALIPER.md section 9 (1-4 and 6-10); each problem names the JSON path at fault.
Canvas's departures from the IMS spec (section 7) are accepted, not "fixed". Ids are checked in
form (``\\d+`` after the kind): Canvas sends global ids but local course ids do occur in real
data, so the digit count is not a rule here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .ids import CONTEXT, JOB_APP
from .mapping import FORMS

ENVELOPE_KEYS = ("sensor", "sendTime", "dataVersion", "data")
REQUIRED = ("id", "type", "actor", "action", "object", "eventTime")
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
LOOKS_LIKE_TIME = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d")
EVENT_ID = re.compile(
    r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
)
SENSOR = re.compile(r"^https?://[^/]+/$")
KINDS = (
    "user|course|submission|assignment|assignment_override|quiz|quizzes:quiz|enrollment|account"
    "|attachment|discussion|discussionEntry|group|groupCategory|groupMembership|wikiPage"
    "|calendar_event|collaboration|content_tag|context_external_tool|learning_outcome"
    "|web_conference|lti/tool_proxy|module|module_item|conversation|conversationMessage"
)
ENTITY_ID = re.compile(rf"^urn:instructure:canvas:({KINDS}):(\d+)$")
SECTION_ID = re.compile(r"^urn:instructure:canvas:course:(\d+):section:(\d+)$")
SESSION_ID = re.compile(r"^urn:instructure:canvas:session:[0-9a-f]{32}$")
MEMBERSHIP_ID = re.compile(r"^(?P<org>.+):(?P<role>Instructor|Learner|user):(?P<user>\d+)$")
EVENT_TYPES = frozenset({form.type for form in FORMS.values()} | {"MessageEvent", "ThreadEvent"})
ACTIONS = frozenset({form.action for form in FORMS.values()} | {"Posted"})
CANVAS = "com.instructure.canvas"
REQUEST_EXTENSION = ("hostname", "request_id", "user_agent", "client_ip", "request_url", "version")
JOB_EXTENSION = ("job_id", "job_tag", "version")

Problem = tuple[str, str]  # (JSON path, what is wrong)


def check_envelope(envelope: Any, event_name: str | None = None) -> list[Problem]:
    """Every problem of one envelope; ``event_name`` (the SQS ``event_name`` attribute or the
    simulator's own record) adds the check of type, action and object type against its form."""
    problems: list[Problem] = []
    if not isinstance(envelope, dict):
        return [("$", "not a JSON object")]
    for path, value in _walk(envelope, "$"):
        if value is None:
            problems.append((path, "null (Canvas omits absent values)"))
    keys = tuple(envelope)
    if keys != ENVELOPE_KEYS:
        missing = [key for key in ENVELOPE_KEYS if key not in envelope]
        extra = [key for key in keys if key not in ENVELOPE_KEYS]
        for key in missing:
            problems.append((f"$.{key}", "missing"))
        for key in extra:
            problems.append(
                (f"$.{key}", "not an envelope key (sensor, sendTime, dataVersion, data)")
            )
    if envelope.get("dataVersion", CONTEXT) != CONTEXT:
        problems.append(("$.dataVersion", f"{envelope['dataVersion']!r}, expected {CONTEXT!r}"))
    sensor = envelope.get("sensor")
    if sensor is not None and not (isinstance(sensor, str) and SENSOR.match(sensor)):
        problems.append(("$.sensor", f"{sensor!r} is not http(s)://<host>/"))
    _time(envelope, "sendTime", "$", problems)
    data = envelope.get("data")
    if "data" in envelope and not isinstance(data, list):
        problems.append(("$.data", "not a list"))
    elif isinstance(data, list):
        if len(data) != 1:
            problems.append(
                ("$.data", f"{len(data)} events: Canvas sends exactly one per envelope")
            )
        if data and isinstance(data[0], dict):
            problems += _event(data[0], "$.data[0]", event_name)
            sent, happened = str(envelope.get("sendTime")), str(data[0].get("eventTime"))
            if TIME.match(sent) and TIME.match(happened) and sent < happened:
                problems.append(("$.sendTime", f"{sent} is before eventTime {happened}"))
        elif data:
            problems.append(("$.data[0]", "not an event object"))
    return problems


def _walk(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")


def _time(owner: dict[str, Any], key: str, path: str, problems: list[Problem]) -> None:
    value = owner.get(key)
    if key not in owner:
        return
    if not (isinstance(value, str) and TIME.match(value)):
        problems.append((f"{path}.{key}", f"{value!r} is not a UTC time YYYY-MM-DDTHH:mm:ss.SSSZ"))


def _event(event: dict[str, Any], path: str, event_name: str | None) -> list[Problem]:
    problems: list[Problem] = []
    for key in REQUIRED:
        if key not in event:
            problems.append((f"{path}.{key}", "missing (required by Caliper)"))
    if event.get("@context") != CONTEXT:
        problems.append((f"{path}.@context", f"{event.get('@context')!r}, expected {CONTEXT!r}"))
    event_id = event.get("id")
    if event_id is not None and not (isinstance(event_id, str) and EVENT_ID.match(event_id)):
        problems.append((f"{path}.id", f"{event_id!r} is not urn:uuid:<uuid v4>"))
    if "type" in event and event["type"] not in EVENT_TYPES:
        problems.append((f"{path}.type", f"{event['type']!r} is not an event type Canvas sends"))
    if "action" in event and event["action"] not in ACTIONS:
        problems.append((f"{path}.action", f"{event['action']!r} is not an action Canvas sends"))
    _time(event, "eventTime", path, problems)
    for where, value in _walk(event, path):
        late = isinstance(value, str) and LOOKS_LIKE_TIME.match(value) and not TIME.match(value)
        if late and not where.endswith(".eventTime"):
            problems.append((where, f"{value!r} is not a UTC time YYYY-MM-DDTHH:mm:ss.SSSZ"))
    for key in ("actor", "object", "generated", "edApp", "group", "membership", "session"):
        if key in event:
            problems += _entity(event[key], f"{path}.{key}")
    referrer = event.get("referrer")
    if referrer is not None and not isinstance(referrer, str):
        problems.append((f"{path}.referrer", "not a string (Canvas sends the URL itself)"))
    problems += _canvas_rules(event, path)
    if event_name is not None:
        problems += _form(event, path, event_name)
    return problems


def _extension(value: dict[str, Any]) -> dict[str, Any]:
    """The ``com.instructure.canvas`` extension of an entity ({} when it has none)."""
    extensions = value.get("extensions")
    own = extensions.get(CANVAS) if isinstance(extensions, dict) else None
    return own if isinstance(own, dict) else {}


def _entity(value: Any, path: str, depth: int = 0) -> list[Problem]:
    """An entity (and the entities inside it, not its extensions): string id and type, the id
    in Canvas's form for its place, and for the event's own entities (not the group, whose
    ``entity_id`` is the course) an ``entity_id`` equal to the id's last segment."""
    if not isinstance(value, dict):
        return [(path, "not an object with id and type")]
    problems: list[Problem] = []
    for key in ("id", "type"):
        if not isinstance(value.get(key), str):
            problems.append((f"{path}.{key}", "missing or not a string"))
    entity_id, kind = value.get("id"), value.get("type")
    if isinstance(entity_id, str) and isinstance(kind, str):
        problems += _id_form(entity_id, kind, path)
        own = _extension(value).get("entity_id")
        if (
            depth == 0
            and not path.endswith(".group")
            and own is not None
            and own != _digits(entity_id)
        ):
            where = f"{path}.extensions.{CANVAS}.entity_id"
            problems.append((where, f"{own!r} is not the last segment of {entity_id!r}"))
    for key, item in value.items():
        if key == "extensions":
            continue
        for index, sub in enumerate(item if isinstance(item, list) else [item]):
            if isinstance(sub, dict) and ("id" in sub or "type" in sub):
                where = f"{path}.{key}" + (f"[{index}]" if isinstance(item, list) else "")
                problems += _entity(sub, where, depth + 1)
    return problems


def _id_form(entity_id: str, kind: str, path: str) -> list[Problem]:
    """The id of an entity in Canvas's form for its type and place."""
    if kind == "SoftwareApplication":
        ok, form = bool(SENSOR.match(entity_id)) or entity_id == JOB_APP, "http://<host>/"
    elif kind == "Session":
        ok, form = bool(SESSION_ID.match(entity_id)), "urn:instructure:canvas:session:<32 hex>"
    elif path.endswith("].membership"):
        ok, form = (
            bool(MEMBERSHIP_ID.match(entity_id)),
            "<organization>:<Instructor|Learner|user>:<id>",
        )
    elif kind == "CourseSection":
        ok, form = (
            bool(SECTION_ID.match(entity_id)),
            "urn:instructure:canvas:course:<id>:section:<id>",
        )
    else:
        ok, form = bool(ENTITY_ID.match(entity_id)), "urn:instructure:canvas:<kind>:<id>"
    return [] if ok else [(f"{path}.id", f"{entity_id!r} is not {form}")]


def _digits(entity_id: Any) -> str:
    return entity_id.rsplit(":", 1)[-1] if isinstance(entity_id, str) else ""


def _obj(value: Any) -> dict[str, Any]:
    """``value`` when it is an object, else {} (its absence is reported elsewhere)."""
    return value if isinstance(value, dict) else {}


def _canvas_rules(event: dict[str, Any], path: str) -> list[Problem]:
    """CALIPER.md section 9, rules 7-10: membership, group, event and actor extensions."""
    problems: list[Problem] = []
    actor, group = _obj(event.get("actor")), _obj(event.get("group"))
    if "membership" in event:
        problems += _membership(_obj(event["membership"]), actor, group, f"{path}.membership")
    if group:
        course = re.match(r"^urn:instructure:canvas:course:(\d+)", str(group.get("id")))
        want = {"context_type": "Course", "entity_id": course[1] if course else None}
        if _extension(group) != want:
            where = f"{path}.group.extensions.{CANVAS}"
            problems.append((where, f"{_extension(group)!r}, expected {want!r}"))
    extension, where = _extension(event), f"{path}.extensions.{CANVAS}"
    if sorted(extension) not in (sorted(REQUEST_EXTENSION), sorted(JOB_EXTENSION)):
        expected = (
            f"the request keys {list(REQUEST_EXTENSION)} or the job keys {list(JOB_EXTENSION)}"
        )
        problems.append((where, f"keys {sorted(extension)}, expected {expected}"))
    elif extension.get("version") != "1.0.0":
        problems.append((f"{where}.version", f"{extension.get('version')!r}, expected '1.0.0'"))
    problems += _actor(actor, event, f"{path}.actor")
    return problems


def _membership(
    membership: dict[str, Any], actor: dict[str, Any], group: dict[str, Any], path: str
) -> list[Problem]:
    problems: list[Problem] = []
    member, organization = _obj(membership.get("member")), _obj(membership.get("organization"))
    if member.get("id") != actor.get("id"):
        problems.append((f"{path}.member.id", f"{member.get('id')!r} is not the actor"))
    if group and organization.get("id") != group.get("id"):
        problems.append((f"{path}.organization.id", f"{organization.get('id')!r} is not the group"))
    found = MEMBERSHIP_ID.match(str(membership.get("id")))
    if found:
        if found["org"] != organization.get("id") or found["user"] != _digits(actor.get("id")):
            problems.append((f"{path}.id", "not <organization id>:<role or user>:<actor's id>"))
        role = None if found["role"] == "user" else found["role"]
        roles = membership.get("roles")
        if (role is None and roles is not None) or (role is not None and roles != [role]):
            problems.append((f"{path}.roles", f"{roles!r} does not match the id's role {role}"))
    if organization.get("type") == "CourseSection" and "subOrganizationOf" not in organization:
        problems.append((f"{path}.organization.subOrganizationOf", "missing for a section"))
    return problems


def _actor(actor: dict[str, Any], event: dict[str, Any], path: str) -> list[Problem]:
    kind, actor_id = actor.get("type"), actor.get("id")
    if kind == "SoftwareApplication":
        app = _obj(event.get("edApp")).get("id")
        return [] if actor_id == app else [(f"{path}.id", f"{actor_id!r} is not the edApp")]
    if kind != "Person" or actor_id == "urn:instructure:canvas:user:0":
        return []
    if event.get("type") == "GradeEvent":
        extra = "extensions" in actor
        return [(f"{path}.extensions", "a GradeEvent actor has none in Canvas")] if extra else []
    if _extension(actor).get("entity_id") != _digits(actor_id):
        return [(f"{path}.extensions.{CANVAS}.entity_id", "missing or not the actor's id")]
    return []


def _form(event: dict[str, Any], path: str, event_name: str) -> list[Problem]:
    """(type, action, object.type) against the form of the named Canvas event."""
    form = FORMS.get(event_name)
    if form is None:
        return [(path, f"Canvas event {event_name!r} has no Caliper form")]
    problems = []
    shown = _obj(event.get("object")).get("type")
    for key, got, want in (
        ("type", event.get("type"), form.type),
        ("action", event.get("action"), form.action),
        ("object.type", shown, form.object_type),
    ):
        if want != "*" and got != want:
            problems.append((f"{path}.{key}", f"{got!r}, but {event_name} is {want!r}"))
    return problems
