"""Validation errors said in the scenario author's words, located, with 'did you mean'."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import ScenarioError
from ..values import Model
from ..yamlsource import Located
from .models import STEP_MODELS, Scenario, step_action
from .repeats import at_path


def _rank(errors: list[Any]) -> Callable[[Any], int]:
    """Which error to report first, of all pydantic found (one per union member tried).

    A value of the right shape but out of bounds (from a mapping whose keys all fit) says the
    most; then a misspelt key (it also makes the real key "missing", reported last); then a
    value of the wrong type.
    """
    keyed = [e["loc"][:-1] for e in errors if _key_error(e)]

    def rank(error: Any) -> int:
        kind, loc = error["type"], error["loc"]
        if kind == "missing" and _key_error(error):
            return 4
        if kind == "extra_forbidden":
            return 1
        shaped = not (kind.endswith("_type") or kind in ("literal_error", "union_tag_invalid"))
        clean = not any(loc[: len(prefix)] == prefix for prefix in keyed)
        if shaped and clean:
            return 0
        return 2 if clean else 3

    return rank


def _member_model(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The union member a misspelt key was checked against (its class name is in the loc)."""
    part = loc[-2] if len(loc) > 1 else None
    if isinstance(part, str):  # "CountRange", or "function-after[_ordered(), CountRange]"
        name = re.findall(r"[A-Za-z_]\w*", part)[-1:] or [""]
        models = {cls.__name__: cls for cls in _all_models(Model)}
        return models.get(name[0])
    return None


def _all_models(base: type[BaseModel]) -> list[type[BaseModel]]:
    found = []
    for cls in base.__subclasses__():
        found += [cls, *_all_models(cls)]
    return found


def _key_error(error: Any) -> bool:
    """A misspelt or missing key (a missing tuple position is a short list, not a key)."""
    kind, loc = error["type"], error["loc"]
    return kind == "extra_forbidden" or (kind == "missing" and not isinstance(loc[-1], int))


def first_error(
    exc: ValidationError,
    located: Located,
    from_set: Mapping[tuple[str | int, ...], str],
) -> ScenarioError:
    errors = exc.errors(include_url=False)
    error = min(errors, key=_rank(errors))
    keyed = error["type"] in ("extra_forbidden", "missing")
    path = _data_path(located.data, error["loc"], keyed)
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        key = str(path[-1])
        model = _member_model(error["loc"]) or _model_at(located.data, path[:-1])
        allowed = sorted(model.model_fields) if model else []
        close = difflib.get_close_matches(key, allowed, n=1)
        message = f"unknown key {key!r}" + (f", did you mean {close[0]!r}?" if close else "")
        if allowed:
            message += f" (expected one of: {', '.join(allowed)})"
    elif error["type"] == "missing" and isinstance(error["loc"][-1], int):
        message = f"too few values: item {error['loc'][-1]} is missing"
    elif error["type"] == "missing":
        message = f"missing required key {str(error['loc'][-1])!r}"
    else:
        message = _plain_words(error) or message
        given = error.get("input")
        if isinstance(given, (str, int, float)) and repr(given) not in message:
            message += f" (got {given!r})"
    setting = next((v for k, v in from_set.items() if path[: len(k)] == k), None)
    if setting is not None:
        message += f"; the value comes from {setting}"
    return located.error(message, path)


# pydantic's error types, said in the scenario author's words.
_PLAIN_WORDS = {
    "int_parsing": "expected a whole number",
    "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "decimal_parsing": "expected a number",
    "decimal_type": "expected a number",
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "string_type": "expected text",
    "list_type": "expected a list, e.g. [a, b]",
    "dict_type": "expected a mapping, e.g. {key: value}",
    "model_type": "expected a mapping, e.g. {key: value}",
    "datetime_parsing": "expected a date and time like 2024-09-02T08:00:00-06:00",
    "datetime_from_date_parsing": "expected a date and time like 2024-09-02T08:00:00-06:00",
    "datetime_type": "expected a date and time like 2024-09-02T08:00:00-06:00",
}
# Patterns of the scenario model, said as examples.
_PATTERN_WORDS = {
    r"^\d+(\.\d+)?%$": "expected a percentage like '8%'",
    r"^[A-Za-z0-9_.\-]+$": "expected a key of letters, digits, '_', '.' or '-' (no spaces)",
    r"^persona:[A-Za-z0-9_.\-]+$": "expected persona:NAME",
}
_BOUNDS = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}


def _plain_words(error: Any) -> str | None:
    """The message for a pydantic error in plain words, or None to keep pydantic's."""
    kind, context = error["type"], error.get("ctx") or {}
    if kind in _PLAIN_WORDS:
        return _PLAIN_WORDS[kind]
    if kind == "literal_error":
        return f"expected {context['expected']}"
    if kind == "string_pattern_mismatch":
        return _PATTERN_WORDS.get(context.get("pattern", ""))
    bound = next((b for b in _BOUNDS if b in context), None)
    if bound is not None:
        return f"expected a number {_BOUNDS[bound]} {context[bound]}"
    return None


def _data_path(data: Any, loc: tuple[Any, ...], keyed: bool = True) -> tuple[str | int, ...]:
    """Follow pydantic's error location through the data, skipping union/tag names."""
    path: list[str | int] = []
    current = data
    for k in range(len(loc) - 2):
        if loc[k] == "steps" and isinstance(loc[k + 1], int):
            loc = loc[: k + 2] + loc[k + 3 :]  # drop the step's union tag
            break
    for part in loc:
        in_dict = isinstance(current, dict) and part in current
        if in_dict or (isinstance(current, list) and isinstance(part, int) and part < len(current)):
            path.append(part)
            current = current[part]
        elif keyed and isinstance(current, dict) and not isinstance(part, int) and part == loc[-1]:
            path.append(part)  # a missing or extra key: point at its mapping
    return tuple(path)


def _model_at(data: Any, path: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The model class that validates the mapping at ``path`` (for 'did you mean')."""
    model: type[BaseModel] | None = Scenario
    for index, part in enumerate(path):
        if model is None:
            return None
        if isinstance(part, int):
            if index and path[index - 1] == "steps":
                model = STEP_MODELS.get(step_action(at_path(data, path[: index + 1])) or "")
            continue
        model = _field_model(model, part)
    return model


def _field_model(model: type[BaseModel], name: str) -> type[BaseModel] | None:
    field = model.model_fields.get(name)
    return None if field is None else _find_model(field.annotation)


def _find_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _find_model(arg)
        if found is not None:
            return found
    return None
