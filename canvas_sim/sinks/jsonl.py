"""JSON Lines sinks: a file (written atomically) and standard output."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path
from typing import BinaryIO

from ..errors import SimulatorError

BUFFER_BYTES = 1 << 20


class JsonlFileSink:
    """Writes one event per line to a temporary file, renamed into place only on success."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.description = str(path)
        self.sent = 0
        self._file: BinaryIO | None = None
        self._temp: str | None = None

    def open(self) -> None:
        directory = self.path.parent
        if self.path.is_dir():
            raise SimulatorError(f"cannot write {self.path}: it is a directory")
        try:
            directory.mkdir(parents=True, exist_ok=True)
            handle, self._temp = tempfile.mkstemp(
                prefix=f".{self.path.name}.", suffix=".partial", dir=directory
            )
        except OSError as exc:
            raise SimulatorError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        self._file = os.fdopen(handle, "wb", buffering=BUFFER_BYTES)

    def send(self, line: bytes) -> None:
        assert self._file is not None, "open() first"
        self._file.write(line)
        self._file.write(b"\n")
        self.sent += 1

    def send_lines(self, lines: list[bytes]) -> None:
        """Send ``lines`` in order, in one write."""
        assert self._file is not None, "open() first"
        if lines:
            self._file.write(b"\n".join(lines))
            self._file.write(b"\n")
            self.sent += len(lines)

    def close(self, *, ok: bool) -> None:
        if self._file is None or self._temp is None:
            return
        try:
            self._file.close()
            if ok:
                os.chmod(self._temp, 0o644)
                os.replace(self._temp, self.path)
        except OSError as exc:
            ok = False
            raise SimulatorError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        finally:
            if not ok and os.path.exists(self._temp):
                os.unlink(self._temp)
            self._file = None
            self._temp = None


class LazyLines:
    """A side file of JSON lines (dead letters, fault manifests), created on the first line."""

    def __init__(self, path: str | Path, *, append: bool, what: str) -> None:
        self.path = Path(path)
        self.count = 0
        self._append = append
        self._what = what
        self._file: BinaryIO | None = None

    def write(self, line: bytes) -> None:
        if self._file is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                if self._append:
                    self._file = open(self.path, "ab")  # noqa: SIM115
                else:
                    self._file = open(self.path, "wb")  # noqa: SIM115
            except OSError as exc:
                raise SimulatorError(
                    f"cannot write {self._what} to {self.path}: {exc.strerror or exc}"
                ) from None
        self._file.write(line + b"\n")
        self.count += 1

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class StdoutSink:
    """Writes JSON lines to standard output."""

    def __init__(self, stream: BinaryIO | None = None) -> None:
        self.description = "stdout"
        self.sent = 0
        self._stream = stream

    def open(self) -> None:
        if self._stream is None:
            self._stream = sys.stdout.buffer

    def send(self, line: bytes) -> None:
        assert self._stream is not None
        self._stream.write(line + b"\n")
        self.sent += 1

    def close(self, *, ok: bool) -> None:
        if self._stream is not None:
            with contextlib.suppress(BrokenPipeError):
                self._stream.flush()
