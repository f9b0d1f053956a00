"""Helpers the commands share: clean errors, writability checks, JSON output, URL targets."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
import orjson

from ..errors import SimulatorError

F = TypeVar("F", bound=Callable[..., Any])


def clean_errors(command: F) -> F:
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


def write_json(path: Path, value: object) -> None:
    """Write ``value`` as indented JSON to ``path``; a failure is a SimulatorError."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(orjson.dumps(value, option=orjson.OPT_INDENT_2) + b"\n")
    except OSError as exc:
        raise SimulatorError(f"cannot write {path}: {exc.strerror or exc}") from None


def check_writable(path: Path, option: str) -> None:
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


URL_SCHEMES = ("http", "https", "sqs")
# host:port or host:port/path, the way a URL without its scheme starts (localhost:8080/events).
_SCHEMELESS = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.\-]*):\d{1,5}(/|$)")


def is_sqs(target: str) -> bool:
    return target.lower().startswith("sqs://")


def is_url(target: str) -> bool:
    """Whether a --to value is a URL (checked: http or https, a host, a valid port; or an
    ``sqs://`` queue); anything without ``://`` is a path."""
    import difflib
    import urllib.parse

    scheme, sep, _ = target.partition("://")
    if not sep:
        if _SCHEMELESS.match(target):
            raise click.BadParameter(
                f"{target} looks like a URL without its scheme: did you mean http://{target}? "
                f"(for a file of that name, write ./{target})",
                param_hint="'--to'",
            )
        return False
    if scheme.lower() not in URL_SCHEMES:
        close = difflib.get_close_matches(scheme.lower(), URL_SCHEMES, n=1)
        hint = f" (did you mean {close[0]}://?)" if close else ""
        raise click.BadParameter(
            f"{target}: targets are a file path, - (stdout), an http:// or https:// URL or an "
            f"sqs:// queue{hint}",
            param_hint="'--to'",
        )
    if is_sqs(target):
        return True
    parts = urllib.parse.urlsplit(target)
    try:
        parts.port  # noqa: B018 - raises ValueError when out of range
    except ValueError:
        raise click.BadParameter(
            f"{target}: the port must be a number from 1 to 65535", param_hint="'--to'"
        ) from None
    if not parts.hostname:
        raise click.BadParameter(f"{target}: the URL has no host", param_hint="'--to'")
    if re.match(r"^(sqs\.[a-z0-9-]+|[a-z0-9-]+\.queue)\.amazonaws\.com$", parts.hostname):
        queue = target.partition("://")[2]
        raise click.BadParameter(
            f"{target} is an SQS queue URL: send to it with --to sqs://{queue}",
            param_hint="'--to'",
        )
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


def refuse_url_options(options: dict[str, Any], *, queues: bool = False) -> None:
    """With no HTTP target, HTTP options would be silently ignored: say so instead."""
    if queues and options["sign_key"] is not None:
        raise click.UsageError(
            "--sign-key: Canvas signs only HTTPS deliveries ('Sign Payload'); an SQS "
            "subscription is authenticated by the queue's IAM policy (AWS credentials), so "
            "SQS messages are never signed"
        )
    given = [flag for name, flag, unset in _URL_ONLY_OPTIONS if options[name] != unset]
    if given:
        raise click.UsageError(f"{', '.join(given)}: only for HTTP targets (--to http(s)://...)")
