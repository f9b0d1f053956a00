"""``--to`` values parsed once: a :class:`Target` (file, stdout, http, sqs; a format prefix)."""

from __future__ import annotations

import difflib
import os
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import click

Kind = Literal["file", "stdout", "http", "sqs"]
Format = Literal["canvas", "caliper"]
FORMATS: tuple[Format, ...] = ("canvas", "caliper")
URL_SCHEMES = ("http", "https", "sqs")

# host:port or host:port/path, the way a URL without its scheme starts (localhost:8080/events).
_SCHEMELESS = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.\-]*):\d{1,5}(/|$)")
# A word and a colon at the start of a --to value (not a URL, not host:port): a format prefix.
_PREFIX = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(?!//|\d)")
_SQS_HOST = re.compile(r"^(sqs\.[a-z0-9-]+|[a-z0-9-]+\.queue)\.amazonaws\.com$")


@dataclass(frozen=True)
class Target:
    """One ``--to`` value: its kind, where it goes (a path, ``-``, a URL or an ``sqs://``
    queue) and its own format (a ``caliper:`` or ``canvas:`` prefix; None: the run's)."""

    kind: Kind
    where: str
    format: Format | None = None

    @property
    def is_url(self) -> bool:
        """An HTTP(S) URL or an SQS queue: delivered over the network."""
        return self.kind in ("http", "sqs")

    @property
    def path(self) -> Path | None:
        """The file a file target writes."""
        return Path(self.where) if self.kind == "file" else None


def _bad(message: str) -> click.BadParameter:
    return click.BadParameter(message, param_hint="'--to'")


def parse_target(spec: str) -> Target:
    """A ``--to`` value as a Target; a mistake is a click usage error naming ``--to``."""
    form: Format | None = None
    where = spec
    for name in FORMATS:
        if spec.startswith(f"{name}:"):
            form, where = name, spec[len(name) + 1 :]
            break
    if not where.strip():
        raise click.UsageError("--to needs a file path, '-' or a URL")
    match = _PREFIX.match(where)
    if match:  # would otherwise name a file in a folder called `Caliper:` or `kafka:`
        word = match.group(1)
        close = difflib.get_close_matches(word.lower(), FORMATS, n=1)
        hint = f"did you mean {close[0]}:? " if close and close[0] != word else ""
        raise _bad(
            f"{where}: '{word}:' is not a format (the formats are canvas: and caliper:, "
            f"once, before the path or URL); {hint}for a file of that name, write ./{where}"
        )
    if where == "-":
        return Target("stdout", where, form)
    scheme, sep, rest = where.partition("://")
    if not sep:
        if _SCHEMELESS.match(where):
            raise _bad(
                f"{where} looks like a URL without its scheme: did you mean http://{where}? "
                f"(for a file of that name, write ./{where})"
            )
        if where.endswith(("/", os.sep)):  # would write a file named after the folder
            raise _bad(f"{where} names a folder: --to takes a file, e.g. {where}events.jsonl")
        return Target("file", where, form)
    if scheme.lower() not in URL_SCHEMES:
        close = difflib.get_close_matches(scheme.lower(), URL_SCHEMES, n=1)
        hint = f" (did you mean {close[0]}://?)" if close else ""
        raise _bad(
            f"{where}: targets are a file path, - (stdout), an http:// or https:// URL or an "
            f"sqs:// queue{hint}"
        )
    if scheme.lower() == "sqs":
        return Target("sqs", where, form)
    parts = urllib.parse.urlsplit(where)
    try:
        parts.port  # noqa: B018 - raises ValueError when out of range
    except ValueError:
        raise _bad(f"{where}: the port must be a number from 1 to 65535") from None
    if not parts.hostname:
        raise _bad(f"{where}: the URL has no host")
    if _SQS_HOST.match(parts.hostname):
        raise _bad(f"{where} is an SQS queue URL: send to it with --to sqs://{rest}")
    return Target("http", where, form)


def parse_targets(values: tuple[str, ...]) -> list[Target]:
    """Every ``--to`` value (stdout when none is given); the same place twice is refused."""
    targets = [parse_target(value) for value in values or ("-",)]
    seen = set()
    for target in targets:
        if target.where in seen:
            raise _bad(f"{target.where} is given twice")
        seen.add(target.where)
    return targets
