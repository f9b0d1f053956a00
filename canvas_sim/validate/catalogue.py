"""The event schemas, compiled once: per event type its validators and its body's keys."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import orjson
from jsonschema import Draft202012Validator, ValidationError, validators  # type: ignore[import-untyped]

from ..schemas import common_schema, load_schemas, registry
from .fastpath import Check, ecma_regex, fast_check, is_annotation

if TYPE_CHECKING:
    from referencing._core import Resolver


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    """``pattern`` as ECMA-262 reads it: ``\\d`` is ASCII, ``$`` is the end of the string."""
    if isinstance(instance, str) and not ecma_regex(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_Validator = validators.extend(Draft202012Validator, {"pattern": _ecma_pattern})


def _inline(schema: Any, resolver: Resolver[Any]) -> Any:
    """``schema`` with every ``$ref`` replaced by its target (the schemas have no cycles)."""
    if isinstance(schema, list):
        return [_inline(item, resolver) for item in schema]
    if not isinstance(schema, dict):
        return schema
    inlined = {
        key: value if key in ("$defs", "enum", "const") else _inline(value, resolver)
        for key, value in schema.items()
        if key != "$ref"
    }
    if "$ref" not in schema:
        return inlined
    resolved = resolver.lookup(schema["$ref"])
    target = _inline(resolved.contents, resolved.resolver)
    if all(is_annotation(key) for key in inlined):
        return {**target, **inlined} if isinstance(target, dict) else target
    return {**inlined, "allOf": [*inlined.get("allOf", []), target]}


@dataclass(frozen=True, slots=True)
class Spec:
    """One event type: its validators and what its body keys are."""

    name: str
    validator: Any  # jsonschema, for the errors
    fast: Check | None  # the same verdict, quickly
    keys: frozenset[str]  # every body property
    required: tuple[str, ...]  # required body keys, in the schema's order
    required_set: frozenset[str]
    core: frozenset[str]  # required, not nullable, documented: what identifies such a body
    nullable: frozenset[str]
    undocumented: frozenset[str]  # "x-not-in-docs": required, tolerated missing leniently
    same_body: tuple[str, ...]  # event names sharing this exact body schema


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Spec]:
    schemas = load_schemas()
    reg = registry(schemas)
    inlined = {
        name: _inline(schema, reg.resolver(base_uri=schema["$id"]))
        for name, schema in schemas.items()
    }
    bodies: dict[str, list[str]] = {}
    for name, schema in inlined.items():
        key = orjson.dumps(schema["properties"]["body"], option=orjson.OPT_SORT_KEYS).decode()
        bodies.setdefault(key, []).append(name)
    specs = {}
    for names in bodies.values():
        for name in names:
            schema = inlined[name]
            body = schema["properties"]["body"]
            props: dict[str, Any] = body.get("properties", {})
            nullable = frozenset(p for p, sub in props.items() if _Validator(sub).is_valid(None))
            undocumented = frozenset(p for p, sub in props.items() if sub.get("x-not-in-docs"))
            required = tuple(body.get("required", ()))
            specs[name] = Spec(
                name=name,
                validator=_Validator(schema),
                fast=fast_check(schema),
                keys=frozenset(props),
                required=required,
                required_set=frozenset(required),
                core=frozenset(required) - nullable - undocumented,
                nullable=nullable,
                undocumented=undocumented,
                same_body=tuple(names),
            )
    return specs


@lru_cache(maxsize=1)
def metadata_keys() -> frozenset[str]:
    """Every key either metadata shape knows (allowed or forbidden)."""
    shapes = common_schema()["$defs"]
    return frozenset(shapes["request_metadata"]["properties"]) | frozenset(
        shapes["job_metadata"]["properties"]
    )


def _fits(spec: Spec, keys: frozenset[str]) -> bool:
    return spec.core <= keys <= spec.keys


def body_owner(claimed: Spec, keys: frozenset[str]) -> Spec | None:
    """The event whose body these keys are, when they fit it and not the claimed event."""
    if not keys or _fits(claimed, keys):
        return None
    owners = {spec.same_body for spec in catalogue().values() if _fits(spec, keys)}
    if len(owners) != 1:
        return None
    return catalogue()[owners.pop()[0]]
