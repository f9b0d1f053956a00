"""A real HTTP server that receives Canvas Live Events, like a Data Services HTTPS subscriber.

Accepts one event per POST (plain JSON, a JWT, or a JWT as a quoted JSON string) or a JSON array
(the simulator's ``--batch``), verifies RS256 signatures when given keys, checks the payload
shape, counts arrivals by type, can inject failures and latency, and writes what it accepted to
a JSONL file (complete within FLUSH_AFTER_S of each answer). A minimal HTTP/1.1 server on asyncio
keeps it fast enough to be the peer of load tests. ``GET /jwks`` serves the public keys it was
given; ``GET /stats`` the counts as JSON.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from .errors import SimulatorError
from .signing import TokenError, Verifier

MAX_HEADER_BYTES = 64 * 1024
# The --out file is written through a buffer and flushed FLUSH_AFTER_S after the first write
# since its last flush: at most that often under load, and every accepted event is in the file
# within FLUSH_AFTER_S of its answer, even when no other request follows.
FLUSH_AFTER_S = 0.1
MAX_BODY_BYTES = 16 * 1024 * 1024
REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    411: "Length Required",
    413: "Payload Too Large",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
}


@dataclass
class ReceiverStats:
    """What arrived: accepted events by type, rejections by reason, injected failures."""

    started: float = field(default_factory=time.monotonic)
    requests: int = 0
    accepted: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    injected_failures: int = 0
    verified: int = 0

    @property
    def events(self) -> int:
        return sum(self.accepted.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "events": self.events,
            "accepted": dict(sorted(self.accepted.items())),
            "rejected": dict(sorted(self.rejected.items())),
            "injected_failures": self.injected_failures,
            "signatures_verified": self.verified,
            "seconds": round(time.monotonic() - self.started, 3),
        }


@dataclass
class ReceiverConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    out: Path | None = None
    verifier: Verifier | None = None
    jwks: dict[str, Any] | None = None
    fail_rate: float = 0.0
    latency_ms: tuple[float, float] = (0.0, 0.0)  # uniform between the two
    seed: int | None = None


class Rejected(Exception):
    """A request the receiver answers with a 4xx status."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


# A compact JWS: three base64url parts separated by dots (the signature may be empty).
_JWT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
NOT_A_PAYLOAD = "neither a JSON event nor a JWT"
UNSIGNED = "unsigned payload, but the receiver verifies signatures (--verify-key / --jwks)"
NO_KEY = "signed payload but no --verify-key / --jwks given"
NOT_AN_EVENT = "not a Canvas event: expected {metadata: {event_name}, body}"


def error_body(reason: str) -> bytes:
    """The JSON answer to a request that was not accepted: the reason, for senders to show."""
    return orjson.dumps({"ok": False, "error": reason})


def _is_event(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("metadata"), dict)
        and isinstance(value.get("body"), dict)
        and isinstance(value["metadata"].get("event_name"), str)
    )


def decode_payload(raw: bytes, verifier: Verifier | None) -> tuple[list[dict[str, Any]], int]:
    """The events in one POST body, and how many signatures were verified.

    Raises Rejected for anything that is not a Canvas-format payload: 400 for a body that is
    neither JSON nor a JWT, or not an event; 401 for a JWT that does not verify (or arrives with
    no key to verify it) and, when the receiver verifies, for an unsigned event.
    """
    text = raw.strip()
    if not text:
        raise Rejected(400, "empty body")
    try:
        value: Any = orjson.loads(text)
    except orjson.JSONDecodeError:
        if not _JWT.fullmatch(text.decode("latin-1")):
            raise Rejected(400, NOT_A_PAYLOAD) from None
        value = text.decode("ascii")  # a bare compact JWT
    items = value if isinstance(value, list) else [value]
    events: list[dict[str, Any]] = []
    verified = 0
    for item in items:
        if isinstance(item, str):
            if not _JWT.fullmatch(item):
                raise Rejected(400, NOT_A_PAYLOAD)
            if verifier is None:
                raise Rejected(401, NO_KEY)
            try:
                claims = verifier.verify(item)
            except TokenError as exc:
                raise Rejected(401, f"bad signature: {exc}") from None
            verified += 1
            item = {"metadata": claims.get("metadata"), "body": claims.get("body")}
            if not _is_event(item):
                raise Rejected(400, NOT_AN_EVENT)
        elif not _is_event(item):
            raise Rejected(400, NOT_AN_EVENT)
        elif verifier is not None:
            raise Rejected(401, UNSIGNED)
        events.append(item)
    return events, verified


