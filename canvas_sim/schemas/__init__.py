"""JSON Schemas (draft 2020-12) of the Canvas Live Events the simulator emits or will emit.

One file per event type, ``<event_name>.schema.json``, describing the whole payload
(``{"metadata": ..., "body": ...}``) in its strict form: every documented body key required,
no unknown keys, ids as digit strings in their global or local form. Shared definitions (id
forms, timestamps, the request-driven and job-driven metadata shapes) are in
``_common.schema.json`` and referred to by ``$ref``; :func:`registry` resolves them. Beside them,
``_end_state.schema.json`` describes the end state files of ``run --state-out``.

Body properties marked ``"x-not-in-docs": true`` are keys current Canvas sends beyond its docs
(``grade_change.assignment_name``, ``submission_*.posted_at``): required here, tolerated when
missing by the lenient mode of :mod:`canvas_sim.validate`.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SUFFIX = ".schema.json"
COMMON = "_common" + SUFFIX
END_STATE = "_end_state" + SUFFIX


def _read(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(files(__name__).joinpath(name).read_text("utf-8"))
    return data


def load_schemas() -> dict[str, dict[str, Any]]:
    """Every event schema, keyed by event name (fresh dicts on every call; ``_common`` excluded)."""
    names = sorted(
        entry.name
        for entry in files(__name__).iterdir()
        if entry.name.endswith(SUFFIX) and not entry.name.startswith("_")
    )
    return {name.removesuffix(SUFFIX): _read(name) for name in names}


def end_state_schema() -> dict[str, Any]:
    """The schema of ``canvas-sim run --state-out`` files (docs/end-state.md)."""
    return _read(END_STATE)


def common_schema() -> dict[str, Any]:
    """The shared ``$defs`` (ids, timestamps, metadata shapes) the event schemas refer to."""
    return _read(COMMON)


def registry(schemas: dict[str, dict[str, Any]] | None = None) -> Registry[Any]:
    """A ``referencing.Registry`` holding the common file and every event schema by ``$id``."""
    documents = [common_schema(), *(schemas if schemas is not None else load_schemas()).values()]
    resources = [
        (doc["$id"], Resource.from_contents(doc, default_specification=DRAFT202012))
        for doc in documents
    ]
    return Registry().with_resources(resources)
