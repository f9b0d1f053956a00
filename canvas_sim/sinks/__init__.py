"""Where rendered events go. Every sink has the same small protocol: open, send, close."""

from __future__ import annotations

from typing import Protocol

from ..errors import SimulatorError
from .jsonl import JsonlFileSink, StdoutSink
from .memory import MemorySink

__all__ = ["JsonlFileSink", "MemorySink", "Sink", "StdoutSink", "open_sink"]


class Sink(Protocol):
    """A destination for JSON event lines."""

    description: str
    sent: int

    def open(self) -> None: ...

    def send(self, line: bytes) -> None: ...

    def close(self, *, ok: bool) -> None:
        """Finish; ``ok=False`` means the run failed and partial output must not survive."""


def open_sink(target: str) -> Sink:
    """The sink for a ``--to`` value: ``-`` (stdout) or a JSONL file path."""
    if target == "-":
        return StdoutSink()
    if "://" in target:
        scheme = target.split("://", 1)[0]
        raise SimulatorError(f"--to {target}: delivery over {scheme}:// is not supported yet")
    return JsonlFileSink(target)