class Receiver:
    """The server's state, shared by its connections."""

    def __init__(self, config: ReceiverConfig) -> None:
        self.config = config
        self.stats = ReceiverStats()
        self._rng = random.Random(config.seed)
        self._out: BinaryIO | None = None
        self._server: asyncio.Server | None = None
        self.on_event: Callable[[str], None] | None = None
        self._flush_pending: asyncio.TimerHandle | None = None

    async def start(self) -> asyncio.Server:
        if self.config.out is not None:
            try:
                self._out = open(self.config.out, "ab", buffering=1 << 16)  # noqa: SIM115
            except OSError as exc:
                raise SimulatorError(f"cannot write {self.config.out}: {exc.strerror}") from None
        loop = asyncio.get_running_loop()
        try:
            self._server = await loop.create_server(
                lambda: _Connection(self), self.config.host, self.config.port, reuse_address=True
            )
        except OSError as exc:
            raise SimulatorError(
                f"cannot listen on {self.config.host}:{self.config.port}: {exc.strerror}"
            ) from None
        return self._server

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        if self._flush_pending is not None:
            self._flush_pending.cancel()
            self._flush_pending = None
        if self._out is not None:
            self._out.close()
            self._out = None

    def _flush(self) -> None:
        self._flush_pending = None
        if self._out is not None:
            self._out.flush()

    def _schedule_flush(self) -> None:
        """Flush the --out file FLUSH_AFTER_S from now, unless a flush is already due."""
        if self._flush_pending is None:
            loop = asyncio.get_running_loop()
            self._flush_pending = loop.call_later(FLUSH_AFTER_S, self._flush)

    def delay(self) -> float:
        low, high = self.config.latency_ms
        if high <= 0:
            return 0.0
        return (low if low == high else self._rng.uniform(low, high)) / 1000

    def handle(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        """Answer one request: (status, JSON response body)."""
        self.stats.requests += 1
        route = path.split("?", 1)[0]
        if method == "GET" and route == "/jwks":
            if self.config.jwks is None:
                return 404, error_body("no keys configured")
            return 200, orjson.dumps(self.config.jwks)
        if method == "GET" and route == "/stats":
            return 200, orjson.dumps(self.stats.as_dict())
        if method != "POST":
            return 405, error_body("POST events here")
        if self.config.fail_rate and self._rng.random() < self.config.fail_rate:
            self.stats.injected_failures += 1
            return 500, error_body("injected failure")
        try:
            events, verified = decode_payload(body, self.config.verifier)
        except Rejected as exc:
            self.stats.rejected[exc.reason] += 1
            return exc.status, error_body(exc.reason)
        self.stats.verified += verified
        for event in events:
            name = event["metadata"]["event_name"]
            self.stats.accepted[name] += 1
            if self._out is not None:
                self._out.write(orjson.dumps(event) + b"\n")
            if self.on_event is not None:
                self.on_event(name)
        if self._out is not None and events:
            self._schedule_flush()
        return 200, b'{"ok":true}'


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection: requests answered in order."""

    def __init__(self, receiver: Receiver) -> None:
        self._receiver = receiver
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None
        self._busy = False  # a delayed answer is pending; later requests wait in the buffer

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if not self._busy:
            self._process()

    def _process(self) -> None:
        while self._transport is not None and not self._transport.is_closing():
            request = self._parse()
            if request is None:
                return
            method, path, body, keep_alive = request
            delay = self._receiver.delay()
            if delay > 0:
                self._busy = True
                asyncio.get_running_loop().call_later(
                    delay, self._answer_later, method, path, body, keep_alive
                )
                return
            status, payload = self._receiver.handle(method, path, body)
            self._respond(status, payload, keep_alive)

    def _answer_later(self, method: str, path: str, body: bytes, keep_alive: bool) -> None:
        self._busy = False
        if self._transport is None or self._transport.is_closing():
            return
        status, payload = self._receiver.handle(method, path, body)
        self._respond(status, payload, keep_alive)
        self._process()

    def _parse(self) -> tuple[str, str, bytes, bool] | None:
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > MAX_HEADER_BYTES:
                self._fail(431)
            return None
        lines = bytes(self._buffer[:end]).split(b"\r\n")
        try:
            method, path, version = lines[0].decode("latin-1").split(" ", 2)
        except ValueError:
            self._fail(400)
            return None
        length = 0
        keep_alive = version == "HTTP/1.1"
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                try:
                    length = int(value.strip())
                except ValueError:
                    self._fail(400)
                    return None
            elif name == b"transfer-encoding" and value.strip().lower() != b"identity":
                self._fail(411)
                return None
            elif name == b"connection":
                token = value.strip().lower()
                keep_alive = token == b"keep-alive" or (keep_alive and token != b"close")
        if length > MAX_BODY_BYTES:
            self._fail(413)
            return None
        total = end + 4 + length
        if len(self._buffer) < total:
            return None
        body = bytes(self._buffer[end + 4 : total])
        del self._buffer[:total]
        return method, path, body, keep_alive

    def _respond(self, status: int, payload: bytes, keep_alive: bool) -> None:
        assert self._transport is not None
        head = (
            f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
            f"{'' if keep_alive else 'Connection: close' + chr(13) + chr(10)}\r\n"
        )
        self._transport.write(head.encode("latin-1") + payload)
        if not keep_alive:
            self._transport.close()

    def _fail(self, status: int) -> None:
        self._receiver.stats.rejected[REASONS[status].lower()] += 1
        self._buffer.clear()
        self._respond(status, error_body(REASONS[status]), keep_alive=False)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
