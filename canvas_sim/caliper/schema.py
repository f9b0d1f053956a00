"""JSON Schemas (draft 2020-12) of Canvas's Caliper envelopes, generated from the form table.

``_envelope.schema.json`` holds what every envelope shares (the keys, one event, the id and
time forms, entities with string ``id`` and ``type``, no nulls anywhere); one
``<event_name>.schema.json`` per Canvas event with a Caliper form pins its ``type``,
``action`` and ``object.type``. Canvas's rules across fields (membership ids, entity_id, actor
extensions) are beyond JSON Schema: ``canvas-sim validate`` applies them.
"""

from __future__ import annotations

from typing import Any

from .checks import ACTIONS, EVENT_ID, EVENT_TYPES, SENSOR, TIME
from .ids import CONTEXT
from .mapping import FORMS

BASE = "https://canvas-live-events-simulator.invalid/schemas/caliper/"
ENVELOPE = "_envelope.schema.json"
DRAFT = "https://json-schema.org/draft/2020-12/schema"


# An entity id: a Canvas URN, or an application's http(s)://<host>/ (www.canvaslms.com for jobs)
ENTITY_ID = r"^(urn:instructure:canvas:.+|https?://[^/]+/|www\.canvaslms\.com)$"


def _entity(**properties: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["id", "type"],
        "properties": {
            "id": {"type": "string", "pattern": ENTITY_ID},
            "type": {"type": "string"},
            **properties,
        },
    }


def envelope_schema() -> dict[str, Any]:
    time = {"type": "string", "pattern": TIME.pattern}
    urn = {"type": "string", "pattern": r"^urn:instructure:canvas:"}
    event = {
        "type": "object",
        "required": ["@context", "id", "type", "actor", "action", "object", "eventTime"],
        "properties": {
            "@context": {"const": CONTEXT},
            "id": {"type": "string", "pattern": EVENT_ID.pattern},
            "type": {"enum": sorted(EVENT_TYPES)},
            "action": {"enum": sorted(ACTIONS)},
            "actor": {"$ref": "#/$defs/entity"},
            "object": {"$ref": "#/$defs/entity"},
            "eventTime": time,
            "generated": {"$ref": "#/$defs/entity"},
            "referrer": {"type": "string"},
            "edApp": _entity(type={"const": "SoftwareApplication"}),
            "group": _entity(id=urn, type={"enum": ["CourseOffering", "CourseSection"]}),
            "membership": _entity(id=urn, type={"const": "Membership"}),
            "session": _entity(
                id={"pattern": r"^urn:instructure:canvas:session:[0-9a-f]{32}$"},
                type={"const": "Session"},
            ),
            "extensions": {
                "type": "object",
                "required": ["com.instructure.canvas"],
                "properties": {
                    "com.instructure.canvas": {
                        "type": "object",
                        "required": ["version"],
                        "properties": {"version": {"const": "1.0.0"}},
                    }
                },
            },
        },
    }
    return {
        "$schema": DRAFT,
        "$id": BASE + ENVELOPE,
        "title": "Canvas Caliper 1.1 envelope",
        "description": "One Canvas Live Event in IMS Caliper 1.1 form, as Canvas sends it: one "
        "event per envelope, http:// sensor, UTC millisecond times, URN ids, no nulls.",
        "allOf": [{"$ref": "#/$defs/noNull"}],
        "type": "object",
        "required": ["sensor", "sendTime", "dataVersion", "data"],
        "additionalProperties": False,
        "properties": {
            "sensor": {"type": "string", "pattern": SENSOR.pattern},
            "sendTime": time,
            "dataVersion": {"const": CONTEXT},
            "data": {"type": "array", "minItems": 1, "maxItems": 1, "items": event},
        },
        "$defs": {
            "entity": _entity(),
            "noNull": {
                "not": {"type": "null"},
                "additionalProperties": {"$ref": "#/$defs/noNull"},
                "items": {"$ref": "#/$defs/noNull"},
            },
        },
    }


def event_schema(event_name: str) -> dict[str, Any]:
    form = FORMS[event_name]
    object_type = {} if form.object_type == "*" else {"type": {"const": form.object_type}}
    return {
        "$schema": DRAFT,
        "$id": f"{BASE}{event_name}.schema.json",
        "title": f"{event_name} (Caliper)",
        "description": f"Canvas's {event_name} as a Caliper {form.type} / {form.action}.",
        "$ref": ENVELOPE,
        "properties": {
            "data": {
                "items": {
                    "properties": {
                        "type": {"const": form.type},
                        "action": {"const": form.action},
                        "object": {"properties": object_type},
                    }
                }
            }
        },
    }


def schemas() -> dict[str, dict[str, Any]]:
    """File name -> schema: the envelope's and one per event type with a Caliper form."""
    found = {ENVELOPE: envelope_schema()}
    found.update((f"{name}.schema.json", event_schema(name)) for name in sorted(FORMS))
    return found
