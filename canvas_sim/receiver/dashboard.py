"""What the receiver's page shows, kept as events arrive: feed, rates, gradebook, problems.

The ingest path calls :meth:`Dashboard.accept` (which only queues the event's JSON bytes, which
the garbage collector never walks, and counts it in its second) and :meth:`Dashboard.refused`.
The rest (parsing again, duplicates, the derived gradebook, feed rows, ``--tail``) is done by
:meth:`Dashboard.digest`, which the receiver runs every DIGEST_EVERY_S for at most
DIGEST_BUDGET_S while requests come (IDLE_BUDGET_S when none came since): under load the page
lags behind and the ingest path keeps its rate; beyond MAX_PENDING queued events the page skips
the oldest ones and says so (the ``--out`` file and the counts still have every event). Each
page (and the terminal) reads with a :class:`Cursor`, getting only what is new since its last
read. Everything kept is bounded (the last rows, problems and changes), except the derived
gradebook, which is the point.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from ..derive import Change, Deriver
from ..statediff import diff
from .feed import Feed
from .grid import cell_text, course_grid, course_list

if TYPE_CHECKING:
    from .server import ReceiverStats

ROWS_KEPT = 500  # feed rows a page can catch up on
ROWS_PER_UPDATE = 200
PROBLEMS_KEPT = 200
CHANGES_KEPT = 5000
CHANGES_PER_UPDATE = 300  # more than this for one course in one update: send the whole grid
SECONDS_KEPT = 600  # of per-second counts
DEDUPE_WINDOW = 500_000  # events remembered (twice over) to spot a redelivery
EXPECT_EVERY_S = 1.0  # how often the expected end state is compared, while events arrive
RATE_WINDOW_S = 5
DIGEST_EVERY_S = 0.1
DIGEST_BUDGET_S = 0.01  # at most this much of every DIGEST_EVERY_S: a tenth of the CPU
IDLE_BUDGET_S = 0.08  # when no request came since the last digest: catch up
MAX_PENDING = 20_000


@dataclass
class Cursor:
    """How far one reader has read."""

    row: int = 0
    problem: int = 0
    change: int = 0
    second: int = 0
    courses: int = -1
    grid_for: str | None = None
    grid_shape: tuple[int, int] = (0, 0)  # students, assignments of the grid last sent
    expect: int = -1


@dataclass
class Dashboard:
    stats: ReceiverStats
    expect: dict[str, Any] | None = None
    deriver: Deriver = field(default_factory=Deriver)
    seq: int = 0
    rows: deque[tuple[int, dict[str, Any]]] = field(default_factory=lambda: deque(maxlen=ROWS_KEPT))
    changes: deque[tuple[int, Change]] = field(default_factory=lambda: deque(maxlen=CHANGES_KEPT))
    problems: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=PROBLEMS_KEPT))
    problem_counts: Counter[str] = field(default_factory=Counter)
    seconds: deque[list[int]] = field(default_factory=lambda: deque(maxlen=SECONDS_KEPT))
    listeners: list[Callable[[dict[str, Any]], None]] = field(default_factory=list)
    pending: deque[bytes] = field(default_factory=deque)
    skipped: int = 0  # events the page never showed: more than MAX_PENDING were waiting
    _seen: set[int] = field(default_factory=set)
    _older: set[int] = field(default_factory=set)
    _course_count: int = 0
    _expected: dict[str, Any] | None = None
    _expect_at: tuple[int, float, float] = (-1, 0.0, 0.0)  # the last comparison: seq, when, took

    def __post_init__(self) -> None:
        self.feed = Feed(self.deriver)

    # --- writing: the ingest path ------------------------------------------------------------

    def _tick(self) -> float:
        now = time.time()
        second = int(now)
        if self.seconds and self.seconds[-1][0] == second:
            self.seconds[-1][1] += 1
        else:
            self.seconds.append([second, 1])
        return now

    def accept(self, line: bytes) -> None:
        """An accepted event (``line``: its JSON): counted now, digested later."""
        self._tick()
        self.pending.append(line)
        if len(self.pending) > MAX_PENDING:
            self.pending.popleft()
            self.skipped += 1

    def digest(self, budget_s: float | None = None) -> None:
        """Take in the queued events, for at most ``budget_s`` seconds (None: all of them)."""
        pending = self.pending
        if not pending:
            return
        deadline = None if budget_s is None else time.perf_counter() + budget_s
        while pending:
            line = pending.popleft()
            self._take(orjson.loads(line), line)
            if deadline is not None and time.perf_counter() >= deadline:
                break

    def _take(self, event: dict[str, Any], line: bytes) -> None:
        self.seq += 1
        digest = hash(line)
        if digest in self._seen or digest in self._older:
            self._problem("duplicate", "the same event arrived again", line, event)
        else:
            self._seen.add(digest)
            if len(self._seen) >= DEDUPE_WINDOW:
                self._older, self._seen = self._seen, set()
        try:
            changes = self.deriver.feed(event)
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            self._problem("not understood", f"the gradebook skipped it: {exc!r}", line, event)
            changes = []
        self.changes.extend((self.seq, change) for change in changes)
        self._course_count = len(self.deriver.courses)
        self.rows.append((self.seq, event))
        for listener in self.listeners:
            listener(event)

    def refused(self, kind: str, reason: str, raw: bytes) -> None:
        """A refused request: ``kind`` is ``refused``, ``signature`` or ``schema``."""
        self.seq += 1
        self._problem(kind, reason, raw, None)

    def _problem(self, kind: str, reason: str, raw: bytes, event: dict[str, Any] | None) -> None:
        self.problem_counts[kind] += 1
        name = None if event is None else event["metadata"]["event_name"]
        text = raw[:2000].decode("utf-8", "replace")
        self.problems.append(
            {"seq": self.seq, "at": time.time(), "kind": kind, "reason": reason, "type": name}
            | {"raw": text}
        )

    # --- reading: pages and the terminal -----------------------------------------------------

    def rate_now(self) -> float:
        """Events per second over the last few whole seconds."""
        now = int(time.time())
        recent = sum(n for second, n in self.seconds if now - RATE_WINDOW_S <= second < now)
        return recent / RATE_WINDOW_S

    def row(self, seq: int, event: dict[str, Any]) -> dict[str, Any]:
        metadata, body = event["metadata"], event["body"]
        course = body.get("course_id") or metadata.get("context_id")
        return {
            "seq": seq,
            "time": self.feed.when(metadata),
            "type": metadata["event_name"],
            "course": self.deriver.course_name(course) or "",
            "people": self.feed.people(event),
            "text": self.feed.describe(event),
            "raw": event,
        }

    def expected_diff(self) -> dict[str, Any] | None:
        """The comparison with ``expect`` of what was digested: redone when events came, and
        while more are queued (under load) at most every EXPECT_EVERY_S, or ten times as long
        as the last comparison took (a large end state must not stall the ingest path)."""
        if self.expect is None:
            return None
        seq, at, took = self._expect_at
        wait = max(EXPECT_EVERY_S if self.pending else 0.0, 10 * took)
        if self._expected is None or (seq != self.seq and time.monotonic() - at >= wait):
            started = time.monotonic()
            found = diff(self.deriver.state(), self.expect)
            self._expect_at = (self.seq, time.monotonic(), time.monotonic() - started)
            self._expected = {
                "version": self.seq,
                "count": len(found),
                "lines": [str(d) for d in found[:100]],
                "cells": [
                    [d.course_id, d.user_id, d.assignment_id or d.field]
                    for d in found
                    if d.user_id is not None
                ],
            }
        return self._expected

    def update(self, cursor: Cursor, course: str | None) -> dict[str, Any]:
        """What a reader has not seen yet; moves its cursor."""
        self.digest(DIGEST_BUDGET_S)
        message: dict[str, Any] = {
            "events": self.stats.events,
            "requests": self.stats.requests,
            "rate_now": self.rate_now(),
            "counts": dict(self.stats.accepted),
            "problem_counts": dict(self.problem_counts),
            "lagging": len(self.pending),
            "seq": self.seq,
            "skipped": self.skipped,
        }
        message["rows"] = [
            self.row(seq, event)
            for seq, event in list(self.rows)[-ROWS_PER_UPDATE:]
            if seq > cursor.row
        ]
        message["problems"] = [p for p in self.problems if p["seq"] > cursor.problem]
        done = int(time.time())
        message["seconds"] = [list(s) for s in self.seconds if cursor.second < s[0] < done]
        cursor.second = max([cursor.second, *(s[0] for s in message["seconds"])])
        cursor.row = cursor.problem = self.seq
        if cursor.courses != self._course_count:
            message["courses"] = course_list(self.deriver)
            cursor.courses = self._course_count
        course = course or next(iter(self.deriver.courses), None)
        if course is not None:
            self._grid_update(message, cursor, course)
        expected = self.expected_diff()
        if expected is not None and expected["version"] != cursor.expect:
            message["expect"] = expected
            cursor.expect = expected["version"]
        cursor.change = self.seq
        return message

    def _grid_update(self, message: dict[str, Any], cursor: Cursor, course: str) -> None:
        changes = [c for seq, c in self.changes if seq > cursor.change and c.course_id == course]
        oldest = self.changes[0][0] if self.changes else 0
        record = self.deriver.courses.get(course, {"students": (), "assignments": ()})
        shape = (len(record["students"]), len(record["assignments"]))
        if (
            cursor.grid_for != course
            or cursor.grid_shape != shape
            or len(changes) > CHANGES_PER_UPDATE
            or oldest > cursor.change + 1
        ):
            message["grid"] = course_grid(self.deriver, course)
            cursor.grid_for, cursor.grid_shape = course, shape
            return
        message["cells"] = [
            {
                "user": c.user_id,
                "column": c.column,
                "old": cell_text(c.old, c.column),
                "new": cell_text(c.new, c.column),
                "cell": _current(self.deriver, c),
            }
            for c in changes
        ]


def _current(deriver: Deriver, change: Change) -> Any:
    """The whole cell a change touched, as the grid shows it now."""
    student = deriver.courses[change.course_id]["students"][change.user_id]
    if change.column in student["scores"]:
        return cell_text({change.column: student["scores"][change.column]}, change.column)
    return cell_text(student["submissions"].get(change.column, {}), change.column)
