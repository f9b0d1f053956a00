"""The ``canvas-sim`` command line: a thin layer over the library, errors made into messages."""

from __future__ import annotations

import gc
import os
import string
import sys
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, cast

import click
import orjson

from . import __version__
from .errors import SimulatorError
from .render import NullPolicy
from .signing import DEFAULT_ISSUER

if TYPE_CHECKING:  # imported lazily at run time, to keep --help fast
    from .run import DeliveryOptions, RunResult
    from .sinks import Sink

GC_THRESHOLDS = (50_000, 20, 100)  # Python's defaults: (700, 10, 10)

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
        except BrokenPipeError:
            # The reader of stdout went away (e.g. `| head`): stop quietly, as Unix tools do.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(141)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="canvas-sim")
def main() -> None:
    """Simulate Canvas LMS Live Events from YAML scenarios.

    A scenario describes a course, or many (people, assignment groups, assignments), and what
    happens in them (enroll, submit, grade, excuse, quizzes, post, override, custom statuses,
    comments, assignments created or changed). The simulator keeps the course state and emits
    exactly the events Canvas would, with consistent old/new values and course scores
    recomputed by Canvas's rules. The scenario format: docs/scenarios.md, `canvas-sim schema`.

    \b
    Examples:
      canvas-sim run scenarios/quickstart.yaml --to out/events.jsonl
      canvas-sim run scenarios/quickstart.yaml --seed 7 --to - | jq .metadata.event_name
      canvas-sim check scenarios/load.yaml --set courses=20
      canvas-sim run scenarios/load.yaml --set courses=20 --to http://127.0.0.1:8080/events
      canvas-sim events
    """
    # A run builds a large world of long-lived objects and makes little cyclic garbage, so the
    # collector's frequent young-generation passes mostly re-walk survivors. Running them less
    # often is a process-wide choice, so the command line makes it (docs/performance.md).
    gc.set_threshold(*GC_THRESHOLDS)


def _write_json(path: Path, value: object) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(orjson.dumps(value, option=orjson.OPT_INDENT_2) + b"\n")
    except OSError as exc:
        raise SimulatorError(f"cannot write {path}: {exc.strerror or exc}") from None


def _check_writable(path: Path, option: str) -> None:
    """Refuse, before any work, an output path whose directory cannot take a new file."""
    import tempfile

    if path.is_dir():
        raise click.BadParameter(f"{path} is a directory", param_hint=f"'{option}'")
    folder = path.absolute().parent
    while not folder.exists() and folder != folder.parent:  # created by the run itself
        folder = folder.parent
    try:
        if not folder.is_dir():
            raise NotADirectoryError(f"{folder} is not a directory")
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{path.name}.", suffix=".check"):
            pass
    except OSError as exc:
        raise click.BadParameter(
            f"cannot write {path}: {exc.strerror or exc}", param_hint=f"'{option}'"
        ) from None


URL_SCHEMES = ("http", "https")


def _is_url(target: str) -> bool:
    """Whether a --to value is a URL (checked: http or https, a host, a valid port); anything
    without ``://`` is a path."""
    import difflib
    import urllib.parse

    scheme, sep, _ = target.partition("://")
    if not sep:
        return False
    if scheme.lower() not in URL_SCHEMES:
        close = difflib.get_close_matches(scheme.lower(), URL_SCHEMES, n=1)
        hint = f" (did you mean {close[0]}://?)" if close else ""
        raise click.BadParameter(
            f"{target}: targets are a file path, - (stdout) or an http:// or https:// URL{hint}",
            param_hint="'--to'",
        )
    parts = urllib.parse.urlsplit(target)
    try:
        parts.port  # noqa: B018 - raises ValueError when out of range
    except ValueError:
        raise click.BadParameter(
            f"{target}: the port must be a number from 1 to 65535", param_hint="'--to'"
        ) from None
    if not parts.hostname:
        raise click.BadParameter(f"{target}: the URL has no host", param_hint="'--to'")
    return True


