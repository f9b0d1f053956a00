"""The fast path: a JSON Schema compiled to a plain predicate, for events that are valid.

Only valid events take it; an invalid one is then run through jsonschema for its errors. A
keyword it does not know makes the whole schema fall back to jsonschema.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=256)
def ecma_regex(pattern: str) -> re.Pattern[str]:
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern, re.ASCII)


ANNOTATIONS = frozenset(
    {"title", "description", "$comment", "$schema", "$id", "$defs", "examples", "default"}
)


def is_annotation(keyword: str) -> bool:
    return keyword in ANNOTATIONS or keyword.startswith("x-")


class _Unsupported(Exception):
    pass


Check = Callable[[Any], bool]
_PY_TYPES: dict[str, type] = {
    "string": str,
    "null": type(None),
    "boolean": bool,
    "object": dict,
    "array": list,
}


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: 5 == 5.0, but true != 1 and "" != null."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(json_equal, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _all(checks: list[Check]) -> Check:
    if not checks:
        return lambda _: True
    if len(checks) == 1:
        return checks[0]

    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)

    def check(value: Any) -> bool:
        for c in checks:  # noqa: SIM110 (a loop is faster than all() here)
            if not c(value):
                return False
        return True

    return check


def _type_check(names: Any, _: dict[str, Any]) -> Check:
    wanted = set(names) if isinstance(names, list) else {names}
    simple = tuple(_PY_TYPES[name] for name in wanted if name in _PY_TYPES)
    number, integer = "number" in wanted, "integer" in wanted
    if not (number or integer):
        return lambda v: isinstance(v, simple)

    def check(value: Any) -> bool:
        if isinstance(value, simple):
            return True
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return number or (integer and (isinstance(value, int) or value.is_integer()))

    return check


def _enum_check(values: list[Any], _: dict[str, Any]) -> Check:
    if all(isinstance(v, str) or v is None for v in values):
        strings = frozenset(v for v in values if v is not None)
        null = None in values
        return lambda v: (v is None and null) or (isinstance(v, str) and v in strings)
    return lambda v: any(json_equal(v, e) for e in values)


def _properties_check(props: dict[str, Any], _: dict[str, Any]) -> Check:
    subs = [(key, _compile(sub)) for key, sub in props.items()]

    def check(value: Any) -> bool:
        if not isinstance(value, dict):
            return True
        for key, sub in subs:  # noqa: SIM110 (a loop is faster than all() here)
            if key in value and not sub(value[key]):
                return False
        return True

    return check


def _additional_check(extra: Any, schema: dict[str, Any]) -> Check:
    if "patternProperties" in schema:
        raise _Unsupported("patternProperties")
    known = frozenset(schema.get("properties", {}))
    if extra is False:
        return lambda v: not isinstance(v, dict) or v.keys() <= known
    sub = _compile(extra)
    return lambda v: not isinstance(v, dict) or all(sub(v[k]) for k in v if k not in known)


def _dependent_check(deps: dict[str, list[str]], _: dict[str, Any]) -> Check:
    pairs = [(key, frozenset(needed)) for key, needed in deps.items()]
    return lambda v: not isinstance(v, dict) or all(n <= v.keys() for k, n in pairs if k in v)


def _if_check(condition: Any, schema: dict[str, Any]) -> Check:
    test, then, otherwise = (
        _compile(condition),
        _compile(schema.get("then", True)),
        _compile(schema.get("else", True)),
    )
    return lambda v: then(v) if test(v) else otherwise(v)


def _pattern_check(pattern: str, _: dict[str, Any]) -> Check:
    search = ecma_regex(pattern).search
    return lambda v: not isinstance(v, str) or search(v) is not None


def _items_check(items: Any, schema: dict[str, Any]) -> Check:
    if "prefixItems" in schema:
        raise _Unsupported("prefixItems")
    sub = _compile(items)
    return lambda v: not isinstance(v, list) or all(map(sub, v))


def _not_check(sub: Any, _: dict[str, Any]) -> Check:
    inner = _compile(sub)
    return lambda v: not inner(v)


_KEYWORDS: dict[str, Callable[[Any, dict[str, Any]], Check]] = {
    "type": _type_check,
    "enum": _enum_check,
    "const": lambda c, _: lambda v: json_equal(v, c),
    "pattern": _pattern_check,
    "minimum": lambda m, _: lambda v: not _is_number(v) or v >= m,
    "minLength": lambda n, _: lambda v: not isinstance(v, str) or len(v) >= n,
    "maxLength": lambda n, _: lambda v: not isinstance(v, str) or len(v) <= n,
    "properties": _properties_check,
    "required": lambda keys, _: (
        lambda needed: lambda v: not isinstance(v, dict) or needed <= v.keys()
    )(frozenset(keys)),
    "additionalProperties": _additional_check,
    "dependentRequired": _dependent_check,
    "if": _if_check,
    "then": lambda *_: lambda _: True,  # with "if"
    "else": lambda *_: lambda _: True,  # with "if"
    "allOf": lambda subs, _: _all([_compile(sub) for sub in subs]),
    "anyOf": lambda subs, _: (lambda cs: lambda v: any(c(v) for c in cs))(
        list(map(_compile, subs))
    ),
    "not": _not_check,
    "items": _items_check,
}


def _compile(schema: Any) -> Check:
    """A predicate equivalent to ``Draft202012Validator(schema).is_valid`` (refs inlined)."""
    if schema is True:
        return lambda _: True
    if schema is False:
        return lambda _: False
    if not isinstance(schema, dict):
        raise _Unsupported(repr(schema))
    if schema.keys() - ANNOTATIONS == {"type", "pattern"}:  # ids, timestamps: one closure
        types = _type_check(schema["type"], schema)
        search = ecma_regex(schema["pattern"]).search
        return lambda v: types(v) and (not isinstance(v, str) or search(v) is not None)
    checks = []
    for keyword, value in schema.items():
        if is_annotation(keyword):
            continue
        build = _KEYWORDS.get(keyword)
        if build is None:
            raise _Unsupported(keyword)
        if keyword not in ("then", "else"):
            checks.append(build(value, schema))
    return _all(checks)


def fast_check(schema: Any) -> Check | None:
    try:
        return _compile(schema)
    except _Unsupported:
        return None
