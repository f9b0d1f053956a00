"""Signed delivery at speed: tokens made where events are produced (each shard process, the
generating child, a thread), verified by independent JWT libraries, for every event."""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import jwt
import orjson
from joserfc import jwt as jose_jwt
from joserfc.jwk import RSAKey
from stub_server import Answer, StubServer
from test_http import Server

from canvas_sim.delivery import DeliveryStats, HttpTarget, Rendered
from canvas_sim.delivery.pacing import Schedule
from canvas_sim.delivery.summary import hints, summary_dict
from canvas_sim.engine import Engine
from canvas_sim.errors import SimulatorError
from canvas_sim.outcome import rendered_events
from canvas_sim.producer import ProducerProcess
from canvas_sim.render import Renderer
from canvas_sim.run import DeliveryOptions, deliver_scenario
from canvas_sim.scenario import load_scenario
from canvas_sim.shards import ShardedProducer
from canvas_sim.signahead import stamper, unstamped
from canvas_sim.signing import Signer, generate_key, private_pem, public_pem

ROOT = Path(__file__).resolve().parent.parent
LOAD = ROOT / "scenarios" / "load.yaml"
SMALL = {"courses": "3", "students_min": "20", "students_max": "30"}
ISSUER = b'"https://live-events.canvas.instructure.com"'


def claims_of(token: bytes) -> bytes:
    """The token's claims segment, decoded: the bytes that were signed."""
    segment = token.split(b".")[1]
    return base64.urlsafe_b64decode(segment + b"=" * (-len(segment) % 4))


def line_of(token: bytes) -> bytes:
    """The event line a token was made from: its claims without iss, iat and exp (which are
    checked here to come first, in that order, with a lifetime of an hour)."""
    claims = claims_of(token)
    head = b'{"iss":' + ISSUER + b',"iat":'
    assert claims.startswith(head), claims[:80]
    issued, rest = claims[len(head) :].split(b',"exp":', 1)
    expires, body = rest.split(b",", 1)
    assert int(expires) - int(issued) == 3600
    return b"{" + body


def test_tokens_are_pyjwt_tokens_byte_for_byte() -> None:
    """The signer builds tokens with `cryptography` directly; PyJWT, given the same claims,
    makes the same bytes (RS256 is deterministic), and joserfc verifies them."""
    key = generate_key()
    public = RSAKey.import_key(public_pem(key.public_key()))
    line = (ROOT / "tests" / "golden" / "quickstart.jsonl").read_bytes().splitlines()[0]
    claims = b'{"iss":%b,"iat":1700000000,"exp":1700003600,%b' % (ISSUER, line[1:])
    for kid in ("2024-09", None):
        token = Signer(key, kid=kid).sign(line, now=1_700_000_000.7)
        headers = {"kid": kid} if kid else None
        assert token == jwt.PyJWS().encode(claims, key, algorithm="RS256", headers=headers)
        decoded = jose_jwt.decode(token, public, algorithms=["RS256"])
        assert decoded.header == {"alg": "RS256", "typ": "JWT", **({"kid": kid} if kid else {})}
        assert orjson.loads(line) == {k: decoded.claims[k] for k in ("metadata", "body")}
        assert claims_of(token.encode()) == claims


def test_each_shard_signs_its_own_events() -> None:
    """With a stamp, the shard processes sign as they render: the merged stream carries every
    event's token, and its lines are those of one process, byte for byte."""
    key = generate_key()
    public = RSAKey.import_key(public_pem(key.public_key()))
    scenario, located = load_scenario(LOAD, SMALL)
    alone = [event.line for event in rendered_events(Engine(scenario, located), Renderer())]
    shards = ShardedProducer(
        Engine(scenario, located), Renderer(), 2, stamper(Signer(key, kid="k"))
    )
    try:
        events = list(unstamped(shards.events()))
    finally:
        shards.close()
    assert len(shards.plan) == 2
    assert [event.line for event in events] == alone
    for event in events:
        assert event.token is not None and event.signed_at > 0
        decoded = jose_jwt.decode(event.token, public, algorithms=["RS256"])
        assert decoded.claims["iat"] == event.signed_at
        assert line_of(event.token) == event.line