# Options that shape HTTP requests: (parameter, flag, value when not given).
_URL_ONLY_OPTIONS = (
    ("sign_key", "--sign-key", None),
    ("kid", "--kid", None),
    ("headers", "--header", ()),
    ("batch", "--batch", 1),
    ("jwt_quoted", "--jwt-quoted", False),
    ("insecure", "--insecure", False),
)


def _refuse_url_options(options: dict[str, Any]) -> None:
    """With no URL target, HTTP options would be silently ignored: say so instead."""
    given = [flag for name, flag, unset in _URL_ONLY_OPTIONS if options[name] != unset]
    if given:
        raise click.UsageError(f"{', '.join(given)}: only for HTTP targets (--to http(s)://...)")


# --set of the commands that only simulate (check, explain); run's has a longer help.
_SET_PARAMS = click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a parameter the scenario declares under params. Repeatable.",
)


def _settings(values: tuple[str, ...]) -> dict[str, str]:
    """``--set name=value`` pairs."""
    settings = {}
    for value in values:
        name, sep, raw = value.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got {value!r}", param_hint="--set")
        settings[name.strip()] = raw
    return settings


def _header(value: str) -> tuple[str, str]:
    """``'Name: value'``; ``$VAR`` / ``${VAR}`` in the value come from the environment."""
    name, sep, raw = value.partition(":")
    if not sep or not name.strip():
        raise click.BadParameter(
            "expected 'Name: value', with a colon after the name (the value given is not "
            "shown: it may hold a secret)",
            param_hint="--header",
        )
    try:
        expanded = string.Template(raw.strip()).substitute(os.environ)
    except KeyError as exc:
        raise click.BadParameter(
            f"environment variable {exc.args[0]} is not set", param_hint="--header"
        ) from None
    except ValueError:
        expanded = raw.strip()
    try:
        (name + expanded).encode("latin-1")
    except UnicodeEncodeError:
        raise click.BadParameter(
            f"header {name.strip()!r} must be plain text (latin-1)", param_hint="--header"
        ) from None
    return name.strip(), expanded


# Options shared by `run` and `replay`: where events go and how they travel.
_DELIVERY_OPTIONS = [
    click.option(
        "--to",
        "targets",
        multiple=True,
        metavar="PATH|-|URL",
        help="Where events go: a JSONL file, - for stdout, or an http(s):// URL (one POST per "
        "event, like a Canvas Data Services HTTPS subscription). Repeatable. Default: stdout.",
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
        help="Replay simulated time N times faster than real time (1 = real time).",
    ),
    click.option("--duration", metavar="DURATION", help="Stop after this long, e.g. 30s, 5m."),
    click.option("--max-events", type=click.IntRange(min=1), help="Stop after this many events."),
    click.option(
        "--concurrency",
        type=click.IntRange(min=1),
        default=16,
        show_default=True,
        help="Requests in flight at once per URL (keep-alive connections).",
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
        "--stats-json",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write the delivery summary as JSON to this file.",
    ),
    click.option("--quiet", "-q", is_flag=True, help="No progress and no summary on stderr."),
]


