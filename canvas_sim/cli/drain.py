"""``canvas-sim drain``: read an SQS queue into JSON Lines, deleting what was written."""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path

import click

from .helpers import check_writable, clean_errors, duration_option


@click.command()
@click.argument("queue", metavar="sqs://QUEUE")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=str),
    default="-",
    show_default=True,
    help="JSONL file the events are appended to (- for stdout).",
)
@click.option(
    "--sqs-endpoint",
    metavar="URL",
    help="SQS endpoint, e.g. a local server (default: the AWS configuration's, "
    "AWS_ENDPOINT_URL_SQS, else AWS).",
)
@click.option("--max-events", type=click.IntRange(min=1), help="Stop after this many events.")
@click.option(
    "--idle",
    metavar="DURATION",
    help="Stop once the queue has been empty this long (e.g. 5s); default: until Ctrl-C.",
)
@click.option("--quiet", "-q", is_flag=True, help="No live display; only the final summary.")
@clean_errors
def drain(
    queue: str,
    out: str,
    sqs_endpoint: str | None,
    max_events: int | None,
    idle: str | None,
    quiet: bool,
) -> None:
    """Read the events of an SQS queue into JSONL and delete them from the queue.

    The SQS peer of `canvas-sim receive`: the round trip of `run --to sqs://...`, and the
    demo of an SQS pipeline. A message is deleted only once its line is written and synced
    to disk, so a crash may repeat a message but never loses one. Each message's
    event_name and event_time attributes are checked against its body; a mismatch (or a
    body that is not an event) makes the exit code 1.

    \b
    Examples:
      canvas-sim drain sqs://canvas-events --out received.jsonl --idle 5s
      canvas-sim drain sqs://canvas-events --sqs-endpoint http://127.0.0.1:5000 --idle 5s
    """
    from ..delivery.sqs_client import SqsTarget
    from ..delivery.summary import drain_view
    from ..sqs_drain import DrainStats
    from ..sqs_drain import drain as drain_queue

    if not queue.lower().startswith("sqs://"):
        raise click.BadParameter(f"{queue}: expected sqs://QUEUE", param_hint="'QUEUE'")
    idle_ms = duration_option(idle, "--idle")
    idle_s = None if idle_ms is None else idle_ms / 1000
    path = None if out == "-" else Path(out)
    if path is not None:
        check_writable(path, "--out")
    target = SqsTarget(queue, endpoint=sqs_endpoint)
    stats = DrainStats()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    started = time.monotonic()
    with drain_view(stats, enabled=not quiet):
        drain_queue(target, path, stats=stats, max_events=max_events, idle_s=idle_s, stop=stop)
    summary = stats.as_dict()
    click.echo(
        f"drained {summary['events']} events from {queue} in {time.monotonic() - started:.1f} s"
        f" ({summary['stop_reason']})" + (f" into {path}" if path is not None else ""),
        err=True,
    )
    for name, count in summary["by_type"].items():
        click.echo(f"  {name}: {count}", err=True)
    if stats.mismatched or stats.not_events:
        click.echo(
            f"error: {stats.mismatched} messages whose event_name/event_time attributes differ "
            f"from their body, {stats.not_events} messages that are not events",
            err=True,
        )
        sys.exit(1)
