"""The locustfile's own command-line options, checked once and sent from the master to workers.

Plain argparse on Locust's parser: nothing here imports Locust, so the options are testable in
any process. Values travel as a dict (``as_message``); paths (scenario, key, dead letters) are
read on each worker, relative to its working directory, and ``$VAR`` in headers is expanded
from each worker's own environment.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..delivery import DEFAULT_TIMEOUT_S, RetryPolicy
from ..errors import SimulatorError
from ..issuer import DEFAULT_ISSUER

if TYPE_CHECKING:
    from ..delivery.sqs_client import SqsTarget

GROUP = "Canvas Live Events simulator (canvas-sim)"


@dataclass(frozen=True)
class LoadOptions:
    """What a load test simulates and how each event travels."""

    scenario: str | None = None
    settings: tuple[str, ...] = ()
    seed: int | None = None
    nulls: str = "keep"
    seconds_only: bool = False
    sign_key: str | None = None
    kid: str | None = None
    issuer: str = DEFAULT_ISSUER
    jwt_quoted: bool = False
    headers: tuple[str, ...] = ()
    insecure: bool = False
    retries: int = 3
    backoff: float = 0.5
    request_timeout: float = DEFAULT_TIMEOUT_S
    dead_letter: str = "dead-letter.jsonl"
    ledger_json: str | None = None
    event_rate: float | None = None
    user_rate: float | None = None
    sqs_endpoint: str | None = None
    sqs_batch: int = 10

    @classmethod
    def from_namespace(cls, namespace: argparse.Namespace) -> LoadOptions:
        """The options as Locust parsed them (absent ones at their defaults)."""
        values = {}
        for item in fields(cls):
            if hasattr(namespace, item.name):
                values[item.name] = getattr(namespace, item.name)
        values["settings"] = tuple(values.get("settings") or ())
        values["headers"] = tuple(values.get("headers") or ())
        return cls(**values)

    def as_message(self) -> dict[str, Any]:
        """The options as plain data for a Locust message."""
        return asdict(self)

    @classmethod
    def from_message(cls, data: dict[str, Any]) -> LoadOptions:
        data = dict(data)
        data["settings"] = tuple(data.get("settings") or ())
        data["headers"] = tuple(data.get("headers") or ())
        return cls(**data)

    @property
    def retry(self) -> RetryPolicy:
        return RetryPolicy(retries=self.retries, backoff_s=self.backoff)

    def overrides(self) -> dict[str, str]:
        """The ``--set`` values as a mapping (SimulatorError, exit 2, for a malformed one)."""
        import click

        from ..cli.options import parse_settings

        try:
            return parse_settings(self.settings)
        except click.BadParameter as exc:
            raise usage_error(f"--set: {exc.message}") from None

    def header_pairs(self) -> list[tuple[str, str]]:
        """The ``--header`` values, ``$VAR`` read from this process's environment."""
        import click

        from ..cli.plan import parse_header

        try:
            return [parse_header(value) for value in self.headers]
        except click.BadParameter as exc:
            raise usage_error(f"--header: {exc.message}") from None

    def check(self) -> None:
        """Refuse, before the test starts, what cannot work (SimulatorError, exit 2)."""
        if not self.scenario:
            raise usage_error("--scenario is required (a shipped name such as load, or a file)")
        if self.retries < 0 or self.backoff < 0 or self.request_timeout <= 0:
            raise usage_error("--retries and --backoff are at least 0, --request-timeout above 0")
        for name, rate in (("--event-rate", self.event_rate), ("--user-rate", self.user_rate)):
            if rate is not None and rate <= 0:
                raise usage_error(f"{name} must be above 0")
        if self.event_rate is not None and self.user_rate is not None:
            raise usage_error("give --event-rate (the whole test) or --user-rate (per user)")
        self.overrides()
        self.header_pairs()
        if self.kid is not None and self.sign_key is None:
            raise usage_error("--kid goes with --sign-key")
        for path, option in ((self.dead_letter, "--dead-letter"), (self.ledger_json, None)):
            if path is not None and Path(path).is_dir():
                raise usage_error(f"{option or '--ledger-json'}: {path} is a directory")

    def check_url(self, url: str) -> None:
        """Locust's host is the URL events go to, or an SQS queue (``sqs://``); the options
        that do not apply to it are refused."""
        if not url:
            raise usage_error("-H/--host is required: the URL events go to (http://HOST:PORT/PATH)")
        if not url.startswith(("http://", "https://", "sqs://")):
            raise usage_error(
                f"-H/--host is the URL events go to (http:// or https://) or an sqs:// queue: "
                f"{url!r}"
            )
        if not 1 <= self.sqs_batch <= 10:
            raise usage_error("--sqs-batch is from 1 to 10")
        if not url.startswith("sqs://"):
            given = [
                flag
                for flag, on in (
                    ("--sqs-endpoint", self.sqs_endpoint is not None),
                    ("--sqs-batch", self.sqs_batch != 10),
                )
                if on
            ]
            if given:
                raise usage_error(f"{', '.join(given)}: only for an sqs:// host")
            return
        from ..delivery.sqs_client import UNSIGNED, import_boto3

        if self.sign_key is not None:
            raise usage_error(f"--sign-key: {UNSIGNED}")
        given = [
            flag
            for flag, on in (
                ("--header", self.headers),
                ("--insecure", self.insecure),
                ("--jwt-quoted", self.jwt_quoted),
            )
            if on
        ]
        if given:
            raise usage_error(f"{', '.join(given)}: only for an http(s):// host")
        self.sqs_target(url)
        import_boto3()

    def sqs_target(self, url: str) -> SqsTarget:
        """The queue of an ``sqs://`` host, with the run's retry rules and timeout."""
        from ..delivery.sqs_client import SqsTarget

        return SqsTarget(
            url,
            endpoint=self.sqs_endpoint,
            timeout_s=self.request_timeout,
            batch=self.sqs_batch,
            retry=self.retry,
        )

    def dead_letter_for(self, shard: int, shards: int) -> Path:
        """Each shard's own dead-letter file when there are several (``x.shard-1.jsonl``)."""
        given = Path(self.dead_letter)
        if shards == 1:
            return given
        return given.with_name(f"{given.stem}.shard-{shard}{given.suffix}")

    def per_user_rate(self, users: int) -> float | None:
        """Events per second each user sends (None: as fast as answers come)."""
        if self.user_rate is not None:
            return self.user_rate
        if self.event_rate is not None:
            return self.event_rate / max(users, 1)
        return None