def _delivery_options(command: F) -> F:
    """Add the delivery options (``--to``, pacing, HTTP, signing, stats) to ``command``."""
    for option in reversed(_DELIVERY_OPTIONS):
        command = option(command)
    return command


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=str))
@click.option("--seed", type=int, help="Seed for every random choice (default: the scenario's).")
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a parameter the scenario declares under params (e.g. students=500). Repeatable.",
)
@_delivery_options
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
@click.option(
    "--single-process",
    is_flag=True,
    help="Generate events in the delivering process (by default, HTTP runs generate them in a "
    "forked child so that delivery has a core of its own).",
)
@click.option(
    "--duplicates",
    type=click.FloatRange(0, 1),
    default=0.0,
    help="Fault: deliver this fraction of events twice (Canvas may redeliver).",
)
@click.option(
    "--drop",
    "drop_share",
    type=click.FloatRange(0, 1),
    default=0.0,
    help="Fault: lose this fraction of events.",
)
@click.option(
    "--reorder",
    metavar="WINDOW",
    help="Fault: shuffle arrivals within this simulated window, e.g. 30s (so a "
    "course_grade_change can arrive before its grade_change).",
)
@click.option(
    "--delay",
    metavar="MIN-MAX",
    help="Fault: deliver some events this much later in the stream, e.g. 1m-10m.",
)
@click.option(
    "--delay-share",
    type=click.FloatRange(0, 1),
    default=0.05,
    show_default=True,
    help="With --delay: the fraction of events delayed.",
)
@click.option(
    "--compact-nulls",
    is_flag=True,
    help="Fault: request-driven events omit null-valued body keys (as real payloads).",
)
@click.option(
    "--mixed-offsets",
    is_flag=True,
    help="Fault: body timestamps in varied UTC offsets (the same instants).",
)
@click.option(
    "--extra-keys",
    is_flag=True,
    help="Fault: unknown keys in metadata and body, as Canvas may add.",
)
@click.option(
    "--faults-manifest",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where the list of injected faults goes (default: beside the first output "
    "file, <name>.faults.jsonl, else faults.jsonl).",
)
@click.option(
    "--state-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the end state a consumer should have derived (per student: each assignment's "
    "score, grade and state, the four course scores, the override) as JSON.",
)
@_clean_errors
def run(
    scenario: str,
    seed: int | None,
    settings: tuple[str, ...],
    templates: str | None,
    nulls: str,
    single_process: bool,
    duplicates: float,
    drop_share: float,
    reorder: str | None,
    delay: str | None,
    delay_share: float,
    compact_nulls: bool,
    mixed_offsets: bool,
    extra_keys: bool,
    faults_manifest: Path | None,
    state_out: Path | None,
    **delivery_options: Any,
) -> None:
    """Run SCENARIO and deliver its events.

    The same scenario and seed always give byte-identical output. A file target is written
    atomically: on any error nothing (not even a partial file) is left behind. URL targets get
    one POST per event with Canvas-like retries; what cannot be delivered goes to the dead-letter
    file and the run exits 1. Ctrl-C or SIGTERM stop generating, drain in-flight requests, and
    report (exit 130 / 143). A summary goes to stderr.
    """
    from .durations import parse_duration_ms
    from .faults import FaultConfig, FaultInjector, Manifest
    from .producer import fork_available
    from .report import live_progress, print_summary
    from .run import deliver_scenario, run_scenario
    from .scenario import load_scenario

    plan = _Delivery(delivery_options)
    try:
        reorder_ms = parse_duration_ms(reorder) if reorder else 0
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--reorder'") from None
    try:
        low, _, high = (delay or "0s").partition("-")
        delay_ms = (parse_duration_ms(low), parse_duration_ms(high or low))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--delay'") from None
    if delay_ms[0] > delay_ms[1]:
        raise click.BadParameter(
            f"{delay}: the shorter delay comes first (MIN-MAX)", param_hint="'--delay'"
        )
    given = click.get_current_context().get_parameter_source("delay_share")
    if given is not click.core.ParameterSource.DEFAULT and not delay:
        raise click.UsageError("--delay-share goes with --delay MIN-MAX")
    if state_out is not None:
        _check_writable(state_out, "--state-out")
    scenario_model, located = load_scenario(scenario, _settings(settings))
    sinks = plan.sinks()
    fault_config = FaultConfig(
        duplicates=duplicates,
        drop=drop_share,
        reorder_ms=reorder_ms,
        delay_ms=delay_ms,
        delay_share=delay_share if delay else 0.0,
        compact_nulls=compact_nulls,
        mixed_offsets=mixed_offsets,
        extra_keys=extra_keys,
        seed=scenario_model.seed if seed is None else seed,
    )
    injector = None
    if fault_config.active:
        first_file = plan.files[0] if plan.files else None
        manifest_path = faults_manifest or (
            first_file.with_name(first_file.name + ".faults.jsonl") if first_file else None
        )
        manifest_path = manifest_path or Path("faults.jsonl")
        _check_writable(manifest_path, "--faults-manifest")
        injector = FaultInjector(fault_config, Manifest(manifest_path))
    try:
        if not plan.delivering:
            with live_progress(enabled=not plan.quiet) as progress:
                result = run_scenario(
                    scenario_model,
                    located,
                    sinks,
                    seed=seed,
                    templates=templates,
                    nulls=cast(NullPolicy, nulls),
                    progress=progress,
                    faults=injector,
                )
        else:
            options = plan.options(
                producer_process=bool(plan.urls) and not single_process and fork_available(),
                faults=injector,
            )
            with plan.live(options):
                result = deliver_scenario(
                    scenario_model,
                    located,
                    sinks,
                    options,
                    seed=seed,
                    templates=templates,
                    nulls=cast(NullPolicy, nulls),
                )
    except KeyboardInterrupt:  # during generation to files, or before delivery began
        plan.interrupted()
    if not plan.quiet:
        print_summary(result)
    plan.report(result)
    if injector is not None and not plan.quiet and injector.manifest.path.exists():
        click.echo(f"injected faults are listed in {injector.manifest.path}", err=True)
    if state_out is not None and result.gradebook is not None:
        _write_json(state_out, result.gradebook)
    plan.finish(result)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--only",
    "only",
    multiple=True,
    metavar="EVENT_NAME",
    help="Send only events of this type (e.g. grade_change). Repeatable.",
)
@_delivery_options
@_clean_errors
def replay(files: tuple[Path, ...], only: tuple[str, ...], **delivery_options: Any) -> None:
    """Deliver the events of JSONL FILES again, in file order.

    FILES are a run's JSONL output, a receiver's --out file, or a dead-letter file (each of
    its events is sent again; what fails this time goes to --dead-letter, which must be
    another file). Every line is checked first: a line that is not an event is reported with
    its file and line, and nothing is sent. Events go out byte for byte as read (a dead
    letter's event as compact JSON), with the same pacing, retries, signing and summary as
    `canvas-sim run`. With --speed, the events' metadata.event_time sets the pace.

    \b
    Examples:
      canvas-sim run scenarios/load.yaml --set courses=20 --to out/load.jsonl
      canvas-sim replay out/load.jsonl --to http://127.0.0.1:8080/events --rate 2000
      canvas-sim replay dead-letter.jsonl --to https://consumer.example/events \\
          --dead-letter dead-again.jsonl
    """
    from .clock import event_time
    from .replay import ReplayError, check_files
    from .run import replay_files

    plan = _Delivery(delivery_options)
    for path in files:
        if plan.dead_letter.exists() and path.exists() and path.samefile(plan.dead_letter):
            raise ReplayError(
                f"--dead-letter {plan.dead_letter} is one of the files being replayed; "
                "choose another file (e.g. --dead-letter dead-again.jsonl)"
            )
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
    if plan.max_events is not None and plan.max_events < count:
        count = plan.max_events
    if not plan.quiet:
        span = ""
        if checked.first_ms is not None and checked.last_ms is not None:
            span = (
                f", simulated time {event_time(checked.first_ms)} to {event_time(checked.last_ms)}"
            )
        click.echo(f"{count} events to replay from {len(files)} file(s){span}", err=True)
    sinks = plan.sinks()
    options = plan.options()
    with plan.live(options):
        result = replay_files(list(files), sinks, options, only=wanted)
    if not plan.quiet and sinks:
        click.echo(f"written to: {', '.join(s.description for s in sinks)}", err=True)
    plan.report(result)
    plan.finish(result)


