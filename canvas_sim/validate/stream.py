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

EMPTY = "the file holds no events (pass --allow-empty to accept that)"


class StreamValidator:
    """Feed it lines in order (:meth:`feed`); :attr:`report` holds the result so far."""

    def __init__(
        self, *, lenient: bool = False, max_problems: int = 1000, dedupe_window: int = 100_000
    ) -> None:
        self.lenient = lenient
        self.max_problems = max_problems
        self.dedupe_window = dedupe_window
        self.recorder = Recorder(lenient=lenient, max_problems=max_problems)
        self.report: Report = self.recorder.report
        self._recent: OrderedDict[int, int] = OrderedDict()  # line hash -> first line
        self._formats = registered_formats()
        self._checkers: dict[str, FormatChecker] = {}
        self._canvas = CANVAS.checker(self.recorder)

    def _checker(self, payload: dict[str, Any]) -> FormatChecker:
        """The checker of the first format that claims ``payload``; Canvas's by default."""
        for payload_format in self._formats:
            if payload_format.claims(payload):
                checker = self._checkers.get(payload_format.name)
                if checker is None:
                    checker = self._checkers[payload_format.name] = payload_format.checker(
                        self.recorder
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
            self.recorder.problem(number, None, "json", f"not JSON: {exc}")
            return
        if not isinstance(event, dict):
            self.recorder.problem(number, None, "json", "not a JSON object")
            return
        checker = self._checker(event) if self._formats else self._canvas
        checker.check(event, number, first)


def validate_lines(
    lines: Iterable[bytes | str],
    *,
    lenient: bool = False,
    max_problems: int = 1000,
    dedupe_window: int = 100_000,
    allow_empty: bool = False,
) -> Report:
    """Validate a stream of JSONL lines; see :mod:`canvas_sim.validate`. A stream with nothing
    but blank lines is a problem (at line 0: the whole file) unless ``allow_empty``, so that an
    accidentally empty fixture does not check green."""
    validator = StreamValidator(
        lenient=lenient, max_problems=max_problems, dedupe_window=dedupe_window
    )
    feed = validator.feed
    for raw in lines:
        feed(raw)
    report = validator.report
    if not allow_empty and report.ok and not sum(report.events.values()):  # only blank lines
        validator.recorder.problem(0, None, "empty", EMPTY)
    return report


def validate_file(
    path: str | Path,
    *,
    lenient: bool = False,
    max_problems: int = 1000,
    dedupe_window: int = 100_000,
    allow_empty: bool = False,
) -> Report:
    """Validate a JSONL file, or standard input (binary) when ``path`` is ``"-"``."""
    options: dict[str, Any] = {
        "lenient": lenient,
        "max_problems": max_problems,
        "dedupe_window": dedupe_window,
        "allow_empty": allow_empty,
    }
    if str(path) == "-":
        return validate_lines(sys.stdin.buffer, **options)
    with open(path, "rb") as stream:
        return validate_lines(stream, **options)
