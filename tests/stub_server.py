"""A small HTTP/1.1 server on loopback in a thread of its own, answering as a test decides:
a consumer that stalls, times out, refuses or recovers, or an SQS-protocol endpoint.

Run alone (``python tests/stub_server.py``) it answers 200 to every request (a consumer that
costs next to nothing, for benchmarks) and prints its port; it stops when stdin closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import Callable
from typing import NamedTuple


class Answer(NamedTuple):
    status: int = 200
    body: bytes = b'{"ok": true}'
    delay_s: float = 0.0  # answer this much later (a stall, or a timeout for the client)
    content_type: bytes = b"application/json"


# (request headers, lower-case names; body) -> the answer, or None to close the connection.
Handler = Callable[[dict[bytes, bytes], bytes], "Answer | None"]


class _Protocol(asyncio.Protocol):
    def __init__(self, server: StubServer) -> None:
        self.server = server
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.server.transports.add(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None:
            self.server.transports.discard(self.transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            headers = {}
            for line in self.buffer[:end].split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get(b"content-length", b"0"))
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            self.server.requests += 1
            answer = self.server.handler(headers, body)
            if answer is None:
                self.transport.close()
                return
            payload = b"HTTP/1.1 %d X\r\nContent-Type: %b\r\nContent-Length: %d\r\n\r\n%b" % (
                answer.status,
                answer.content_type,
                len(answer.body),
                answer.body,
            )
            if answer.delay_s > 0:
                asyncio.get_running_loop().call_later(answer.delay_s, self._write, payload)
            else:
                self.transport.write(payload)

    def _write(self, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(payload)


class StubServer:
    """The server on 127.0.0.1 (``port``, ``url``); ``stop_listening()`` makes new
    connections fail as if the consumer went away."""

    def __init__(self, handler: Handler | None = None) -> None:
        self.handler: Handler = handler or (lambda headers, body: Answer())
        self.requests = 0
        self.transports: set[asyncio.Transport] = set()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._server: asyncio.Server | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            self._loop.create_server(lambda: _Protocol(self), "127.0.0.1", self.port)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        self._close_all()
        self._loop.run_until_complete(asyncio.sleep(0))
        self._loop.close()

    def _close_all(self) -> None:
        if self._server is not None:
            self._server.close()
        for transport in list(self.transports):
            transport.close()

    def stop_listening(self) -> None:
        """Close the listening socket and every connection: the consumer is gone."""
        done = threading.Event()

        def close() -> None:
            self._close_all()
            done.set()

        self._loop.call_soon_threadsafe(close)
        done.wait(5)

    def __enter__(self) -> StubServer:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


if __name__ == "__main__":
    with StubServer() as stub:
        print(stub.port, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            sys.stdin.read()  # until the parent closes our stdin