class _Delivery:
    """The delivery options of ``run`` and ``replay``, checked, and what follows from them."""

    def __init__(self, options: dict[str, Any]) -> None:
        from .delivery import HttpTarget, RetryPolicy
        from .durations import parse_duration_ms
        from .pacing import Schedule, parse_ramp
        from .signing import Signer, kid_beside, load_private_key

        rate, ramp, speed = options["rate"], options["ramp"], options["speed"]
        if sum(option is not None for option in (rate, ramp, speed)) > 1:
            raise click.UsageError("use only one of --rate, --ramp and --speed")
        try:
            ramp_points = parse_ramp(ramp) if ramp else ()
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="'--ramp'") from None
        try:
            duration = options["duration"]
            self.duration_s = parse_duration_ms(duration) / 1000 if duration else None
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="'--duration'") from None
        headers = [_header(value) for value in options["headers"]]
        targets: tuple[str, ...] = options["targets"]
        for target in {t for t in targets if targets.count(t) > 1}:
            raise click.BadParameter(f"{target} is given twice", param_hint="'--to'")
        self.urls = [t for t in targets if _is_url(t)]
        self.paths = [t for t in targets if t not in self.urls] or ([] if self.urls else ["-"])
        self.files = [Path(path) for path in self.paths if path != "-"]  # not stdout
        if not self.urls:
            _refuse_url_options(options)
        self.schedule = Schedule(rate=rate, ramp=ramp_points, speed=speed)
        self.max_events: int | None = options["max_events"]
        self.dead_letter: Path = options["dead_letter"]
        self.stats_json: Path | None = options["stats_json"]
        self.quiet: bool = options["quiet"]
        self.delivering = bool(
            self.urls or self.schedule.paced or self.max_events or self.duration_s
        )
        if self.stats_json is not None:
            if not self.delivering:
                raise click.UsageError(
                    "--stats-json describes a delivery: give a --to http(s):// URL, or pace "
                    "it (--rate, --ramp, --speed, --duration, --max-events)"
                )
            _check_writable(self.stats_json, "--stats-json")
        for file in self.files:
            _check_writable(file, "--to")
        if self.urls:
            _check_writable(self.dead_letter, "--dead-letter")
        signer = None
        if options["sign_key"]:
            key = load_private_key(options["sign_key"])
            # Without --kid, the key's id in the jwks.json beside it (as `keys` writes them).
            kid = options["kid"] or kid_beside(options["sign_key"], key)
            signer = Signer(key, kid=kid, issuer=options["issuer"])
        self.targets = [
            HttpTarget(
                url=url,
                headers=headers,
                timeout_s=options["timeout"],
                concurrency=options["concurrency"],
                batch=options["batch"],
                retry=RetryPolicy(retries=options["retries"], backoff_s=options["backoff"]),
                signer=signer,
                jwt_quoted=options["jwt_quoted"],
                verify_tls=not options["insecure"],
            )
            for url in self.urls
        ]

    def sinks(self) -> list[Sink]:
        from .sinks import open_sink

        return [open_sink(path) for path in self.paths]

    def options(self, **extra: Any) -> DeliveryOptions:
        """The library's DeliveryOptions (with a live DeliveryStats)."""
        from .delivery import DeliveryStats
        from .run import DeliveryOptions

        return DeliveryOptions(
            targets=self.targets,
            schedule=self.schedule,
            max_events=self.max_events,
            duration_s=self.duration_s,
            dead_letter=self.dead_letter,
            handle_signals=True,
            stats=DeliveryStats(),
            **extra,
        )

    def live(self, options: DeliveryOptions) -> AbstractContextManager[None]:
        """The live delivery display (on a terminal, unless quiet)."""
        from .report import live_delivery

        assert options.stats is not None
        return live_delivery(options.stats, enabled=not self.quiet)

    def report(self, result: RunResult) -> None:
        """The delivery part of the summary (for URL targets, unless quiet)."""
        from .report import print_delivery

        if not self.quiet and result.delivery is not None and self.urls:
            print_delivery(result)

    def interrupted(self, code: int = 130, *, announced: bool = False) -> NoReturn:
        """Say what an interrupted run kept (output files are kept only when it completes);
        ``announced``: the delivery summary already said it was interrupted."""
        names = ", ".join(map(str, self.files))
        kept = f"not kept: {names} (a file is kept only when the run completes)"
        if self.files:
            click.echo(kept if announced else f"interrupted; {kept}", err=True)
        elif not announced:
            click.echo("interrupted", err=True)
        sys.exit(code)

    def finish(self, result: RunResult) -> None:
        """--stats-json, and the exit code of an interrupted or lossy run."""
        delivery = result.delivery
        if self.stats_json is not None and delivery is not None:
            _write_json(self.stats_json, delivery.as_dict())
        if delivery is not None and delivery.interrupted_by:
            code = 130 if delivery.interrupted_by == "SIGINT" else 143
            self.interrupted(code, announced=True)
        if result.dead_letter_path is not None:
            error = delivery.last_error if delivery else None
            last = f" (last error: {error})" if error else ""
            click.echo(
                f"error: {sum(delivery.dead_lettered.values()) if delivery else 0} events could "
                f"not be delivered; they were appended to {result.dead_letter_path}{last}",
                err=True,
            )
            sys.exit(1)


