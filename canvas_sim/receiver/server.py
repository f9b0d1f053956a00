"""The receiver's HTTP server: a hand-written ingest path for POSTs, the page alongside.

Accepts one event per POST (plain JSON, a JWT, or a JWT as a quoted JSON string) or a JSON array
(the simulator's ``--batch``), verifies RS256 signatures when given keys, checks the payload
shape (and with ``validate`` each event's JSON Schema), counts arrivals by type, can inject
failures and latency, and writes what it accepted to a JSONL file (complete within FLUSH_AFTER_S
of each answer). POSTs are parsed by a minimal HTTP/1.1 protocol on asyncio, which keeps the
receiver fast enough to be the peer of load tests (a framework's request handling measured at
half its rate); at its first request that is anything else, a connection is handed over, bytes
and all, to the dashboard's ASGI app (:mod:`.page`, Starlette on uvicorn's protocol), which
serves the page, its live stream, ``GET /stats`` and ``GET /jwks``, and routes a later POST on
that connection to :meth:`Receiver.handle` too.
"""

from __future__ import annotations

import asyncio
import errno
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from ..errors import SimulatorError
from ..signing import Verifier
from .dashboard import DIGEST_BUDGET_S, DIGEST_EVERY_S, IDLE_BUDGET_S, Dashboard
from .payload import MAX_BODY_BYTES, Rejected, decode_payload, error_body

MAX_HEADER_BYTES = 64 * 1024
# The --out file is written through a buffer and flushed FLUSH_AFTER_S after the first write
# since its last flush: at most that often under load, and every accepted event is in the file
# within FLUSH_AFTER_S of its answer, even when no other request follows.
FLUSH_AFTER_S = 0.1
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
    out_stream: BinaryIO | None = None  # instead of ``out``: an open binary stream (stdout)
    verifier: Verifier | None = None
    jwks: dict[str, Any] | None = None
    fail_rate: float = 0.0
    latency_ms: tuple[float, float] = (0.0, 0.0)  # uniform between the two
    seed: int | None = None
    validate: bool = False  # check every event against its JSON Schema; 400 on a problem
    expect: dict[str, Any] | None = None  # an end state (--state-out) the page compares with


