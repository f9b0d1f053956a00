"""``${name}`` parameters: a scenario's params (and ``--set`` values) put in place."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml

from ..errors import ScenarioError
from ..yamlsource import Located

_PARAM = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Filled in later: ${n} by a repeat block's unrolling, ${i} by each copy of a course.
RESERVED_PARAMS = frozenset({"n", "i"})
COPY_FIELDS = ("name", "code", "sis_id")


PERSON_COPY_FIELDS = ("name", "login", "sis_id")


def _check_reserved(located: Located, name: str, path: tuple[str | int, ...]) -> None:
    if name != "i":
        return
    in_course = len(path) == 3 and path[0] == "courses" and path[2] in COPY_FIELDS
    in_person = (
        len(path) == 5
        and path[0] == "courses"
        and path[2] in ("teachers", "tas", "students")
        and path[4] in PERSON_COPY_FIELDS
    )
    if not (in_course or in_person):
        raise located.error(
            "${i} (the copy number) may only appear under courses: in a course's "
            + ", ".join(COPY_FIELDS)
            + ", or a listed person's "
            + ", ".join(PERSON_COPY_FIELDS),
            path,
        )


def resolve_params(
    located: Located, overrides: Mapping[str, str]
) -> dict[tuple[str | int, ...], str]:
    """Replace ``${name}`` by the scenario's params (a whole ``${name}`` keeps its type).

    Returns where a ``--set`` value went: path -> ``--set name=value``, so that an error there
    can say where the value came from.
    """
    data = located.data
    params = data.get("params", {})
    if not isinstance(params, dict):
        raise located.error("params must be a mapping of names to values", ("params",))
    values = dict(params)
    for name in values:
        if name in RESERVED_PARAMS:
            meaning = "a repeat block's iteration" if name == "n" else "a course's copy"
            message = f"params: {name!r} is reserved (${{{name}}} is {meaning} number)"
            raise located.error(message, ("params", name))
    for name, raw in overrides.items():
        if name not in values:
            declared = ", ".join(sorted(values)) or "none"
            raise ScenarioError(
                f"--set {name}: the scenario declares no such parameter (params: {declared})",
                file=located.file,
            )
        try:
            values[name] = yaml.safe_load(raw) if raw.strip() else raw
        except yaml.YAMLError:
            values[name] = raw
    data["params"] = values
    from_set: dict[tuple[str | int, ...], str] = {}

    def substitute(value: Any, path: tuple[str | int, ...]) -> Any:
        if isinstance(value, dict):
            return {k: substitute(v, (*path, str(k))) for k, v in value.items()}
        if isinstance(value, list):
            return [substitute(v, (*path, i)) for i, v in enumerate(value)]
        if not isinstance(value, str) or "${" not in value:
            return value
        for name in _PARAM.findall(value):
            if name in RESERVED_PARAMS:
                _check_reserved(located, name, path)
                continue
            if name not in values:
                declared = ", ".join(sorted(values)) or "none"
                raise located.error(f"unknown parameter ${{{name}}} (params: {declared})", path)
            if name in overrides:
                from_set[path] = f"--set {name}={overrides[name]}"
        whole = _PARAM.fullmatch(value)
        if whole and whole.group(1) not in RESERVED_PARAMS:
            return values[whole.group(1)]
        return _PARAM.sub(
            lambda m: m.group(0) if m.group(1) in RESERVED_PARAMS else str(values[m.group(1)]),
            value,
        )

    for key in list(data):
        if key != "params":
            data[key] = substitute(data[key], (key,))
    return from_set
