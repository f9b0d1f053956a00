"""A lean HTTP/1.1 keep-alive transport for httpx, chosen by measurement for high event rates.

httpx stays the client API (requests, responses, respx in unit tests); this transport replaces
its default connection pool, which measured several times slower here under concurrency (see
``python benchmarks/bench.py delivery``). It speaks plain HTTP/1.1 with Content-Length or chunked
responses, over TCP or TLS (verified by default).
"""

from __future__ import annotations

import asyncio
import ssl
from collections import defaultdict
from typing import Protocol

import httpx

Origin = tuple[str, str, int]


class Reader(Protocol):
    """What an answer is read from: an asyncio.StreamReader, or a socket behind the same calls
    (the Locust worker's gevent client)."""

    async def readuntil(self, separator: bytes = ...) -> bytes: ...

    async def readexactly(self, n: int) -> bytes: ...

    async def read(self, n: int = ...) -> bytes: ...


def origin_of(url: httpx.URL) -> Origin:
    """(scheme, host, port) of a URL, with the scheme's default port."""
    return (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))


class _Connection:
    __slots__ = ("reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    def close(self) -> None:
        self.writer.close()


class LeanTransport(httpx.AsyncBaseTransport):
    """Keep-alive connection pool per origin; one request per connection at a time."""

    def __init__(self, *, verify: bool = True, max_idle: int = 256) -> None:
        self._idle: dict[Origin, list[_Connection]] = defaultdict(list)
        self._max_idle = max_idle
        self._ssl: ssl.SSLContext | None = None
        self._verify = verify

    def _ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            context = ssl.create_default_context()
            if not self._verify:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            self._ssl = context
        return self._ssl

    async def _connect(self, origin: Origin) -> _Connection:
        scheme, host, port = origin
        try:
            reader, writer = await asyncio.open_connection(
                host, port, ssl=self._ssl_context() if scheme == "https" else None
            )
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(f"cannot connect to {host}:{port}: {exc}") from exc
        return _Connection(reader, writer)

    async def probe(self, origin: Origin) -> None:
        """Connect to ``origin`` (httpx.ConnectError if it refuses); keep the connection."""
        connection = await self._connect(origin)
        idle = self._idle[origin]
        if len(idle) < self._max_idle:
            idle.append(connection)
        else:
            connection.close()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        body = request.content
        head = [f"{request.method} {url.raw_path.decode('ascii')} HTTP/1.1\r\n".encode()]
        for name, value in request.headers.raw:
            head.append(name + b": " + value + b"\r\n")
        if "content-length" not in request.headers:
            head.append(b"Content-Length: %d\r\n" % len(body))
        head.append(b"\r\n")
        status, headers, content = await self.exchange(origin_of(url), b"".join(head) + body)
        return httpx.Response(status, headers=headers, content=content, request=request)

    async def exchange(
        self, origin: Origin, payload: bytes
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Send one complete HTTP/1.1 request; (status, headers, body) of the answer.

        The fast path of senders that build their request bytes once (no httpx objects).
        """
        idle = self._idle[origin]
        reused = bool(idle)
        connection = idle.pop() if idle else await self._connect(origin)
        try:
            connection.writer.write(payload)
            status, headers, content, keep_alive = await read_response(connection.reader)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            connection.close()
            if not (reused and isinstance(exc, (ConnectionError, asyncio.IncompleteReadError))):
                raise httpx.ReadError(f"connection failed: {exc!r}") from exc
            # The server closed an idle keep-alive connection: retry once on a new one.
            connection = await self._connect(origin)
            try:
                connection.writer.write(payload)
                status, headers, content, keep_alive = await read_response(connection.reader)
            except (
                OSError,
                asyncio.IncompleteReadError,
                asyncio.LimitOverrunError,
                ValueError,
            ) as again:
                connection.close()
                raise httpx.ReadError(f"connection failed: {again!r}") from again
        except asyncio.CancelledError:
            connection.close()
            raise
        if keep_alive and len(idle) < self._max_idle:
            idle.append(connection)
        else:
            connection.close()
        return status, headers, content

    async def aclose(self) -> None:
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()


async def read_response(reader: Reader) -> tuple[int, list[tuple[bytes, bytes]], bytes, bool]:
    """One HTTP/1.1 answer from ``reader``: (status, headers, body, keep-alive)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head[:-4].split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
        raise ValueError(f"not an HTTP/1.x response: {lines[0][:80]!r}")
    status = int(parts[1])
    headers: list[tuple[bytes, bytes]] = []
    length: int | None = None
    chunked = False
    keep_alive = parts[0] == b"HTTP/1.1"
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        value = value.strip()
        lower = name.strip().lower()
        headers.append((name.strip(), value))
        if lower == b"content-length":
            length = int(value)
        elif lower == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        elif lower == b"connection":
            keep_alive = value.lower() == b"keep-alive" or (
                keep_alive and value.lower() != b"close"
            )
    if chunked:
        content = bytearray()
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";", 1)[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            content += await reader.readexactly(size)
            await reader.readexactly(2)
        headers = [(n, v) for n, v in headers if n.lower() != b"transfer-encoding"]
        return status, headers, bytes(content), keep_alive
    if length is None:
        if status in (204, 304) or 100 <= status < 200:
            return status, headers, b"", keep_alive
        return status, headers, await reader.read(), False
    return status, headers, await reader.readexactly(length), keep_alive
