"""Event generation in a child process, so delivery gets a core of its own.

The child is forked with the engine already built (scenario errors surface before it starts);
it renders events (or reads a replay's files) and hands them over a pipe in batches, signed
when the delivery signs, so RS256 signing runs off the event loop too. With N signers (one per
core), the child signs one batch in N itself, straight to the parent, and deals the others to
N - 1 signing processes in turn; the parent takes the batches back in the same turn, so the
order holds. The stream is the same as in-process generation, byte for byte. On platforms
without fork, generation stays in-process.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import multiprocessing
import os
import signal
from collections.abc import AsyncIterator, Callable, Iterable
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

try:
    import fcntl
except ImportError:  # Windows has no fcntl
    fcntl = None  # type: ignore[assignment]

from .delivery import Batched, Rendered
from .engine import Engine
from .errors import SimulatorError
from .faults import FaultInjector
from .outcome import RunResult, finish, rendered_events
from .render import Renderer

if TYPE_CHECKING:
    from .signing import Signer

BATCH = 256
PIPE_BYTES = 1 << 20  # about three batches of the load scenario's events


def usable_cores() -> int:
    """The cores this process may run on."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


def fork_available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _child(unused: list[Connection]) -> None:
    """What every child does first: leave Ctrl-C to the parent (which stops us) and close the
    pipe ends it inherited but does not use (so a reader sees the end when a writer dies)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for connection in unused:
        connection.close()


def _produce(
    connections: list[Connection],
    stream: Callable[[], Iterable[Rendered]],
    signer: Signer | None,
    final: Callable[[], Any] | None,
    cleanup: Callable[[], None] | None,
    unused: list[Connection],
) -> None:
    """The child: send ``stream()``'s events in batches, then what ``final()`` returns; each
    message to the next of ``connections`` in turn. With a signer, the batches for the first
    (the parent) are signed here, the others by the signing processes they go to."""
    _child(unused)
    turn = itertools.cycle(connections)
    own = connections[0] if signer is not None else None

    def deal(batch: list[tuple[Any, ...]]) -> None:
        connection = next(turn)
        if connection is own:
            assert signer is not None
            batch = _signed_batch(batch, signer)
        connection.send(("events", batch))

    try:
        batch: list[tuple[Any, ...]] = []
        for event in stream():  # the event whole when carrying a step (--speed)
            whole = event.step is not None
            batch.append(tuple(event) if whole else (event.name, event.time_ms, event.line))
            if len(batch) >= BATCH:
                deal(batch)
                batch = []
        if batch:
            deal(batch)
        next(turn).send(("done", final() if final is not None else None))
    except SimulatorError as exc:
        next(turn).send(("error", (str(exc), exc.exit_code)))
    except (BrokenPipeError, ConnectionResetError):
        pass  # the parent stopped reading: nothing left to do
    finally:
        if cleanup is not None:
            cleanup()
        for connection in connections:
            connection.close()


def _signed_batch(batch: list[tuple[Any, ...]], signer: Signer) -> list[tuple[Any, ...]]:
    """Events' fields (name, time, line[, token, signed at, step]) with their token."""
    token = signer.token
    return [(e[0], e[1], e[2], *token(e[2]), *e[5:]) for e in batch]


def _sign(source: Connection, out: Connection, signer: Signer, unused: list[Connection]) -> None:
    """A signing process: each batch from the generating child, signed, to the parent; the
    last message (the end, or an error) handed on as it is."""
    _child(unused)
    try:
        while True:
            kind, payload = source.recv()
            if kind == "events":
                payload = _signed_batch(payload, signer)
            out.send((kind, payload))
            if kind != "events":
                return
    except (EOFError, BrokenPipeError, ConnectionResetError):
        pass  # the child ended without a word (the parent says so), or the parent stopped
    finally:
        source.close()
        out.close()


