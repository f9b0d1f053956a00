"""Helpers the commands share: clean errors, writability checks, JSON output, URL options."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
import orjson

from ..errors import SimulatorError

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def clean_errors(command: F) -> F:
    """Report SimulatorErrors as one line on stderr with their exit code, never a traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except SimulatorError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt as exc:
            click.echo("interrupted", err=True)
            sys.exit(interrupt_code(exc))
        except BrokenPipeError:
            # The reader of stdout went away (e.g. `| head`): stop quietly, as Unix tools do.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(141)

    return wrapper  # type: ignore[return-value]


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C raises KeyboardInterrupt (the same clean-up)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.code = 128 + signum


def interrupt_code(exc: KeyboardInterrupt) -> int:
    """The exit code of an interrupt: 130 for Ctrl-C, 143 for SIGTERM."""
    return exc.code if isinstance(exc, Terminated) else 130


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM stops this process as Ctrl-C does (children stopped, temporary files removed,
    nothing half-written kept) instead of killing it on the spot; a forked child that inherited
    the handler dies of the signal as before. (A delivery's event loop handles it itself.)"""
    owner = os.getpid()

    def handler(signum: int, _frame: object) -> None:
        if os.getpid() != owner:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise Terminated(signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def option_file(option: str, load: Callable[[], T]) -> T:
    """What ``load`` reads from the file ``option`` names; its failure (missing, unreadable,
    not such a file) is a usage error naming the option (exit 2), not a runtime failure."""
    try:
        return load()
    except SimulatorError as exc:
        raise click.BadParameter(str(exc), param_hint=f"'{option}'") from None


def duration_option(value: str | None, option: str, *, positive: bool = False) -> int | None:
    """An option's duration (``30s``, ``5m``) in ms, None when not given; a mistake (or 0 when
    ``positive``) is exit 2 naming the option."""
    if value is None:
        return None
    from ..durations import parse_duration_ms

    try:
        ms = parse_duration_ms(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=f"'{option}'") from None
    if positive and ms <= 0:
        raise click.BadParameter(f"{value}: must be longer than 0", param_hint=f"'{option}'")
    return ms


def duration_range_option(value: str, option: str, what: str) -> tuple[int, int]:
    """``MIN-MAX`` (``1m-10m``) or one duration for both, in ms; exit 2 naming the option on a
    mistake or a range in the wrong order."""
    low, _, high = value.partition("-")
    low_ms, high_ms = duration_option(low, option), duration_option(high or low, option)
    assert low_ms is not None and high_ms is not None
    if low_ms > high_ms:
        raise click.BadParameter(
            f"{value}: the shorter {what} comes first (MIN-MAX)", param_hint=f"'{option}'"
        )
    return low_ms, high_ms


def write_json(path: Path, value: object) -> None:
    """Write ``value`` as indented JSON to ``path``; a failure is a SimulatorError."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(orjson.dumps(value, option=orjson.OPT_INDENT_2) + b"\n")
    except OSError as exc:
        raise SimulatorError(f"cannot write {path}: {exc.strerror or exc}") from None


def check_writable_dir(directory: Path, option: str) -> None:
    """Make ``directory`` (an output folder) if needed and check it takes new files; a
    failure is exit 2 naming the option, before any work."""
    if directory.exists() and not directory.is_dir():
        raise click.BadParameter(f"{directory} is a file", param_hint=f"'{option}'")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise click.BadParameter(
            f"cannot write {directory}: {exc.strerror or exc}", param_hint=f"'{option}'"
        ) from None
    check_writable(directory / "probe", option)


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


def same_file(first: Path, second: Path) -> bool:
    """Whether two paths name one file: the same resolved path (``a``, ``./a``, through a
    symbolic link), or, when both exist, the same file (a hard link)."""
    if first.resolve() == second.resolve():
        return True
    try:
        return os.path.samefile(first, second)
    except OSError:  # one of them does not exist (yet)
        return False


def refuse_same_files(
    outputs: Sequence[tuple[str, Path | None]], inputs: Sequence[tuple[str, Path]] = ()
) -> None:
    """Exit 2 when two outputs (``(option, path)``, None when not given) name the same file,
    or an output would overwrite an input (``(what it is, path)``)."""
    given = [(option, path) for option, path in outputs if path is not None]
    for index, (option, path) in enumerate(given):
        for other_option, other in given[:index]:
            if same_file(path, other):
                raise click.UsageError(
                    f"{other_option} {other} and {option} {path} name the same file: "
                    "give each output a file of its own"
                )
        for what, source in inputs:
            if same_file(path, source):
                raise click.UsageError(
                    f"{option} {path} is {what}, which it would overwrite: choose another file"
                )


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
        from ..delivery.sqs_client import UNSIGNED

        raise click.UsageError(f"--sign-key: {UNSIGNED}")
    given = [flag for name, flag, unset in _URL_ONLY_OPTIONS if options[name] != unset]
    if given:
        raise click.UsageError(f"{', '.join(given)}: only for HTTP targets (--to http(s)://...)")
