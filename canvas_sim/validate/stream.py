"""The stream validator: reads JSONL lines, finds exact duplicates, hands each payload to its
format's checker (see :mod:`.formats`)."""

from __future__ import annotations

import sys
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from .formats import CANVAS, FormatChecker, registered_formats
from .report import Recorder, Report


class StreamValidator:
    """Feed it lines in order (:meth:`feed`); :attr:`report` holds the result so far."""

    def __init__(
        self, *, lenient: bool = False, max_problems: int = 1000, dedupe_window: int = 100_000
    ) -> None:
        self.lenient = lenient
        self.max_problems = max_problems
        self.dedupe_window = dedupe_window
        self._recorder = Recorder(lenient=lenient, max_problems=max_problems)
        self.report: Report = self._recorder.report
        self._recent: OrderedDict[int, int] = OrderedDict()  # line hash -> first line
        self._formats = registered_formats()
        self._checkers: dict[str, FormatChecker] = {}
        self._canvas = CANVAS.checker(self._recorder)

    def _checker(self, payload: dict[str, Any]) -> FormatChecker:
        """The checker of the first format that claims ``payload``; Canvas's by default."""
        for payload_format in self._formats:
            if payload_format.claims(payload):
                checker = self._checkers.get(payload_format.name)
                if checker is None:
                    checker = self._checkers[payload_format.name] = payload_format.checker(
                        self._recorder
                    )
                return checker
        return self._canvas

    def feed(self, raw: bytes | str, line: int | None = None) -> None:
        """Check one line (``line``: its 1-based number; default: the next one)."""
        self.report.lines += 1
        number = self.report.lines if line is None else line
        text = raw.rstrip()
        if not text:
            return
        digest = hash(text)
        first = self._recent.get(digest)
        if first is None and self.dedupe_window > 0:
            self._recent[digest] = number
            if len(self._recent) > self.dedupe_window:
                self._recent.popitem(last=False)
        try:
            event = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            self._recorder.problem(number, None, "json", f"not JSON: {exc}")
            return
        if not isinstance(event, dict):
            self._recorder.problem(number, None, "json", "not a JSON object")
            return
        checker = self._checker(event) if self._formats else self._canvas
        checker.check(event, number, first)


def validate_lines(
    lines: Iterable[bytes | str],
    *,
    lenient: bool = False,
    max_problems: int = 1000,
    dedupe_window: int = 100_000,
) -> Report:
    """Validate a stream of JSONL lines; see :mod:`canvas_sim.validate`."""
    validator = StreamValidator(
        lenient=lenient, max_problems=max_problems, dedupe_window=dedupe_window
    )
    feed = validator.feed
    for raw in lines:
        feed(raw)
    return validator.report


def validate_file(
    path: str | Path,
    *,
    lenient: bool = False,
    max_problems: int = 1000,
    dedupe_window: int = 100_000,
) -> Report:
    """Validate a JSONL file, or standard input (binary) when ``path`` is ``"-"``."""
    options: dict[str, Any] = {
        "lenient": lenient,
        "max_problems": max_problems,
        "dedupe_window": dedupe_window,
    }
    if str(path) == "-":
        return validate_lines(sys.stdin.buffer, **options)
    with open(path, "rb") as stream:
        return validate_lines(stream, **options)
