"""``canvas-sim validate``: check Canvas Live Events streams for schema and consistency errors."""

from __future__ import annotations

import sys

import click

from ..errors import InputError
from .helpers import clean_errors


@click.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, allow_dash=True, path_type=str))
@click.option(
    "--lenient",
    is_flag=True,
    help="Accept what real deliveries do (omitted null keys, extra keys, missing "
    "optional metadata) and report it as notes instead of problems.",
)
@click.option(
    "--max-problems",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Stop listing problems after this many (they are still counted).",
)
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Accept a file that holds no events (by default an empty stream is a problem, so an "
    "accidentally empty fixture does not check green).",
)
@clean_errors
def validate(files: tuple[str, ...], lenient: bool, max_problems: int, allow_empty: bool) -> None:
    """Check Canvas Live Events JSONL FILES (or - for stdin) for schema and consistency errors.

    Works on any stream, the simulator's or one captured from Canvas, in the Canvas format or
    in Caliper 1.1 (each payload is recognised by its shape). Canvas-format events: every event
    against its JSON Schema, and the stream against itself (each old_* equals the previous new
    value of its record, attempts never go back, no unknown event types, duplicates). Caliper
    envelopes: IMS required properties, one event per envelope, UTC times, no nulls, Canvas's id
    forms and rules, unique event ids. Each problem is printed with its line number; a summary
    by type goes to stderr. Exits 1 when anything is wrong, or when a file holds no events
    (unless --allow-empty); 2 when a file cannot be read.
    """
    from ..validate import validate_file

    if not files and sys.stdin.isatty():
        raise click.UsageError("give FILES to check, or pipe a stream in (- for standard input)")
    failed = False
    for name in files or ("-",):
        try:
            report = validate_file(
                name, lenient=lenient, max_problems=max_problems, allow_empty=allow_empty
            )
        except OSError as exc:  # a file named that cannot be read: a usage error
            raise InputError(f"cannot read {name}: {exc.strerror or exc}") from None
        for problem in report.problems:
            if not problem.line:  # the file as a whole (one with no events)
                click.echo(f"{name}: {problem}")
                continue
            click.echo(
                f"{name}:{problem.line}: [{problem.kind}] {problem.event or '-'}: {problem.message}"
            )
        count = len(report.problems) + report.dropped
        by_type = ", ".join(f"{k} {v}" for k, v in sorted(report.events.items()))
        click.echo(
            f"{name}: {report.lines} lines, {sum(report.events.values())} events, {count} problems",
            err=True,
        )
        if by_type:
            click.echo(f"  by type: {by_type}", err=True)
        if report.lenient_notes:
            notes = ", ".join(f"{k} {v}" for k, v in sorted(report.lenient_notes.items()))
            click.echo(f"  tolerated: {notes}", err=True)
        failed = failed or not report.ok
    if failed:
        sys.exit(1)
