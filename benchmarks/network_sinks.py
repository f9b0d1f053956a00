"""Benchmark sections for the SQS sink and signed delivery (imported by bench.py).

sqs      the SQS sink (`replay FILE --to sqs://...`) against a minimal local endpoint speaking
         SQS's JSON protocol (tests/sqs_stub.py, in its own process), vs a bare boto3 loop of
         SendMessageBatch calls of the same messages in the same thread pool size. Real SQS
         throughput cannot be measured on this machine (moto caps near 100 messages/s).
signing  signed delivery (`replay`, `run --workers 1` and `--workers 2`) to a stub consumer,
         each rate between two runs of a bare sign-only loop of the same bodies and key, and
         beside the same delivery unsigned; CPU per event of each kind of process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

Row = Callable[[str, str, str, str], None]


def start_stub(script: str = "sqs_stub.py") -> tuple[subprocess.Popen[str], str]:
    """A stub server of tests/ in a process of its own; (process, its URL)."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / script)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, f"http://127.0.0.1:{process.stdout.readline().strip()}"


def _bare_boto3(bodies: Sequence[bytes], endpoint: str, threads: int) -> float:
    """SendMessageBatch of every body (with the two attributes), ``threads`` calls at a time."""
    import boto3
    import orjson
    from botocore.config import Config

    client = boto3.client(
        "sqs",
        endpoint_url=endpoint,
        region_name="us-east-1",
        config=Config(retries={"total_max_attempts": 1}, max_pool_connections=threads),
    )
    url = client.get_queue_url(QueueName="events")["QueueUrl"]
    calls = []
    for start in range(0, len(bodies), 10):
        entries = []
        for index, body in enumerate(bodies[start : start + 10]):
            metadata = orjson.loads(body)["metadata"]
            attributes = {
                key: {"DataType": "String", "StringValue": metadata[key]}
                for key in ("event_name", "event_time")
            }
            entries.append(
                {"Id": str(index), "MessageBody": body.decode(), "MessageAttributes": attributes}
            )
        calls.append(entries)
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        for answer in pool.map(lambda e: client.send_message_batch(QueueUrl=url, Entries=e), calls):
            assert not answer.get("Failed")
    return time.perf_counter() - started


def sqs(tmp: Path, bodies: Sequence[bytes], row: Row, threads: int = 8) -> None:
    from canvas_sim.delivery.sqs_client import SqsTarget
    from canvas_sim.run import DeliveryOptions, replay_files

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    events = tmp / "sqs.jsonl"
    events.write_bytes(b"".join(body + b"\n" for body in bodies))
    process, endpoint = start_stub()
    try:
        target = SqsTarget("sqs://events", endpoint=endpoint, concurrency=threads)
        options = DeliveryOptions(targets=[target], dead_letter=tmp / "dead.jsonl")
        cpu, started = time.process_time(), time.perf_counter()
        result = replay_files([events], [], options)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert result.delivery is not None
        assert sum(result.delivery.delivered.values()) == len(bodies)
        bare_cpu = time.process_time()
        bare = len(bodies) / _bare_boto3(bodies, endpoint, threads)
        bare_cpu = time.process_time() - bare_cpu
        ours = len(bodies) / elapsed
        row(
            f"SQS sink, SendMessageBatch x10 to a local stub, events/s ({threads} threads)",
            f"{ours:,.0f}",
            f"{bare:,.0f}",
            f"{ours / bare:.1%}",
        )
        row(
            "  client CPU per event, µs (sink vs bare boto3 loop)",
            f"{cpu / len(bodies) * 1e6:,.0f}",
            f"{bare_cpu / len(bodies) * 1e6:,.0f}",
            f"{cpu / bare_cpu:.2f}x",
        )
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(10)


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


def signing(tmp: Path, bodies: Sequence[bytes], row: Row, scenario: tuple[Any, Any]) -> None:
    """Signed delivery (RS256 per event, signed where the events are produced) beside a bare
    sign-only loop of the same bodies with the same key, and beside the same delivery
    unsigned, all in one run. ``bodies`` are the scenario's first events; the consumer is a
    stub that answers 200 without verifying (the receiver's verification would be the limit:
    this measures the sender)."""
    from canvas_sim.signing import Signer, generate_key

    key = generate_key()
    signer = Signer(key, kid="bench")
    issued = int(time.time())
    assert _bare_sign(bodies[:1], key, "bench")[0] == signer.token(bodies[0], issued)[0] or (
        int(time.time()) != issued  # the same bytes, unless the second turned meanwhile
    )
    process, url = start_stub("stub_server.py")
    try:
        _signed(tmp, bodies, url + "/events", row, scenario, signer)
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(10)