@main.command()
def events() -> None:
    """List the event types the simulator emits and what emits each."""
    from .events import CATALOGUE

    width = max(map(len, CATALOGUE))
    for name, what in CATALOGUE.items():
        click.echo(f"{name:<{width}}  {what}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8080,
    show_default=True,
    help="Port to listen on (0 picks a free one).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append every accepted event to this JSONL file.",
)
@click.option(
    "--verify-key",
    type=click.Path(dir_okay=False, path_type=str),
    help="PEM public key: verify RS256-signed payloads with it.",
)
@click.option(
    "--jwks",
    "jwks_path",
    type=click.Path(dir_okay=False, path_type=str),
    help="JWKS file: verify signed payloads by their kid, and serve it at GET /jwks.",
)
@click.option("--issuer", help="Require this JWT 'iss' claim.")
@click.option(
    "--fail-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Answer this fraction of POSTs with 500, to exercise senders' retries.",
)
@click.option(
    "--latency",
    default="0ms",
    show_default=True,
    metavar="DURATION[-DURATION]",
    help="Delay every answer: fixed ('50ms') or uniform in a range ('10ms-200ms').",
)
@click.option("--seed", type=int, help="Seed of injected failures and latencies.")
@click.option("--quiet", "-q", is_flag=True, help="No live display; only the final summary.")
@_clean_errors
def receive(
    host: str,
    port: int,
    out: Path | None,
    verify_key: str | None,
    jwks_path: str | None,
    issuer: str | None,
    fail_rate: float,
    latency: str,
    seed: int | None,
    quiet: bool,
) -> None:
    """Receive Canvas Live Events over HTTP and show what arrives.

    A real HTTP server that accepts Canvas-format POSTs (plain JSON, an RS256 JWT, or a JWT as
    a quoted JSON string; JSON arrays from --batch too), verifies signatures when given keys,
    checks each payload's shape, counts arrivals by type, and can inject failures and latency.
    GET /stats returns the counts as JSON; GET /jwks serves the --jwks keys. Stop with Ctrl-C.
    """
    from .durations import parse_duration_ms
    from .receiver import ReceiverConfig
    from .receiver.console import serve_receiver
    from .signing import Verifier

    low, _, high = latency.partition("-")
    try:
        latency_ms = (parse_duration_ms(low), parse_duration_ms(high or low))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--latency") from None
    verifier = None
    jwks = None
    if jwks_path:
        try:
            jwks = orjson.loads(Path(jwks_path).read_bytes())
        except (OSError, orjson.JSONDecodeError) as exc:
            raise SimulatorError(f"cannot read JWKS {jwks_path}: {exc}") from None
        verifier = Verifier.from_jwks(jwks, issuer)
    elif verify_key:
        verifier = Verifier.from_public_key(verify_key, issuer)
    config = ReceiverConfig(
        host=host,
        port=port,
        out=out,
        verifier=verifier,
        jwks=jwks,
        fail_rate=fail_rate,
        latency_ms=(float(latency_ms[0]), float(latency_ms[1])),
        seed=seed,
    )
    serve_receiver(config, live=not quiet)


