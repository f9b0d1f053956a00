"""`canvas-sim run/replay --to sqs://...` and `canvas-sim drain` against moto's SQS server."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import orjson
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from sqs_stub import queue, receive_all

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"
GOLDEN_LINES = (ROOT / "tests" / "golden" / "quickstart.jsonl").read_bytes().splitlines()
pytestmark = pytest.mark.usefixtures("aws_environment")


def cli(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "canvas_sim", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
    )


def test_faults_reach_the_queue_as_the_manifest_says(moto_endpoint: str, tmp_path: Path) -> None:
    url = queue(moto_endpoint, "with-faults")
    manifest = tmp_path / "faults.jsonl"
    stats = tmp_path / "stats.json"
    result = cli(
        "run", QUICKSTART, "--to", "sqs://with-faults", "--sqs-endpoint", moto_endpoint,
        "--duplicates", 0.1, "--drop", 0.1, "--faults-manifest", manifest,
        "--stats-json", stats, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = [orjson.loads(line) for line in manifest.read_bytes().splitlines()]
    dropped = {row["index"] for row in rows if row["fault"] == "dropped"}
    doubled = {row["index"] for row in rows if row["fault"] == "duplicated"}
    assert dropped and doubled
    expected: Counter[bytes] = Counter()
    for index, line in enumerate(GOLDEN_LINES):
        if index not in dropped:
            expected[line] += 2 if index in doubled else 1
    received = Counter(m["Body"].encode() for m in receive_all(moto_endpoint, url))
    assert received == expected
    summary = orjson.loads(stats.read_bytes())
    assert summary["faults"]["dropped"] == len(dropped)
    assert summary["faults"]["duplicated"] == len(doubled)
    [target] = summary["targets"]
    assert target["target"] == "sqs://with-faults" and target["kind"] == "sqs"
    assert target["events_delivered"] == sum(expected.values()) == summary["events_delivered"]
    assert "sqs://with-faults" in result.stderr and "dropped" in result.stderr


def test_a_missing_queue_exits_1_with_the_reason(moto_endpoint: str, tmp_path: Path) -> None:
    result = cli(
        "run", QUICKSTART, "--to", "sqs://not-there", "--sqs-endpoint", moto_endpoint,
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1
    assert "sqs://not-there" in result.stderr and "does not exist" in result.stderr
    assert "nothing was sent" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "dead-letter.jsonl").exists()


def test_signing_is_refused_with_only_queue_targets(tmp_path: Path) -> None:
    key = tmp_path / "key.pem"
    key.write_text("not read")
    result = cli("run", QUICKSTART, "--to", "sqs://q", "--sign-key", key, cwd=tmp_path)
    assert result.returncode == 2
    assert "Canvas signs only HTTPS deliveries" in result.stderr
    assert "IAM policy" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--to", "out.jsonl", "--sqs-endpoint", "http://127.0.0.1:1"), "only for sqs://"),
        (("--to", "sqs://bad name"), "expected sqs://QUEUE_NAME"),
        (
            ("--to", "https://sqs.us-east-1.amazonaws.com/123456789012/q"),
            "--to sqs://sqs.us-east-1.amazonaws.com/123456789012/q",
        ),
    ],
)
def test_queue_options_are_checked(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = cli("run", QUICKSTART, *args, cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr, result.stderr


def test_drain_reads_what_a_replay_sent(moto_endpoint: str, tmp_path: Path) -> None:
    queue(moto_endpoint, "round-trip")
    events = tmp_path / "events.jsonl"
    events.write_bytes(b"\n".join(GOLDEN_LINES[:40]) + b"\n")
    sent = cli(
        "replay", events, "--to", "sqs://round-trip", "--sqs-endpoint", moto_endpoint, "-q",
        cwd=tmp_path,
    )  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    out = tmp_path / "received.jsonl"
    drained = cli(
        "drain", "sqs://round-trip", "--sqs-endpoint", moto_endpoint, "--out", out,
        "--idle", "1s", "-q", cwd=tmp_path,
    )  # fmt: skip
    assert drained.returncode == 0, drained.stderr
    assert sorted(out.read_bytes().splitlines()) == sorted(GOLDEN_LINES[:40])
    assert "drained 40 events from sqs://round-trip" in drained.stderr


def test_caliper_envelopes_go_to_a_queue_named_by_their_canvas_event(
    moto_endpoint: str, tmp_path: Path
) -> None:
    url = queue(moto_endpoint, "caliper-events")
    result = cli(
        "run", QUICKSTART, "--to", "caliper:sqs://caliper-events", "--sqs-endpoint",
        moto_endpoint, "--max-events", 30, "-q", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    messages = receive_all(moto_endpoint, url)
    assert messages
    for message in messages:
        envelope = orjson.loads(message["Body"])
        attributes = message["MessageAttributes"]
        assert attributes["event_time"]["StringValue"] == envelope["data"][0]["eventTime"]
        assert "_" in attributes["event_name"]["StringValue"]  # a Canvas name, e.g. grade_change
