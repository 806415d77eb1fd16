"""First-request and serving hooks: run once, under threads, on ASGI lifespan and WSGI."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import current_app
from hipflask.testing.client import HipflaskClient


def test_before_first_request_runs_once_across_threads(app: Hipflask) -> None:
    calls: list[str] = []
    started = threading.Barrier(8)

    @app.before_first_request
    def setup() -> None:
        calls.append(threading.current_thread().name)
        # Hold the hook open so that the other threads arrive while it runs.
        time.sleep(0.05)

    @app.route("/")
    def index() -> str:
        return "ok"

    statuses: list[int] = []

    def worker() -> None:
        client = app.test_client()
        started.wait()
        statuses.append(client.get("/").status_code)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 8
    assert len(calls) == 1
    app.test_client().get("/")
    assert len(calls) == 1


def test_before_first_request_supports_async(app: Hipflask, client: HipflaskClient) -> None:
    calls: list[str] = []

    @app.before_first_request
    async def setup() -> None:
        calls.append("setup")

    @app.route("/")
    def index() -> str:
        return "ok"

    client.get("/")
    client.get("/")
    assert calls == ["setup"]


def test_failing_first_request_hook_runs_again_next_time(app: Hipflask) -> None:
    attempts: list[int] = []

    @app.before_first_request
    def flaky() -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("not ready")

    @app.route("/")
    def index() -> str:
        return "ok"

    client = app.test_client()
    with pytest.raises(RuntimeError):
        client.get("/")
    assert client.get("/").text == "ok"
    assert len(attempts) == 2


def _lifespan(app: Hipflask, messages: list[str]) -> list[dict[str, Any]]:
    """Drive the app's lifespan protocol with the given incoming messages."""
    incoming = [{"type": message} for message in messages]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def run() -> None:
        await app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)

    asyncio.run(run())
    return sent


def test_serving_hooks_run_on_asgi_lifespan(app: Hipflask) -> None:
    events: list[str] = []

    @app.before_serving
    def open_pool() -> None:
        events.append(f"start sync in {current_app.name}")

    @app.before_serving
    async def warm_cache() -> None:
        events.append("start async")

    @app.after_serving
    async def close_pool() -> None:
        events.append(f"stop in {current_app.name}")

    @app.route("/")
    def index() -> str:
        return "ok"

    sent = _lifespan(app, ["lifespan.startup", "lifespan.shutdown"])
    assert [m["type"] for m in sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]
    assert events == ["start sync in tests_app", "start async", "stop in tests_app"]
    # Started by the lifespan, so the first request does not start it again.
    app.test_client().get("/")
    assert events.count("start async") == 1


def test_failing_startup_is_reported_to_the_server(app: Hipflask) -> None:
    @app.before_serving
    def broken() -> None:
        raise RuntimeError("no database")

    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "lifespan.startup"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    with pytest.raises(RuntimeError, match="no database"):
        asyncio.run(app({"type": "lifespan"}, receive, send))
    assert sent[0]["type"] == "lifespan.startup.failed"
    assert "no database" in sent[0]["message"]


def test_failing_shutdown_is_reported_to_the_server(app: Hipflask) -> None:
    @app.after_serving
    def broken() -> None:
        raise RuntimeError("cannot close")

    with pytest.raises(RuntimeError, match="cannot close"):
        _lifespan(app, ["lifespan.startup", "lifespan.shutdown"])


def test_before_serving_runs_before_the_first_wsgi_request(app: Hipflask) -> None:
    events: list[str] = []

    @app.before_serving
    def start() -> None:
        events.append("start")

    @app.route("/")
    def index() -> str:
        events.append("view")
        return "ok"

    client = app.test_client()
    client.get("/")
    client.get("/")
    assert events == ["start", "view", "view"]


def test_async_first_request_hook_does_not_block_concurrent_asgi_requests(
    app: Hipflask,
) -> None:
    calls: list[str] = []
    release = asyncio.Event()

    @app.before_first_request
    async def setup() -> None:
        calls.append("setup")
        # Suspends on the loop while the other requests arrive.
        await release.wait()

    @app.route("/<int:n>")
    async def echo(n: int) -> str:
        return str(n)

    async def call(n: int) -> bytes:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "method": "GET",
            "path": f"/{n}",
            "query_string": b"",
            "headers": [(b"host", b"localhost")],
            "server": ("localhost", 80),
        }
        await app(scope, receive, send)
        return b"".join(m.get("body", b"") for m in sent[1:])

    async def main() -> list[bytes]:
        requests = asyncio.gather(*(call(n) for n in range(3)))
        for _ in range(5):
            await asyncio.sleep(0)
        release.set()
        return await requests

    results: list[list[bytes]] = []
    # A deadlock would block the loop itself; watch it from another thread.
    runner = threading.Thread(target=lambda: results.append(asyncio.run(main())), daemon=True)
    runner.start()
    runner.join(timeout=10)
    assert not runner.is_alive(), "concurrent first requests deadlocked the event loop"
    assert results == [[b"0", b"1", b"2"]]
    assert calls == ["setup"]


def test_first_request_hooks_with_mixed_views_and_a_small_pool(app: Hipflask) -> None:
    app.config["ASGI_THREAD_POOL_SIZE"] = 2
    calls: list[str] = []

    @app.before_first_request
    def setup() -> None:
        calls.append("setup")
        # Hold the hook open so that the other requests arrive while it runs.
        time.sleep(0.05)

    @app.route("/sync/<int:n>")
    def sync_view(n: int) -> str:
        return str(n)

    @app.route("/async/<int:n>")
    async def async_view(n: int) -> str:
        return str(n)

    async def call(path: str) -> bytes:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "method": "GET",
            "path": path,
            "query_string": b"",
            "headers": [(b"host", b"localhost")],
            "server": ("localhost", 80),
        }
        await app(scope, receive, send)
        return b"".join(m.get("body", b"") for m in sent[1:])

    paths = [f"/{kind}/{n}" for n in range(4) for kind in ("sync", "async")]

    async def main() -> list[bytes]:
        return await asyncio.gather(*(call(path) for path in paths))

    results: list[list[bytes]] = []
    runner = threading.Thread(target=lambda: results.append(asyncio.run(main())), daemon=True)
    runner.start()
    runner.join(timeout=10)
    app._threads.shutdown()
    assert not runner.is_alive(), "concurrent first requests deadlocked"
    assert results == [[path.rsplit("/", 1)[1].encode() for path in paths]]
    assert calls == ["setup"]
