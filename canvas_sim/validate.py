"""Check a stream of Canvas Live Events (JSONL) against the schemas and against itself.

Independent of the generator: it reads only the events (never the engine, world, catalogue or
grade calculator) and the JSON Schemas in :mod:`canvas_sim.schemas`, so it can judge the
simulator's output as well as payloads captured from a real Canvas.

Public API::

    @dataclass
    class Problem:
        line: int            # 1-based line number in the stream
        event: str | None    # metadata.event_name, when known
        kind: str            # see below
        message: str         # names the JSON path: '$.body.score: "8" is not of type number...'

    @dataclass
    class Report:
        events: Counter[str]         # lines per event_name (duplicates included)
        problems: list[Problem]      # at most max_problems of them, in stream order
        lines: int                   # lines read (blank lines are skipped but counted)
        lenient_notes: Counter[str]  # lenient mode: what was tolerated, by note kind
        dropped: int                 # problems beyond max_problems (counted, not kept)
        ok: bool                     # property: no problems

    validate_lines(lines: Iterable[bytes | str], *, lenient=False, max_problems=1000,
                   dedupe_window=100_000) -> Report
    validate_file(path: str | Path, **same keywords) -> Report   # "-" reads stdin (binary)

    StreamValidator(**same keywords)   # the engine of both: .feed(line) one at a time, .report

    python -m canvas_sim.validate [--lenient] [--max-problems N] [FILE ...]
        # prints the problems; exit 0 when clean, 1 on problems, 2 when a file cannot be read

Problem kinds:

- ``json``: not JSON, or not an object with ``metadata`` and ``body`` objects.
- ``unknown_event``: ``metadata.event_name`` has no schema.
- ``schema``: a schema error (every one of them, each naming its JSON path); also a body that is
  another event's body (``grade_override`` sent as ``event_name: "grade_change"``, as in Canvas's
  docs): reported once on ``$.metadata.event_name``, then checked as the event it is.
- ``lenient``: strict mode only: a deviation real deliveries show and lenient mode tolerates: an
  omitted null-valued body key (``omitted_null``), a missing key that current Canvas sends beyond
  its docs (``missing_undocumented_key``: ``assignment_name``, ``posted_at``), an unknown extra
  key (``extra_body_key``, ``extra_metadata_key``, ``extra_top_level_key``), an optional metadata
  key missing (``missing_metadata_key``: ``context_*``, ``user_*``, ``time_zone``, ``session_id``,
  ``referrer``). With ``lenient=True`` these are counted in ``lenient_notes`` under those names.
- ``chain``: an ``old_*`` value differs from the new value of the previous event of the same
  record: ``grade_change`` per ``submission_id`` (``old_score``, ``old_grade``,
  ``old_points_possible``), ``course_grade_change`` per (``user_id``, ``course_id``) (the four
  scores), ``grade_override`` per ``score_id``, ``submission_custom_grade_status`` per
  ``submission_id`` and ``final_grade_custom_status`` per ``score_id`` (status name and id,
  ``""`` = none). The first event seen of a record is taken as is.
- ``attempt``: ``attempt`` decreased for a ``submission_id`` across ``submission_created`` /
  ``submission_updated`` (null counts as 0).
- ``duplicate``: a line identical (after trailing whitespace) to an earlier line within the last
  ``dedupe_window`` lines; counted as a ``duplicate`` note in lenient mode. A duplicate is not
  checked again and does not feed the chains.

The chain and attempt checks assume the stream is in emission order (the simulator's output, or
a capture sorted back into it); Canvas itself delivers out of order. Memory: the chain state is
one small entry per record (submission, score row), the duplicate window a bounded number of
line hashes; the stream itself is never held. Speed: each schema is also compiled to a plain
predicate; valid events, and events whose only deviations are omitted nulls and unknown keys, never
reach jsonschema, which runs only to describe the errors of the others (tests check that both
agree).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from jsonschema import Draft202012Validator, ValidationError, validators  # type: ignore[import-untyped]

from .schemas import common_schema, load_schemas, registry

if TYPE_CHECKING:
    from referencing._core import Resolver

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


@dataclass
class Problem:
    """One problem of the stream, at a 1-based line."""

    line: int
    event: str | None
    kind: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: [{self.kind}] {self.event or '-'}: {self.message}"


@dataclass
class Report:
    """What a validation found: events by type, problems, and what lenient mode tolerated."""

    events: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    lines: int = 0
    lenient_notes: Counter[str] = field(default_factory=Counter)
    dropped: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and not self.dropped


# --- schemas, compiled once ------------------------------------------------------------------


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    """``pattern`` as ECMA-262 reads it: ``\\d`` is ASCII, ``$`` is the end of the string."""
    if isinstance(instance, str) and not _regex(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern, re.ASCII)


_Validator = validators.extend(Draft202012Validator, {"pattern": _ecma_pattern})
_ANNOTATIONS = frozenset(
    {"title", "description", "$comment", "$schema", "$id", "$defs", "examples", "default"}
)


def _is_annotation(keyword: str) -> bool:
    return keyword in _ANNOTATIONS or keyword.startswith("x-")


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
    if all(_is_annotation(key) for key in inlined):
        return {**target, **inlined} if isinstance(target, dict) else target
    return {**inlined, "allOf": [*inlined.get("allOf", []), target]}


# The fast path: a schema compiled to a predicate. Only valid events take it; an invalid one is
# then run through jsonschema for its errors. A keyword it does not know makes the whole schema
# fall back to jsonschema.


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


def _json_equal(a: Any, b: Any) -> bool:
    """JSON equality: 5 == 5.0, but true != 1 and "" != null."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(_json_equal, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
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
    return lambda v: any(_json_equal(v, e) for e in values)


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
    search = _regex(pattern).search
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
    "const": lambda c, _: lambda v: _json_equal(v, c),
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
    if schema.keys() - _ANNOTATIONS == {"type", "pattern"}:  # ids, timestamps: one closure
        types = _type_check(schema["type"], schema)
        search = _regex(schema["pattern"]).search
        return lambda v: types(v) and (not isinstance(v, str) or search(v) is not None)
    checks = []
    for keyword, value in schema.items():
        if _is_annotation(keyword):
            continue
        build = _KEYWORDS.get(keyword)
        if build is None:
            raise _Unsupported(keyword)
        if keyword not in ("then", "else"):
            checks.append(build(value, schema))
    return _all(checks)