def usage_error(message: str) -> SimulatorError:
    error = SimulatorError(message)
    error.exit_code = 2
    return error


def add_arguments(parser: Any) -> None:
    """Declare the options on Locust's parser (``events.init_command_line_parser``)."""
    group = parser.add_argument_group(GROUP)
    add = group.add_argument
    add("--scenario", help="Scenario to simulate: a shipped name (load, campus-day) or a file.")
    add(
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="Override a parameter the scenario declares under params. Repeatable.",
    )
    add("--seed", type=int, help="Seed of every random choice (default: the scenario's).")
    add("--nulls", choices=["keep", "omit", "omit-requests"], default="keep")
    add("--seconds-only", action="store_true", help="Body timestamps with second precision.")
    add("--sign-key", metavar="PEM", help="Sign each POST body as an RS256 JWT with this key.")
    add("--kid", help="Key id in the JWT header (default: from jwks.json beside the key).")
    add("--issuer", default=DEFAULT_ISSUER, help="The JWT's iss claim.")
    add("--jwt-quoted", action="store_true", help="Send the JWT as a quoted JSON string.")
    add(
        "--header",
        dest="headers",
        action="append",
        default=[],
        metavar="'Name: value'",
        help="Extra request header, repeatable; $VAR is read from each worker's environment.",
    )
    add("--insecure", action="store_true", help="Do not verify TLS certificates.")
    add("--retries", type=int, default=3, help="Retries after a timeout, 5xx or 429 (3).")
    add("--backoff", type=float, default=0.5, help="First retry wait in seconds, doubling (0.5).")
    add(
        "--request-timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        help="Seconds before a request counts as failed (15).",
    )
    add(
        "--dead-letter",
        default="dead-letter.jsonl",
        metavar="PATH",
        help="Undeliverable events, one JSON object per line; with several workers each "
        "writes <name>.shard-K<suffix> (created only when needed).",
    )
    add("--ledger-json", metavar="PATH", help="Write the delivery ledger's summary as JSON.")
    add(
        "--event-rate",
        type=float,
        metavar="N",
        help="Pace the whole test at N events/s (each user at N / users, constant_throughput).",
    )
    add(
        "--user-rate",
        type=float,
        metavar="N",
        help="Pace each user at N events/s (with a LoadTestShape: the rate follows the users).",
    )
    add(
        "--sqs-endpoint",
        metavar="URL",
        help="SQS endpoint for an sqs:// host, e.g. a local server (default: the AWS "
        "configuration's, AWS_ENDPOINT_URL_SQS, else AWS).",
    )
    add(
        "--sqs-batch",
        type=int,
        default=10,
        metavar="N",
        help="Messages per SendMessageBatch call to an sqs:// host, 1 to 10 (10).",
    )
