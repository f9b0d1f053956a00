"""The dashboard's web app (Starlette), served on uvicorn's HTTP protocol beside the ingest path.

The receiver hands a connection to :meth:`PageServer.take` at its first request that is not a
POST; from then on a uvicorn protocol instance runs this app on it: the page (``GET /``), its
assets (``/static``, all in the package: the page works offline), its live stream
(``GET /api/stream``, server-sent events, one JSON message every UPDATE_EVERY_S), ``GET /stats``
and ``GET /jwks``. Routing is per request: a POST on such a connection (on any path, as on the
fast path) goes to the same ingest, :meth:`Receiver.handle`. Another method on EVENTS_PATH is
answered ``405`` (``Allow: POST``); any other path ``404``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from uvicorn.server import ServerState

from .dashboard import Cursor
from .payload import MAX_BODY_BYTES, error_body

if TYPE_CHECKING:
    from .server import Receiver

UPDATE_EVERY_S = 0.3
STATIC = Path(str(files(__package__).joinpath("static")))
EVENTS_PATH = "/events"  # the documented endpoint (POSTs are taken on any path)


def _json(status: int, body: bytes) -> Response:
    return Response(body, status_code=status, media_type="application/json")


def build_app(receiver: Receiver, closing: asyncio.Event) -> Starlette:
    """The page's routes, reading from ``receiver`` (its stats, keys and dashboard)."""
    dashboard = receiver.dashboard
    index = (STATIC / "index.html").read_text("utf-8")

    async def page(request: Request) -> Response:
        return HTMLResponse(index)

    async def stats(request: Request) -> Response:
        return _json(200, orjson.dumps(receiver.stats.as_dict()))

    async def jwks(request: Request) -> Response:
        if receiver.config.jwks is None:
            return _json(404, error_body("no keys configured"))
        return _json(200, orjson.dumps(receiver.config.jwks))

    async def stream(request: Request) -> Response:
        course = request.query_params.get("course") or None
        cursor = Cursor()

        async def messages() -> AsyncIterator[bytes]:
            while True:
                yield b"data: " + orjson.dumps(dashboard.update(cursor, course)) + b"\n\n"
                try:
                    await asyncio.wait_for(closing.wait(), UPDATE_EVERY_S)
                    return
                except TimeoutError:
                    pass

        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(messages(), media_type="text/event-stream", headers=headers)

    async def ingest(request: Request) -> Response:
        """A POST on a connection this app serves (a keep-alive client that asked for a page
        first): the receiver's own ingest, with its limits and injected latency."""
        declared = request.headers.get("content-length", "")
        too_large = declared.isdigit() and int(declared) > MAX_BODY_BYTES
        body = bytearray()
        if not too_large:
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_BODY_BYTES:
                    too_large = True
                    break
        if too_large:
            return _json(*receiver.refuse(413, "payload too large", "refused", bytes(body[:300])))
        delay = receiver.delay()
        if delay > 0:
            await asyncio.sleep(delay)
        return _json(*receiver.handle(bytes(body)))

    async def icon(request: Request) -> Response:
        return Response(status_code=204)

    async def events(request: Request) -> Response:
        response = _json(405, error_body(f"POST events to {EVENTS_PATH}"))
        response.headers["Allow"] = "POST"
        return response

    async def elsewhere(request: Request) -> Response:
        reason = f"no such page: {request.url.path} (POST events to {EVENTS_PATH})"
        return _json(404, error_body(reason))

    anything = ["GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"]
    return Starlette(
        routes=[
            Route("/{path:path}", ingest, methods=["POST"]),
            Route("/", page),
            Route("/favicon.ico", icon),
            Route("/stats", stats),
            Route("/jwks", jwks),
            Route("/api/stream", stream),
            Route(EVENTS_PATH, events, methods=anything),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
            Route("/{path:path}", elsewhere, methods=anything),
        ]
    )


class PageServer:
    """uvicorn's HTTP protocol running the page's app, for connections handed over to it."""

    def __init__(self, receiver: Receiver) -> None:
        self.closing = asyncio.Event()
        app = build_app(receiver, self.closing)
        self.config = uvicorn.Config(
            app, http="h11", lifespan="off", log_config=None, access_log=False
        )
        self.config.load()
        self.state = ServerState()

    def take(self, transport: asyncio.Transport, data: bytes) -> None:
        """Serve a connection from now on, starting with the bytes already read from it."""
        protocol = self.config.http_protocol_class(  # type: ignore[call-arg]
            config=self.config, server_state=self.state, app_state={}
        )
        transport.set_protocol(protocol)
        protocol.connection_made(transport)
        if data:
            protocol.data_received(data)

    async def close(self) -> None:
        """End the live streams, then close every connection the page serves."""
        self.closing.set()
        await asyncio.sleep(0)
        for connection in list(self.state.connections):
            connection.shutdown()
        tasks = list(self.state.tasks)
        if tasks:
            await asyncio.wait(tasks, timeout=2)
        for task in tasks:
            task.cancel()
