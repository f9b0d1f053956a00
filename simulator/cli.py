"""The ``canvas-sim`` command line: a thin layer over the library, errors made into messages."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from . import __version__
from .errors import SimulatorError

F = TypeVar("F", bound=Callable[..., Any])


def _clean_errors(command: F) -> F:
    """Report SimulatorErrors as one line on stderr with their exit code, never a traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except SimulatorError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="canvas-sim")
def main() -> None:
    """Simulate Canvas LMS Live Events from YAML scenarios.

    A scenario describes a course (people, assignment groups, assignments) and what happens in
    it (enroll, submit, grade, excuse, quizzes, post, override, custom statuses, comments). The
    simulator keeps the course state and emits exactly the events Canvas would, with consistent
    old/new values and course scores recomputed by Canvas's rules.

    \b
    Examples:
      canvas-sim run scenarios/quickstart.yaml --to out/events.jsonl
      canvas-sim run scenarios/quickstart.yaml --seed 7 --to - | jq .metadata.event_name
      canvas-sim events
    """


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=str))
@click.option("--seed", type=int, help="Seed for every random choice (default: the scenario's).")
@click.option(
    "--to",
    "targets",
    multiple=True,
    metavar="PATH|-",
    help="Where events go: a JSONL file path, or - for stdout. Repeatable. Default: stdout.",
)
@click.option(
    "--templates",
    type=click.Path(file_okay=False, path_type=str),
    help="Directory of <event>.json.j2 templates that override or add to the built-in ones.",
)
@click.option(
    "--nulls",
    type=click.Choice(["keep", "omit", "omit-requests"]),
    default="keep",
    show_default=True,
    help="Null-valued body keys: keep them (as Canvas's docs show), omit them (newest Canvas), "
    "or omit them only in request-driven events (payloads seen in 2024).",
)
@click.option("--quiet", "-q", is_flag=True, help="No summary on stderr.")
@_clean_errors
def run(
    scenario: str,
    seed: int | None,
    targets: tuple[str, ...],
    templates: str | None,
    nulls: str,
    quiet: bool,
) -> None:
    """Run SCENARIO and write its events as JSON lines.

    The same scenario and seed always give byte-identical output. A file target is written
    atomically: on any error nothing (not even a partial file) is left behind. A summary of
    events by type and the students' final course scores goes to stderr.
    """
    from .report import live_progress, print_summary
    from .run import run_file
    from .sinks import open_sink

    sinks = [open_sink(target) for target in (targets or ("-",))]
    with live_progress(enabled=not quiet) as progress:
        result = run_file(
            scenario, sinks, seed=seed, templates=templates, nulls=nulls, progress=progress
        )
    if not quiet:
        print_summary(result)


@main.command()
def events() -> None:
    """List the event types the simulator emits and what emits each."""
    from .events import CATALOGUE

    width = max(map(len, CATALOGUE))
    for name, what in CATALOGUE.items():
        click.echo(f"{name:<{width}}  {what}")
