"""Delivery over real HTTP on loopback: the real receiver, the real CLI, real signatures."""

from __future__ import annotations

import asyncio
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

from canvas_sim.receiver import FLUSH_AFTER_S, Receiver, ReceiverConfig
from canvas_sim.signing import (
    Signer,
    generate_key,
    jwks,
    kid_beside,
    load_private_key,
    private_pem,
    public_pem,
)

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = str(ROOT / "scenarios" / "quickstart.yaml")
QUICKSTART_EVENTS = (ROOT / "tests" / "golden" / "quickstart.jsonl").read_bytes().count(b"\n")


def cli(*args: object) -> list[str]:
    return [sys.executable, "-m", "canvas_sim", *map(str, args)]


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
    [target] = stats["targets"]
    assert target["statuses"]["500"] == received["injected_failures"] > 40
    assert stats["retries"] == received["injected_failures"]


def test_latency_shows_in_the_percentiles(server_factory: type[Server], tmp_path: Path) -> None:
    server = server_factory("--latency", "30ms-40ms")
    stats_path = tmp_path / "stats.json"
    result = run("--to", server.url, "--max-events", 60, "--stats-json", stats_path, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    [target] = orjson.loads(stats_path.read_bytes())["targets"]
    for figures in (target["service_time_ms"], target["latency_ms"]):
        assert 30 <= figures["p50"] <= figures["p90"] <= figures["p99"] <= figures["max"]
    assert server.stats()["events"] == 60


def test_summary_counts_the_events_sent_under_max_events(
    server_factory: type[Server], tmp_path: Path
) -> None:
    server = server_factory()
    result = run("--to", server.url, "--max-events", 5, cwd=tmp_path)  # generated by a child
    assert result.returncode == 0, result.stderr
    assert server.stats()["events"] == 5
    assert "(seed 42): 5 events" in result.stderr


def test_a_consumer_that_is_down_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    with __import__("socket").socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    dead = tmp_path / "dead.jsonl"
    result = run(
        "--to", f"http://127.0.0.1:{port}/events", "--to", tmp_path / "out.jsonl",
        "--dead-letter", dead, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: http://127.0.0.1:{port}/events: cannot connect")
    assert result.stderr.rstrip().endswith("nothing was sent")
    assert not dead.exists() and not (tmp_path / "out.jsonl").exists()


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
    # The receiver's reason reaches the dead letters and the last line of the summary.
    dead = [orjson.loads(line) for line in (tmp_path / "dead.jsonl").read_bytes().splitlines()]
    assert len(dead) == 3 and all(d["error"].startswith("HTTP 401: bad signature") for d in dead)
    assert "(last error: HTTP 401: bad signature" in result.stderr
    stats = server.stats()
    assert stats["signatures_verified"] == 10 and stats["events"] == 10
    assert sum(stats["rejected"].values()) == 3  # type: ignore[union-attr]


def test_the_key_id_is_found_beside_the_key(server_factory: type[Server], tmp_path: Path) -> None:
    keys_dir = tmp_path / "keys"
    made = subprocess.run(cli("keys", "--out", keys_dir), capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    assert f"--sign-key {keys_dir / 'current.pem'}" in made.stderr  # how to use them
    # Without --kid the header carries the key's id from keys/jwks.json; the receiver looks
    # the key up by that id, and refuses a token without it ("unknown key id None").
    server = server_factory("--jwks", keys_dir / "jwks.json")
    result = run(
        "--to", server.url, "--sign-key", keys_dir / "current.pem", "--max-events", 4, cwd=tmp_path
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert server.stats()["events"] == 4
    current = orjson.loads(made.stdout)["keys"][1]["kid"]
    assert kid_beside(keys_dir / "current.pem", load_private_key(keys_dir / "current.pem")) == (
        current
    )
    assert kid_beside(tmp_path / "elsewhere.pem", generate_key()) is None  # no jwks.json there


def test_a_public_key_or_jwks_given_to_sign_says_to_take_the_private_key(tmp_path: Path) -> None:
    subprocess.run(cli("keys", "--out", tmp_path / "keys"), check=True, capture_output=True)
    for name in ("jwks.json", "current.pub.pem"):
        key = tmp_path / "keys" / name
        result = subprocess.run(
            cli("run", QUICKSTART, "--to", "http://127.0.0.1:9/e", "--sign-key", key),
            capture_output=True,
            text=True,
        )
        assert result.returncode == 2
        assert "a public key or JWKS" in result.stderr and "current.pem" in result.stderr


def test_keys_are_not_replaced_without_force(tmp_path: Path) -> None:
    keys_dir = tmp_path / "keys"
    assert subprocess.run(cli("keys", "--out", keys_dir), capture_output=True).returncode == 0
    before = (keys_dir / "current.pem").read_bytes()
    again = subprocess.run(cli("keys", "--out", keys_dir), capture_output=True, text=True)
    assert again.returncode == 2 and "--force" in again.stderr
    assert (keys_dir / "current.pem").read_bytes() == before
    forced = subprocess.run(cli("keys", "--out", keys_dir, "--force"), capture_output=True)
    assert forced.returncode == 0 and (keys_dir / "current.pem").read_bytes() != before
    same = subprocess.run(
        cli("keys", "--out", tmp_path / "k2", "--kid", "a", "--kid", "a", "--kid", "b"),
        capture_output=True,
        text=True,
    )
    assert same.returncode == 2 and "must differ" in same.stderr


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
    deadline = time.monotonic() + 60
    while not server.stats().get("accepted") and time.monotonic() < deadline:
        time.sleep(0.1)  # interrupt once delivery is under way (slow to start on a busy machine)
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert "stopped: interrupted (SIGINT)" in err and "Traceback" not in err
    assert err.count("interrupted") == 1  # said once, by the summary
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


# --- what the receiver refuses, and why -------------------------------------------------------

EVENT = b'{"metadata":{"event_name":"x"},"body":{}}'
UNSIGNED = "unsigned payload, but the receiver verifies signatures (--verify-key / --jwks)"
NOT_A_PAYLOAD = "neither a JSON event nor a JWT"


def refusal(response: httpx.Response) -> tuple[int, object]:
    """A refused POST's status and the reason its JSON body gives."""
    body = response.json()
    assert body["ok"] is False, body
    return response.status_code, body["error"]


@pytest.mark.parametrize("how", ["--verify-key", "--jwks"])
def test_a_verifying_receiver_refuses_unsigned_events(
    server_factory: type[Server], tmp_path: Path, how: str
) -> None:
    key = generate_key()
    if how == "--verify-key":
        keyfile = tmp_path / "key.pub.pem"
        keyfile.write_bytes(public_pem(key.public_key()))
    else:
        keyfile = tmp_path / "jwks.json"
        keyfile.write_bytes(orjson.dumps(jwks([("k1", key.public_key())])))
    server = server_factory(how, keyfile)
    signed = Signer(key, kid="k1").sign(EVENT)
    with httpx.Client() as client:
        assert refusal(client.post(server.url, content=EVENT)) == (401, UNSIGNED)
        assert refusal(client.post(server.url, content=b"[%b,%b]" % (EVENT, EVENT))) == (
            401,
            UNSIGNED,
        )
        # A batch with one unsigned event among signed ones is refused whole.
        mixed = b'["%b",%b]' % (signed.encode(), EVENT)
        assert refusal(client.post(server.url, content=mixed)) == (401, UNSIGNED)
        assert client.post(server.url, content=signed).status_code == 200
    stats = server.stats()
    assert stats["events"] == 1 and stats["signatures_verified"] == 1
    assert stats["rejected"] == {UNSIGNED: 3}
    server.stop()
    assert server.received() == [orjson.loads(EVENT)]


def test_a_body_that_is_neither_json_nor_a_jwt_is_called_so(
    server_factory: type[Server], tmp_path: Path
) -> None:
    key = generate_key()
    (tmp_path / "key.pub.pem").write_bytes(public_pem(key.public_key()))
    token = Signer(key, kid=None).sign(EVENT)
    plain = server_factory()
    verifying = server_factory("--verify-key", tmp_path / "key.pub.pem")
    with httpx.Client() as client:
        for server in (plain, verifying):
            for junk in (b"hello", b'"hello"', b"a.b", b"a.b.c.d", b"<xml/>", b'["hello"]'):
                response = client.post(server.url, content=junk)
                assert refusal(response) == (400, NOT_A_PAYLOAD), junk
        # Only what looks like a JWT, bare or JSON-quoted, is called a signed payload.
        no_key = "signed payload but no --verify-key / --jwks given"
        assert refusal(client.post(plain.url, content=token)) == (401, no_key)
        assert refusal(client.post(plain.url, content=b'"%b"' % token.encode())) == (401, no_key)
        status, reason = refusal(client.post(verifying.url, content=b"e30.e30.c2ln"))
        assert status == 401 and str(reason).startswith("bad signature: ")
        assert client.post(verifying.url, content=token).status_code == 200
    assert plain.stats()["rejected"] == {NOT_A_PAYLOAD: 6, no_key: 2}
    assert verifying.stats()["rejected"] == {NOT_A_PAYLOAD: 6, reason: 1}


def test_a_refusal_carries_its_reason(server_factory: type[Server], tmp_path: Path) -> None:
    known, stranger = generate_key(), generate_key()
    (tmp_path / "jwks.json").write_bytes(orjson.dumps(jwks([("known", known.public_key())])))
    server = server_factory("--jwks", tmp_path / "jwks.json", "--issuer", "https://a.example")
    with httpx.Client() as client:
        forged = Signer(stranger, kid="known", issuer="https://a.example").sign(EVENT)
        status, reason = refusal(client.post(server.url, content=forged))
        assert status == 401 and reason == "bad signature: Signature verification failed"
        unknown = Signer(known, kid="other", issuer="https://a.example").sign(EVENT)
        assert refusal(client.post(server.url, content=unknown)) == (
            401,
            "bad signature: unknown key id 'other'",
        )
        elsewhere = Signer(known, kid="known", issuer="https://b.example").sign(EVENT)
        status, reason = refusal(client.post(server.url, content=elsewhere))
        assert status == 401 and "issuer" in str(reason).lower()
        not_event = Signer(known, kid="known", issuer="https://a.example").sign(b'{"body":{}}')
        assert refusal(client.post(server.url, content=not_event)) == (
            400,
            "not a Canvas event: expected {metadata: {event_name}, body}",
        )
    assert server.stats()["events"] == 0


def test_unknown_paths_are_404_and_caliper_is_named(server_factory: type[Server]) -> None:
    server = server_factory()
    with httpx.Client() as client:  # the POST first: after a GET the page serves the connection
        envelope = {
            "sensor": "http://canvas.example/",
            "sendTime": "2026-01-05T10:00:00.000Z",
            "dataVersion": "http://purl.imsglobal.org/ctx/caliper/v1p1",
            "data": [{"type": "Event", "action": "LoggedIn", "id": "urn:uuid:1"}],
        }
        status, reason = refusal(client.post(server.url, json=envelope))
        assert status == 400
        assert "Canvas format only" in str(reason) and "canvas-sim validate" in str(reason)
        for path in ("/nonexistent", "/events/x"):
            answer = client.get(server.base + path)
            assert answer.status_code == 404, path
            assert "no such page" in answer.json()["error"]
        answer = client.get(server.url)
        assert answer.status_code == 405 and answer.headers["allow"] == "POST"
        assert answer.json()["error"] == "POST events to /events"
    assert server.stats()["events"] == 0


# --- the --out file keeps up ------------------------------------------------------------------


def test_the_out_file_is_complete_soon_after_the_last_answer(
    server_factory: type[Server],
) -> None:
    server = server_factory()
    with httpx.Client() as client:
        for index in range(40):
            event = b'{"metadata":{"event_name":"e%d"},"body":{}}' % index
            assert client.post(server.url, content=event).status_code == 200
    # No further request and no stop: the receiver flushes on its own once idle.
    deadline = time.monotonic() + 5
    while len(server.out.read_bytes().splitlines()) < 40 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.stats()["events"] == 40
    assert [e["metadata"] for e in server.received()] == [  # type: ignore[index]
        {"event_name": f"e{index}"} for index in range(40)
    ]


def test_every_answered_event_is_in_the_out_file_within_0_2_s(tmp_path: Path) -> None:
    """The documented bound, checked in process: timers run in deadline order, so no flake."""
    assert FLUSH_AFTER_S <= 0.2
    out = tmp_path / "out.jsonl"

    async def scenario() -> list[int]:
        receiver = Receiver(ReceiverConfig(port=0, out=out))
        await receiver.start()
        seen = []
        try:
            url = f"http://127.0.0.1:{receiver.port}/events"
            async with httpx.AsyncClient() as client:
                for _ in range(3):
                    for _ in range(25):
                        assert (await client.post(url, content=EVENT)).status_code == 200
                    await asyncio.sleep(0.2)
                    seen.append(out.read_bytes().count(b"\n"))
        finally:
            await receiver.stop()
        return seen

    assert asyncio.run(scenario()) == [25, 50, 75]


@pytest.mark.parametrize("mode", [(), ("--single-process",)], ids=["forked", "single-process"])
def test_an_early_stop_writes_the_state_of_the_events_sent(
    server_factory: type[Server], tmp_path: Path, mode: tuple[str, ...]
) -> None:
    server = server_factory()
    state, sent = tmp_path / "state.json", tmp_path / "sent.jsonl"
    args = ("--to", server.url, "--to", sent, "--max-events", 90, "--state-out", state, *mode)
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # The same cut of the same stream to a file alone (in-process) gives the same state.
    alone = tmp_path / "alone.json"
    same = run("--to", tmp_path / "a.jsonl", "--max-events", 90, "--state-out", alone, cwd=tmp_path)
    assert same.returncode == 0, same.stderr
    assert orjson.loads(state.read_bytes()) == orjson.loads(alone.read_bytes())
    assert "student1" in result.stderr  # the final scores table is not empty
    from test_prefix_state import assert_state_is_the_prefix

    events = [orjson.loads(line) for line in sent.read_bytes().splitlines()]
    assert len(events) == 90
    assert assert_state_is_the_prefix(orjson.loads(state.read_bytes()), events) > 10


def test_results_are_written_before_the_summary_to_a_closed_stderr(tmp_path: Path) -> None:
    state, stats = tmp_path / "state.json", tmp_path / "stats.json"
    with subprocess.Popen(
        cli("run", QUICKSTART, "--to", tmp_path / "e.jsonl", "--max-events", 50,
            "--state-out", state, "--stats-json", stats),
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    ) as process:  # fmt: skip
        assert process.stderr is not None
        process.stderr.close()  # as `2>&1 | head -0` leaves it
        code = process.wait(timeout=120)
    assert code == 141
    assert orjson.loads(state.read_bytes())["courses"]
    assert "targets" in orjson.loads(stats.read_bytes())  # the whole summary was written
