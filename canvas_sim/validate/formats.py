"""Payload formats the validator knows, and the dispatch point a new format plugs into.

Each JSON object of a stream goes to the checker of the first registered format that claims
it; Canvas Live Events (:mod:`.canvas`) take every object no other format claims, so a stream
of Canvas events, or of anything malformed, is judged as Canvas's. Caliper envelopes
(:mod:`canvas_sim.caliper`) are claimed by their own checker; another format registers itself
from its own package::

    register_format(PayloadFormat("xapi", claims=is_xapi_statement, checker=XapiChecker))

and its checker reports through the :class:`~.report.Recorder` it is given (problems with
their line, events counted by type in ``recorder.report.events``, lenient notes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ..caliper.stream import CaliperChecker, is_caliper
from .canvas import CanvasChecker
from .report import Recorder


class FormatChecker(Protocol):
    """Checks the payloads of one format in stream order, keeping its own cross-event state."""

    def check(self, payload: dict[str, Any], line: int, duplicate_of: int | None) -> None:
        """Check one payload, a JSON object at 1-based ``line``; ``duplicate_of``: the earlier
        line it repeats exactly, if any (the checker says how a duplicate is reported)."""


@dataclass(frozen=True, slots=True)
class PayloadFormat:
    """A payload format: its name, which JSON objects are its own, and its checker's maker
    (called once per stream, with the stream's recorder)."""

    name: str
    claims: Callable[[dict[str, Any]], bool]
    checker: Callable[[Recorder], FormatChecker]


CANVAS = PayloadFormat("canvas", claims=lambda _: True, checker=CanvasChecker)
# Canvas's Caliper 1.1 envelopes (:mod:`canvas_sim.caliper`), known to every stream.
CALIPER = PayloadFormat("caliper", claims=is_caliper, checker=CaliperChecker)
_REGISTERED: list[PayloadFormat] = [CALIPER]


def register_format(payload_format: PayloadFormat) -> None:
    """Make ``payload_format`` claim its payloads in every stream validated from now on."""
    names = {f.name for f in (*_REGISTERED, CANVAS)}
    if payload_format.name in names:
        raise ValueError(f"a payload format named {payload_format.name!r} is already registered")
    _REGISTERED.append(payload_format)


def registered_formats() -> tuple[PayloadFormat, ...]:
    """The formats tried before Canvas's, in the order they were registered."""
    return tuple(_REGISTERED)
