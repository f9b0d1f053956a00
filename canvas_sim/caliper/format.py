"""Output formats per target: Canvas lines pass through; a Caliper target gets envelopes.

The run renders each event once in the Canvas format (faults included); a target whose format
is ``caliper`` converts that line just before its bytes reach the sink or the HTTP sender, so
every target sees the same actions. Events without a Caliper form are skipped (and counted).
The event keeps its Canvas name beside the Caliper bytes, for the SQS ``event_name`` attribute.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Literal

from ..delivery import Rendered
from ..sinks import Sink
from .render import CaliperRenderer

Format = Literal["canvas", "caliper"]
FORMATS: tuple[Format, ...] = ("canvas", "caliper")


class CaliperFormat:
    """Converts Canvas lines to Caliper envelopes, once per event however many Caliper targets
    there are (the last conversion is kept)."""

    def __init__(self, templates: str | Path | None = None) -> None:
        self.renderer = CaliperRenderer(templates)
        self._last: tuple[bytes, bytes | None] | None = None

    def convert(self, line: bytes) -> bytes | None:
        """The envelope of a Canvas line; None when its event has no Caliper form."""
        last = self._last
        if last is not None and last[0] is line:
            return last[1]
        envelope = self.renderer.line(line)
        self._last = (line, envelope)
        return envelope

    def convert_event(self, event: Rendered) -> Rendered | None:
        """A Canvas-format event as its Caliper envelope, keeping the event's Canvas name (an
        SQS target sends it as the ``event_name`` message attribute) and time."""
        envelope = self.convert(event.line)
        return None if envelope is None else Rendered(event.name, event.time_ms, envelope)

    @property
    def skipped(self) -> Counter[str]:
        """Events without a Caliper form, by Canvas event name."""
        return self.renderer.skipped

    @property
    def rendered(self) -> Counter[str]:
        return self.renderer.rendered


class CaliperSink:
    """A sink that receives Canvas lines and writes their Caliper envelopes to ``inner``."""

    def __init__(self, inner: Sink, caliper: CaliperFormat) -> None:
        self.inner = inner
        self.caliper = caliper
        self.description = f"{inner.description} (Caliper)"
        self.sent = 0

    def open(self) -> None:
        self.inner.open()

    def send(self, line: bytes) -> None:
        envelope = self.caliper.convert(line)
        if envelope is not None:
            self.inner.send(envelope)
            self.sent += 1

    def close(self, *, ok: bool) -> None:
        self.inner.close(ok=ok)
