"""``canvas-sim replay``: deliver the events of JSONL files again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from .helpers import clean_errors
from .options import with_delivery_options
from .plan import DeliveryPlan

DEFAULT = ParameterSource.DEFAULT


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
    are sent as their Caliper envelopes (those with no Caliper form are left out before
    --skip and --max-events count); Caliper envelopes are sent as read, and asking for the
    Canvas format for them (--format canvas, canvas:) is an error. Every line is checked
    first: a line that is not an event is reported with its file and line, and nothing is
    sent. Events go out byte for byte
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
    wanted = frozenset(only)
    caliper_only = plan.every_target_caliper
    checked = check_files(
        files, only=wanted, skip=skip, limit=plan.max_events, caliper_only=caliper_only
    )
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
    if checked.envelopes:
        _refuse_canvas_targets(plan, checked.first_envelope)
    if not plan.quiet:
        span = ""
        if checked.first_ms is not None and checked.last_ms is not None:
            span = (
                f", simulated time {event_time(checked.first_ms)} to {event_time(checked.last_ms)}"
            )
        skipped = f" (after the first {skip})" if skip else ""
        form = ""
        if checked.envelopes and not caliper_only:
            every = checked.envelopes == checked.events
            form = f" ({'' if every else f'{checked.envelopes} '}Caliper envelopes, sent as read)"
        click.echo(
            f"{checked.selected} events to replay{skipped} from {len(files)} file(s){form}{span}",
            err=True,
        )
    sinks = plan.sinks()
    options = plan.options(
        total=checked.available, producer_process=plan.signing and fork_available()
    )
    assert options.stats is not None
    options.stats.last_ms = checked.last_ms
    if checked.no_form:  # left out before --skip and --max-events counted: say so
        plan.caliper.skipped.update(checked.no_form)
    with plan.live(options):
        result = replay_files(
            list(files), sinks, options, only=wanted, skip=skip, caliper_only=caliper_only
        )
    plan.write_results(result)
    if not plan.quiet and sinks:
        click.echo(f"written to: {', '.join(s.description for s in sinks)}", err=True)
    plan.report(result)
    plan.finish(result)


def _refuse_canvas_targets(plan: DeliveryPlan, where: str | None) -> None:
    """Caliper envelopes cannot become Canvas events again: a target that asked for the
    Canvas format (``--format canvas`` given, or a ``canvas:`` prefix) is a usage error; by
    default they are sent as read (the summary says so)."""
    from ..replay import ReplayError

    given = click.get_current_context().get_parameter_source("payload_format")
    explicit = [
        t.where
        for t in plan.target_list
        if t.format == "canvas"
        or (t.format is None and plan.default_format == "canvas" and given != DEFAULT)
    ]
    if explicit:
        raise ReplayError(
            f"{where} is a Caliper envelope, and {', '.join(explicit)} asks for the Canvas "
            "format: a Caliper envelope cannot be turned back into a Canvas event. Replay "
            "Caliper files without --format canvas or a canvas: prefix (they are sent as read)"
        )