def cli(*args: object, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "canvas_sim", "run", *map(str, args)], capture_output=True, cwd=cwd
    )


def test_two_workers_sign_every_event_and_real_jwt_libraries_verify_them(tmp_path: Path) -> None:
    """`run --workers 2 --sign-key` to the real receiver (verifying every signature) and to a
    capturing consumer: every token verifies with joserfc and PyJWT, and the events inside are
    byte for byte the unsigned run's."""
    key = generate_key()
    (tmp_path / "key.pem").write_bytes(private_pem(key))
    (tmp_path / "key.pub.pem").write_bytes(public_pem(key.public_key()))
    small = [a for name, value in SMALL.items() for a in ("--set", f"{name}={value}")]
    unsigned = cli(
        LOAD, *small, "--workers", 1, "--to", tmp_path / "alone.jsonl", "-q", cwd=tmp_path
    )
    assert unsigned.returncode == 0, unsigned.stderr
    expected = (tmp_path / "alone.jsonl").read_bytes()
    bodies: list[bytes] = []

    def capture(headers: dict[bytes, bytes], body: bytes) -> Answer:
        bodies.append(body)
        return Answer()

    receiver = Server(tmp_path, "--verify-key", tmp_path / "key.pub.pem")
    try:
        with StubServer(capture) as consumer:
            signed = cli(
                LOAD, *small, "--workers", 2, "--sign-key", tmp_path / "key.pem", "--kid", "k1",
                "--to", receiver.url, "--to", consumer.url + "/events",
                "--to", tmp_path / "sent.jsonl", cwd=tmp_path,
            )  # fmt: skip
        assert signed.returncode == 0, signed.stderr
        stats = receiver.stats()
    finally:
        receiver.process.kill()
        receiver.process.communicate()
    total = expected.count(b"\n")
    assert total > 1000
    assert (tmp_path / "sent.jsonl").read_bytes() == expected  # files get the unsigned lines
    assert stats["events"] == total and stats["signatures_verified"] == total
    assert len(bodies) == total
    public = RSAKey.import_key(public_pem(key.public_key()))
    lines = []
    for body in bodies:
        decoded = jose_jwt.decode(body, public, algorithms=["RS256"])
        assert decoded.header["kid"] == "k1"
        claims = jwt.decode(
            body, key.public_key(), algorithms=["RS256"], issuer=ISSUER[1:-1].decode()
        )
        assert claims["exp"] - claims["iat"] == 3600
        lines.append(line_of(body))
    assert sorted(lines) == sorted(expected.splitlines())  # byte-identical events


