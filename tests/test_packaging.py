"""The built wheel carries the templates and scenarios, and works without the source tree.

Builds one wheel and one fresh virtual environment per test session (module-scoped fixtures);
installing downloads the dependencies from the package index, so this module takes about a
minute.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEED = "11"


def shipped_files(folder: str) -> list[Path]:
    files = sorted(path for path in (REPO / folder).rglob("*") if path.is_file())
    return [path for path in files if "__pycache__" not in path.parts]


def clean_env() -> dict[str, str]:
    """The environment without anything that points Python at this checkout or .venv."""
    env = dict(os.environ)
    for name in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP", "PYTHONSAFEPATH"):
        env.pop(name, None)
    return env


def run(
    args: list[str | Path], cwd: Path, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(arg) for arg in args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=clean_env(),
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, args))} exited {done.returncode}\n"
            f"stdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-3000:]}"
        )
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, REPO], cwd=REPO)
    wheels = list(out.glob("*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    """A fresh venv with the wheel installed (not editable); returns the venv directory."""
    venv = tmp_path_factory.mktemp("venv")
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    run([sys.executable, "-m", "venv", venv], cwd=elsewhere, timeout=300)
    run(
        [
            venv / "bin" / "python",
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            wheel,
        ],
        cwd=elsewhere,
    )
    return venv


def test_wheel_contains_templates_and_scenarios(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert "canvas_sim/templates/grade_change.json.j2" in names
        assert "canvas_sim/scenarios/quickstart.yaml" in names
        for folder in ("templates", "scenarios"):
            files = shipped_files(folder)
            assert files, folder
            for path in files:
                name = f"canvas_sim/{folder}/{path.relative_to(REPO / folder).as_posix()}"
                assert name in names, f"{name} is not in the wheel"
                assert archive.read(name) == path.read_bytes(), f"{name} differs from the repo"
        assert "canvas_sim/cli/__init__.py" in names
        assert "canvas_sim/sinks/jsonl.py" in names
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        assert "canvas-sim = canvas_sim.cli:main" in archive.read(entry_points).decode()


def test_wheel_has_no_stray_files(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    top = {name.split("/", 1)[0] for name in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"canvas_sim"}
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".partial"))]
    assert not [n for n in names if n.startswith(("tests/", "canvas_sim/tests/"))]


def installed_package(venv: Path, cwd: Path) -> Path:
    done = run(
        [venv / "bin" / "python", "-c", "import canvas_sim, pathlib; print(canvas_sim.__file__)"],
        cwd=cwd,
    )
    return Path(done.stdout.strip()).parent


def test_installed_package_is_not_the_checkout(installed: Path, tmp_path: Path) -> None:
    package = installed_package(installed, tmp_path)
    assert package.is_relative_to(installed)
    assert not package.resolve().is_relative_to(REPO.resolve())
    for folder in ("templates", "scenarios"):
        for path in shipped_files(folder):
            copy = package / folder / path.relative_to(REPO / folder)
            assert copy.read_bytes() == path.read_bytes(), copy


def test_installed_cli_runs_shipped_scenario_anywhere(installed: Path, tmp_path: Path) -> None:
    workdir = tmp_path / "work"
    workdir.mkdir()
    scenario = installed_package(installed, workdir) / "scenarios" / "quickstart.yaml"
    done = run(
        [installed / "bin" / "canvas-sim", "run", scenario, "--seed", SEED, "--to", "out.jsonl"],
        cwd=workdir,
    )
    assert done.stdout == ""
    assert "quickstart (seed 11)" in done.stderr
    assert [p.name for p in workdir.iterdir()] == ["out.jsonl"]
    installed_output = (workdir / "out.jsonl").read_bytes()

    # The checkout's own run with the same seed: byte-identical.
    reference = tmp_path / "reference.jsonl"
    run(
        [
            sys.executable,
            "-m",
            "canvas_sim",
            "run",
            REPO / "scenarios" / "quickstart.yaml",
            "--seed",
            SEED,
            "--to",
            reference,
            "-q",
        ],
        cwd=REPO,
    )
    assert reference.read_bytes().count(b"\n") > 100
    assert installed_output == reference.read_bytes()


def test_installed_cli_events_and_help(installed: Path, tmp_path: Path) -> None:
    events = run([installed / "bin" / "canvas-sim", "events"], cwd=tmp_path)
    assert "grade_change" in events.stdout.split()
    assert "course_grade_change" in events.stdout.split()
    help_text = run([installed / "bin" / "canvas-sim", "--help"], cwd=tmp_path)
    assert help_text.stdout.startswith("Usage: canvas-sim ")


def test_every_command_works_from_a_plain_install(installed: Path, tmp_path: Path) -> None:
    """Commands whose dependencies the test extra alone used to bring (jsonschema) work from
    a plain install, and a shipped scenario is found by its name anywhere."""
    cli = installed / "bin" / "canvas-sim"
    run([cli, "run", "quickstart", "--to", "out.jsonl", "-q"], cwd=tmp_path)
    checked = run([cli, "validate", "out.jsonl"], cwd=tmp_path)
    assert "0 problems" in checked.stderr
    run([cli, "schemas", "--out", "schemas"], cwd=tmp_path)
    assert (tmp_path / "schemas" / "grade_change.schema.json").is_file()
    explained = run([cli, "explain", "semester", "student3", "--json"], cwd=tmp_path)
    assert '"student": "student3"' in explained.stdout


def test_the_package_says_it_is_typed(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        assert "canvas_sim/py.typed" in archive.namelist()