@main.command()
@click.option(
    "--out",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("keys"),
    show_default=True,
    help="Directory for the key files.",
)
@click.option(
    "--kid",
    "kids",
    multiple=True,
    metavar="ID",
    help="Key ids of the previous, current and next keys, given three times (default: the "
    "previous, current and next month, e.g. 2024-08, 2024-09, 2024-10).",
)
@click.option("--force", is_flag=True, help="Replace keys already in the directory.")
@_clean_errors
def keys(directory: Path, kids: tuple[str, ...], force: bool) -> None:
    """Generate RS256 key pairs (previous, current, next) and print their JWKS.

    Writes previous.pem, current.pem, next.pem (private; sign with --sign-key current.pem,
    whose key id `run` finds in jwks.json beside it), their .pub.pem public keys and
    jwks.json, which consumers (or `canvas-sim receive --jwks`) use to verify signed
    deliveries. Keys already in the directory are kept unless --force.
    """
    import datetime

    from .signing import KEY_ROLES, write_key_set

    if kids and len(kids) != 3:
        raise click.UsageError("give --kid three times (previous, current, next) or not at all")
    if len(set(kids)) != len(kids):
        raise click.UsageError(f"the three --kid values must differ (got {', '.join(kids)})")
    existing = [
        name
        for name in (*(f"{role}.pem" for role in KEY_ROLES), "jwks.json")
        if (directory / name).exists()
    ]
    if existing and not force:
        raise click.UsageError(
            f"{directory}/ already holds {', '.join(existing)}: choose another --out, or "
            "--force to replace them (senders and receivers using them will no longer match)"
        )
    if not kids:
        today = datetime.date.today().replace(day=1)
        previous = (today - datetime.timedelta(days=1)).replace(day=1)
        following = (today + datetime.timedelta(days=32)).replace(day=1)
        kids = tuple(f"{d:%Y-%m}" for d in (previous, today, following))
    document = write_key_set(directory, kids)
    click.echo(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode())
    click.echo(f"keys written to {directory}/ (current key id: {kids[1]})", err=True)
    click.echo(
        f"sign with:   canvas-sim run SCENARIO --to URL --sign-key {directory / 'current.pem'}\n"
        f"verify with: canvas-sim receive --jwks {directory / 'jwks.json'}",
        err=True,
    )