def test_one_process_signs_in_a_thread_and_every_signature_verifies(tmp_path: Path) -> None:
    key = generate_key()
    (tmp_path / "key.pem").write_bytes(private_pem(key))
    (tmp_path / "key.pub.pem").write_bytes(public_pem(key.public_key()))
    receiver = Server(tmp_path, "--verify-key", tmp_path / "key.pub.pem")
    try:
        result = cli(
            ROOT / "scenarios" / "quickstart.yaml", "--single-process", "--sign-key",
            tmp_path / "key.pem", "--to", receiver.url, "--to", tmp_path / "sent.jsonl",
            cwd=tmp_path,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        stats = receiver.stats()
    finally:
        receiver.process.kill()
        receiver.process.communicate()
    golden = (ROOT / "tests" / "golden" / "quickstart.jsonl").read_bytes()
    assert (tmp_path / "sent.jsonl").read_bytes() == golden
    assert stats["events"] == stats["signatures_verified"] == golden.count(b"\n")


def lagging(workers: int, possible: int) -> DeliveryStats:
    """A paced run whose sends started half a second late with every slot free."""
    stats = DeliveryStats(signing=True, workers=workers, workers_possible=possible)
    stats.schedule = Schedule(rate=5000)
    for _ in range(100):
        stats.lag.record(0.5)
    stats.lag.roll()
    return stats


def test_the_signing_hint_names_workers_when_more_processes_would_sign() -> None:
    [note] = hints(lagging(1, 2))
    assert "generating and signing could not keep up" in note
    assert "--workers 2 generates and signs in 2 processes" in note
    [note] = hints(lagging(2, 2))
    assert "signing could not keep up with the schedule on this machine's cores" in note
    assert "--workers" not in note and "a lower --rate" in note


def produced(producer: ProducerProcess) -> tuple[list[Rendered], SimulatorError | None]:
    """Everything a producer hands over, and the error that ended it (if one did)."""

    async def take() -> list[Rendered]:
        return [event async for event in producer.events()]

    try:
        return asyncio.run(take()), None
    except SimulatorError as exc:
        return [], exc
    finally:
        producer.close()


def numbered(count: int) -> list[Rendered]:
    return [Rendered("e", n, b'{"metadata":{"n":%d},"body":{}}' % n) for n in range(count)]


def test_signing_processes_keep_the_order_and_sign_every_event() -> None:
    """Three signing processes beside the child: batches dealt in turn come back in turn."""
    key = generate_key()
    public = RSAKey.import_key(public_pem(key.public_key()))
    events = numbered(2000)  # several batches for each signing process
    got, error = produced(
        ProducerProcess(lambda: iter(events), signer=Signer(key, kid="k"), signers=3, final=dict)
    )
    assert error is None
    assert [event.line for event in got] == [event.line for event in events]
    for event in got:
        assert event.token is not None
        assert jose_jwt.decode(event.token, public, algorithms=["RS256"]).claims["metadata"] == {
            "n": event.time_ms
        }


def test_a_failure_passes_through_the_signing_processes_in_order() -> None:
    def failing() -> Iterator[Rendered]:
        yield from numbered(700)
        error = SimulatorError("step 3 failed")
        error.exit_code = 2
        raise error

    signer = Signer(generate_key(), kid="k")
    _, error = produced(ProducerProcess(failing, signer=signer, signers=2))
    assert error is not None and str(error) == "step 3 failed" and error.exit_code == 2

    def dying() -> Iterator[Rendered]:
        yield from numbered(300)
        os._exit(3)  # the child ends without a word: the parent must not wait forever

    _, error = produced(ProducerProcess(dying, signer=signer, signers=2))
    assert error is not None and "stopped unexpectedly" in str(error)


def test_a_run_whose_signing_lags_the_schedule_says_so_and_names_workers(tmp_path: Path) -> None:
    """A real signed run paced far above what one process signs: the summary's hint says
    signing was the limit, and names --workers when the machine has cores to spare."""
    scenario, located = load_scenario(LOAD, SMALL)
    signer = Signer(generate_key(), kid="k")
    stub = subprocess.Popen(  # a consumer in its own process that costs next to nothing
        [sys.executable, str(ROOT / "tests" / "stub_server.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert stub.stdout is not None
        url = f"http://127.0.0.1:{stub.stdout.readline().strip()}/events"
        options = DeliveryOptions(
            targets=[HttpTarget(url=url, signer=signer)],
            schedule=Schedule(rate=1_000_000),
            dead_letter=tmp_path / "dead.jsonl",
            producer_process=True,
            signers=1,
        )
        result = deliver_scenario(scenario, located, [], options, end_state=False)
    finally:
        stub.communicate(timeout=10)  # closes its stdin: it stops
    assert result.delivery is not None
    assert sum(result.delivery.delivered.values()) == result.total > 1000
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    [note] = summary_dict(result.delivery)["hints"]
    more = min(cores or 1, int(SMALL["courses"]))  # up to the cores and the courses
    if more > 1:
        assert f"--workers {more} generates and signs in {more} processes" in note
    else:
        assert "signing could not keep up" in note and "a lower --rate" in note
