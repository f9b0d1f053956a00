"""One simulation run: scenario -> engine -> renderer -> sinks, with a summary of what happened."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .delivery import DeadLetters, DeliveryStats, Rendered, Sender, deliver
from .delivery.loop import run_loop
from .delivery.pacing import Schedule
from .engine import Engine
from .errors import SimulatorError
from .faults import FaultInjector, count_faults
from .outcome import RunResult as RunResult
from .outcome import StudentResult as StudentResult
from .outcome import finish, rendered_events
from .prefix import prefix_state
from .producer import ProducerProcess, fork_available, scenario_stream, usable_cores
from .render import NullPolicy, Renderer
from .replay import has_caliper_form, read_events
from .scenario import Scenario, load_scenario
from .shards import FILE_SPILL_BATCH, SPILL_BATCH, ShardedProducer, in_thread
from .signahead import signed, stamper, unstamped
from .sinks import Sink, send_lines
from .spill import Batch
from .yamlsource import Located

if TYPE_CHECKING:
    from .delivery.http import HttpTarget
    from .delivery.sqs_client import SqsTarget
    from .signing import Signer

PROGRESS_EVERY = 10_000


def counter(
    result: RunResult, progress: Callable[[int], None] | None = None
) -> Callable[[Rendered], None]:
    """Count each event that reaches the outputs into ``result`` (by type, first and last
    time), with ``progress`` told every PROGRESS_EVERY events."""
    counts = result.events
    total = 0

    def count(event: Rendered) -> None:
        nonlocal total
        total += 1
        counts[event.name] += 1
        if result.first_event_ms is None:
            result.first_event_ms = event.time_ms
        result.last_event_ms = event.time_ms
        if progress is not None and total % PROGRESS_EVERY == 0:
            progress(total)

    return count


def batch_counter(
    result: RunResult, progress: Callable[[int], None] | None = None
) -> Callable[[Batch], None]:
    """``counter`` for merged windows of events (``ShardedProducer.batches``): the same
    counts, with ``progress`` told the total each time it passes a multiple of
    PROGRESS_EVERY."""
    total = 0

    def add(batch: Batch) -> None:
        nonlocal total
        result.events.update(batch.counts)
        if result.first_event_ms is None:
            result.first_event_ms = batch.first_ms
        result.last_event_ms = batch.last_ms
        before, total = total, total + len(batch.lines)
        if progress is not None and total // PROGRESS_EVERY > before // PROGRESS_EVERY:
            progress(total)

    return add


def close_all(sinks: Sequence[Sink], *, ok: bool) -> None:
    """Close every sink even if one fails; after a failure the rest discard their output."""
    error: SimulatorError | None = None
    for sink in sinks:
        try:
            sink.close(ok=ok and error is None)
        except SimulatorError as exc:
            error = error or exc
    if error is not None:
        raise error


def run_scenario(
    scenario: Scenario,
    located: Located,
    sinks: Sequence[Sink],
    *,
    seed: int | None = None,
    templates: str | Path | None = None,
    nulls: NullPolicy = "keep",
    progress: Callable[[int], None] | None = None,
    faults: FaultInjector | None = None,
    workers: int = 1,
    body_ms: bool = True,
    gradebook: bool = True,
) -> RunResult:
    """Run ``scenario`` and send every event to every sink; partial output never survives.

    With ``workers`` above 1 (and more than one course), forked processes simulate shares of
    the courses (see :mod:`canvas_sim.shards`): the same bytes, the same end state.
    ``gradebook``: fill ``result.gradebook`` (the end state; large for many students).
    """
    engine = Engine(scenario, located, seed, build=False)
    renderer = Renderer(templates, nulls, body_ms=body_ms)
    result = RunResult(scenario.name, engine.seed, destinations=[s.description for s in sinks])
    shards = sharded(engine, renderer, workers, gradebook=gradebook, spill_batch=FILE_SPILL_BATCH)
    if shards is None:
        engine.build()
    opened: list[Sink] = []
    ok = False
    try:
        for sink in sinks:
            sink.open()
            opened.append(sink)
        if shards is not None and faults is None:  # merged windows, written in bulk
            add = batch_counter(result, progress)
            for batch in shards.batches():
                add(batch)
                for sink in sinks:
                    send_lines(sink, batch.lines)
        else:
            count = counter(result, progress)
            stream = shards.events() if shards else rendered_events(engine, renderer)
            for event in faults.apply(stream) if faults else stream:
                count(event)
                for sink in sinks:
                    sink.send(event.line)
        ok = True
    finally:
        if shards is not None:
            shards.close()
        if faults is not None:
            faults.manifest.close()
        close_all(opened, ok=ok)
    if shards is None:
        return finish(engine, result, gradebook)
    assert shards.final is not None
    result.students, result.gradebook = shards.final
    return result


def sharded(
    engine: Engine,
    renderer: Renderer,
    workers: int,
    signer: Signer | None = None,
    *,
    steps: bool = False,
    gradebook: bool = True,
    spill_batch: int = SPILL_BATCH,
) -> ShardedProducer | None:
    """Forked shard processes for ``workers`` above 1, when there are courses to share and
    the platform can fork, each building its own courses (``engine`` comes unbuilt: build it
    when this returns None, to generate in this process). With ``signer``, each shard
    signs its own events (``canvas_sim.signahead``); ``steps``: each event carries its
    scenario step (for the live line of a run paced by --speed); ``spill_batch``: the bytes a
    child spills at a time (larger for files: see canvas_sim.shards)."""
    if workers <= 1 or len(engine.slots) <= 1 or not fork_available():
        return None
    stamp = None if signer is None else stamper(signer)
    return ShardedProducer(
        engine, renderer, workers, stamp, steps=steps, gradebook=gradebook, spill_batch=spill_batch
    )


def _signers(options: DeliveryOptions) -> int:
    """Processes that sign, a generating or reading child included (1: it signs alone)."""
    return options.signers or usable_cores()


def _signing_stats(options: DeliveryOptions) -> DeliveryStats:
    """The run's statistics (made here if not given), saying that it signs."""
    stats = options.stats = options.stats or DeliveryStats()
    stats.signing = True
    return stats


