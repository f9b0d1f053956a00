"""The delivery plan of ``run`` and ``replay``: their delivery options checked and applied."""

from __future__ import annotations

import os
import string
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from .helpers import (
    check_writable,
    duration_option,
    option_file,
    refuse_same_files,
    refuse_url_options,
    write_json,
)
from .targets import parse_targets

if TYPE_CHECKING:  # imported lazily at run time, to keep --help fast
    from ..caliper.format import CaliperFormat
    from ..delivery import HttpTarget
    from ..delivery.sqs_client import SqsTarget
    from ..run import DeliveryOptions, RunResult
    from ..sinks import Sink


def parse_header(value: str) -> tuple[str, str]:
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


def caliper_summary(caliper: CaliperFormat) -> str:
    """One line: the envelopes made, and the events left out for want of a Caliper form."""
    skipped = ", ".join(f"{name} {count}" for name, count in sorted(caliper.skipped.items()))
    line = f"caliper: {sum(caliper.rendered.values())} envelopes"
    return line + (f"; no Caliper form in Canvas, not sent: {skipped}" if skipped else "")


class DeliveryPlan:
    """The delivery options of ``run`` and ``replay``, checked, and what follows from them."""

    def __init__(self, options: dict[str, Any]) -> None:
        from ..delivery.pacing import Schedule, parse_ramp

        self.templates: str | None = options.get("templates")
        self._caliper: CaliperFormat | None = None
        rate, ramp, speed = options["rate"], options["ramp"], options["speed"]
        if sum(option is not None for option in (rate, ramp, speed)) > 1:
            raise click.UsageError("use only one of --rate, --ramp and --speed")
        try:
            ramp_points = parse_ramp(ramp) if ramp else ()
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="'--ramp'") from None
        duration_ms = duration_option(options["duration"], "--duration", positive=True)
        self.duration_s = None if duration_ms is None else duration_ms / 1000
        headers = [parse_header(value) for value in options["headers"]]
        self.target_list = targets = parse_targets(options["targets"])
        self.default_format: str = options.get("payload_format", "canvas")
        default = self.default_format
        # Those that get Caliper envelopes: a caliper: prefix, or none with --format caliper.
        self.caliper_targets = frozenset(
            t.where for t in targets if (t.format or default) == "caliper"
        )
        self.every_target_caliper = len(self.caliper_targets) == len(targets)
        self.urls = [t.where for t in targets if t.is_url]  # and queues
        self.queues = [t.where for t in targets if t.kind == "sqs"]
        self.paths = [t.where for t in targets if not t.is_url]
        self.files = [Path(path) for path in self.paths if path != "-"]  # not stdout
        if len(self.queues) == len(self.urls):
            refuse_url_options(options, queues=bool(self.queues))
        if not self.queues:
            given = [
                flag
                for flag, unset in (("--sqs-endpoint", None), ("--sqs-batch", 10))
                if options[flag[2:].replace("-", "_")] != unset
            ]
            if given:
                raise click.UsageError(f"{', '.join(given)}: only for sqs:// targets")
        max_gap_ms = duration_option(options["max_gap"], "--max-gap", positive=True)
        if max_gap_ms is not None and speed is None:
            raise click.UsageError("--max-gap goes with --speed (it compresses simulated time)")
        self.schedule = Schedule(rate=rate, ramp=ramp_points, speed=speed, max_gap_ms=max_gap_ms)
        self.max_failures: int = options["max_consecutive_failures"]
        self.stats_csv: Path | None = options["stats_csv"]
        self.max_events: int | None = options["max_events"]
        self.dead_letter: Path = options["dead_letter"]
        self.stats_json: Path | None = options["stats_json"]
        self.quiet: bool = options["quiet"]
        self.delivering = bool(
            self.urls or self.schedule.paced or self.max_events or self.duration_s
        )
        for path, flag in ((self.stats_json, "--stats-json"), (self.stats_csv, "--stats-csv")):
            if path is None:
                continue
            if not self.delivering:
                raise click.UsageError(
                    f"{flag} describes a delivery: give a --to http(s):// URL or sqs:// queue, "
                    "or pace it (--rate, --ramp, --speed, --duration, --max-events)"
                )
            check_writable(path, flag)
        for file in self.files:
            check_writable(file, "--to")
        if self.urls:
            check_writable(self.dead_letter, "--dead-letter")
        signer = None
        self.sign_key: str | None = options["sign_key"]
        if options["sign_key"]:  # httpx and the crypto code load only when needed
            from ..signing import Signer, kid_beside, load_private_key

            key = option_file("--sign-key", lambda: load_private_key(options["sign_key"]))
            # Without --kid, the key's id in the jwks.json beside it (as `keys` writes them).
            kid = options["kid"] or kid_beside(options["sign_key"], key)
            signer = Signer(key, kid=kid, issuer=options["issuer"])
        self.signing = signer is not None
        self.targets: list[HttpTarget | SqsTarget] = []
        if self.urls:
            from ..delivery import HttpTarget, RetryPolicy

            self.targets += [
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
                    convert=self.caliper.convert_event if url in self.caliper_targets else None,
                )
                for url in self.urls
                if url not in self.queues
            ]
        if self.queues:
            from ..delivery.sqs_client import SqsTarget, import_boto3

            import_boto3()  # a clear error now if the [sqs] extra is missing
            self.targets += [
                SqsTarget(
                    queue,
                    endpoint=options["sqs_endpoint"],
                    timeout_s=options["timeout"],
                    concurrency=options["concurrency"],
                    batch=options["sqs_batch"],
                    retry=RetryPolicy(retries=options["retries"], backoff_s=options["backoff"]),
                    convert=self.caliper.convert_event if queue in self.caliper_targets else None,
                )
                for queue in self.queues
            ]

    def check_outputs(
        self,
        extra: Sequence[tuple[str, Path | None]] = (),
        inputs: Sequence[tuple[str, Path]] = (),
    ) -> None:
        """Exit 2 when two outputs (the file targets, the stats, the dead letters, ``extra``)
        name the same file, or one is an input."""
        outputs: list[tuple[str, Path | None]] = [("--to", file) for file in self.files]
        outputs += [("--stats-json", self.stats_json), ("--stats-csv", self.stats_csv)]
        outputs += [("--dead-letter", self.dead_letter if self.urls else None), *extra]
        if self.sign_key is not None:
            inputs = [*inputs, ("the --sign-key file", Path(self.sign_key))]
        refuse_same_files(outputs, inputs)

    @property
    def caliper(self) -> CaliperFormat:
        """The Caliper conversion shared by every Caliper target (made on first use, with the
        run's --templates)."""
        if self._caliper is None:
            from ..caliper.format import CaliperFormat

            self._caliper = CaliperFormat(self.templates)
        return self._caliper

    def sinks(self) -> list[Sink]:
        from ..sinks import open_sink

        sinks = [open_sink(path) for path in self.paths]
        if not self.caliper_targets:
            return sinks
        from ..caliper.format import CaliperSink

        return [
            CaliperSink(sink, self.caliper) if path in self.caliper_targets else sink
            for path, sink in zip(self.paths, sinks, strict=True)
        ]

    def options(self, **extra: Any) -> DeliveryOptions:
        """The library's DeliveryOptions (with a live DeliveryStats)."""
        from ..delivery import DeliveryStats
        from ..run import DeliveryOptions

        return DeliveryOptions(
            targets=self.targets,
            schedule=self.schedule,
            max_events=self.max_events,
            duration_s=self.duration_s,
            dead_letter=self.dead_letter,
            handle_signals=True,
            stats=DeliveryStats(signing=self.signing),
            max_failures=self.max_failures,
            **extra,
        )

    def live(self, options: DeliveryOptions) -> AbstractContextManager[None]:
        """The live delivery display (on a terminal, unless quiet)."""
        from ..report import live_delivery

        assert options.stats is not None
        return live_delivery(options.stats, enabled=not self.quiet)

    def report(self, result: RunResult) -> None:
        """The delivery part of the summary (for URL targets, unless quiet), and what the
        Caliper targets got."""
        from ..report import print_delivery

        if not self.quiet and result.delivery is not None and self.urls:
            print_delivery(result)
        if not self.quiet and self._caliper is not None:
            click.echo(caliper_summary(self._caliper), err=True)

    def interrupted(
        self, code: int = 130, *, announced: bool = False, unwritten: Path | None = None
    ) -> NoReturn:
        """Say what an interrupted run kept (output files are kept only when it completes);
        ``announced``: the delivery summary already said it was interrupted; ``unwritten``:
        an output not written either (``--state-out`` of a run stopped before its end)."""
        files = [*self.files, *([unwritten] if unwritten is not None else [])]
        names = ", ".join(map(str, files))
        kept = f"not kept: {names} (a file is kept only when the run completes)"
        if files:
            click.echo(kept if announced else f"interrupted; {kept}", err=True)
        elif not announced:
            click.echo("interrupted", err=True)
        sys.exit(code)

    def write_results(self, result: RunResult) -> None:
        """--stats-json, written before anything is reported (a closed stderr loses nothing)."""
        delivery = result.delivery
        if self.stats_json is not None and delivery is not None:
            from ..delivery.summary import summary_dict

            write_json(self.stats_json, summary_dict(delivery))
        if self.stats_csv is not None and delivery is not None:
            from ..delivery.series import write_csv

            write_csv(self.stats_csv, delivery.series)

    def finish(self, result: RunResult) -> None:
        """The exit code of an interrupted or lossy run."""
        delivery = result.delivery
        if delivery is not None and delivery.interrupted_by:
            code = 130 if delivery.interrupted_by == "SIGINT" else 143
            self.interrupted(code, announced=True)
        if delivery is not None and delivery.failed_fast:
            click.echo(f"error: stopped: {delivery.stop_reason}", err=True)
        if result.dead_letter_path is not None:
            error = delivery.last_error if delivery else None
            last = f" (last error: {error})" if error else ""
            click.echo(
                f"error: {sum(delivery.dead_lettered.values()) if delivery else 0} events could "
                f"not be delivered; they were appended to {result.dead_letter_path}{last}",
                err=True,
            )
            sys.exit(1)
