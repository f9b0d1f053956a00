"""``python -m canvas_sim.validate``: validate JSONL files from the shell, without click."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from .stream import validate_file


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> int:
    """``python -m canvas_sim.validate``: 0 when every file is clean, 1 on problems, 2 on errors."""
    parser = argparse.ArgumentParser(
        prog="python -m canvas_sim.validate",
        description="Check Canvas Live Events JSONL against the schemas and its old/new chains.",
    )
    parser.add_argument("files", nargs="*", default=["-"], help="JSONL files ('-': stdin)")
    parser.add_argument("--lenient", action="store_true", help="accept real-delivery variants")
    parser.add_argument("--max-problems", type=int, default=1000, metavar="N")
    parser.add_argument("--allow-empty", action="store_true", help="accept a file with no events")
    args = parser.parse_args(argv)
    status = 0
    for name in args.files:
        try:
            report = validate_file(
                name,
                lenient=args.lenient,
                max_problems=args.max_problems,
                allow_empty=args.allow_empty,
            )
        except OSError as exc:
            print(f"{name}: {exc.strerror or exc}", file=sys.stderr)
            status = 2
            continue
        for problem in report.problems:
            out(f"{name}: {problem}")
        events = sum(report.events.values())
        problems = len(report.problems) + report.dropped
        summary = f"{name}: {report.lines} lines, {events} events, {problems} problems"
        if report.lenient_notes:
            notes = ", ".join(f"{k} {v}" for k, v in sorted(report.lenient_notes.items()))
            summary += f"; tolerated: {notes}"
        print(summary, file=sys.stderr)
        if not report.ok and status == 0:
            status = 1
    return status