@dataclass
class DeliveryOptions:
    """How events travel when the run is paced or goes over HTTP."""

    targets: Sequence[HttpTarget | SqsTarget] = ()
    schedule: Schedule = field(default_factory=Schedule)
    max_events: int | None = None
    duration_s: float | None = None
    dead_letter: Path = Path("dead-letter.jsonl")
    drain_s: float = 10.0
    handle_signals: bool = False
    producer_process: bool = False  # generate in a forked child (a core for delivery)
    stats: DeliveryStats | None = None  # pass one in to watch it live
    faults: FaultInjector | None = None
    check: bool = True  # make sure every target takes connections before sending
    max_failures: int | None = 100  # connection failures in a row that stop the run
    total: int | None = None  # events in the stream, when known (to count those not sent)
    workers: int = 1  # processes simulating shares of the courses (see canvas_sim.shards)
    # Processes that sign, the generating (or reading) child included; None: the cores.
    signers: int | None = None

    @property
    def signer(self) -> Signer | None:
        """The HTTP targets' signer (the generating child signs ahead with it)."""
        from .delivery.http import HttpTarget

        return next((t.signer for t in self.targets if isinstance(t, HttpTarget)), None)


def deliver_scenario(
    scenario: Scenario,
    located: Located,
    sinks: Sequence[Sink],
    options: DeliveryOptions,
    *,
    seed: int | None = None,
    templates: str | Path | None = None,
    nulls: NullPolicy = "keep",
    progress: Callable[[int], None] | None = None,
    end_state: bool = True,
    body_ms: bool = True,
    gradebook: bool = True,
) -> RunResult:
    """Run ``scenario`` with pacing and HTTP delivery; files get every generated event.

    ``end_state``: fill the result's end state and final scores, also when the run stops
    early (then exactly as the events that went out leave them, at the cost of a re-run);
    ``gradebook``: with the end state's grade book (else only the final scores)."""
    engine = Engine(scenario, located, seed, build=False)
    renderer = Renderer(templates, nulls, body_ms=body_ms)
    destinations = [s.description for s in sinks] + [target_name(t) for t in options.targets]
    result = RunResult(scenario.name, engine.seed, destinations=destinations)
    faults = options.faults
    signer = options.signer
    steps = bool(options.schedule.speed)  # the live line shows each event's step (marks)
    shards = sharded(engine, renderer, options.workers, signer, steps=steps, gradebook=gradebook)
    if shards is None:
        engine.build()
    producer = None
    if options.producer_process and shards is None:
        stream, final, cleanup = scenario_stream(engine, renderer, faults, gradebook, steps=steps)
        producer = ProducerProcess(
            stream, signer=signer, signers=_signers(options), final=final, cleanup=cleanup
        )
    if signer is not None:  # who signs: for the summary's hint when signing is the limit
        stats = _signing_stats(options)
        stats.workers = len(shards.plan) if shards else 1
        more = min(usable_cores(), len(engine.slots)) if fork_available() else 1
        stats.workers_possible = max(more, stats.workers)
    ended = False

    def whole(stream: Iterable[Rendered]) -> Iterator[Rendered]:
        nonlocal ended
        yield from stream
        ended = True

    def source() -> Iterable[Rendered] | AsyncIterable[Rendered]:
        if producer is not None:
            return producer.events()
        if shards is None:
            stream: Iterable[Rendered] = rendered_events(engine, renderer, steps=steps)
        else:  # signed in the shards: the tokens come with the lines
            stream = unstamped(shards.events()) if signer else shards.events()
        stream = whole(faults.apply(stream) if faults else stream)
        if signer is not None:  # in a thread: lines rewritten by faults, or every line
            stream = signed(stream, signer)
        return in_thread(stream) if shards or signer else stream

    try:
        _deliver(source, sinks, options, result, seed=engine.seed, progress=progress)
    finally:
        for process in (producer, shards):
            if process is not None:
                process.close()
        if faults is not None:
            faults.manifest.close()
            if result.delivery is not None:
                result.delivery.faults.update(count_faults(faults.manifest.path))
    finals = [p.final for p in (shards, producer) if p is not None and p.final is not None]
    if finals:  # known when the scenario ran to its end
        result.students, result.gradebook = finals[0]
    elif producer is None and shards is None and ended:
        finish(engine, result, gradebook)
    elif end_state:  # stopped early: the engine ran ahead of the events sent
        prefix_state(lambda: Engine(scenario, located, seed), result.total, result)
    return result