def _fast(schema: Any) -> Check | None:
    try:
        return _compile(schema)
    except _Unsupported:
        return None


@dataclass(frozen=True, slots=True)
class _Spec:
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
def _catalogue() -> dict[str, _Spec]:
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
            specs[name] = _Spec(
                name=name,
                validator=_Validator(schema),
                fast=_fast(schema),
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
def _metadata_keys() -> frozenset[str]:
    """Every key either metadata shape knows (allowed or forbidden)."""
    shapes = common_schema()["$defs"]
    return frozenset(shapes["request_metadata"]["properties"]) | frozenset(
        shapes["job_metadata"]["properties"]
    )


def _fits(spec: _Spec, keys: frozenset[str]) -> bool:
    return spec.core <= keys <= spec.keys


def _body_owner(claimed: _Spec, keys: frozenset[str]) -> _Spec | None:
    """The event whose body these keys are, when they fit it and not the claimed event."""
    if not keys or _fits(claimed, keys):
        return None
    owners = {spec.same_body for spec in _catalogue().values() if _fits(spec, keys)}
    if len(owners) != 1:
        return None
    return _catalogue()[owners.pop()[0]]


# --- schema errors -> findings ----------------------------------------------------------------


def _show(value: Any) -> str:
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
class _Finding:
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


def _findings(spec: _Spec, event: dict[str, Any]) -> list[_Finding]:
    found: list[_Finding] = []
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
                        _Finding(
                            f"{_path(where, key)}: unexpected key",
                            note,
                            body_shape=where == ("body",),
                        )
                    )
        else:
            found.append(_Finding(_message(error, where)))
    return found


