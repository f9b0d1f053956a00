"""``- repeat: N`` blocks unrolled into N copies of their steps (``${n}`` = 1..N)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from ..durations import parse_duration_ms
from ..values import parse_when
from ..yamlsource import Located

REPEAT_KEYS = frozenset({"repeat", "every", "at", "steps"})
_INDEX = re.compile(r"\$\{n\}")


def step_lists(data: Any) -> list[tuple[str | int, ...]]:
    """Paths of every list of steps in raw scenario data: the top level's and each course's."""
    paths: list[tuple[str | int, ...]] = []
    if isinstance(data.get("steps"), list):
        paths.append(("steps",))
    courses = data.get("courses")
    if isinstance(courses, list):
        for index, block in enumerate(courses):
            if isinstance(block, dict) and isinstance(block.get("steps"), list):
                paths.append(("courses", index, "steps"))
    return paths


def at_path(data: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def refuse_stray_index(value: Any, path: tuple[str | int, ...], located: Located) -> None:
    """After unrolling, a ``${n}`` left anywhere was written outside a repeat block."""
    if isinstance(value, dict):
        for key, item in value.items():
            refuse_stray_index(item, (*path, str(key)), located)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            refuse_stray_index(item, (*path, index), located)
    elif isinstance(value, str) and "${n}" in value:
        raise located.error(
            "${n} (the iteration number) is only defined in the steps of a repeat block", path
        )


def expand_repeats(located: Located) -> None:
    """Unroll ``- repeat: N`` blocks into N copies of their ``steps`` (``${n}`` = 1..N).

    Iteration k starts at the block's ``at`` plus k times ``every``; without ``every`` the
    iterations follow one another. Errors in a copy point at the block's own lines.
    """
    for path in step_lists(located.data):
        _expand_repeats_at(located, path)


def _expand_repeats_at(located: Located, base: tuple[str | int, ...]) -> None:
    steps = at_path(located.data, base)
    if not any(isinstance(step, dict) and "repeat" in step for step in steps):
        return
    expanded: list[Any] = []
    moved: list[tuple[tuple[str | int, ...], tuple[str | int, ...]]] = []  # new path <- old
    for index, step in enumerate(steps):
        if not (isinstance(step, dict) and "repeat" in step):
            moved.append(((*base, len(expanded)), (*base, index)))
            expanded.append(step)
            continue
        here = (*base, index)
        unknown = sorted(set(step) - REPEAT_KEYS)
        if unknown:
            raise located.error(
                f"unknown key {unknown[0]!r} in a repeat block "
                "(expected: repeat, every, at, steps)",
                (*here, unknown[0]),
            )
        times, block = step.get("repeat"), step.get("steps")
        if not isinstance(times, int) or isinstance(times, bool) or not 1 <= times <= 10_000:
            raise located.error(
                "repeat takes a whole number of times, 1 to 10000", (*here, "repeat")
            )
        if not isinstance(block, list) or not block:
            raise located.error("a repeat block needs a list of steps", (*here, "steps"))
        every = step.get("every")
        if every is not None and step.get("at") is None:
            raise located.error(
                "every needs the block's at (when the first iteration starts)", here
            )
        try:
            start = parse_when(step["at"]) if "at" in step else None
            period = parse_duration_ms(every) if every is not None else None
        except ValueError as exc:
            raise located.error(str(exc), here) from None
        for k in range(times):
            for inner, template in enumerate(block):
                copy = _with_index(template, k + 1)
                if inner == 0 and start is not None and isinstance(copy, dict):
                    offset = (period or 0) * k
                    copy = {"at": _shifted(start, offset), **{
                        key: value for key, value in copy.items() if key not in ("at", "after")
                    }}  # fmt: skip
                moved.append(((*base, len(expanded)), (*here, "steps", inner)))
                expanded.append(copy)
    parent = at_path(located.data, base[:-1])
    parent[base[-1]] = expanded
    old = dict(located.positions)
    for path in old:
        if path[: len(base)] == base and len(path) > len(base):
            del located.positions[path]
    for new_path, old_path in moved:
        size = len(old_path)
        for path, position in old.items():
            if path[:size] == old_path:
                located.positions[(*new_path, *path[size:])] = position


def _with_index(value: Any, n: int) -> Any:
    if isinstance(value, dict):
        return {key: _with_index(item, n) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_index(item, n) for item in value]
    if isinstance(value, str) and "${n}" in value:
        return _INDEX.sub(str(n), value)
    return value


def _shifted(start: object, offset_ms: int) -> object:
    if isinstance(start, datetime):
        return start + timedelta(milliseconds=offset_ms)
    assert isinstance(start, int)
    return f"{(start + offset_ms) / 1000}s"
