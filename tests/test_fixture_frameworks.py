"""The fixture's ``post_to`` against real web frameworks' test clients: a Flask app and FastAPI.

Both mount the consumer on ``/events`` (not ``/``), as real consumers do.
"""

from __future__ import annotations

from typing import Any

import fastapi
import flask
import httpx
from fastapi.testclient import TestClient

from canvas_sim.pytest_plugin import Simulator


def _flask_app(received: list[dict[str, Any]]) -> Any:
    app = flask.Flask("consumer")

    @app.post("/events")
    def events() -> tuple[str, int]:
        received.append(flask.request.get_json())
        return "ok", 200

    return app


def _fastapi_app(received: list[dict[str, Any]]) -> Any:
    app = fastapi.FastAPI()

    @app.post("/events")
    async def events(request: fastapi.Request) -> dict[str, bool]:
        received.append(await request.json())
        return {"ok": True}

    return app


def test_flask_route_on_a_path(canvas_sim: Simulator) -> None:
    sim = canvas_sim.run("quickstart", seed=5)
    received: list[dict[str, Any]] = []
    transport = httpx.WSGITransport(app=_flask_app(received))
    with httpx.Client(transport=transport, base_url="http://consumer") as client:
        responses = sim.post_to(client, "/events")
    assert {r.status_code for r in responses} == {200}
    assert received == sim.events


def test_fastapi_test_client_with_a_path_or_a_full_url(canvas_sim: Simulator) -> None:
    sim = canvas_sim.run("quickstart", seed=5)
    received: list[dict[str, Any]] = []
    with TestClient(_fastapi_app(received)) as client:
        assert {r.status_code for r in sim.post_to(client, "/events")} == {200}
        assert {r.status_code for r in sim.post_to(client, "http://testserver/events")} == {200}
        # without a path the events go to the client's base URL, where nothing listens
        assert {r.status_code for r in sim.post_to(client)[:1]} == {404}
    assert received == sim.events + sim.events
