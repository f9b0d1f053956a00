"""``canvas-sim replay``: deliver the events of JSONL files again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .helpers import clean_errors
from .options import with_delivery_options
from .plan import DeliveryPlan


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--only",
    "only",
    multiple=True,
    metavar="EVENT_NAME",
    help="Send only events of this type (e.g. grade_change). Repeatable.",
)
@click.option(
    "--skip",
    type=click.IntRange(min=0),
    default=0,
    help="Resume a replay: leave out the first N events (after --only), e.g. the events a "
    "stopped replay already sent (its summary says how many).",
)
@with_delivery_options
@clean_errors
def replay(
    files: tuple[Path, ...], only: tuple[str, ...], skip: int, **delivery_options: Any
) -> None:
    """Deliver the events of JSONL FILES again, in file order.

    FILES are a run's JSONL output (Canvas format or Caliper), a receiver's --out file, or a
    dead-letter file (each of its events is sent again; what fails this time goes to
    --dead-letter, which must be another file). With --format caliper, Canvas-format events
    are sent as their Caliper envelopes. Every line is checked first: a line that is not an
    event is reported with its file and line, and nothing is sent. Events go out byte for byte
    as read (a dead letter's event as compact JSON), with the same pacing, retries, signing and
    summary as `canvas-sim run`. With --speed, the events' metadata.event_time (a Caliper
    envelope's eventTime) sets the pace.

    \b
    Examples:
      canvas-sim run scenarios/load.yaml --set courses=20 --to out/load.jsonl
      canvas-sim replay out/load.jsonl --to http://127.0.0.1:8080/events --rate 2000
      canvas-sim replay dead-letter.jsonl --to https://consumer.example/events \\
          --dead-letter dead-again.jsonl
    """
    from ..clock import event_time
    from ..producer import fork_available
    from ..replay import ReplayError, check_files
    from ..run import replay_files

    plan = DeliveryPlan(delivery_options)
    plan.check_outputs(inputs=[("one of the files being replayed", path) for path in files])
    checked = check_files(files)
    unknown = sorted(set(only) - set(checked.by_type))
    if unknown:
        import difflib

        close = [difflib.get_close_matches(name, checked.by_type, n=1) for name in unknown]
        hint = ", ".join(match[0] for match in close if match)
        raise ReplayError(
            f"--only {', '.join(unknown)}: no such events in FILES "
            + (f"(did you mean {hint}?) " if hint else "")
            + f"(they hold {', '.join(checked.by_type) or 'no events'})"
        )
    wanted = frozenset(only)
    count = sum(n for name, n in checked.by_type.items() if not wanted or name in wanted)
    count = max(0, count - skip)
    total = count
    if plan.max_events is not None and plan.max_events < count:
        count = plan.max_events
    if not plan.quiet:
        span = ""
        if checked.first_ms is not None and checked.last_ms is not None:
            span = (
                f", simulated time {event_time(checked.first_ms)} to {event_time(checked.last_ms)}"
            )
        skipped = f" (after the first {skip})" if skip else ""
        click.echo(f"{count} events to replay{skipped} from {len(files)} file(s){span}", err=True)
    sinks = plan.sinks()
    options = plan.options(total=total, producer_process=plan.signing and fork_available())
    assert options.stats is not None
    options.stats.last_ms = checked.last_ms
    with plan.live(options):
        result = replay_files(list(files), sinks, options, only=wanted, skip=skip)
    plan.write_results(result)
    if not plan.quiet and sinks:
        click.echo(f"written to: {', '.join(s.description for s in sinks)}", err=True)
    plan.report(result)
    plan.finish(result)
