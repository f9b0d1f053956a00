"""Event generation in a child process, so delivery gets a core of its own.

The child is forked with the engine already built (scenario errors surface before it starts);
it renders events and hands them over a pipe in batches. The stream is the same as in-process
generation, byte for byte. On platforms without fork, generation stays in-process.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import signal
from collections.abc import AsyncIterator
from multiprocessing.connection import Connection
from typing import Any

try:
    import fcntl
except ImportError:  # Windows has no fcntl
    fcntl = None  # type: ignore[assignment]

from .delivery import Rendered
from .engine import Engine
from .errors import SimulatorError
from .faults import FaultInjector
from .outcome import RunResult, finish, rendered_events
from .render import Renderer

BATCH = 256
PIPE_BYTES = 1 << 20  # about three batches of the load scenario's events


def fork_available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _produce(
    connection: Connection, engine: Engine, renderer: Renderer, faults: FaultInjector | None
) -> None:
    """The child: render every event and send them in batches; then the final score rows."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us

    result = RunResult(engine.scenario.name, engine.seed)
    try:
        batch: list[tuple[str, int, bytes]] = []
        stream = rendered_events(engine, renderer)
        for event in faults.apply(stream) if faults else stream:
            batch.append((event.name, event.time_ms, event.line))
            if len(batch) >= BATCH:
                connection.send(("events", batch))
                batch = []
        if batch:
            connection.send(("events", batch))
        finish(engine, result)
        connection.send(("done", (result.students, result.gradebook)))
    except SimulatorError as exc:
        connection.send(("error", (str(exc), exc.exit_code)))
    except (BrokenPipeError, ConnectionResetError):
        pass  # the parent stopped reading: nothing left to do
    finally:
        if faults is not None:
            faults.manifest.close()
        connection.close()


def _widen(connection: Connection) -> None:
    """Let the pipe hold a few batches (Linux's default of 64 KiB holds a fraction of one), so
    the child renders ahead while the parent sends, instead of waiting for each read."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if set_size is None:
        return
    with contextlib.suppress(OSError):  # above the system's pipe-max-size: keep the default
        fcntl.fcntl(connection.fileno(), set_size, PIPE_BYTES)


class ProducerProcess:
    """Rendered events from a forked child, as an async iterator."""

    def __init__(
        self, engine: Engine, renderer: Renderer, faults: FaultInjector | None = None
    ) -> None:
        context = multiprocessing.get_context("fork")
        self._receiver, sender = context.Pipe(duplex=False)
        _widen(sender)
        self._process = context.Process(
            target=_produce, args=(sender, engine, renderer, faults), daemon=True
        )
        self._process.start()
        sender.close()
        self.final: tuple[list[Any], dict[str, Any] | None] | None = None

    async def events(self) -> AsyncIterator[Rendered]:
        loop = asyncio.get_running_loop()
        while True:
            try:
                kind, payload = await loop.run_in_executor(None, self._receiver.recv)
            except EOFError:
                raise SimulatorError("event generation stopped unexpectedly") from None
            if kind == "events":
                for name, time_ms, line in payload:
                    yield Rendered(name, time_ms, line)
            elif kind == "done":
                self.final = payload
                return
            else:
                message, code = payload
                error = SimulatorError(message)
                error.exit_code = code
                raise error

    def close(self) -> None:
        self._receiver.close()
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(timeout=5)
