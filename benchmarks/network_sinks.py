"""Benchmark section for the SQS sink, and the stub servers of tests/ (imported by bench.py).

sqs      the SQS sink (`replay FILE --to sqs://...`) against a minimal local endpoint speaking
         SQS's JSON protocol (tests/sqs_stub.py, in its own process), vs a bare boto3 loop of
         SendMessageBatch calls of the same messages in the same thread pool size. Real SQS
         throughput cannot be measured on this machine (moto caps near 100 messages/s).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

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
