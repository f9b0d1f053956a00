"""Option declarations the commands share: --seed, --set and the delivery options."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..issuer import DEFAULT_ISSUER

F = TypeVar("F", bound=Callable[..., Any])

SEED_HELP = "Seed for every random choice (default: the scenario's)."
SET_HELP = "Override a parameter the scenario declares under params. Repeatable."


def seed_option(help: str = SEED_HELP) -> Callable[[F], F]:
    """``--seed N``, with the help text of the command that takes it."""
    return click.option("--seed", type=int, help=help)


def set_option(help: str = SET_HELP) -> Callable[[F], F]:
    """``--set NAME=VALUE`` (repeatable), read with :func:`parse_settings`."""
    return click.option("--set", "settings", multiple=True, metavar="NAME=VALUE", help=help)


def parse_settings(values: tuple[str, ...]) -> dict[str, str]:
    """``--set name=value`` pairs."""
    settings = {}
    for value in values:
        name, sep, raw = value.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got {value!r}", param_hint="--set")
        settings[name.strip()] = raw
    return settings


# Options shared by `run` and `replay`: where events go and how they travel.
DELIVERY_OPTIONS = [
    click.option(
        "--to",
        "targets",
        multiple=True,
        metavar="PATH|-|URL|sqs://QUEUE",
        help="Where events go: a JSONL file, - for stdout, an http(s):// URL (one POST per "
        "event, like a Canvas Data Services HTTPS subscription), or an Amazon SQS queue as "
        "sqs://NAME or sqs://sqs.REGION.amazonaws.com/ACCOUNT/NAME (one message per event, "
        "like its SQS subscription). Repeatable. Default: stdout. A caliper: or canvas: prefix "
        "gives the target its own format (caliper:out.jsonl).",
    ),
    click.option(
        "--format",
        "payload_format",
        type=click.Choice(["canvas", "caliper"]),
        default="canvas",
        show_default=True,
        help="Payload format of the targets without a prefix: Canvas's own, or IMS Caliper 1.1 "
        "as Canvas sends it (events Canvas has no Caliper form for are skipped and counted).",
    ),
    click.option(
        "--rate",
        type=click.FloatRange(min=0, min_open=True),
        help="Events per second, "
        "at a constant arrival rate (a slow consumer does not slow the schedule).",
    ),
    click.option(
        "--ramp",
        metavar="PROFILE",
        help="Rate profile, e.g. '0s:100,60s:1000,120s:1000' "
        "(linear between points, then the last rate).",
    ),
    click.option(
        "--speed",
        type=click.FloatRange(min=0, min_open=True),
        help="Replay simulated time N times faster than real time (1 = real time). The live "
        "line shows the simulated clock and the scenario step being sent (replay: event n of N).",
    ),
    click.option("--duration", metavar="DURATION", help="Stop after this long, e.g. 30s, 5m."),
    click.option("--max-events", type=click.IntRange(min=1), help="Stop after this many events."),
    click.option(
        "--max-gap",
        metavar="DURATION",
        help="With --speed: compress stretches of simulated time with no event longer than "
        "this (e.g. 10m) to this, so a week-long scenario demos in minutes.",
    ),
    click.option(
        "--concurrency",
        type=click.IntRange(min=1),
        default=16,
        show_default=True,
        help="Requests in flight at once per URL or queue (keep-alive connections; an SQS "
        "FIFO queue takes one at a time, to keep order).",
    ),
    click.option(
        "--max-consecutive-failures",
        type=click.IntRange(min=1),
        default=100,
        show_default=True,
        help="Stop after this many connection failures in a row at a target; what is left "
        "unsent is dead-lettered.",
    ),
    click.option(
        "--batch",
        type=click.IntRange(min=1),
        default=1,
        show_default=True,
        help="Events per POST as a JSON array (NOT Canvas's format; for throughput).",
    ),
    click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=15.0,
        show_default=True,
        help="Seconds before a request counts as failed.",
    ),
    click.option(
        "--header",
        "headers",
        multiple=True,
        metavar="'NAME: VALUE'",
        help="Extra request header; $VAR or ${VAR} in the value is read from the "
        "environment (values are never printed). Repeatable.",
    ),
    click.option("--insecure", is_flag=True, help="Do not verify TLS certificates."),
    click.option(
        "--retries",
        type=click.IntRange(min=0),
        default=3,
        show_default=True,
        help="Retries after a timeout, connection error, 5xx or 429.",
    ),
    click.option(
        "--backoff",
        type=click.FloatRange(min=0),
        default=0.5,
        show_default=True,
        help="First retry wait in seconds (doubles each retry, with jitter; a "
        "Retry-After header wins).",
    ),
    click.option(
        "--dead-letter",
        type=click.Path(dir_okay=False, path_type=Path),
        default=Path("dead-letter.jsonl"),
        show_default=True,
        help="Where events that could not be delivered go (with their last error).",
    ),
    click.option(
        "--sign-key",
        type=click.Path(dir_okay=False, path_type=str),
        help="PEM RSA private key: send each event as an RS256 JWT (Canvas's 'Sign Payload').",
    ),
    click.option(
        "--kid",
        help="Key id for the JWT header (matches a key in your JWKS; default: the key's id in "
        "a jwks.json beside the key file, as `canvas-sim keys` writes them).",
    ),
    click.option("--issuer", default=DEFAULT_ISSUER, show_default=True, help="JWT 'iss' claim."),
    click.option(
        "--jwt-quoted",
        is_flag=True,
        help="Send the JWT as a quoted JSON string, as some consumers have observed.",
    ),
    click.option(
        "--sqs-endpoint",
        metavar="URL",
        help="SQS endpoint for sqs:// targets, e.g. a local server (default: the AWS "
        "configuration's, AWS_ENDPOINT_URL_SQS, else AWS).",
    ),
    click.option(
        "--sqs-batch",
        type=click.IntRange(1, 10),
        default=10,
        show_default=True,
        help="Messages per SendMessageBatch call to an sqs:// target (at most 256 KiB a call).",
    ),
    click.option(
        "--stats-json",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write the delivery summary (per target, with a per-second time series) as JSON "
        "to this file.",
    ),
    click.option(
        "--stats-csv",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write the per-second time series as CSV to this file.",
    ),
    click.option("--quiet", "-q", is_flag=True, help="No progress and no summary on stderr."),
]


def with_delivery_options(command: F) -> F:
    """Add the delivery options (``--to``, pacing, HTTP, signing, stats) to ``command``."""
    for option in reversed(DELIVERY_OPTIONS):
        command = option(command)
    return command