def replay_files(
    paths: Sequence[Path],
    sinks: Sequence[Sink],
    options: DeliveryOptions,
    *,
    only: frozenset[str] = frozenset(),
    skip: int = 0,
    caliper_only: bool = False,
) -> RunResult:
    """Deliver the events of JSONL files again (see :mod:`canvas_sim.replay`), in file order;
    ``caliper_only`` (every target takes Caliper) leaves out, before ``skip`` and
    ``options.max_events`` count, the events that have no Caliper form.

    Check the files first (:func:`canvas_sim.replay.check_files`): a bad line met here stops the
    replay midway.
    """
    destinations = [s.description for s in sinks] + [target_name(t) for t in options.targets]
    result = RunResult("replay", 0, destinations=destinations)

    def stream() -> Iterable[Rendered]:
        keep = has_caliper_form if caliper_only else None
        return itertools.islice(read_events(paths, only, keep), skip, None)

    signer = options.signer

    def signed_stream() -> AsyncIterable[Rendered]:  # no child: sign in a thread
        assert signer is not None
        return in_thread(signed(stream(), signer))

    source: Callable[[], Iterable[Rendered] | AsyncIterable[Rendered]] = stream
    producer = None
    if options.producer_process:  # read (and sign) in a child: a core for delivery
        producer = ProducerProcess(stream, signer=signer, signers=_signers(options))
        source = producer.events
    elif signer is not None:
        source = signed_stream
    if signer is not None:
        _signing_stats(options)
    try:
        _deliver(
            source,
            sinks,
            options,
            result,
            seed=None,
        )
    finally:
        if producer is not None:
            producer.close()
    return result


def target_name(target: HttpTarget | SqsTarget) -> str:
    from .delivery.http import HttpTarget

    return target.url if isinstance(target, HttpTarget) else target.target


def open_sender(
    target: HttpTarget | SqsTarget, stats: DeliveryStats, dead: DeadLetters, seed: int | None
) -> Sender:
    """The sender of a target, with its own ledger in ``stats``."""
    from .delivery.http import HttpSender, HttpTarget

    if isinstance(target, HttpTarget):
        return HttpSender(target, stats.target(target.url), dead, seed=seed)
    from .delivery.sqs import SqsSender

    return SqsSender(target, stats.target(target.target, "sqs"), dead, seed=seed)


def _deliver(
    source: Callable[[], Iterable[Rendered] | AsyncIterable[Rendered]],
    sinks: Sequence[Sink],
    options: DeliveryOptions,
    result: RunResult,
    *,
    seed: int | None,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Deliver ``source()``'s events to the options' targets and to ``sinks``; the events
    passed on (by type), the delivery statistics and the dead-letter file (if any event went
    there) end up in ``result``."""
    stats = options.stats or DeliveryStats()
    dead = DeadLetters(options.dead_letter)
    result.delivery = stats
    opened: list[Sink] = []
    ok = False

    async def go() -> None:
        senders = [open_sender(target, stats, dead, seed) for target in options.targets]
        try:
            await deliver(
                source(),
                senders,
                stats=stats,
                line_sinks=sinks,
                schedule=options.schedule,
                max_events=options.max_events,
                duration_s=options.duration_s,
                drain_s=options.drain_s,
                handle_signals=options.handle_signals,
                passed=counter(result, progress),
                check=options.check,
                max_failures=options.max_failures,
                total=options.total,
            )
        finally:
            for sender in senders:
                await sender.aclose()

    try:
        for sink in sinks:
            sink.open()
            opened.append(sink)
        run_loop(go())
        ok = stats.interrupted_by is None
    finally:
        dead.close()
        close_all(opened, ok=ok)
    if dead.count:
        result.dead_letter_path = dead.path


def run_file(path: str | Path, sinks: Sequence[Sink], **options: object) -> RunResult:
    """Load, validate and run a scenario file."""
    scenario, located = load_scenario(path)
    return run_scenario(scenario, located, sinks, **options)  # type: ignore[arg-type]