class Receiver:
    """The server's state, shared by its connections."""

    def __init__(self, config: ReceiverConfig) -> None:
        self.config = config
        self.stats = ReceiverStats()
        self.dashboard = Dashboard(self.stats, expect=config.expect)
        self._rng = random.Random(config.seed)
        self._out: BinaryIO | None = config.out_stream
        self._server: asyncio.Server | None = None
        self._flush_pending: asyncio.TimerHandle | None = None
        self._check: Any = None  # the schema check of --validate, loaded at start
        self._page: Any = None  # the dashboard's server (.page.PageServer), made at start
        self._digest_timer: asyncio.TimerHandle | None = None
        self._requests_seen = 0

    async def start(self) -> asyncio.Server:
        from .page import PageServer

        if self.config.out is not None:
            try:
                self._out = open(self.config.out, "ab", buffering=1 << 16)  # noqa: SIM115
            except OSError as exc:
                raise SimulatorError(f"cannot write {self.config.out}: {exc.strerror}") from None
        if self.config.validate:
            from ..validate import first_schema_problem

            self._check = first_schema_problem
        self._page = PageServer(self)
        loop = asyncio.get_running_loop()
        self._digest_timer = loop.call_later(DIGEST_EVERY_S, self._digest)
        try:
            self._server = await loop.create_server(
                lambda: _Connection(self), self.config.host, self.config.port, reuse_address=True
            )
        except OSError as exc:
            where = f"{self.config.host}:{self.config.port}"
            if exc.errno == errno.EADDRINUSE:
                raise SimulatorError(
                    f"cannot listen on {where}: another program listens there; "
                    "choose another --port (and use it in the run's URL)"
                ) from None
            raise SimulatorError(f"cannot listen on {where}: {exc.strerror}") from None
        return self._server

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    def _digest(self) -> None:
        """The dashboard's share of the CPU: a little, often, so ingest keeps its rate."""
        busy = self.stats.requests != self._requests_seen
        self._requests_seen = self.stats.requests
        self.dashboard.digest(DIGEST_BUDGET_S if busy else IDLE_BUDGET_S)
        loop = asyncio.get_running_loop()
        self._digest_timer = loop.call_later(DIGEST_EVERY_S, self._digest)

    async def stop(self) -> None:
        if self._digest_timer is not None:
            self._digest_timer.cancel()
        if self._server is not None:
            self._server.close()
        if self._page is not None:
            await self._page.close()
        if self._server is not None:
            await self._server.wait_closed()
        if self._flush_pending is not None:
            self._flush_pending.cancel()
            self._flush_pending = None
        if self._out is not None:
            if self._out is self.config.out_stream:
                self._out.flush()
            else:
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

    def handover(self, transport: asyncio.Transport, data: bytes) -> None:
        """Give a connection whose request is not a POST to the page's server."""
        self._page.take(transport, data)

    def refuse(self, status: int, reason: str, kind: str, raw: bytes) -> tuple[int, bytes]:
        """Count a refused request and show it on the page; the answer to send."""
        self.stats.rejected[reason] += 1
        self.dashboard.refused(kind, reason, raw)
        return status, error_body(reason)

    def handle(self, body: bytes) -> tuple[int, bytes]:
        """Answer one POST: (status, JSON response body)."""
        self.stats.requests += 1
        if self.config.fail_rate and self._rng.random() < self.config.fail_rate:
            self.stats.injected_failures += 1
            return 500, error_body("injected failure")
        try:
            events, verified = decode_payload(body, self.config.verifier)
        except Rejected as exc:
            return self.refuse(exc.status, exc.reason, exc.kind, body)
        if self._check is not None:
            for event in events:
                problem = self._check(event)
                if problem is not None:
                    return self.refuse(400, f"schema: {problem}", "schema", body)
        self.stats.verified += verified
        out, accept, accepted = self._out, self.dashboard.accept, self.stats.accepted
        single = len(events) == 1 and not verified  # the body is the event's JSON
        for event in events:
            line = body if single and out is None else orjson.dumps(event)
            accepted[event["metadata"]["event_name"]] += 1
            if out is not None:
                out.write(line + b"\n")
            accept(line)
        if out is not None and events:
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
            if not self._buffer.startswith(b"POST "):
                if len(self._buffer) >= 5 or b" " in self._buffer:
                    transport, self._transport = self._transport, None
                    self._receiver.handover(transport, bytes(self._buffer))
                    self._buffer.clear()
                return
            request = self._parse()
            if request is None:
                return
            body, keep_alive = request
            delay = self._receiver.delay()
            if delay > 0:
                self._busy = True
                asyncio.get_running_loop().call_later(delay, self._answer_later, body, keep_alive)
                return
            status, payload = self._receiver.handle(body)
            self._respond(status, payload, keep_alive)

    def _answer_later(self, body: bytes, keep_alive: bool) -> None:
        self._busy = False
        if self._transport is None or self._transport.is_closing():
            return
        status, payload = self._receiver.handle(body)
        self._respond(status, payload, keep_alive)
        self._process()

    def _parse(self) -> tuple[bytes, bool] | None:
        """The next POST's body and whether to keep the connection, once it is all here."""
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > MAX_HEADER_BYTES:
                self._fail(431)
            return None
        lines = bytes(self._buffer[:end]).split(b"\r\n")
        try:
            _, _, version = lines[0].decode("latin-1").split(" ", 2)
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
        return body, keep_alive

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
        self._receiver.refuse(status, REASONS[status].lower(), "refused", bytes(self._buffer[:300]))
        self._buffer.clear()
        self._respond(status, error_body(REASONS[status]), keep_alive=False)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
