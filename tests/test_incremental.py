"""The engine's cache of score calculator inputs changes nothing: the same bytes with it off."""

from __future__ import annotations

from pathlib import Path

import pytest

from canvas_sim.run import run_scenario
from canvas_sim.scenario import load_scenario, parse_scenario
from canvas_sim.services.scores import Scores
from canvas_sim.sinks import MemorySink

ROOT = Path(__file__).resolve().parent.parent
SMALL = {"load": {"courses": "2"}, "regrade-storm": {"students": "30"}}


def lines(
    text: str | None, path: Path | None, cache: bool, monkeypatch: pytest.MonkeyPatch
) -> list[bytes]:
    monkeypatch.setattr(Scores, "CACHE_INPUTS", cache)
    if path is not None:
        scenario, located = load_scenario(path, SMALL.get(path.stem))
    else:
        assert text is not None
        scenario, located = parse_scenario(text, "random.yaml")
    sink = MemorySink()
    run_scenario(scenario, located, [sink])
    return list(sink.lines)


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_scenarios_are_the_same_without_the_cache(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cached = lines(None, path, True, monkeypatch)
    assert cached == lines(None, path, False, monkeypatch)


def test_random_scenarios_are_the_same_without_the_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    from hypothesis import HealthCheck, given, settings
    from test_chains import Generated, scenarios

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(scenarios())
    def check(generated: Generated) -> None:
        cached = lines(generated.text, None, True, monkeypatch)
        assert cached == lines(generated.text, None, False, monkeypatch)

    check()
