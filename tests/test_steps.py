"""The step table: every kind is documented, emits only catalogued events, and the package's
modules import in any order (no import cycles)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from canvas_sim.event_types import CATALOGUE
from canvas_sim.scenario import STEP_MODELS
from canvas_sim.steps.registry import STEP_KINDS

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "canvas_sim"


def test_the_scenario_model_has_one_step_model_per_kind_in_table_order() -> None:
    assert list(STEP_MODELS) == list(STEP_KINDS)
    for name, model in STEP_MODELS.items():
        assert set(model.model_fields) == {"at", "after", "over", name}


@pytest.mark.parametrize("name", list(STEP_KINDS))
def test_every_step_kind_is_documented_and_lives_in_its_module(name: str) -> None:
    docs = (ROOT / "docs" / "scenarios.md").read_text()
    assert f"\n| `{name}` |" in docs
    kind = STEP_KINDS[name]
    assert kind.handle.__module__ == f"canvas_sim.steps.{name}"
    assert kind.emits and set(kind.emits) <= set(CATALOGUE), kind.emits


def test_every_module_imports_first_in_a_fresh_interpreter() -> None:
    """An import cycle shows as an ImportError when the wrong module of it is imported first."""
    modules = sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in PACKAGE.rglob("*.py")
        if path.name != "__main__.py"
    )
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    for loaded in [m for m in sys.modules if m.startswith('canvas_sim')]:\n"
        "        del sys.modules[loaded]\n"
        "    importlib.import_module(name)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


def test_save_given_assigns_and_emits_only_what_changed() -> None:
    from types import SimpleNamespace

    from canvas_sim.steps.base import save_given

    emitted: list[tuple[str, object, dict[str, object]]] = []
    made: list[str] = []
    ctx: Any = SimpleNamespace(clock=SimpleNamespace(emit=lambda *e: emitted.append(e)))
    record = SimpleNamespace(name="a", url="u")

    def request() -> Any:
        made.append("request")  # drawn only when something changed
        return SimpleNamespace(zone="Z")

    def save(**changes: object) -> object:
        return save_given(ctx, record, "x_updated", request, lambda r: {"z": r.zone}, **changes)

    assert save(name="a", url=None) is None  # the same value, or not given: nothing sent
    assert (made, emitted) == ([], [])
    origin = save(name="b", url=None)
    assert origin is not None and (record.name, record.url) == ("b", "u")
    assert made == ["request"] and emitted == [("x_updated", origin, {"z": "Z"})]


@pytest.mark.parametrize(
    "module",
    ["update_account", "update_group", "update_group_set", "update_outcome", "update_section",
     "update_tool_link"],
)  # fmt: skip
def test_steps_that_save_given_fields_emit_through_save_given(module: str) -> None:
    source = (PACKAGE / "steps" / f"{module}.py").read_text()
    assert "save_given(" in source and "assign_given(" not in source
