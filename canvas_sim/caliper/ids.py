"""Caliper value forms: Canvas's URN ids, global ids, UTC millisecond times, event uuids."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any

CONTEXT = "http://purl.imsglobal.org/ctx/caliper/v1p1"
URN = "urn:instructure:canvas:"
SHARD_FACTOR = 10**13
JOB_APP = "www.canvaslms.com"  # edApp.id of job-driven events (CALIPER.md 2.3), no scheme
ROLES = {"TeacherEnrollment": "Instructor", "StudentEnrollment": "Learner"}
_RUBY_TIME = re.compile(r"^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) ([+-]\d\d)(\d\d)$")
_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
_CALIPER_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def shard_of(metadata: dict[str, Any]) -> int:
    """The account's shard, read off ``root_account_id`` (a global id); 0 when unknown."""
    root = metadata.get("root_account_id")
    return int(root) // SHARD_FACTOR if isinstance(root, str) and root.isdigit() else 0


def global_id(value: Any, shard: int) -> str | None:
    """The global form of an id (a local one gains the shard); None stays None."""
    if value is None:
        return None
    text = str(value)
    if text.isdigit() and int(text) < SHARD_FACTOR and shard:
        return str(shard * SHARD_FACTOR + int(text))
    return text


def urn(kind: str, value: Any, shard: int = 0) -> str | None:
    """``urn:instructure:canvas:<kind>:<global id>``; None when the id is None."""
    gid = global_id(value, shard)
    return None if gid is None else f"{URN}{kind}:{gid}"


def section_urn(course: Any, section: Any, shard: int = 0) -> str | None:
    """``...:course:<G>:section:<G>``; None when either id is missing."""
    course_urn, section_id = urn("course", course, shard), global_id(section, shard)
    if course_urn is None or section_id is None:
        return None
    return f"{course_urn}:section:{section_id}"


def utc_ms(value: Any) -> str | None:
    """A Canvas time (offset or ``Z``, any precision, Ruby's ``2019-10-05 05:38:00 -0800``, or a
    bare date) as Caliper's ``YYYY-MM-DDTHH:mm:ss.SSSZ`` in UTC; None stays None."""
    if value is None:
        return None
    text = str(value)
    if _CALIPER_TIME.match(text):
        return text  # already UTC with milliseconds (every metadata.event_time)
    ruby = _RUBY_TIME.match(text)
    if ruby:
        text = f"{ruby[1]}T{ruby[2]}{ruby[3]}:{ruby[4]}"
    elif _DATE.match(text):
        text += "T00:00:00+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text  # not a time: left for the checker to name
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return _format(moment.astimezone(UTC))


def _format(moment: datetime) -> str:
    """A UTC datetime as ``YYYY-MM-DDTHH:mm:ss.SSSZ``."""
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:"
        f"{moment.minute:02d}:{moment.second:02d}.{moment.microsecond // 1000:03d}Z"
    )


def event_uuid(content: bytes) -> str:
    """A version 4 ``urn:uuid`` derived from the event's own content: the same Canvas event
    always gets the same id (runs, replays, a duplicate delivery), different events differ."""
    digest = bytearray(hashlib.sha256(b"caliper-event\0" + content).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x40
    digest[8] = (digest[8] & 0x3F) | 0x80
    hexed = digest.hex()
    return f"urn:uuid:{hexed[:8]}-{hexed[8:12]}-{hexed[12:16]}-{hexed[16:20]}-{hexed[20:]}"


def send_delay_ms(content: bytes) -> int:
    """The delivery delay between ``eventTime`` and ``sendTime``: 200-1999 ms, derived from the
    content like the id, so the same event is always sent at the same stated time."""
    return 200 + int.from_bytes(hashlib.sha256(b"caliper-send\0" + content).digest()[:4]) % 1800


def add_ms(time: str, delay_ms: int) -> str:
    """``time`` (Caliper form) plus ``delay_ms``, in Caliper form."""
    return _format(datetime.fromisoformat(time) + timedelta(milliseconds=delay_ms))