def _quick_findings(spec: _Spec, event: dict[str, Any]) -> list[_Finding] | None:
    """The findings of a valid event, or of one whose only deviations are omitted nulls and
    unknown keys (the common case of real deliveries), without jsonschema; else None.

    Such an event is repaired (nulls put back, unknown keys taken out) and must then pass the
    fast check; the findings are then the ones :func:`_findings` gives, in its order.
    """
    if spec.fast is None:
        return None
    metadata, body = event["metadata"], event["body"]
    known = _metadata_keys()
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
        *(
            _Finding(f"$.metadata.{key}: unexpected key", "extra_metadata_key")
            for key in meta_extra
        ),
        *(_missing_key(spec, body_path, key, False) for key in missing),
        *(_Finding(f"$.body.{key}: unexpected key", "extra_body_key", True) for key in body_extra),
        *(_Finding(f"$.{key}: unexpected key", "extra_top_level_key") for key in top_extra),
    ]


def _missing_key(spec: _Spec, where: tuple[Any, ...], key: str, dependent: bool) -> _Finding:
    path = _path(where, key)
    if where == ("body",):
        if key in spec.nullable:
            return _Finding(f"{path}: missing (a null-valued key omitted)", "omitted_null", True)
        if key in spec.undocumented:
            return _Finding(
                f"{path}: missing (sent by current Canvas, not in its docs)",
                "missing_undocumented_key",
                True,
            )
        return _Finding(f"{path}: missing", body_shape=True)
    if where == ("metadata",) and key in LENIENT_METADATA_KEYS:
        return _Finding(f"{path}: missing", "missing_metadata_key")
    return _Finding(f"{path}: missing" + (" (required with the keys present)" if dependent else ""))


def _message(error: Any, where: tuple[Any, ...]) -> str:
    path = _path(where)
    kind, value, instance = error.validator, error.validator_value, error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    title = schema.get("title")
    if kind == "type":
        types = " or ".join(value) if isinstance(value, list) else value
        return f"{path}: {_show(instance)} is not of type {types}"
    if kind == "pattern":
        return f"{path}: {_show(instance)} is not {title or 'matching ' + _show(value)}"
    if kind == "const":
        return f"{path}: {_show(instance)} is not {_show(value)}"
    if kind == "enum":
        return f"{path}: {_show(instance)} is not one of {_show(value)}"
    if kind == "not":
        return f"{path}: not allowed here ({title})" if title else f"{path}: not allowed here"
    if kind == "maxLength":
        return f"{path}: {len(instance)} characters, more than {value}"
    if kind == "minLength":
        return f"{path}: {_show(instance)} is shorter than {value} characters"
    if kind == "minimum":
        return f"{path}: {_show(instance)} is less than {value}"
    message: str = error.message
    return f"{path}: {message if len(message) <= 2 * SHORT else message[: 2 * SHORT] + '…'}"


# --- the stream -------------------------------------------------------------------------------


# chain name -> (key fields, [(old field, new field)], what the record is)
CHAINS: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str], ...], str]] = {
    "grade_change": (
        ("submission_id",),
        (
            ("old_score", "score"),
            ("old_grade", "grade"),
            ("old_points_possible", "points_possible"),
        ),
        "submission",
    ),
    "course_grade_change": (
        ("user_id", "course_id"),
        tuple(
            ("old_" + name, name)
            for name in (
                "current_score",
                "final_score",
                "unposted_current_score",
                "unposted_final_score",
            )
        ),
        "user, course",
    ),
    "grade_override": (("score_id",), (("old_override_score", "override_score"),), "score"),
    "submission_custom_grade_status": (
        ("submission_id",),
        (
            ("old_submission_status_id", "submission_status_id"),
            ("old_submission_status", "submission_status"),
        ),
        "submission",
    ),
    "final_grade_custom_status": (
        ("score_id",),
        (
            ("old_override_status_id", "override_status_id"),
            ("old_override_status", "override_status"),
        ),
        "score",
    ),
}
ATTEMPT_EVENTS = frozenset({"submission_created", "submission_updated"})


