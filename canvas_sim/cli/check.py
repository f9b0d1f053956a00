"""``canvas-sim check``: validate a scenario and print its plan, writing nothing."""

from __future__ import annotations

from collections import Counter

import click

from .helpers import clean_errors
from .options import parse_settings, seed_option, set_option


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=str))
@seed_option("Seed for the dry run (default: the scenario's).")
@set_option()
@click.option(
    "--no-dry-run", is_flag=True, help="Only validate; do not simulate to count the events."
)
@clean_errors
def check(scenario: str, seed: int | None, settings: tuple[str, ...], no_dry_run: bool) -> None:
    """Validate SCENARIO and print its plan, writing nothing.

    Checks the YAML, the scenario format and every name a step refers to, then simulates the
    scenario in memory (unless --no-dry-run) to count the events it will emit, by type. Exits 2
    with file:line:column and what was expected on any mistake.
    """
    from ..engine import Engine
    from ..report import live_progress, print_counts, print_plan, print_verdict
    from ..run import PROGRESS_EVERY
    from ..scenario import load_scenario

    scenario_model, located = load_scenario(scenario, parse_settings(settings))
    engine = Engine(scenario_model, located, seed)
    print_plan(scenario, engine)
    if no_dry_run:
        print_verdict(scenario, dry_run=False)
        return
    counts: Counter[str] = Counter()
    first = last = None
    with live_progress(enabled=True) as progress:
        for total, event in enumerate(engine.events(), start=1):  # the engine alone decides
            counts[event.name] += 1
            first = event.time_ms if first is None else first
            last = event.time_ms
            if progress is not None and total % PROGRESS_EVERY == 0:
                progress(total)
    print_counts(counts, first, last)
    print_verdict(scenario, dry_run=True)
