"""The ASGI lifespan protocol: serving hooks at startup and shutdown, and their failures."""

from __future__ import annotations

import asyncio

import pytest
from tests.asgi_driver import Connection
from tests.asgi_driver import http_scope
from tests.asgi_driver import serve

from hipflask import Hipflask


def lifespan(app: Hipflask, *messages: str) -> Connection:
    return serve(
        app,
        {"type": "lifespan", "asgi": {"version": "3.0"}},
        *[{"type": f"lifespan.{name}"} for name in messages],
    )


def test_lifespan_runs_serving_hooks_and_reports_completion(app: Hipflask) -> None:
    events: list[str] = []

    @app.before_serving
    def start_sync() -> None:
        events.append("start sync")

    @app.before_serving
    async def start_async() -> None:
        await asyncio.sleep(0)
        events.append("start async")

    @app.after_serving
    async def stop() -> None:
        events.append("stop")

    connection = lifespan(app, "startup", "shutdown")

    assert connection.sent == [
        {"type": "lifespan.startup.complete"},
        {"type": "lifespan.shutdown.complete"},
    ]
    assert events == ["start sync", "start async", "stop"]


def test_serving_hooks_run_once_when_lifespan_ran_first(app: Hipflask) -> None:
    events: list[str] = []

    @app.before_serving
    def start() -> None:
        events.append("start")

    @app.route("/")
    def index() -> str:
        return "ok"

    async def run() -> None:
        startup = Connection({"type": "lifespan.startup"})
        task = asyncio.ensure_future(app({"type": "lifespan"}, startup.receive, startup.send))
        while not startup.sent:
            await asyncio.sleep(0)
        connection = Connection()
        await app(http_scope(), connection.receive, connection.send)
        assert connection.body == b"ok"
        task.cancel()

    asyncio.run(run())

    assert events == ["start"]


def test_failed_startup_is_reported_to_the_server(app: Hipflask) -> None:
    @app.before_serving
    def start() -> None:
        raise RuntimeError("database unreachable")

    connection = Connection({"type": "lifespan.startup"})

    with pytest.raises(RuntimeError, match="database unreachable"):
        asyncio.run(app({"type": "lifespan"}, connection.receive, connection.send))

    assert connection.sent[0]["type"] == "lifespan.startup.failed"
    assert "database unreachable" in connection.sent[0]["message"]


def test_failed_shutdown_is_reported_and_stops_the_pool(app: Hipflask) -> None:
    @app.after_serving
    def stop() -> None:
        raise RuntimeError("flush failed")

    @app.route("/")
    def index() -> str:
        return "ok"

    async def run(connection: Connection) -> None:
        page = Connection()
        await app(http_scope(), page.receive, page.send)
        await app({"type": "lifespan"}, connection.receive, connection.send)

    connection = Connection({"type": "lifespan.startup"}, {"type": "lifespan.shutdown"})
    with pytest.raises(RuntimeError, match="flush failed"):
        asyncio.run(run(connection))

    assert [m["type"] for m in connection.sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.failed",
    ]
    assert "flush failed" in connection.sent[1]["message"]
    assert app._threads.thread_count == 0


def test_unknown_lifespan_messages_are_ignored(app: Hipflask) -> None:
    connection = lifespan(app, "startup", "something-new", "shutdown")

    assert [m["type"] for m in connection.sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]
