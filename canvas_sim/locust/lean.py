"""A lean HTTP/1.1 keep-alive client on a gevent socket, one per Locust user.

A request is one write: a head built once per target, the body's length, the body. The
answer is parsed by the delivery's own :func:`canvas_sim.delivery.transport.read_response`
(the asyncio transport's), run to its end here because its reads never suspend: they come
from the socket, which blocks only the calling greenlet. Measured against geventhttpclient
(a header merge and build, a liveness ``select`` and a ``getsockopt`` on every request) in
``python benchmarks/bench.py locust``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar
from urllib.parse import urlsplit

from gevent import socket, ssl

from ..delivery.transport import read_response

T = TypeVar("T")
CHUNK = 65_536
MAX_HEAD = 65_536  # bytes an answer's head may take


def finish(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends to its end; its value."""
    try:
        coroutine.send(None)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    coroutine.close()
    raise RuntimeError("a coroutine waited on an event loop inside a Locust worker")


class SocketReader:
    """The reading calls of asyncio.StreamReader, on a (gevent) socket."""

    __slots__ = ("_buffer", "_sock")

    def __init__(self, sock: Any) -> None:
        self._sock = sock
        self._buffer = bytearray()

    def _fill(self) -> None:
        chunk = self._sock.recv(CHUNK)
        if not chunk:
            raise asyncio.IncompleteReadError(bytes(self._buffer), None)
        self._buffer += chunk

    def _take(self, end: int) -> bytes:
        data = bytes(self._buffer[:end])
        del self._buffer[:end]
        return data

    async def readuntil(self, separator: bytes = b"\n") -> bytes:
        start = 0
        while (found := self._buffer.find(separator, start)) < 0:
            if len(self._buffer) > MAX_HEAD:
                raise ValueError(f"no {separator!r} in the answer's first {MAX_HEAD} bytes")
            start = max(0, len(self._buffer) - len(separator) + 1)
            self._fill()
        return self._take(found + len(separator))

    async def readexactly(self, n: int) -> bytes:
        while len(self._buffer) < n:
            self._fill()
        return self._take(n)

    async def read(self, n: int = -1) -> bytes:
        """Everything until the server closes the connection."""
        while chunk := self._sock.recv(CHUNK):
            self._buffer += chunk
        return self._take(len(self._buffer))


class LeanClient:
    """POSTs bodies to one URL over one keep-alive connection (opened when needed)."""

    def __init__(
        self, url: str, headers: dict[str, str], timeout_s: float, insecure: bool = False
    ) -> None:
        parts = urlsplit(url)
        self._tls = parts.scheme == "https"
        self._host = parts.hostname or ""
        self._address = (self._host, parts.port or (443 if self._tls else 80))
        self._timeout = timeout_s
        self._insecure = insecure
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        lines = [f"POST {path} HTTP/1.1", f"Host: {parts.netloc.rpartition('@')[2]}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self._head = ("\r\n".join(lines) + "\r\nContent-Length: ").encode("latin-1")
        self._sock: Any = None
        self._reader: SocketReader | None = None

    def _connect(self) -> None:
        sock = socket.create_connection(self._address, timeout=self._timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self._tls:
            context = ssl.create_default_context()
            if self._insecure:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            sock = context.wrap_socket(sock, server_hostname=self._host)
        self._sock, self._reader = sock, SocketReader(sock)

    def post(self, body: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """(status, headers, body) of the answer to one POST of ``body``. A keep-alive
        connection the server closed while idle is replaced once; a timeout raises
        TimeoutError, other failures OSError, EOFError or ValueError."""
        payload = b"%b%d\r\n\r\n%b" % (self._head, len(body), body)
        reused = self._sock is not None
        if not reused:
            self._connect()
        try:
            return self._exchange(payload)
        except (ConnectionError, asyncio.IncompleteReadError):
            self.close()
            if not reused:
                raise
        except BaseException:
            self.close()
            raise
        self._connect()
        try:
            return self._exchange(payload)
        except BaseException:
            self.close()
            raise

    def _exchange(self, payload: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        sock, view = self._sock, memoryview(payload)
        while view:
            view = view[sock.send(view) :]
        assert self._reader is not None
        status, headers, content, keep_alive = finish(read_response(self._reader))
        if not keep_alive:
            self.close()
        return status, headers, content

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
        self._sock = self._reader = None