@main.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the schema to this file instead of stdout.",
)
@_clean_errors
def schema(out: Path | None) -> None:
    """Print the JSON Schema of scenario files.

    Point your editor at it for validation and completion, e.g. with the YAML language server,
    a first line ``# yaml-language-server: $schema=scenario.schema.json``. The repository ships
    it as scenarios/scenario.schema.json.
    """
    from .scenario import json_schema

    if out is not None:
        _write_json(out, json_schema())
    else:
        click.echo(orjson.dumps(json_schema(), option=orjson.OPT_INDENT_2).decode())


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=str))
@click.argument("student")
@click.option(
    "--course",
    "course_code",
    metavar="CODE",
    help="The course (its code) when the student is in several; by default all of them (up to 10).",
)
@click.option("--seed", type=int, help="Seed for every random choice (default: the scenario's).")
@_SET_PARAMS
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
@_clean_errors
def explain(
    scenario: str,
    student: str,
    course_code: str | None,
    seed: int | None,
    settings: tuple[str, ...],
    as_json: bool,
) -> None:
    """Show how STUDENT's course scores come out at the end of SCENARIO.

    Runs the scenario in memory (writing nothing), then prints, for each assignment group, the
    score and points possible the calculator counted in the posted pass (what the student
    sees), the assignments its drop rules dropped, and the four course scores, as Canvas
    computes them. Use it when a consumer's own calculation disagrees with the events.

    \b
    Examples:
      canvas-sim explain scenarios/semester.yaml student3
      canvas-sim explain scenarios/load.yaml student7 --set courses=3 --course STAT-101-2
      canvas-sim explain scenarios/quickstart.yaml student1 --json
    """
    from .engine import Engine
    from .explain import enrolled, explain_student, find_student
    from .report import live_progress, print_explanation
    from .run import PROGRESS_EVERY
    from .scenario import load_scenario

    scenario_model, located = load_scenario(scenario, _settings(settings))
    engine = Engine(scenario_model, located, seed)
    courses = find_student(engine.courses, student, course_code)
    with live_progress(enabled=not as_json) as progress:
        for total, _ in enumerate(engine.events(), start=1):
            if progress is not None and total % PROGRESS_EVERY == 0:
                progress(total)
    explanations = [explain_student(course, student) for course in enrolled(courses, student)]
    if as_json:
        click.echo(orjson.dumps(explanations, option=orjson.OPT_INDENT_2).decode())
        return
    for explanation in explanations:
        print_explanation(explanation)


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=str))
@click.option("--seed", type=int, help="Seed for the dry run (default: the scenario's).")
@_SET_PARAMS
@click.option(
    "--no-dry-run", is_flag=True, help="Only validate; do not simulate to count the events."
)
@_clean_errors
def check(scenario: str, seed: int | None, settings: tuple[str, ...], no_dry_run: bool) -> None:
    """Validate SCENARIO and print its plan, writing nothing.

    Checks the YAML, the scenario format and every name a step refers to, then simulates the
    scenario in memory (unless --no-dry-run) to count the events it will emit, by type. Exits 2
    with file:line:column and what was expected on any mistake.
    """
    from .engine import Engine
    from .report import live_progress, print_counts, print_plan
    from .run import PROGRESS_EVERY
    from .scenario import load_scenario

    scenario_model, located = load_scenario(scenario, _settings(settings))
    engine = Engine(scenario_model, located, seed)
    print_plan(scenario, engine)
    if no_dry_run:
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