def first_schema_problem(event: dict[str, Any]) -> str | None:
    """The first way one event breaks its JSON Schema (strictly, as ``validate`` without
    ``--lenient``), or None: what ``canvas-sim receive --validate`` answers 400 with."""
    name = event["metadata"]["event_name"]
    spec = _catalogue().get(name)
    if spec is None:
        return f"$.metadata.event_name: {_show(name)} has no schema"
    findings = _quick_findings(spec, event)
    if findings is None:
        findings = _findings(spec, event)
    return findings[0].message if findings else None


class StreamValidator:
    """Feed it lines in order (:meth:`feed`); :attr:`report` holds the result so far."""

    def __init__(
        self, *, lenient: bool = False, max_problems: int = 1000, dedupe_window: int = 100_000
    ) -> None:
        self.lenient = lenient
        self.max_problems = max_problems
        self.dedupe_window = dedupe_window
        self.report = Report()
        self._specs = _catalogue()
        self._recent: OrderedDict[int, int] = OrderedDict()  # line hash -> first line
        # chain -> record key -> (new values, line); submission_id -> (attempt, line)
        self._chains: dict[str, dict[tuple[str, ...], tuple[tuple[Any, ...], int]]] = {
            name: {} for name in CHAINS
        }
        self._attempts: dict[str, tuple[int, int]] = {}

    def _problem(self, line: int, event: str | None, kind: str, message: str) -> None:
        if len(self.report.problems) < self.max_problems:
            self.report.problems.append(Problem(line, event, kind, message))
        else:
            self.report.dropped += 1

    def _tolerated(self, line: int, event: str | None, note: str, message: str) -> None:
        """A problem when strict (kind "lenient", or "duplicate"), a note when lenient."""
        if self.lenient:
            self.report.lenient_notes[note] += 1
        elif note == "duplicate":
            self._problem(line, event, "duplicate", message)
        else:
            self._problem(line, event, "lenient", f"{message} [lenient: {note}]")

    def feed(self, raw: bytes | str, line: int | None = None) -> None:
        """Check one line (``line``: its 1-based number; default: the next one)."""
        self.report.lines += 1
        number = self.report.lines if line is None else line
        text = raw.rstrip()
        if not text:
            return
        digest = hash(text)
        first = self._recent.get(digest)
        if first is None and self.dedupe_window > 0:
            self._recent[digest] = number
            if len(self._recent) > self.dedupe_window:
                self._recent.popitem(last=False)
        try:
            event = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            self._problem(number, None, "json", f"not JSON: {exc}")
            return
        if not isinstance(event, dict):
            self._problem(number, None, "json", "not a JSON object")
            return
        metadata, body = event.get("metadata"), event.get("body")
        if not isinstance(metadata, dict) or not isinstance(body, dict):
            self._problem(number, None, "json", "not an object with metadata and body objects")
            return
        name = metadata.get("event_name")
        if not isinstance(name, str):
            self._problem(number, None, "schema", "$.metadata.event_name: missing or not a string")
            return
        self.report.events[name] += 1
        if first is not None:
            self._tolerated(number, name, "duplicate", f"an exact duplicate of line {first}")
            return
        spec = self._specs.get(name)
        if spec is None:
            self._problem(number, name, "unknown_event", f"$.metadata.event_name: {_show(name)}")
            return
        findings = _quick_findings(spec, event)
        if findings is None:
            findings = _findings(spec, event)
        if any(finding.body_shape for finding in findings):
            owner = _body_owner(spec, frozenset(body))
            if owner is not None:
                self._problem(
                    number,
                    name,
                    "schema",
                    f"$.metadata.event_name: {_show(name)}, but the body is a "
                    f"{' / '.join(owner.same_body)} body",
                )
                relabelled = {**event, "metadata": {**metadata, "event_name": owner.name}}
                spec, findings = owner, _findings(owner, relabelled)
        for finding in findings:
            if finding.note is None:
                self._problem(number, name, "schema", finding.message)
            else:
                self._tolerated(number, name, finding.note, finding.message)
        self._check_chains(spec.name, name, body, number)

    def _check_chains(self, kind: str, name: str, body: dict[str, Any], line: int) -> None:
        chain = CHAINS.get(kind)
        if chain is not None:
            key_fields, pairs, record = chain
            key = tuple(part for part in map(body.get, key_fields) if isinstance(part, str))
            if len(key) != len(key_fields):
                return
            state = self._chains[kind]
            previous = state.get(key)
            if previous is not None:
                values, before = previous
                for (old, new), was in zip(pairs, values, strict=True):
                    if not _json_equal(body.get(old), was):
                        self._problem(
                            line,
                            name,
                            "chain",
                            f"$.body.{old}: {_show(body.get(old))}, but the previous {kind} of "
                            f"{record} {', '.join(key)} (line {before}) set {new} "
                            f"{_show(was)}",
                        )
            state[key] = (tuple(body.get(new) for _, new in pairs), line)
        if kind in ATTEMPT_EVENTS:
            submission, attempt = body.get("submission_id"), body.get("attempt")
            if not isinstance(submission, str):
                return
            value = attempt if isinstance(attempt, int) and not isinstance(attempt, bool) else 0
            previous_attempt = self._attempts.get(submission)
            if previous_attempt is not None and value < previous_attempt[0]:
                self._problem(
                    line,
                    name,
                    "attempt",
                    f"$.body.attempt: {_show(attempt)} after {previous_attempt[0]} (line "
                    f"{previous_attempt[1]}) for submission {submission}: attempts never decrease",
                )
            self._attempts[submission] = (value, line)


