"""Spill records of ``run --workers N``: each rendered line behind a fixed-width key that sorts
as bytes in stream order, so the merge cuts, sorts and slices whole windows in C.

A record is ``TTTTTTTTTTTTTTTTOOOOOOOONNN<line>\\n``: the event time (ms, shifted by
``TIME_SHIFT``) in 16 digits, the course ordinal in 8, the event type's code in 3 (its place in
``NAMES``; a name outside it gets a code from the shard's own stripe, told to the parent).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence
from itertools import chain
from operator import itemgetter
from typing import NamedTuple

from .errors import SimulatorError
from .event_types import CATALOGUE

TIME_SHIFT = 10**15  # times before 1970 (down to -10**15 ms) still sort first
TIME = 16  # digits of the shifted time
KEY = TIME + 8  # then the course ordinal's 8 digits: the sort key
HEAD = KEY + 3  # then the event type's code: the line starts here
CODES = 1000
NAMES: tuple[str, ...] = tuple(sorted(CATALOGUE))
_TOP = 10**TIME
_ORDINALS = 10**8
_key = itemgetter(slice(0, KEY))
_code = itemgetter(slice(KEY, HEAD))
_line = itemgetter(slice(HEAD, None))
_ABOVE = b"\xff"  # after any record with the same key (records are ASCII)


class Coder:
    """A shard's side: records in the spill layout, with its own codes for names outside
    ``NAMES`` (``number``, ``number + shards``, ... after them: never another shard's)."""

    def __init__(self, number: int, shards: int) -> None:
        self.codes = {name: b"%03d" % code for code, name in enumerate(NAMES)}
        self.new: list[tuple[bytes, str]] = []  # (code, name) not yet told to the parent
        self._next = len(NAMES) + number
        self._step = shards

    def record(self, time_ms: int, ordinal: int, name: str, line: bytes) -> bytes:
        code = self.codes.get(name) or self._add(name)
        shifted = time_ms + TIME_SHIFT
        if not (0 <= shifted < _TOP and 0 <= ordinal < _ORDINALS):
            raise SimulatorError(f"event time {time_ms} ms is out of the range --workers takes")
        return b"%016d%08d%b%b\n" % (shifted, ordinal, code, line)

    def _add(self, name: str) -> bytes:
        if self._next >= CODES:
            raise SimulatorError(f"too many event types for --workers (at {name!r})")
        code = self.codes[name] = b"%03d" % self._next
        self._next += self._step
        self.new.append((code, name))
        return code


def initial_names() -> dict[bytes, str]:
    """The parent's table, code -> name, before any shard told its own."""
    return {b"%03d" % code: name for code, name in enumerate(NAMES)}


def time_of(record: bytes) -> int:
    return int(record[:TIME]) - TIME_SHIFT


def split_at(records: list[bytes], bound: bytes | None) -> tuple[list[bytes], list[bytes]]:
    """``records`` (sorted) up to key ``bound`` (all when None), and the rest."""
    if bound is None:
        return records, []
    cut = bisect_right(records, bound + _ABOVE)
    return records[:cut], records[cut:]


def up_to(records: list[bytes], time_ms: int) -> list[bytes]:
    """The sorted ``records`` whose time is at most ``time_ms``."""
    cut = bisect_left(records, b"%016d" % (time_ms + 1 + TIME_SHIFT))
    return records if cut == len(records) else records[:cut]


def merge(parts: Sequence[list[bytes]]) -> list[bytes]:
    """Sorted runs (one per shard, no key shared between runs) as one sorted list; equal keys
    (one course, one millisecond) keep their order: the sort is stable."""
    runs = [part for part in parts if part]
    if len(runs) == 1:
        return runs[0]
    merged = list(chain.from_iterable(runs))
    merged.sort(key=_key)
    return merged


class Batch(NamedTuple):
    """A window of the merged stream, for targets that take lines in bulk (files): its lines
    in order, how many of each event type, and its first and last event times."""

    lines: list[bytes]
    counts: Counter[str]
    first_ms: int
    last_ms: int


def batch(records: list[bytes], names: dict[bytes, str]) -> Batch:
    """A non-empty window of records as a ``Batch``."""
    counts: Counter[str] = Counter()
    for code, count in Counter(map(_code, records)).items():
        counts[names[code]] = count
    lines = list(map(_line, records))
    return Batch(lines, counts, time_of(records[0]), time_of(records[-1]))
