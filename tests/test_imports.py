"""Every module of the package imports, and no two modules import each other, even indirectly.

The import graph is read from the source with ast: every import that runs (at module level or
inside a function, as the command line's lazy imports do), but not those under
``if TYPE_CHECKING:``, which only the type checker follows.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import canvas_sim

PACKAGE = Path(canvas_sim.__file__).parent


def module_files(package: Path) -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, whether it is a package's ``__init__``)."""
    modules = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        modules[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return ast.unparse(test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")


def runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """The import statements of ``tree`` that run, wherever they are; not type-only ones."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph(package: Path) -> dict[str, set[str]]:
    """Which modules of ``package`` each of its modules imports (with the packages a target
    lies in, whose ``__init__`` runs first, except the importer's own)."""
    modules = module_files(package)
    root = package.name
    graph: dict[str, set[str]] = {}
    for name, (path, is_package) in modules.items():
        here = name.split(".") if is_package else name.split(".")[:-1]
        targets = set()
        for node in runtime_imports(ast.parse(path.read_text("utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
                continue
            if node.level:
                base = here[: len(here) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                submodule = f"{module}.{alias.name}"
                targets.add(submodule if submodule in modules else module)
        edges = set()
        own = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
        for target in targets:
            if target.split(".")[0] != root:
                continue
            parts = target.split(".")
            for i in range(2, len(parts) + 1):  # the root's __init__ and own packages run anyway
                prefix = ".".join(parts[:i])
                if prefix in modules and prefix not in own and prefix != name:
                    edges.add(prefix)
        graph[name] = edges
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path that ends where it starts, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_package_has_no_import_cycle() -> None:
    graph = import_graph(PACKAGE)
    assert "canvas_sim.run" in graph["canvas_sim.cli.run"]  # the graph does see lazy imports
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or ())


# Modules that import Locust or gevent: Locust monkey-patches the process that imports it, so
# they are imported in a subprocess instead (tests/test_locust.py).
UNDER_LOCUST = "canvas_sim.locust."
PLAIN_LOCUST_MODULES = {"canvas_sim.locust.options", "canvas_sim.locust.tally"}


def test_every_module_imports() -> None:
    names = [info.name for info in pkgutil.walk_packages([str(PACKAGE)], "canvas_sim.")]
    assert set(names) | {"canvas_sim"} == set(module_files(PACKAGE))
    for name in names:
        if name.startswith(UNDER_LOCUST) and name not in PLAIN_LOCUST_MODULES:
            continue
        if not name.endswith(".__main__"):  # importing one runs its command line
            importlib.import_module(name)


def write_package(root: Path, files: dict[str, str]) -> Path:
    package = root / "canvas_sim"
    for name, text in {"__init__.py": "", **files}.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text, "utf-8")
    return package


def test_a_lazy_import_back_is_a_cycle(tmp_path: Path) -> None:
    package = write_package(
        tmp_path,
        {
            "run.py": "from .producer import Producer\n",
            "producer.py": "def produce():\n    from .run import finish\n",
        },
    )
    cycle = find_cycle(import_graph(package))
    assert cycle == ["canvas_sim.producer", "canvas_sim.run", "canvas_sim.producer"]


def test_an_indirect_cycle_through_a_package_init_is_found(tmp_path: Path) -> None:
    package = write_package(
        tmp_path,
        {
            "errors.py": "from .sinks.jsonl import X\n",
            "sinks/__init__.py": "from . import memory\n",
            "sinks/memory.py": "from .. import errors\n",
            "sinks/jsonl.py": "X = 1\n",
        },
    )
    cycle = find_cycle(import_graph(package))
    assert cycle == [
        "canvas_sim.errors",
        "canvas_sim.sinks",
        "canvas_sim.sinks.memory",
        "canvas_sim.errors",
    ]


@pytest.mark.parametrize(
    "back",
    [
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .run import Result\n",
        "import typing\nif typing.TYPE_CHECKING:\n    from .run import Result\n",
        "from . import clock\n",  # a third module is not a way back
    ],
)
def test_type_only_imports_and_other_modules_are_not_cycles(tmp_path: Path, back: str) -> None:
    package = write_package(
        tmp_path,
        {
            "run.py": "from .producer import Producer\nfrom .cli import helpers\n",
            "producer.py": back,
            "clock.py": "",
            "cli/__init__.py": "from .run import run\n",
            "cli/run.py": "from .helpers import clean\n",
            "cli/helpers.py": "",
        },
    )
    assert find_cycle(import_graph(package)) is None


def test_modules_stay_small() -> None:
    """The project keeps modules to about 400 lines, so that each has one job."""
    package = Path(__file__).resolve().parents[1] / "canvas_sim"
    sizes = {
        str(path.relative_to(package)): path.read_text().count("\n")
        for path in package.rglob("*.py")
    }
    assert {name: n for name, n in sizes.items() if n > 440} == {}
