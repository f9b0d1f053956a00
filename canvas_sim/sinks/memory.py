"""An in-memory sink, for tests and for embedding the simulator in other programs."""

from __future__ import annotations

from typing import Any

import orjson


class MemorySink:
    """Keeps every line; ``events()`` parses them back."""

    def __init__(self) -> None:
        self.description = "memory"
        self.sent = 0
        self.lines: list[bytes] = []
        self.closed_ok: bool | None = None

    def open(self) -> None:
        self.lines.clear()

    def send(self, line: bytes) -> None:
        self.lines.append(line)
        self.sent += 1

    def send_lines(self, lines: list[bytes]) -> None:
        self.lines.extend(lines)
        self.sent += len(lines)

    def close(self, *, ok: bool) -> None:
        self.closed_ok = ok

    def events(self) -> list[dict[str, Any]]:
        return [orjson.loads(line) for line in self.lines]
