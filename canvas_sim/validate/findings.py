"""A Canvas event's schema errors made into findings: located messages, lenient notes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from .catalogue import Spec, catalogue, metadata_keys

# Metadata keys that real deliveries may leave out (job events without context, LTI calls
# without user_*, token calls without a session, logins without time_zone...).
LENIENT_METADATA_KEYS = frozenset(
    {
        "context_type",
        "context_id",
        "context_account_id",
        "context_sis_source_id",
        "context_role",
        "user_login",
        "user_account_id",
        "user_sis_id",
        "user_id",
        "time_zone",
        "session_id",
        "referrer",
    }
)
EXTRA_KEY_NOTES = {(): "extra_top_level_key", ("metadata",): "extra_metadata_key"}
SHORT = 60


def show(value: Any) -> str:
    """A JSON rendering of a value, cut short."""
    try:
        text = orjson.dumps(value).decode()
    except TypeError:
        text = repr(value)
    return text if len(text) <= SHORT else text[: SHORT - 1] + "…"


def _path(where: tuple[Any, ...], key: str | None = None) -> str:
    parts = [*where, key] if key is not None else list(where)
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


@dataclass(slots=True)
class Finding:
    message: str
    note: str | None = None  # set when lenient mode tolerates it (the note kind)
    body_shape: bool = False  # a missing or extra body key (may mean a mislabelled event)


def _missing(value: Any, instance: Any, dependent: bool) -> list[str]:
    """Missing keys in the order jsonschema reports them (required / dependentRequired)."""
    if not isinstance(instance, dict):
        return []
    if dependent:
        return [
            dep
            for prop, deps in value.items()
            if prop in instance
            for dep in deps
            if dep not in instance
        ]
    return [key for key in value if key not in instance]


def schema_findings(spec: Spec, event: dict[str, Any]) -> list[Finding]:
    found: list[Finding] = []
    counters: dict[tuple[int, tuple[Any, ...]], int] = {}
    for error in spec.validator.iter_errors(event):
        kind = error.validator
        where = tuple(error.absolute_path)
        if kind in ("required", "dependentRequired"):
            slot = (id(error.validator_value), where)
            index = counters.get(slot, 0)
            counters[slot] = index + 1
            missing = _missing(error.validator_value, error.instance, kind == "dependentRequired")
            key = missing[index] if index < len(missing) else "?"
            found.append(_missing_key(spec, where, key, kind == "dependentRequired"))
        elif kind == "additionalProperties":
            allowed = error.schema.get("properties", {})
            for key in error.instance:
                if key not in allowed:
                    note = EXTRA_KEY_NOTES.get(where, "extra_body_key")
                    found.append(
                        Finding(
                            f"{_path(where, key)}: unexpected key",
                            note,
                            body_shape=where == ("body",),
                        )
                    )
        else:
            found.append(Finding(_message(error, where)))
    return found


def quick_findings(spec: Spec, event: dict[str, Any]) -> list[Finding] | None:
    """The findings of a valid event, or of one whose only deviations are omitted nulls and
    unknown keys (the common case of real deliveries), without jsonschema; else None.

    Such an event is repaired (nulls put back, unknown keys taken out) and must then pass the
    fast check; the findings are then the ones :func:`schema_findings` gives, in its order.
    """
    if spec.fast is None:
        return None
    metadata, body = event["metadata"], event["body"]
    known = metadata_keys()
    body_keys = body.keys()
    if (
        len(event) == 2
        and body_keys >= spec.required_set
        and body_keys <= spec.keys
        and metadata.keys() <= known
    ):
        return [] if spec.fast(event) else None
    missing = [key for key in spec.required if key not in body]
    if any(key not in spec.nullable for key in missing):
        return None
    meta_extra = [key for key in metadata if key not in known]
    body_extra = [key for key in body if key not in spec.keys]
    top_extra = [key for key in event if key not in ("metadata", "body")]
    repaired = {
        "metadata": {k: v for k, v in metadata.items() if k in known},
        "body": {**{k: v for k, v in body.items() if k in spec.keys}, **dict.fromkeys(missing)},
    }
    if not spec.fast(repaired):
        return None
    body_path = ("body",)
    return [
        *(Finding(f"$.metadata.{key}: unexpected key", "extra_metadata_key") for key in meta_extra),
        *(_missing_key(spec, body_path, key, False) for key in missing),
        *(Finding(f"$.body.{key}: unexpected key", "extra_body_key", True) for key in body_extra),
        *(Finding(f"$.{key}: unexpected key", "extra_top_level_key") for key in top_extra),
    ]


def _missing_key(spec: Spec, where: tuple[Any, ...], key: str, dependent: bool) -> Finding:
    path = _path(where, key)
    if where == ("body",):
        if key in spec.nullable:
            return Finding(f"{path}: missing (a null-valued key omitted)", "omitted_null", True)
        if key in spec.undocumented:
            return Finding(
                f"{path}: missing (sent by current Canvas, not in its docs)",
                "missing_undocumented_key",
                True,
            )
        return Finding(f"{path}: missing", body_shape=True)
    if where == ("metadata",) and key in LENIENT_METADATA_KEYS:
        return Finding(f"{path}: missing", "missing_metadata_key")
    return Finding(f"{path}: missing" + (" (required with the keys present)" if dependent else ""))


def _message(error: Any, where: tuple[Any, ...]) -> str:
    path = _path(where)
    kind, value, instance = error.validator, error.validator_value, error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    title = schema.get("title")
    if kind == "type":
        types = " or ".join(value) if isinstance(value, list) else value
        return f"{path}: {show(instance)} is not of type {types}"
    if kind == "pattern":
        return f"{path}: {show(instance)} is not {title or 'matching ' + show(value)}"
    if kind == "const":
        return f"{path}: {show(instance)} is not {show(value)}"
    if kind == "enum":
        return f"{path}: {show(instance)} is not one of {show(value)}"
    if kind == "not":
        return f"{path}: not allowed here ({title})" if title else f"{path}: not allowed here"
    if kind == "maxLength":
        return f"{path}: {len(instance)} characters, more than {value}"
    if kind == "minLength":
        return f"{path}: {show(instance)} is shorter than {value} characters"
    if kind == "minimum":
        return f"{path}: {show(instance)} is less than {value}"
    message: str = error.message
    return f"{path}: {message if len(message) <= 2 * SHORT else message[: 2 * SHORT] + '…'}"


def first_schema_problem(event: dict[str, Any]) -> str | None:
    """The first way one event breaks its JSON Schema (strictly, as ``validate`` without
    ``--lenient``), or None: what ``canvas-sim receive --validate`` answers 400 with."""
    name = event["metadata"]["event_name"]
    spec = catalogue().get(name)
    if spec is None:
        return f"$.metadata.event_name: {show(name)} has no schema"
    findings = quick_findings(spec, event)
    if findings is None:
        findings = schema_findings(spec, event)
    return findings[0].message if findings else None
