"""The step table: every kind is documented, emits only catalogued events, and the package's
modules import in any order (no import cycles)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from canvas_sim.events import CATALOGUE
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