def _widen(connection: Connection) -> None:
    """Let the pipe hold a few batches (Linux's default of 64 KiB holds a fraction of one), so
    the child renders ahead while the parent sends, instead of waiting for each read."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if set_size is None:
        return
    with contextlib.suppress(OSError):  # above the system's pipe-max-size: keep the default
        fcntl.fcntl(connection.fileno(), set_size, PIPE_BYTES)


def scenario_stream(
    engine: Engine,
    renderer: Renderer,
    faults: FaultInjector | None,
    gradebook: bool = True,
    *,
    steps: bool = False,
) -> tuple[Callable[[], Iterable[Rendered]], Callable[[], Any], Callable[[], None]]:
    """A run's stream for the child: its events (with faults; with ``steps``, each with its
    scenario step), its end state (the students' scores and the gradebook), and the cleanup
    (the fault manifest closed)."""

    def stream() -> Iterable[Rendered]:
        events = rendered_events(engine, renderer, steps=steps)
        return faults.apply(events) if faults else events

    def final() -> tuple[list[Any], dict[str, Any] | None]:
        result = RunResult(engine.scenario.name, engine.seed)
        finish(engine, result, gradebook)
        return result.students, result.gradebook

    def cleanup() -> None:
        if faults is not None:
            faults.manifest.close()

    return stream, final, cleanup


async def _received(receiver: Connection) -> Any:
    """The next message on ``receiver``, read on the event loop's thread once it is there
    (a worker thread would cost a thread switch per batch, and on one core many)."""
    if not receiver.poll():
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        descriptor = receiver.fileno()

        def readable() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_reader(descriptor, readable)
        try:
            await ready
        finally:
            loop.remove_reader(descriptor)
            os.set_blocking(descriptor, True)  # (some loops leave it non-blocking)
    return receiver.recv()


class ProducerProcess:
    """Events from a forked child, as an async iterator: a run's generation, or a replay's
    reading, and with a signer their RS256 signatures, on cores of their own: in the child
    itself, and with ``signers`` above 1 in that many less one signing processes beside it."""

    def __init__(
        self,
        stream: Callable[[], Iterable[Rendered]],
        *,
        signer: Signer | None = None,
        signers: int = 1,
        final: Callable[[], Any] | None = None,
        cleanup: Callable[[], None] | None = None,
    ) -> None:
        context = multiprocessing.get_context("fork")
        pool = signers - 1 if signer is not None and signers > 1 else 0
        # The child's pipe to the parent, then one to each signing process and one from each.
        pipes = [context.Pipe(duplex=False) for _ in range(1 + 2 * pool)]
        for _, sender in pipes:
            _widen(sender)
        every = [end for pipe in pipes for end in pipe]
        inputs, outputs = pipes[1 : 1 + pool], pipes[1 + pool :]
        dealt = [sender for _, sender in pipes[: 1 + pool]]  # the child writes to these
        self._receivers = [receiver for receiver, _ in pipes[:1] + outputs]  # in the same turn
        self._processes = [
            context.Process(
                target=_sign,
                args=(source, out, signer, [e for e in every if e not in (source, out)]),
                daemon=True,
            )
            for (source, _), (_, out) in zip(inputs, outputs, strict=True)
        ]
        self._processes.append(
            context.Process(
                target=_produce,
                args=(
                    dealt,
                    stream,
                    signer,
                    final,
                    cleanup,
                    [e for e in every if e not in dealt],
                ),
                daemon=True,
            )
        )
        for process in self._processes:
            process.start()
        for end in every:
            if end not in self._receivers:
                end.close()
        self.final: Any = None

    def events(self) -> Batched:
        """The events, in batches as they come (see ``canvas_sim.delivery.deliver``)."""
        return Batched(self._batches())

    async def _batches(self) -> AsyncIterator[list[Rendered]]:
        for receiver in itertools.cycle(self._receivers):  # the order the child dealt them
            try:
                kind, payload = await _received(receiver)
            except EOFError:
                raise SimulatorError("event generation stopped unexpectedly") from None
            if kind == "events":
                yield [Rendered(*fields) for fields in payload]
            elif kind == "done":
                self.final = payload
                return
            else:
                message, code = payload
                error = SimulatorError(message)
                error.exit_code = code
                raise error

    def close(self) -> None:
        for receiver in self._receivers:
            receiver.close()
        for process in self._processes:
            if process.is_alive():
                process.terminate()
        for process in self._processes:
            process.join(timeout=5)
