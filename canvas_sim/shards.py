"""Course-sharded generation: N forked processes each simulate a size-balanced share of the
courses and spill their rendered lines to a file; one merge, in the parent, puts them in the
single stream's order, (event time, course ordinal), as they come. With ``steps`` (a run
paced by ``--speed``), each child also tells the parent when its courses start their steps, and
the merge gives each event its step (:mod:`canvas_sim.marks`).

Courses share nothing (own ids, own random streams), so the merged stream is the in-process
stream byte for byte, whatever N. A child never waits for the others: it appends to its spill
file and tells the parent how many bytes are ready; the parent reads them as it merges.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import multiprocessing
import pickle
import shutil
import signal
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, BinaryIO

from .delivery import Rendered
from .engine import Engine
from .errors import SimulatorError
from .gradebook import course_gradebook
from .marks import StepTracker
from .metadata import Job
from .outcome import StudentResult, course_students
from .render import Renderer
from .shardplan import course_weights, plan_shards
from .spill import (
    HEAD,
    KEY,
    TIME,
    TIME_SHIFT,
    Batch,
    Coder,
    batch,
    initial_names,
    merge,
    split_at,
    up_to,
)

HAND_OVER = 256  # events the merge hands an event loop at once
SPILL_BATCH = 1 << 16  # bytes a child gathers before it writes and tells the parent
# ... when the merge only writes files: fewer, larger windows and far fewer wake-ups (no event
# waits for delivery; less CPU in every process)
FILE_SPILL_BATCH = 1 << 20
STOPS = {signal.SIGINT, signal.SIGTERM}  # the signals that stop a run
Key = tuple[int, int, int]  # (time, priority, ordinal) of the action that failed
# A child's end state: its courses' ordinals, their students' scores and (if asked) books.
Final = tuple[list[int], list[list["StudentResult"]], list[dict[str, Any]] | None]


def _simulate(
    connection: Connection,
    engine: Engine,
    renderer: Renderer,
    only: list[int],
    spill: Path,
    coder: Coder,
    steps: bool,
    stamp: Callable[[bytes], bytes] | None = None,
    gradebook: bool = True,
    spill_batch: int = SPILL_BATCH,
) -> None:
    """A child: build ``only``'s courses (unless the engine came built) and say so, or say
    where and why that failed; simulate them, append their records (:mod:`canvas_sim.spill`;
    each line through ``stamp``, if given) to the spill file, and tell the parent each time
    bytes are ready (first, with ``steps``, the steps its courses started, and any new event
    type's code); then the courses' end state (the grade books only when ``gradebook``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPS)  # blocked in the parent while it forked
    if not _built(connection, engine, only):
        connection.close()
        return
    engine.kernel.direct = False  # always in (time, ordinal) order, also with one course
    build_metadata = engine.metadata.build
    record = coder.record
    batch: list[bytes] = []
    starts: list[tuple[int, int, int]] = []  # (ordinal, from time, index) since the last flush
    if steps:
        for course in engine.running(only):
            course.on_step = lambda *start: starts.append(start)
    try:
        with spill.open("ab") as out:
            try:
                size = 0
                for event in engine.events(only):
                    metadata = build_metadata(event.origin, event.name, event.time_ms)
                    line = renderer.render(
                        metadata, event.name, event.fields, job=isinstance(event.origin, Job)
                    )
                    if stamp is not None:  # e.g. signed here (canvas_sim.signahead)
                        line = stamp(line)
                    spilled = record(event.time_ms, event.ordinal, event.name, line)
                    batch.append(spilled)
                    size += len(spilled)
                    if size >= spill_batch:
                        _flush(out, batch, connection, starts, coder)
                        batch, size = [], 0
            finally:  # what was rendered before a failure is output too, as in one process
                _flush(out, batch, connection, starts, coder)
        running = engine.running(only)
        students = [course_students(course) for course in running]
        books = [course_gradebook(course) for course in running] if gradebook else None
        connection.send(("done", (only, students, books)))
    except SimulatorError as exc:
        current = engine.kernel.current
        key = (current[0], current[1], current[2]) if current else (-1, -1, -1)
        connection.send(("error", (str(exc), exc.exit_code, key)))
    except (BrokenPipeError, ConnectionResetError):
        pass  # the parent stopped reading: nothing left to do
    finally:
        connection.close()


def _built(connection: Connection, engine: Engine, only: list[int]) -> bool:
    """Build the shard's courses (if not built yet) and tell the parent: built, or the
    failure (the error and where the build was: see ``Engine.failed_at``)."""
    try:
        try:
            if not engine.courses:
                engine.build(only)
        except SimulatorError as exc:
            connection.send(("failed", (engine.failed_at, _portable(exc))))
            return False
        connection.send(("built", None))
    except (BrokenPipeError, ConnectionResetError):
        return False  # the parent stopped reading: nothing left to do
    return True


def _portable(exc: SimulatorError) -> SimulatorError:
    """``exc`` if it survives the pipe (pickled), else its message and exit code."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # any failure to pickle: send what it says
        plain = SimulatorError(str(exc))
        plain.exit_code = exc.exit_code
        return plain
    return exc


def _flush(
    out: BinaryIO,
    batch: list[bytes],
    connection: Connection,
    starts: list[tuple[int, int, int]],
    coder: Coder,
) -> None:
    if starts:  # before the events: the parent knows an event's step when it merges it
        connection.send(("steps", starts[:]))
        starts.clear()
    if coder.new:  # the codes of event types outside spill.NAMES, before their records
        connection.send(("names", coder.new[:]))
        coder.new.clear()
    if batch:
        data = b"".join(batch)
        out.write(data)
        out.flush()
        connection.send(("bytes", len(data)))


class Shard:
    """The parent's side of one child: its pipe, its spill file, the records read from it and
    not yet merged (in order), and what it reported at the end."""

    def __init__(self, number: int, connection: Connection, spill: Path) -> None:
        self.number = number
        self.connection = connection
        self.spill = spill
        self.pending: list[bytes] = []
        self.running = True
        self.final: Final | None = None
        self.error: tuple[str, int, Key] | None = None
        self._file: BinaryIO | None = None

    def message(self, doing: str) -> tuple[str, Any]:
        """The child's next message; if it is gone, an error saying what stopped."""
        try:
            kind, payload = self.connection.recv()
        except EOFError:
            raise SimulatorError(f"{doing} stopped unexpectedly (shard {self.number})") from None
        return kind, payload

    def receive(self, names: dict[bytes, str], tracker: StepTracker | None) -> None:
        """Wait for the child's next message: records to ``pending``, steps to ``tracker``,
        new codes to ``names``, or its end."""
        kind, payload = self.message("event generation")
        if kind == "bytes":
            if self._file is None:
                self._file = self.spill.open("rb")
            records = self._file.read(payload).split(b"\n")
            records.pop()  # after the last newline: nothing
            if self.pending:
                self.pending += records
            else:
                self.pending = records
        elif kind == "steps":
            if tracker is not None:
                for start in payload:
                    tracker.started(*start)
        elif kind == "names":
            names.update(payload)
        else:
            if kind == "done":
                self.final = payload
            else:
                self.error = payload
            self.running = False
            self.close()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class ShardedProducer:
    """Rendered events of ``engine``'s courses, simulated by ``workers`` forked processes and
    merged in stream order (the hook delivery takes: an iterator of rendered lines, in order).
    ``stamp``, if given, turns each line in the child (``canvas_sim.signahead`` signs there).

    Give the engine unbuilt (``Engine(..., build=False)``: the scenario and account records
    checked, no course built): each child builds its own courses, and the constructor
    returns once all are built, or raises the build error one process would have raised
    first (before any event). After the stream ends, ``final`` holds the students' scores
    and the end state of every course, in course order.
    """

    def __init__(
        self,
        engine: Engine,
        renderer: Renderer,
        workers: int,
        stamp: Callable[[bytes], bytes] | None = None,
        *,
        steps: bool = False,
        gradebook: bool = True,
        spill_batch: int = SPILL_BATCH,
    ) -> None:
        self._engine = engine
        self._tracker = StepTracker(engine) if steps else None
        self._gradebook = gradebook
        self.plan = plan_shards(course_weights(engine), workers)
        self._folder = Path(tempfile.mkdtemp(prefix="canvas-sim-shards-"))
        self._processes: list[Any] = []
        self._shards: list[Shard] = []
        self._names = initial_names()  # event type codes (canvas_sim.spill) -> names
        self.final: tuple[list[StudentResult], dict[str, Any] | None] | None = None
        context = multiprocessing.get_context("fork")
        try:  # Ctrl-C or SIGTERM while forking or building: no child or spill folder left
            gc.collect()
            gc.freeze()  # what the parent holds stays shared with the children, not copied by GC
            # A Ctrl-C or SIGTERM during a fork would be swallowed by the fork's own handlers:
            # held until every child is started, then raised here (the children unblock them).
            signal.pthread_sigmask(signal.SIG_BLOCK, STOPS)
            try:
                for number, only in enumerate(self.plan):
                    receiver, sender = context.Pipe(duplex=False)
                    spill = self._folder / f"shard-{number}.spill"
                    spill.touch()  # before the child starts: the merge may open it first
                    coder = Coder(number, len(self.plan))
                    process = context.Process(
                        target=_simulate,
                        args=(
                            sender,
                            engine,
                            renderer,
                            only,
                            spill,
                            coder,
                            steps,
                            stamp,
                            gradebook,
                        ),
                        kwargs={"spill_batch": spill_batch},
                        daemon=True,
                    )
                    process.start()
                    sender.close()
                    self._processes.append(process)
                    self._shards.append(Shard(number, receiver, spill))
            finally:
                gc.unfreeze()
                signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPS)
            self._wait_for_builds()
        except BaseException:
            self.close()
            raise

    def _wait_for_builds(self) -> None:
        """Wait until every child has built its courses; if any failed, raise the failure one
        process building every course would have met first."""
        failures = []
        for shard in self._shards:
            kind, payload = shard.message("building the courses")
            if kind == "failed":
                failures.append(payload)
        if failures:
            raise min(failures, key=lambda failure: failure[0])[1]

    def events(self) -> Iterator[Rendered]:
        """Every event in stream order; a child's failure is raised where a single process
        would have raised it (after every event up to the failing action's time)."""
        names = self._names
        mark = None if self._tracker is None else self._tracker.mark
        for window in self._windows():
            for record in window:
                time_ms = int(record[:TIME]) - TIME_SHIFT
                name, line = names[record[KEY:HEAD]], record[HEAD:]
                if mark is None:
                    yield Rendered(name, time_ms, line)
                else:
                    yield Rendered(name, time_ms, line, step=mark(int(record[TIME:KEY]), time_ms))
        self._finish()

    def batches(self) -> Iterator[Batch]:
        """The same stream as ``events``, a merged window at a time (for files: no per-event
        work in this process but slicing each line out of its record)."""
        for window in self._windows():
            yield batch(window, self._names)
        self._finish()

    def _windows(self) -> Iterator[list[bytes]]:
        """The merged records, a window at a time: each running shard's records up to the
        lowest last key any running shard has sent (nothing below it can come any more),
        sorted together; after a child's failure, only those up to its failing action's time.
        """
        shards = self._shards
        while True:
            for shard in shards:
                while shard.running and not shard.pending:
                    shard.receive(self._names, self._tracker)
            keys = [shard.pending[-1][:KEY] for shard in shards if shard.running]
            bound = min(keys) if keys else None
            parts = []
            for shard in shards:
                part, shard.pending = split_at(shard.pending, bound)
                parts.append(part)
            window = merge(parts)
            limit = self._limit()
            if limit is not None:
                kept = up_to(window, limit)
                if len(kept) < len(window):  # the rest, and all that follows, comes later
                    if kept:
                        yield kept
                    return
            if window:
                yield window
            if bound is None:
                return

    def _finish(self) -> None:
        failures = [shard.error for shard in self._shards if shard.error is not None]
        if failures:
            message, code, _ = min(failures, key=lambda failure: failure[2])
            error = SimulatorError(message)
            error.exit_code = code
            raise error
        self.final = self._assemble()

    def _limit(self) -> int | None:
        times = [shard.error[2][0] for shard in self._shards if shard.error is not None]
        return min(times) if times else None

    def _assemble(self) -> tuple[list[StudentResult], dict[str, Any] | None]:
        by_ordinal: dict[int, tuple[list[StudentResult], dict[str, Any] | None]] = {}
        for shard in self._shards:
            assert shard.final is not None
            only, scores, books = shard.final
            found: list[dict[str, Any] | None] = list(books) if books else [None] * len(only)
            for ordinal, people, book in zip(only, scores, found, strict=True):
                by_ordinal[ordinal] = (people, book)
        ordered = [by_ordinal[ordinal] for ordinal in sorted(by_ordinal)]
        students = [student for people, _ in ordered for student in people]
        if not self._gradebook:
            return students, None
        gradebook = {
            "scenario": self._engine.scenario.name,
            "seed": self._engine.seed,
            "courses": [book for _, book in ordered],
        }
        return students, gradebook

    def close(self) -> None:
        """Stop the children (if still running) and remove the spill files."""
        for shard in self._shards:
            shard.connection.close()
            shard.close()
        for process in self._processes:
            if process.is_alive():
                process.terminate()
        for process in self._processes:
            process.join(timeout=5)
        with contextlib.suppress(OSError):
            shutil.rmtree(self._folder)


async def in_thread(events: Iterator[Rendered]) -> AsyncIterator[Rendered]:
    """``events`` for an event loop: the merge (which waits on the children) runs in a worker
    thread, a batch at a time, so the loop keeps sending meanwhile."""
    loop = asyncio.get_running_loop()

    def take() -> list[Rendered]:
        return list(itertools.islice(events, HAND_OVER))

    while batch := await loop.run_in_executor(None, take):
        for event in batch:
            yield event
