"""Event generation in a child process, so delivery gets a core of its own.

The child is forked with the engine already built (scenario errors surface before it starts);
it renders events (or reads a replay's files) and hands them over a pipe in batches, signed
when the delivery signs, so RS256 signing runs off the event loop too. The stream is the same
as in-process generation, byte for byte. On platforms without fork, generation stays
in-process.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import signal
import time
from collections.abc import AsyncIterator, Callable, Iterable
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
from .signing import Signer

BATCH = 256
PIPE_BYTES = 1 << 20  # about three batches of the load scenario's events


def fork_available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _produce(
    connection: Connection,
    stream: Callable[[], Iterable[Rendered]],
    signer: Signer | None,
    final: Callable[[], Any] | None,
    cleanup: Callable[[], None] | None,
) -> None:
    """The child: send ``stream()``'s events in batches (signed, with a signer), then what
    ``final()`` returns."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    try:
        batch: list[tuple[Any, ...]] = []
        sign = None if signer is None else signer.sign
        for event in stream():
            if sign is None:
                batch.append((event.name, event.time_ms, event.line))
            else:
                token = sign(event.line).encode()
                batch.append((event.name, event.time_ms, event.line, token, time.time()))
            if len(batch) >= BATCH:
                connection.send(("events", batch))
                batch = []
        if batch:
            connection.send(("events", batch))
        connection.send(("done", final() if final is not None else None))
    except SimulatorError as exc:
        connection.send(("error", (str(exc), exc.exit_code)))
    except (BrokenPipeError, ConnectionResetError):
        pass  # the parent stopped reading: nothing left to do
    finally:
        if cleanup is not None:
            cleanup()
        connection.close()


def _widen(connection: Connection) -> None:
    """Let the pipe hold a few batches (Linux's default of 64 KiB holds a fraction of one), so
    the child renders ahead while the parent sends, instead of waiting for each read."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if set_size is None:
        return
    with contextlib.suppress(OSError):  # above the system's pipe-max-size: keep the default
        fcntl.fcntl(connection.fileno(), set_size, PIPE_BYTES)


def scenario_stream(
    engine: Engine, renderer: Renderer, faults: FaultInjector | None, gradebook: bool = True
) -> tuple[Callable[[], Iterable[Rendered]], Callable[[], Any], Callable[[], None]]:
    """A run's stream for the child: its events (with faults), its end state (the students'
    scores and the gradebook), and the cleanup (the fault manifest closed)."""

    def stream() -> Iterable[Rendered]:
        events = rendered_events(engine, renderer)
        return faults.apply(events) if faults else events

    def final() -> tuple[list[Any], dict[str, Any] | None]:
        result = RunResult(engine.scenario.name, engine.seed)
        finish(engine, result, gradebook)
        return result.students, result.gradebook

    def cleanup() -> None:
        if faults is not None:
            faults.manifest.close()

    return stream, final, cleanup


class ProducerProcess:
    """Events from a forked child, as an async iterator: a run's generation, or a replay's
    reading, and with a signer their RS256 signatures, on a core of their own."""

    def __init__(
        self,
        stream: Callable[[], Iterable[Rendered]],
        *,
        signer: Signer | None = None,
        final: Callable[[], Any] | None = None,
        cleanup: Callable[[], None] | None = None,
    ) -> None:
        context = multiprocessing.get_context("fork")
        self._receiver, sender = context.Pipe(duplex=False)
        _widen(sender)
        self._process = context.Process(
            target=_produce, args=(sender, stream, signer, final, cleanup), daemon=True
        )
        self._process.start()
        sender.close()
        self.final: Any = None

    async def events(self) -> AsyncIterator[Rendered]:
        loop = asyncio.get_running_loop()
        while True:
            try:
                kind, payload = await loop.run_in_executor(None, self._receiver.recv)
            except EOFError:
                raise SimulatorError("event generation stopped unexpectedly") from None
            if kind == "events":
                for fields in payload:
                    yield Rendered(*fields)
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
