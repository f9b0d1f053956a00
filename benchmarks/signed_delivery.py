"""Benchmark section for signed delivery (imported by bench.py).

signing  signed delivery (RS256 per event, signed where the events are produced) to a stub
         consumer that answers 200 without verifying, each rate between two runs of a bare
         sign-only loop of the same bodies and key, all in one run:
         - pinned: the client (this process and every process it forks) on all cores but the
           last, the consumer on the last, the bare loop on the client's cores: signed
           `replay` and `run` against the loop on the same cores (the target: 80%);
         - unpinned: `replay`, `run --workers 1` and `--workers 2` against the loop in one
           process and in two, the consumer sharing the cores; and the same delivery unsigned.
         CPU per event of each kind of process beside the bare loop's.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from network_sinks import Row, start_stub


def _bare_sign(bodies: Sequence[bytes], key: Any, kid: str) -> list[bytes]:
    """The bare sign-only loop: each body's RS256 JWT with `cryptography` alone (claims,
    base64url, PKCS#1 v1.5 signature), none of the simulator's code."""
    import base64
    import json

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    def b64(data: bytes) -> bytes:
        return base64.urlsafe_b64encode(data).rstrip(b"=")

    header = json.dumps({"alg": "RS256", "kid": kid, "typ": "JWT"}, separators=(",", ":"))
    head, pad, sha = b64(header.encode()) + b".", padding.PKCS1v15(), hashes.SHA256()
    issuer = b'"https://live-events.canvas.instructure.com"'
    tokens = []
    for body in bodies:
        issued = int(time.time())
        claims = b'{"iss":%b,"iat":%d,"exp":%d,%b' % (issuer, issued, issued + 3600, body[1:])
        message = head + b64(claims)
        tokens.append(message + b"." + b64(key.sign(message, pad, sha)))
    return tokens


def _bare_sign_processes(bodies: Sequence[bytes], key: Any, kid: str, processes: int) -> float:
    """Seconds for ``processes`` forked processes to run the bare loop on a share each."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    started = time.perf_counter()
    shares = [
        context.Process(target=_bare_sign, args=(bodies[n::processes], key, kid))
        for n in range(processes)
    ]
    for process in shares:
        process.start()
    for process in shares:
        process.join()
    return time.perf_counter() - started


def _pin(pid: int, cores: set[int]) -> None:
    """Every thread of process ``pid`` (and what it forks from now on) onto ``cores``."""
    tasks = Path(f"/proc/{pid}/task")
    for task in tasks.iterdir() if tasks.is_dir() else [Path(str(pid))]:
        with contextlib.suppress(ProcessLookupError):  # a thread that just ended
            os.sched_setaffinity(int(task.name), cores)


@contextlib.contextmanager
def _pinned(consumer: int) -> Iterator[set[int] | None]:
    """The client (this process) on all cores but the last, ``consumer`` on the last; the
    client's cores, or None where there are fewer than two or no affinity calls."""
    if not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2:
        yield None
        return
    cores = sorted(os.sched_getaffinity(0))
    client = set(cores[:-1])
    _pin(os.getpid(), client)
    _pin(consumer, {cores[-1]})
    try:
        yield client
    finally:
        _pin(os.getpid(), set(cores))
        _pin(consumer, set(cores))


def signing(tmp: Path, bodies: Sequence[bytes], row: Row, scenario: tuple[Any, Any]) -> None:
    """Signed delivery beside a bare sign-only loop of ``bodies`` (the scenario's first
    events) with the same key, pinned and not, and beside the same delivery unsigned."""
    from canvas_sim.signing import Signer, generate_key

    key = generate_key()
    signer = Signer(key, kid="bench")
    issued = int(time.time())
    assert _bare_sign(bodies[:1], key, "bench")[0] == signer.token(bodies[0], issued)[0] or (
        int(time.time()) != issued  # the same bytes, unless the second turned meanwhile
    )
    process, url = start_stub("stub_server.py")
    try:
        bench = _Bench(tmp, bodies, url + "/events", scenario, signer)
        with _pinned(process.pid) as client:
            if client is None:
                print("  (pinned rows: need two cores and sched_setaffinity)")
            else:
                bench.pinned(row, client)
        bench.unpinned(row)
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(10)


