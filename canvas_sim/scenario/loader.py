"""Scenario files: YAML -> a typed, validated Scenario (every error located at file:line:column)."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import ScenarioError
from ..includes import resolve_includes
from ..resources import shipped_dir
from ..yamlsource import Located, decode_source, load_yaml
from .messages import first_error
from .models import STEP_MODELS, TIMING_KEYS, Scenario
from .params import resolve_params
from .repeats import at_path, expand_repeats, refuse_stray_index, step_lists


def load_scenario(
    path: str | Path, overrides: Mapping[str, str] | None = None
) -> tuple[Scenario, Located]:
    """Read and validate a scenario file; ScenarioError (file:line:col) on any mistake.

    A bare name that is no file here (``quickstart``, ``load.yaml``) is a shipped scenario.
    """
    path = _shipped_scenario(Path(path))
    file = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        import difflib

        names = sorted(p.stem for p in shipped_dir("scenarios").glob("*.yaml"))
        close = difflib.get_close_matches(path.stem, names, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise ScenarioError(
            f"no such scenario file ({hint}shipped scenarios, by name: {', '.join(names)})",
            file=file,
        ) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read scenario: {exc}", file=file) from None
    return parse_scenario(decode_source(data, file), file, overrides)


def _shipped_scenario(path: Path) -> Path:
    """``path``, or the shipped scenario it names when it is a bare name and no file here."""
    if path.exists() or path.parent != Path("."):
        return path
    for name in (path.name, path.name + ".yaml"):
        shipped = shipped_dir("scenarios") / name
        if shipped.is_file():
            return shipped
    return path


def parse_scenario(
    text: str, file: str = "<scenario>", overrides: Mapping[str, str] | None = None
) -> tuple[Scenario, Located]:
    """Validate YAML text as a scenario; ``overrides`` are ``--set`` values of its params."""
    located = load_yaml(text, file)
    resolve_includes(located)
    if not isinstance(located.data, dict):
        raise located.error("expected a mapping at the top of the scenario", ())
    if "course" in located.data and "courses" in located.data:
        raise located.error(
            "give either course (one course) or courses (several), not both", ("courses",)
        )
    from_set = resolve_params(located, overrides or {})
    expand_repeats(located)
    refuse_stray_index(located.data, (), located)
    _precheck_steps(located)
    try:
        scenario = Scenario.model_validate(located.data)
    except ValidationError as exc:
        raise first_error(exc, located, from_set) from None
    return scenario, located


def _precheck_steps(located: Located) -> None:
    """Name the step's action before pydantic does, with a 'did you mean' for typos."""
    for base in step_lists(located.data):
        for index, step in enumerate(at_path(located.data, base)):
            _precheck_step(located, step, (*base, index))


def _precheck_step(located: Located, step: Any, here: tuple[str | int, ...]) -> None:
    if not isinstance(step, dict):
        raise located.error(
            f"expected a step mapping with one action ({', '.join(STEP_MODELS)})", here
        )
    actions = [key for key in step if key in STEP_MODELS]
    if len(actions) > 1:
        raise located.error(f"a step has exactly one action, found {', '.join(actions)}", here)
    if not actions:
        unknown = [key for key in step if key not in TIMING_KEYS]
        hint = ""
        if unknown:
            close = difflib.get_close_matches(str(unknown[0]), list(STEP_MODELS), n=1)
            hint = f" (unknown step {unknown[0]!r}" + (
                f", did you mean {close[0]!r}?)" if close else ")"
            )
        raise located.error(
            f"expected one action: {', '.join(STEP_MODELS)}{hint}", (*here, *(unknown[:1]))
        )
