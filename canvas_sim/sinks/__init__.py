"""Where rendered events go. Every sink has the same small protocol: open, send, close."""

from __future__ import annotations

from typing import Protocol

from ..errors import SimulatorError
from .jsonl import JsonlFileSink, StdoutSink
from .memory import MemorySink

__all__ = ["JsonlFileSink", "MemorySink", "Sink", "StdoutSink", "open_sink", "send_lines"]


class Sink(Protocol):
    """A destination for JSON event lines."""

    description: str
    sent: int

    def open(self) -> None: ...

    def send(self, line: bytes) -> None: ...

    def close(self, *, ok: bool) -> None:
        """Finish; ``ok=False`` means the run failed and partial output must not survive."""


def send_lines(sink: Sink, lines: list[bytes]) -> None:
    """Send ``lines`` in order: at once to a sink that takes them so (``send_lines``), else
    one by one."""
    bulk = getattr(sink, "send_lines", None)
    if bulk is not None:
        bulk(lines)
    else:
        for line in lines:
            sink.send(line)


def open_sink(target: str) -> Sink:
    """The sink for a ``--to`` value: ``-`` (stdout) or a JSONL file path."""
    if target == "-":
        return StdoutSink()
    if "://" in target:
        scheme = target.split("://", 1)[0]
        raise SimulatorError(f"--to {target}: delivery over {scheme}:// is not supported yet")
    return JsonlFileSink(target)
