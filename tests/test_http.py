"""Delivery over real HTTP on loopback: the real receiver, the real CLI, real signatures."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from joserfc import jwt as jose_jwt
from joserfc.jwk import KeySet, RSAKey

from simulator.signing import Signer, generate_key, private_pem, public_pem

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = str(ROOT / "scenarios" / "quickstart.yaml")
QUICKSTART_EVENTS = (ROOT / "tests" / "golden" / "quickstart.jsonl").read_bytes().count(b"\n")


def cli(*args: object) -> list[str]:
    return [sys.executable, "-m", "simulator", *map(str, args)]


class Server:
    """``canvas-sim receive`` in a subprocess, on a free port."""

    def __init__(self, tmp_path: Path, *args: object) -> None:
        self.out = tmp_path / "received.jsonl"
        self.process = subprocess.Popen(
            cli("receive", "--port", 0, "--out", self.out, "-q", *args),
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stderr is not None
        line = self.process.stderr.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, line
        self.url = f"http://127.0.0.1:{match.group(1)}/events"
        self.base = f"http://127.0.0.1:{match.group(1)}"

    def stats(self) -> dict[str, object]:
        return dict(httpx.get(self.base + "/stats").json())

    def stop(self) -> str:
        self.process.send_signal(signal.SIGINT)
        _, err = self.process.communicate(timeout=20)
        return err

    def received(self) -> list[dict[str, object]]:
        return [orjson.loads(line) for line in self.out.read_bytes().splitlines()]


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[type[Server]]:
    started: list[Server] = []

    class Started(Server):
        def __init__(self, *args: object) -> None:
            super().__init__(tmp_path, *args)
            started.append(self)

    yield Started
    for server in started:
        if server.process.poll() is None:
            server.process.kill()
        server.process.communicate()  # reaps it and closes its pipes


def run(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cli("run", QUICKSTART, *args), cwd=cwd, capture_output=True, text=True)


def test_every_event_sent_is_received_once(server_factory: type[Server], tmp_path: Path) -> None:
    server = server_factory()
    result = run("--to", server.url, "--to", tmp_path / "sent.jsonl", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    server.stop()
    sent = [orjson.loads(line) for line in (tmp_path / "sent.jsonl").read_bytes().splitlines()]
    assert len(sent) == QUICKSTART_EVENTS
    received = server.received()
    # Concurrency may reorder arrivals; the multiset of events must be identical.
    key = lambda e: orjson.dumps(e, option=orjson.OPT_SORT_KEYS)  # noqa: E731
    assert sorted(map(key, received)) == sorted(map(key, sent))
    assert "achieved" in result.stderr and "p99" in result.stderr
    assert not (tmp_path / "dead-letter.jsonl").exists()


def test_injected_failures_are_retried_until_delivered(
    server_factory: type[Server], tmp_path: Path
) -> None:
    server = server_factory("--fail-rate", "0.3", "--seed", "4")
    stats_path = tmp_path / "stats.json"
    result = run(
        "--to", server.url, "--retries", 10, "--backoff", 0.001,
        "--stats-json", stats_path, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    stats = orjson.loads(stats_path.read_bytes())
    received = server.stats()
    assert received["events"] == QUICKSTART_EVENTS == stats["events_delivered"]
    assert stats["http_statuses"]["500"] == received["injected_failures"] > 40
    assert stats["retries"] == received["injected_failures"]


def test_latency_shows_in_the_percentiles(server_factory: type[Server], tmp_path: Path) -> None:
    server = server_factory("--latency", "30ms-40ms")
    stats_path = tmp_path / "stats.json"
    result = run("--to", server.url, "--max-events", 60, "--stats-json", stats_path, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    latency = orjson.loads(stats_path.read_bytes())["latency_ms"]
    assert 30 <= latency["p50"] <= latency["p90"] <= latency["p99"] <= latency["max"]
    assert server.stats()["events"] == 60


def test_a_consumer_that_is_down_gets_everything_dead_lettered(tmp_path: Path) -> None:
    with __import__("socket").socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    dead = tmp_path / "dead.jsonl"
    result = run(
        "--to", f"http://127.0.0.1:{port}/events", "--retries", 1, "--backoff", 0.001,
        "--dead-letter", dead, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1
    assert f"{QUICKSTART_EVENTS} events could not be delivered" in result.stderr
    records = [orjson.loads(line) for line in dead.read_bytes().splitlines()]
    assert len(records) == QUICKSTART_EVENTS
    assert all(r["attempts"] == 2 and "connect" in str(r["error"]).lower() for r in records)
    golden = (ROOT / "tests" / "golden" / "quickstart.jsonl").read_bytes().splitlines()
    assert sorted(orjson.dumps(r["event"]) for r in records) == sorted(golden)


def test_signed_delivery_verifies_with_an_independent_jwt_library(
    server_factory: type[Server], tmp_path: Path
) -> None:
    key = generate_key()
    (tmp_path / "key.pem").write_bytes(private_pem(key))
    (tmp_path / "key.pub.pem").write_bytes(public_pem(key.public_key()))
    server = server_factory("--verify-key", tmp_path / "key.pub.pem")
    result = run(
        "--to", server.url, "--sign-key", tmp_path / "key.pem", "--kid", "2024-09",
        "--max-events", 20, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    stats = server.stats()
    assert stats["signatures_verified"] == 20 and stats["events"] == 20
    # The token itself, checked by joserfc (not the library that signed it).
    line = (ROOT / "tests" / "golden" / "quickstart.jsonl").read_bytes().splitlines()[0]
    token = Signer(key, kid="2024-09").sign(line, now=time.time())
    verifying_key = RSAKey.import_key(public_pem(key.public_key()))
    decoded = jose_jwt.decode(token, verifying_key, algorithms=["RS256"])
    assert decoded.header == {"alg": "RS256", "kid": "2024-09", "typ": "JWT"}
    claims = decoded.claims
    assert claims["iss"] == "https://live-events.canvas.instructure.com"
    assert claims["exp"] - claims["iat"] == 3600
    assert {"metadata": claims["metadata"], "body": claims["body"]} == orjson.loads(line)


def test_quoted_jwt_and_jwks_rotation(server_factory: type[Server], tmp_path: Path) -> None:
    keys_dir = tmp_path / "keys"
    made = subprocess.run(
        cli("keys", "--out", keys_dir, "--kid", "old", "--kid", "cur", "--kid", "new"),
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    jwks = orjson.loads(made.stdout)
    assert [k["kid"] for k in jwks["keys"]] == ["old", "cur", "new"]
    assert all(k["kty"] == "RSA" and "d" not in k for k in jwks["keys"])  # public only
    assert oct((keys_dir / "current.pem").stat().st_mode & 0o777) == "0o600"
    server = server_factory("--jwks", keys_dir / "jwks.json")
    served = httpx.get(server.base + "/jwks").json()
    assert KeySet.import_key_set(served).keys  # joserfc reads the served JWKS
    for role, kid in (("current", "cur"), ("next", "new")):
        result = run(
            "--to", server.url, "--sign-key", keys_dir / f"{role}.pem", "--kid", kid,
            "--jwt-quoted", "--max-events", 5, cwd=tmp_path,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
    # A key the JWKS does not hold is refused: 401 is not retried, so events are dead-lettered.
    stranger = tmp_path / "stranger.pem"
    stranger.write_bytes(private_pem(generate_key()))
    result = run(
        "--to", server.url, "--sign-key", stranger, "--kid", "cur", "--max-events", 3,
        "--dead-letter", tmp_path / "dead.jsonl", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1
    stats = server.stats()
    assert stats["signatures_verified"] == 10 and stats["events"] == 10
    assert sum(stats["rejected"].values()) == 3  # type: ignore[union-attr]


@pytest.mark.skipif(os.name != "posix", reason="signals")
def test_sigint_stops_drains_and_reports(server_factory: type[Server], tmp_path: Path) -> None:
    server = server_factory("--latency", "300ms")
    dead = tmp_path / "dead.jsonl"
    stats_path = tmp_path / "stats.json"
    process = subprocess.Popen(
        cli(
            "run", QUICKSTART, "--to", server.url, "--rate", 40, "--dead-letter", dead,
            "--stats-json", stats_path,
        ),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    time.sleep(2.5)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert "interrupted by SIGINT" in err and "Traceback" not in err
    stats = orjson.loads(stats_path.read_bytes())
    generated = stats["events_generated"]
    assert 0 < generated < QUICKSTART_EVENTS  # generation stopped early
    dead_count = len(dead.read_bytes().splitlines()) if dead.exists() else 0
    assert stats["events_delivered"] + dead_count == generated  # nothing lost silently
    assert server.stats()["events"] == stats["events_delivered"]


def test_rate_pacing_is_close_to_the_target(server_factory: type[Server], tmp_path: Path) -> None:
    server = server_factory()
    stats_path = tmp_path / "stats.json"
    started = time.monotonic()
    result = run(
        "--to", server.url, "--rate", 100, "--max-events", 150, "--stats-json", stats_path,
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    stats = orjson.loads(stats_path.read_bytes())
    # 150 events at 100/s are due over 1.49 s: the run cannot be faster than the schedule.
    assert stats["seconds"] >= 1.45 and time.monotonic() - started >= 1.45
    assert stats["target_rate"] == 100.0 and stats["events_delivered"] == 150
