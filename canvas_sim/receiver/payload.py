"""What a receiver accepts in a POST body: Canvas events as JSON, a JWT, or a quoted JWT."""

from __future__ import annotations

import re
from typing import Any

import orjson

from ..signing import TokenError, Verifier


class Rejected(Exception):
    """A request the receiver answers with a 4xx status."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.kind = "signature" if status == 401 else "refused"  # as the page groups problems


# A compact JWS: three base64url parts separated by dots (the signature may be empty).
_JWT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
MAX_BODY_BYTES = 16 * 1024 * 1024  # a larger request body is refused (413)
NOT_A_PAYLOAD = "neither a JSON event nor a JWT"
UNSIGNED = "unsigned payload, but the receiver verifies signatures (--verify-key / --jwks)"
NO_KEY = "signed payload but no --verify-key / --jwks given"
NOT_AN_EVENT = "not a Canvas event: expected {metadata: {event_name}, body}"
CALIPER = (
    "not a Canvas event but a Caliper envelope: the receiver takes the Canvas format only "
    "(Caliper envelopes can be checked with `canvas-sim validate`)"
)


def error_body(reason: str) -> bytes:
    """The JSON answer to a request that was not accepted: the reason, for senders to show."""
    return orjson.dumps({"ok": False, "error": reason})


def _is_event(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("metadata"), dict)
        and isinstance(value.get("body"), dict)
        and isinstance(value["metadata"].get("event_name"), str)
    )


def _not_an_event(value: Any) -> Rejected:
    caliper = isinstance(value, dict) and {"sensor", "sendTime", "data"} <= value.keys()
    return Rejected(400, CALIPER if caliper else NOT_AN_EVENT)


def decode_payload(raw: bytes, verifier: Verifier | None) -> tuple[list[dict[str, Any]], int]:
    """The events in one POST body, and how many signatures were verified.

    Raises Rejected for anything that is not a Canvas-format payload: 400 for a body that is
    neither JSON nor a JWT, or not an event (a Caliper envelope is named as such); 401 for a JWT
    that does not verify (or arrives with no key to verify it) and, when the receiver verifies,
    for an unsigned event.
    """
    text = raw.strip()
    if not text:
        raise Rejected(400, "empty body")
    try:
        value: Any = orjson.loads(text)
    except orjson.JSONDecodeError:
        if not _JWT.fullmatch(text.decode("latin-1")):
            raise Rejected(400, NOT_A_PAYLOAD) from None
        value = text.decode("ascii")  # a bare compact JWT
    items = value if isinstance(value, list) else [value]
    events: list[dict[str, Any]] = []
    verified = 0
    for item in items:
        if isinstance(item, str):
            if not _JWT.fullmatch(item):
                raise Rejected(400, NOT_A_PAYLOAD)
            if verifier is None:
                raise Rejected(401, NO_KEY)
            try:
                claims = verifier.verify(item)
            except TokenError as exc:
                raise Rejected(401, f"bad signature: {exc}") from None
            verified += 1
            if not _is_event(claims):
                raise _not_an_event(claims)
            item = {"metadata": claims["metadata"], "body": claims["body"]}
        elif not _is_event(item):
            raise _not_an_event(item)
        elif verifier is not None:
            raise Rejected(401, UNSIGNED)
        events.append(item)
    return events, verified
