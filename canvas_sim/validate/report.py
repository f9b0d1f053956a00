"""What a validation finds (problems, counts, lenient notes) and the recorder checkers fill."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Problem:
    """One problem of the stream, at a 1-based line (0: the stream as a whole)."""

    line: int
    event: str | None
    kind: str
    message: str

    def __str__(self) -> str:
        if not self.line:  # the whole stream (an empty one)
            return self.message
        return f"line {self.line}: [{self.kind}] {self.event or '-'}: {self.message}"


@dataclass
class Report:
    """What a validation found: events by type, problems, and what lenient mode tolerated."""

    events: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    lines: int = 0
    lenient_notes: Counter[str] = field(default_factory=Counter)
    dropped: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and not self.dropped


class Recorder:
    """Where the checkers of every format put what they find: a :class:`Report` that keeps at
    most ``max_problems`` problems (counting the rest), and notes instead of problems for
    what lenient mode tolerates."""

    def __init__(self, *, lenient: bool = False, max_problems: int = 1000) -> None:
        self.lenient = lenient
        self.max_problems = max_problems
        self.report = Report()

    def problem(self, line: int, event: str | None, kind: str, message: str) -> None:
        if len(self.report.problems) < self.max_problems:
            self.report.problems.append(Problem(line, event, kind, message))
        else:
            self.report.dropped += 1

    def tolerated(self, line: int, event: str | None, note: str, message: str) -> None:
        """A problem when strict (kind "lenient", or "duplicate"), a note when lenient."""
        if self.lenient:
            self.report.lenient_notes[note] += 1
        elif note == "duplicate":
            self.problem(line, event, "duplicate", message)
        else:
            self.problem(line, event, "lenient", f"{message} [lenient: {note}]")
