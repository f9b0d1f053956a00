"""SQS delivery against a real SQS server on loopback (moto's server mode), and against a small
SQS-protocol stub for the failures moto cannot inject (partial batches, refused credentials)."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest

from canvas_sim.delivery import DeadLetters, DeliveryStats, Parcel, Rendered, RetryPolicy
from canvas_sim.delivery.sqs import SqsSender
from canvas_sim.delivery.sqs_client import SqsTarget, SqsTargetError, import_boto3
from canvas_sim.errors import DeliveryError, SimulatorError
from canvas_sim.run import DeliveryOptions, replay_files
from canvas_sim.sqs_drain import drain

sys.path.insert(0, str(Path(__file__).parent))
from sqs_stub import StubQueues, queue, receive_all, sqs_server

pytestmark = pytest.mark.usefixtures("aws_environment")
ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "quickstart.jsonl"
GOLDEN_LINES = GOLDEN.read_bytes().splitlines()


def replay(path: Path, target: SqsTarget, tmp_path: Path, **options: Any) -> DeliveryStats:
    stats = DeliveryStats()
    replay_files(
        [path],
        [],
        DeliveryOptions(
            targets=[target], dead_letter=tmp_path / "dead.jsonl", stats=stats, **options
        ),
    )
    return stats


def test_every_event_arrives_once_with_its_attributes(moto_endpoint: str, tmp_path: Path) -> None:
    url = queue(moto_endpoint, "every-event")
    stats = replay(GOLDEN, SqsTarget("sqs://every-event", endpoint=moto_endpoint), tmp_path)
    assert sum(stats.delivered.values()) == len(GOLDEN_LINES)
    [target] = stats.targets
    assert target.kind == "sqs" and target.requests == len(GOLDEN_LINES) // 10 + 1
    messages = receive_all(moto_endpoint, url)
    assert sorted(m["Body"].encode() for m in messages) == sorted(GOLDEN_LINES)
    for message in messages:
        metadata = orjson.loads(message["Body"])["metadata"]
        attributes = message["MessageAttributes"]
        for key in ("event_name", "event_time"):
            assert attributes[key] == {"StringValue": metadata[key], "DataType": "String"}
    assert not (tmp_path / "dead.jsonl").exists()


def test_a_fifo_queue_keeps_each_course_in_order(moto_endpoint: str, tmp_path: Path) -> None:
    url = queue(moto_endpoint, "ordered.fifo", FifoQueue="true")
    target = SqsTarget("sqs://127.0.0.1/123456789012/ordered.fifo", endpoint=moto_endpoint)
    stats = replay(GOLDEN, target, tmp_path, max_events=60)  # moto is slow with FIFO queues
    assert sum(stats.delivered.values()) == 60
    messages = receive_all(moto_endpoint, url)
    assert [m["Body"].encode() for m in messages] == GOLDEN_LINES[:60]  # one course: in order


def test_a_message_over_the_queue_limit_is_dead_lettered_with_the_reason(
    moto_endpoint: str, tmp_path: Path
) -> None:
    url = queue(moto_endpoint, "small-messages", MaximumMessageSize="1024")
    small = [line for line in GOLDEN_LINES if len(line) < 900][:5]
    large = [line for line in GOLDEN_LINES if len(line) > 1100][:3]
    assert len(small) == 5 and len(large) == 3
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(small + large) + b"\n")
    stats = replay(path, SqsTarget("sqs://small-messages", endpoint=moto_endpoint), tmp_path)
    assert sum(stats.delivered.values()) == 5 and sum(stats.dead_lettered.values()) == 3
    dead = [orjson.loads(line) for line in (tmp_path / "dead.jsonl").read_bytes().splitlines()]
    assert sorted(orjson.dumps(d["event"]) for d in dead) == sorted(large)
    assert all("over the queue's limit of 1024 bytes" in d["error"] for d in dead)
    assert all(d["url"] == "sqs://small-messages" for d in dead)
    assert sorted(m["Body"].encode() for m in receive_all(moto_endpoint, url)) == sorted(small)


def test_a_missing_queue_is_refused_before_anything_is_sent(
    moto_endpoint: str, tmp_path: Path
) -> None:
    with pytest.raises(
        DeliveryError,
        match=r"sqs://no-such-queue at .*NonExistentQueue: The specified queue does not exist",
    ):
        replay(GOLDEN, SqsTarget("sqs://no-such-queue", endpoint=moto_endpoint), tmp_path)
    assert not (tmp_path / "dead.jsonl").exists()


def test_refused_credentials_are_reported_and_nothing_is_sent(tmp_path: Path) -> None:
    with sqs_server(queues := StubQueues(refuse="InvalidClientTokenId")) as stub:
        with pytest.raises(DeliveryError, match="SQS InvalidClientTokenId: The security token"):
            replay(GOLDEN, SqsTarget("sqs://events", endpoint=stub.url), tmp_path)
        assert queues.received == 0
    assert not (tmp_path / "dead.jsonl").exists()


def test_failed_entries_of_a_batch_are_retried_and_sender_faults_are_not(tmp_path: Path) -> None:
    seen: Counter[str] = Counter()

    def policy(entry: dict[str, Any]) -> tuple[str, bool] | None:
        body = entry["MessageBody"]
        seen[body] += 1
        if '"submission_created"' in body:
            return ("InvalidParameterValue", True)  # the sender's fault: not retried
        if seen[body] == 1 and len(seen) % 3 == 0:
            return ("ServiceUnavailable", False)  # a partial failure: retried
        return None

    with sqs_server(queues := StubQueues(entry_policy=policy)) as stub:
        target = SqsTarget("sqs://events", endpoint=stub.url, retry=RetryPolicy(backoff_s=0))
        stats = replay(GOLDEN, target, tmp_path)
        bodies = [m["MessageBody"].encode() for m in queues.messages]
    refused = [line for line in GOLDEN_LINES if b'"submission_created"' in line]
    assert refused and sorted(bodies) == sorted(set(GOLDEN_LINES) - set(refused))
    assert stats.retries > 0 and sum(stats.delivered.values()) == len(bodies)
    dead = [orjson.loads(line) for line in (tmp_path / "dead.jsonl").read_bytes().splitlines()]
    assert len(dead) == len(refused)
    assert {d["error"] for d in dead} == {"SQS InvalidParameterValue: injected"}
    assert {d["attempts"] for d in dead} == {1}


def test_drain_writes_the_queue_to_jsonl_and_deletes_it(moto_endpoint: str, tmp_path: Path) -> None:
    url = queue(moto_endpoint, "drained")
    target = SqsTarget("sqs://drained", endpoint=moto_endpoint)
    replay(GOLDEN, target, tmp_path, max_events=80)
    out = tmp_path / "drained.jsonl"
    stats = drain(target, out, idle_s=0.5)
    assert sorted(out.read_bytes().splitlines()) == sorted(GOLDEN_LINES[:80])
    assert stats.total == 80 and stats.mismatched == 0
    assert receive_all(moto_endpoint, url) == []


def test_a_target_must_name_a_queue() -> None:
    assert SqsTarget("sqs://sqs.eu-west-1.amazonaws.com/123456789012/events").region == "eu-west-1"
    assert SqsTarget("sqs://events.fifo").fifo
    with pytest.raises(SqsTargetError, match="expected sqs://QUEUE_NAME"):
        SqsTarget("sqs://bad name")


def test_without_boto3_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)
    with pytest.raises(SimulatorError, match=r"canvas-live-events-simulator\[sqs\]"):
        import_boto3()


def test_a_sender_sends_batches_of_ten_under_the_byte_limit(tmp_path: Path) -> None:
    with sqs_server(queues := StubQueues()) as stub:
        stats = DeliveryStats()
        target = SqsTarget("sqs://events", endpoint=stub.url, max_batch_bytes=4000)
        sender = SqsSender(target, stats.target("sqs://events", "sqs"), DeadLetters(tmp_path / "d"))

        async def send() -> bool:
            events = [Rendered("x", 0, line) for line in GOLDEN_LINES[:10]]
            try:
                return await sender.send([Parcel(e, 0.0, n) for n, e in enumerate(events)])
            finally:
                await sender.aclose()

        assert asyncio.run(send())
        calls = queues.calls - 2  # GetQueueUrl, GetQueueAttributes
    size = sum(len(line) for line in GOLDEN_LINES[:10])
    assert calls >= size // 4000 + 1 and queues.received == 10
