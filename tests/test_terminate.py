"""SIGTERM stops `run --workers N` to files as Ctrl-C does: exit 143, no output file, no
child process and no spill folder left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _wait_for(predicate: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def _group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.parametrize("moment", ["building", "simulating"])
def test_sigterm_to_the_parent_stops_the_children_and_leaves_nothing(
    moment: str, tmp_path: Path
) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    out, state = tmp_path / "out.jsonl", tmp_path / "state.json"
    run = subprocess.Popen(
        [
            *(sys.executable, "-m", "canvas_sim", "run", ROOT / "scenarios" / "load.yaml"),
            *("--set", "courses=400", "--workers", "2", "--to", out, "--state-out", state),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "TMPDIR": str(temp)},
        start_new_session=True,  # its own group: the children can be looked for after
    )
    try:
        # a child's spill file is made just before it is forked, and grows once it simulates
        def started() -> bool:
            spills = list(temp.glob("canvas-sim-shards-*/*.spill"))
            if moment == "building":
                return len(spills) == 2
            return any(spill.stat().st_size for spill in spills)

        assert _wait_for(started, 60), "the run never started its shards"
        if moment == "building":
            # past the forks (a signal met in Python's at-fork hooks is lost), well before
            # the build of 400 courses ends
            time.sleep(0.3)
        run.send_signal(signal.SIGTERM)  # to the parent alone, as `kill PID` does
        _, stderr = run.communicate(timeout=60)
        assert run.returncode == 143, stderr
        said = stderr.decode().splitlines()[-1]
        assert (
            said
            == f"interrupted; not kept: {out}, {state} (a file is kept only when the run completes)"
        )
        assert _wait_for(lambda: _group_gone(run.pid), 10), "a child outlived the run"
    finally:
        if not _group_gone(run.pid):
            os.killpg(run.pid, signal.SIGKILL)
    assert list(temp.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tmp"]  # no output, no partial file


_ARMED: list[int] = []


def _stop_right_after_a_fork() -> None:
    if _ARMED:
        _ARMED.clear()
        os.kill(os.getpid(), signal.SIGINT)


os.register_at_fork(after_in_parent=_stop_right_after_a_fork)


def test_ctrl_c_arriving_during_a_shards_fork_is_not_swallowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Ctrl-C that lands inside the fork's own handlers (here: right after the first child
    is forked) still stops the run, and the children and spill folder go."""
    from canvas_sim.engine import Engine
    from canvas_sim.render import Renderer
    from canvas_sim.scenario import load_scenario
    from canvas_sim.shards import ShardedProducer

    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    scenario, located = load_scenario("load", {"courses": "4", "students_max": "45"})
    engine = Engine(scenario, located, build=False)
    _ARMED.append(1)
    with pytest.raises(KeyboardInterrupt):
        ShardedProducer(engine, Renderer(None, "keep"), 2)
    assert not _ARMED  # the signal was sent during the fork
    assert list(tmp_path.iterdir()) == []  # no spill folder left