class _Bench:
    """The signed deliveries and bare loops of one run (same bodies, key and consumer)."""

    def __init__(
        self, tmp: Path, bodies: Sequence[bytes], url: str, scenario: tuple[Any, Any], signer: Any
    ) -> None:
        from canvas_sim.engine import Engine

        self.tmp, self.bodies, self.url, self.signer = tmp, bodies, url, signer
        self.count = len(bodies)
        self.bare_cpu: list[float] = []
        self.events = tmp / "signed.jsonl"
        self.events.write_bytes(b"".join(body + b"\n" for body in bodies))
        self.model, self.located = scenario
        self.build = min(_timed(lambda: Engine(*scenario)) for _ in range(2))

    def bare(self, processes: int) -> float:
        """The bare sign-only loop's events/s, in one process or shared by several."""
        key = self.signer._key
        if processes > 1:
            return self.count / _bare_sign_processes(self.bodies, key, "bench", processes)
        cpu, started = time.process_time(), time.perf_counter()
        _bare_sign(self.bodies, key, "bench")
        elapsed = time.perf_counter() - started
        self.bare_cpu.append((time.process_time() - cpu) / self.count * 1e6)
        return self.count / elapsed

    def measured(self, deliver: Callable[[], Any], less: float = 0.0) -> tuple[float, float, float]:
        """Events/s, and CPU µs per event of this (the sending) process and of the children
        it waited for (the generating, reading or signing ones)."""
        own, children = time.process_time(), _children_cpu()
        started = time.perf_counter()
        result = deliver()
        elapsed = time.perf_counter() - started - less
        assert result.delivery is not None and sum(result.delivery.delivered.values()) == self.count
        own, children = time.process_time() - own, _children_cpu() - children
        return self.count / elapsed, own / self.count * 1e6, children / self.count * 1e6

    def _target(self, signed: bool) -> Any:
        from canvas_sim.delivery import HttpTarget

        signer = self.signer if signed else None
        return HttpTarget(url=self.url, concurrency=16, signer=signer)

    def replay(self, signed: bool) -> tuple[float, float, float]:
        from canvas_sim.run import DeliveryOptions, replay_files

        options = DeliveryOptions(
            targets=[self._target(signed)],
            dead_letter=self.tmp / "dead.jsonl",
            producer_process=signed,
        )
        return self.measured(lambda: replay_files([self.events], [], options))

    def run(self, signed: bool, workers: int) -> tuple[float, float, float]:
        """From the call to the last answer, less the world's build (not delivery)."""
        from canvas_sim.run import DeliveryOptions, deliver_scenario

        options = DeliveryOptions(
            targets=[self._target(signed)],
            dead_letter=self.tmp / "dead.jsonl",
            producer_process=workers == 1,
            workers=workers,
            max_events=self.count,
        )
        return self.measured(
            lambda: deliver_scenario(self.model, self.located, [], options, end_state=False),
            self.build,
        )

    def pinned(self, row: Row, client: set[int]) -> None:
        """Signed `replay` and `run` (as many workers as the client has cores, the CLI's
        default) with the client on ``client`` and the consumer on another core, each between
        two runs of the bare loop on ``client`` (in as many processes as it has cores)."""
        cores, where = len(client), ",".join(map(str, sorted(client)))
        self.bare_cpu.clear()
        before = self.bare(cores)
        replayed = self.replay(True)
        between = self.bare(cores)
        ran = self.run(True, cores)
        after = self.bare(cores)
        run = "`run`" if cores == 1 else f"`run --workers {cores}`"
        for name, value, baseline in (
            ("signed `replay`", replayed, (before + between) / 2),
            (f"signed {run}", ran, (between + after) / 2),
        ):
            row(
                f"pinned (client on core {where}): {name} vs bare loop, events/s",
                f"{value[0]:,.0f}",
                f"{baseline:,.0f}",
                f"{value[0] / baseline:.1%}",
            )
        for name, value in (("`replay`", replayed), (run, ran)):
            row(
                f"  CPU µs/event: the client of signed {name}, pinned, vs bare loop",
                f"{value[1] + value[2]:,.0f}",
                f"{min(self.bare_cpu):,.0f}",
                f"{(value[1] + value[2]) / min(self.bare_cpu):.2f}x",
            )

    def unpinned(self, row: Row) -> None:
        """Each signed figure between two runs of its bare loop (the baseline is their mean)
        and beside the same delivery unsigned: this machine's load moves from second to
        second, so figures taken far apart are not comparable."""
        bare, self.bare_cpu = self.bare, []
        before = bare(1)
        replayed, plain_replay = self.replay(True), self.replay(False)
        after_replay = bare(1)
        one = self.run(True, 1)
        after_one = bare(1)
        before_two = bare(2)
        two, plain_two = self.run(True, 2), self.run(False, 2)
        after_two, after_two_alone = bare(2), bare(1)
        loop, mean = "bare sign-only loop", lambda *rates: sum(rates) / len(rates)
        for name, value, baseline in (
            (f"signed `replay` vs {loop}, 1 process", replayed[0], mean(before, after_replay)),
            (
                "signed `run --workers 1` vs bare loop, 1 process",
                one[0],
                mean(after_replay, after_one),
            ),
            (
                "signed `run --workers 2` vs bare loop, 1 process",
                two[0],
                mean(after_one, after_two_alone),
            ),
            (
                "signed `run --workers 2` vs bare loop, 2 processes",
                two[0],
                mean(before_two, after_two),
            ),
            ("  signed vs unsigned `replay`, same file", replayed[0], plain_replay[0]),
            ("  signed vs unsigned `run --workers 2`", two[0], plain_two[0]),
        ):
            value_s, baseline_s = f"{value:,.0f}", f"{baseline:,.0f}"
            row(f"{name}, events/s", value_s, baseline_s, f"{value / baseline:.1%}")
        for name, value, baseline in (
            (
                "`replay`'s reading and signing children vs bare loop",
                replayed[2],
                min(self.bare_cpu),
            ),
            ("shards of `run --workers 2`, signed vs unsigned", two[2], plain_two[2]),
            ("sending process, signed vs unsigned `replay`", replayed[1], plain_replay[1]),
            ("sending process, signed vs unsigned `run --workers 2`", two[1], plain_two[1]),
        ):
            row(
                f"  CPU µs/event: {name}",
                f"{value:,.0f}",
                f"{baseline:,.0f}",
                f"{value / baseline:.2f}x",
            )


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started