@main.command()
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
@_clean_errors
def validate(files: tuple[str, ...], lenient: bool, max_problems: int) -> None:
    """Check Canvas Live Events JSONL FILES (or - for stdin) for schema and consistency errors.

    Works on any Canvas-format stream, the simulator's or one captured from Canvas: every event
    against its JSON Schema, and the stream against itself (each old_* equals the previous new
    value of its record, attempts never go back, no unknown event types, duplicates). Each
    problem is printed with its line number; a summary by type goes to stderr. Exits 1 when
    anything is wrong.
    """
    from .validate import validate_file

    if not files and sys.stdin.isatty():
        raise click.UsageError("give FILES to check, or pipe a stream in (- for standard input)")
    failed = False
    for name in files or ("-",):
        try:
            report = validate_file(name, lenient=lenient, max_problems=max_problems)
        except OSError as exc:
            raise SimulatorError(f"cannot read {name}: {exc.strerror or exc}") from None
        for problem in report.problems:
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


@main.command()
@click.option(
    "--out",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("schemas"),
    show_default=True,
    help="Directory to write the schema files into.",
)
@_clean_errors
def schemas(directory: Path) -> None:
    """Export the JSON Schemas (draft 2020-12) of every event type the simulator emits, and
    of the other Canvas events that `validate` knows.

    One <event_name>.schema.json per type, describing the whole payload (metadata and body:
    types, nullability, global and local id forms, enumerations), plus _common.schema.json with
    the shared definitions they refer to.
    """
    from importlib.resources import files

    source = files("canvas_sim.schemas")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        names = sorted(e.name for e in source.iterdir() if e.name.endswith(".schema.json"))
        for name in names:
            (directory / name).write_text(source.joinpath(name).read_text("utf-8"), "utf-8")
    except OSError as exc:
        raise SimulatorError(f"cannot write {directory}: {exc.strerror or exc}") from None
    click.echo(f"{len(names)} schemas written to {directory}/", err=True)