def _signed(
    tmp: Path,
    bodies: Sequence[bytes],
    url: str,
    row: Row,
    scenario: tuple[Any, Any],
    signer: Any,
) -> None:
    from canvas_sim.delivery import HttpTarget
    from canvas_sim.engine import Engine
    from canvas_sim.run import DeliveryOptions, deliver_scenario, replay_files

    count = len(bodies)
    key = signer._key
    bare_cpu: list[float] = []

    def bare(processes: int) -> float:
        """The bare sign-only loop's events/s, in one process or shared by several."""
        if processes > 1:
            return count / _bare_sign_processes(bodies, key, "bench", processes)
        cpu, started = time.process_time(), time.perf_counter()
        _bare_sign(bodies, key, "bench")
        elapsed = time.perf_counter() - started
        bare_cpu.append((time.process_time() - cpu) / count * 1e6)
        return count / elapsed

    events = tmp / "signed.jsonl"
    events.write_bytes(b"".join(body + b"\n" for body in bodies))
    model, located = scenario
    build = min(_timed(lambda: Engine(model, located)) for _ in range(2))

    def measured(deliver: Callable[[], Any], less: float = 0.0) -> tuple[float, float, float]:
        """Events/s, and CPU µs per event of this (the sending) process and of the children
        it waited for (the generating, reading or signing ones)."""
        own, children = time.process_time(), _children_cpu()
        started = time.perf_counter()
        result = deliver()
        elapsed = time.perf_counter() - started - less
        assert result.delivery is not None and sum(result.delivery.delivered.values()) == count
        own, children = time.process_time() - own, _children_cpu() - children
        return count / elapsed, own / count * 1e6, children / count * 1e6

    def replay(signed: bool) -> tuple[float, float, float]:
        target = HttpTarget(url=url, concurrency=16, signer=signer if signed else None)
        options = DeliveryOptions(
            targets=[target], dead_letter=tmp / "dead.jsonl", producer_process=signed
        )
        return measured(lambda: replay_files([events], [], options))

    def run(signed: bool, workers: int) -> tuple[float, float, float]:
        """From the call to the last answer, less the world's build (not delivery)."""
        target = HttpTarget(url=url, concurrency=16, signer=signer if signed else None)
        options = DeliveryOptions(
            targets=[target],
            dead_letter=tmp / "dead.jsonl",
            producer_process=workers == 1,
            workers=workers,
            max_events=count,
        )
        return measured(
            lambda: deliver_scenario(model, located, [], options, end_state=False), build
        )

    # Each signed figure is taken between two runs of its bare loop (the baseline is their
    # mean), and beside the same delivery unsigned: this machine's load moves from second to
    # second, so figures taken far apart are not comparable.
    before = bare(1)
    replayed, plain_replay = replay(True), replay(False)
    after_replay = bare(1)
    one = run(True, 1)
    after_one = bare(1)
    before_two = bare(2)
    two, plain_two = run(True, 2), run(False, 2)
    after_two, after_two_alone = bare(2), bare(1)
    for name, value, baseline in (
        (
            "signed `replay` vs bare sign-only loop, 1 process",
            replayed[0],
            (before + after_replay) / 2,
        ),
        (
            "signed `run --workers 1` vs bare loop, 1 process",
            one[0],
            (after_replay + after_one) / 2,
        ),
        (
            "signed `run --workers 2` vs bare loop, 1 process",
            two[0],
            (after_one + after_two_alone) / 2,
        ),
        (
            "signed `run --workers 2` vs bare loop, 2 processes",
            two[0],
            (before_two + after_two) / 2,
        ),
        ("  signed vs unsigned `replay`, same file", replayed[0], plain_replay[0]),
        ("  signed vs unsigned `run --workers 2`", two[0], plain_two[0]),
    ):
        row(f"{name}, events/s", f"{value:,.0f}", f"{baseline:,.0f}", f"{value / baseline:.1%}")
    for name, value, baseline in (
        ("`replay`'s reading and signing children vs bare loop", replayed[2], min(bare_cpu)),
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