def validate_lines(
    lines: Iterable[bytes | str],
    *,
    lenient: bool = False,
    max_problems: int = 1000,
    dedupe_window: int = 100_000,
) -> Report:
    """Validate a stream of JSONL lines; see the module docstring."""
    validator = StreamValidator(
        lenient=lenient, max_problems=max_problems, dedupe_window=dedupe_window
    )
    feed = validator.feed
    for raw in lines:
        feed(raw)
    return validator.report


def validate_file(
    path: str | Path,
    *,
    lenient: bool = False,
    max_problems: int = 1000,
    dedupe_window: int = 100_000,
) -> Report:
    """Validate a JSONL file, or standard input (binary) when ``path`` is ``"-"``."""
    options: dict[str, Any] = {
        "lenient": lenient,
        "max_problems": max_problems,
        "dedupe_window": dedupe_window,
    }
    if str(path) == "-":
        return validate_lines(sys.stdin.buffer, **options)
    with open(path, "rb") as stream:
        return validate_lines(stream, **options)


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> int:
    """``python -m canvas_sim.validate``: 0 when every file is clean, 1 on problems, 2 on errors."""
    parser = argparse.ArgumentParser(
        prog="python -m canvas_sim.validate",
        description="Check Canvas Live Events JSONL against the schemas and its old/new chains.",
    )
    parser.add_argument("files", nargs="*", default=["-"], help="JSONL files ('-': stdin)")
    parser.add_argument("--lenient", action="store_true", help="accept real-delivery variants")
    parser.add_argument("--max-problems", type=int, default=1000, metavar="N")
    args = parser.parse_args(argv)
    status = 0
    for name in args.files:
        try:
            report = validate_file(name, lenient=args.lenient, max_problems=args.max_problems)
        except OSError as exc:
            print(f"{name}: {exc.strerror or exc}", file=sys.stderr)
            status = 2
            continue
        for problem in report.problems:
            out(f"{name}: {problem}")
        events = sum(report.events.values())
        problems = len(report.problems) + report.dropped
        summary = f"{name}: {report.lines} lines, {events} events, {problems} problems"
        if report.lenient_notes:
            notes = ", ".join(f"{k} {v}" for k, v in sorted(report.lenient_notes.items()))
            summary += f"; tolerated: {notes}"
        print(summary, file=sys.stderr)
        if not report.ok and status == 0:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
