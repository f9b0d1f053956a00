"""The parts every Caliper event shares, built from Canvas metadata (CALIPER.md section 2)."""

from __future__ import annotations

from typing import Any

from .ids import JOB_APP, ROLES, global_id, section_urn, shard_of, urn
from .mapping import Form

CANVAS = "com.instructure.canvas"
VERSION = "1.0.0"
_ROOT_KEYS = ("root_account_id", "root_account_lti_guid", "root_account_uuid")
_ACTOR_KEYS = ("user_login", "user_sis_id", *_ROOT_KEYS)
_REQUEST_KEYS = (
    ("hostname", "hostname"),
    ("request_id", "request_id"),
    ("user_agent", "user_agent"),
    ("client_ip", "client_ip"),
    ("request_url", "url"),
)


def host_of(metadata: dict[str, Any]) -> str | None:
    """The account host: ``hostname``, else the part of ``root_account_lti_guid`` after the
    uuid (Canvas's lti guid is ``<uuid>.<domain>``), as job events carry no hostname."""
    host = metadata.get("hostname")
    if isinstance(host, str) and host:
        return host
    guid = metadata.get("root_account_lti_guid")
    if isinstance(guid, str) and "." in guid:
        return guid.split(".", 1)[1]
    return None


def is_job(metadata: dict[str, Any]) -> bool:
    return "job_id" in metadata


def sensor(metadata: dict[str, Any]) -> str:
    host = host_of(metadata)
    return f"http://{host}/" if host else f"http://{JOB_APP}/"


def ed_app(metadata: dict[str, Any]) -> dict[str, Any]:
    app = JOB_APP if is_job(metadata) else sensor(metadata)
    return {"id": app, "type": "SoftwareApplication"}


def actor(form: Form, metadata: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """The Person who acted (with Canvas's actor extension), else the application."""
    shard = shard_of(metadata)
    if form.actor == "grader":
        grader = body.get("grader_id")
        if grader is None:
            return ed_app(metadata)
        return {"id": urn("user", grader, shard), "type": "Person"}
    user = metadata.get("user_id")
    if user is not None:
        keys = {key: metadata.get(key) for key in _ACTOR_KEYS}
    else:
        user = body.get("user_id")
        if user is None:
            return ed_app(metadata)
        keys = {key: metadata.get(key) for key in _ROOT_KEYS}
    user = global_id(user, shard)
    keys["entity_id"] = user
    if metadata.get("real_user_id") is not None:
        keys["real_user_id"] = global_id(metadata["real_user_id"], shard)
    return {"id": urn("user", user), "type": "Person", "extensions": {CANVAS: keys}}


def _course_group(course: str) -> dict[str, Any]:
    return {
        "id": urn("course", course),
        "type": "CourseOffering",
        "extensions": {CANVAS: {"context_type": "Course", "entity_id": course}},
    }


def group(form: Form, metadata: dict[str, Any], body: dict[str, Any]) -> dict[str, Any] | None:
    """``group``: the course of the event, or the enrollment's section; None when there is none."""
    shard = shard_of(metadata)
    if form.group == "none":
        return None
    if form.group == "membership":
        course = global_id(body.get("course_id"), shard)
        return None if course is None else _course_group(course)
    if form.group == "section":
        course = global_id(body.get("course_id"), shard)
        section = section_urn(course, body.get("course_section_id"), shard)
        if course is None or section is None:
            return None
        return {**_course_group(course), "id": section, "type": "CourseSection"}
    if metadata.get("context_type") == "Course" and metadata.get("context_id") is not None:
        return _course_group(str(global_id(metadata["context_id"], shard)))
    if form.group == "body" and body.get("context_type") == "Course":
        course = global_id(body.get("context_id"), shard)
        return None if course is None else _course_group(course)
    return None


def membership(
    form: Form, metadata: dict[str, Any], the_actor: dict[str, Any], the_group: dict[str, Any]
) -> dict[str, Any] | None:
    """The actor's membership of the group: ``<org>:<Role>:<user>`` with ``roles`` when the
    request's ``context_role`` maps to a role, else ``<org>:user:<user>`` without roles."""
    if the_actor["type"] != "Person":
        return None
    user = the_actor["id"].rsplit(":", 1)[1]
    is_request_user = global_id(metadata.get("user_id"), shard_of(metadata)) == user
    role = ROLES.get(metadata.get("context_role") or "") if is_request_user else None
    if role is None and form.type == "GradeEvent":
        return None  # a GradeEvent keeps its membership only with a course role
    organization: dict[str, Any] = {"id": the_group["id"], "type": the_group["type"]}
    if the_group["type"] == "CourseSection":
        course = the_group["id"].split(":section:", 1)[0]
        organization["subOrganizationOf"] = {"id": course, "type": "CourseOffering"}
    result: dict[str, Any] = {
        "id": f"{the_group['id']}:{role or 'user'}:{user}",
        "type": "Membership",
        "member": {"id": the_actor["id"], "type": "Person"},
        "organization": organization,
    }
    if role is not None:
        result["roles"] = [role]
    return result


def session(metadata: dict[str, Any]) -> dict[str, Any] | None:
    value = metadata.get("session_id")
    return None if value is None else {"id": urn("session", value), "type": "Session"}


def extensions(metadata: dict[str, Any]) -> dict[str, Any]:
    """The event-level extension: request keys, or the job's id and tag."""
    if is_job(metadata):
        keys = {"job_id": metadata.get("job_id"), "job_tag": metadata.get("job_tag")}
    else:
        keys = {key: metadata.get(source) for key, source in _REQUEST_KEYS}
    keys["version"] = VERSION
    return {CANVAS: keys}
