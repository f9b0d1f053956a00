"""The JSON Schema of scenario files (for editors), built from the scenario model."""

from __future__ import annotations

from typing import Any

from .models import Scenario


def json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files (for editors: the YAML language server)."""
    schema = Scenario.model_json_schema()
    defs = schema["$defs"]
    step = dict(schema["properties"]["steps"]["items"])
    step["oneOf"] = [*step["oneOf"], {"$ref": "#/$defs/RepeatBlock"}]
    defs["Step"] = step
    defs["RepeatBlock"] = {
        "type": "object",
        "title": "RepeatBlock",
        "description": "Steps repeated N times; ${n} is the iteration number (1..N).",
        "additionalProperties": False,
        "required": ["repeat", "steps"],
        "properties": {
            "repeat": {"type": "integer", "minimum": 1, "maximum": 10_000},
            "at": defs["GradeStep"]["properties"]["at"],
            "every": defs["GradeStep"]["properties"]["after"],
            "steps": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/Step"}},
        },
    }
    include = {
        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
        "description": "Other YAML file(s), relative to this one, merged under this mapping's "
        "own keys",
    }
    defs["Include"] = {
        "type": "object",
        "title": "Include",
        "description": "Replaced by the items of the named file's list.",
        "additionalProperties": False,
        "required": ["include"],
        "properties": {"include": {"type": "string"}},
    }
    step["oneOf"].append({"$ref": "#/$defs/Include"})
    for node in [schema, *defs.values()]:
        if node.get("additionalProperties") is False and node is not defs["Include"]:
            node["properties"].setdefault("include", include)
    schema["properties"]["steps"]["items"] = {"$ref": "#/$defs/Step"}
    block_steps = defs["CourseBlock"]["properties"]["steps"]["anyOf"]
    next(s for s in block_steps if s.get("type") == "array")["items"] = {"$ref": "#/$defs/Step"}
    _allow_placeholders(schema)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Canvas Live Events simulator scenario"
    return schema


_KEY_PATTERN = r"^[A-Za-z0-9_.\-]+$"
_KEY_OR_PLACEHOLDER = r"^([A-Za-z0-9_.\-]|\$\{[A-Za-z_][A-Za-z0-9_]*\})+$"


_WHOLE_PLACEHOLDER = {"type": "string", "pattern": r"^\$\{[A-Za-z_][A-Za-z0-9_]*\}$"}
_KEPT_OUTSIDE = ("title", "description", "default")


def _allow_placeholders(node: Any) -> None:
    """The file may hold ``${name}`` placeholders (resolved before validation): in keys, and
    as a whole number or flag (``count: ${courses}``), so editors accept what the loader does."""
    if isinstance(node, dict):
        if node.get("pattern") == _KEY_PATTERN:
            node["pattern"] = _KEY_OR_PLACEHOLDER
        for value in node.values():
            _allow_placeholders(value)
        if node.get("type") in ("integer", "number", "boolean"):
            inner = {k: v for k, v in node.items() if k not in _KEPT_OUTSIDE}
            for key in inner:
                del node[key]
            node["anyOf"] = [inner, dict(_WHOLE_PLACEHOLDER)]
    elif isinstance(node, list):
        for value in node:
            _allow_placeholders(value)
