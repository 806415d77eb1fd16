"""Where the ASGI adapter runs views and hooks: the thread pool, its size, and the loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any
from typing import ClassVar

import pytest
from tests.asgi_driver import Connection
from tests.asgi_driver import http_scope
from tests.asgi_driver import serve

from hipflask import Hipflask
from hipflask import request
from hipflask import session
from hipflask.core.config import DEFAULT_CONFIG


def test_sync_view_runs_in_the_thread_pool(app: Hipflask) -> None:
    seen: list[str] = []

    @app.route("/")
    def index() -> str:
        seen.append(threading.current_thread().name)
        return request.path

    connection = serve(app, http_scope())

    assert connection.body == b"/"
    assert seen[0].startswith("hipflask-sync")


def test_async_view_runs_on_the_servers_loop(app: Hipflask) -> None:
    seen: list[Any] = []

    @app.route("/")
    async def index() -> str:
        seen.append((asyncio.get_running_loop(), threading.current_thread()))
        return request.path

    async def run() -> Connection:
        connection = Connection()
        await app(http_scope(), connection.receive, connection.send)
        seen.append((asyncio.get_running_loop(), threading.current_thread()))
        return connection

    connection = asyncio.run(run())

    assert connection.body == b"/"
    assert seen[0] == seen[1]


def test_sync_view_with_async_hooks_runs_them_all(app: Hipflask) -> None:
    events: list[str] = []

    @app.before_request
    async def before() -> None:
        await asyncio.sleep(0)
        events.append("before")

    @app.route("/")
    def index() -> str:
        events.append("view")
        return "ok"

    connection = serve(app, http_scope())

    assert connection.body == b"ok"
    assert events == ["before", "view"]


class SmallPoolApp(Hipflask):
    default_config: ClassVar[dict[str, Any]] = {**DEFAULT_CONFIG, "ASGI_THREAD_POOL_SIZE": 2}


def saturate(app: Hipflask, requests: int) -> tuple[int, set[str]]:
    """Send ``requests`` sync requests at once, all blocked until every one was queued.

    Returns how many pool threads existed while all of them were waiting (a
    pool starts a thread per queued call until it reaches its size, since
    none is free), and the names of the threads that ran the views.
    """
    release = threading.Event()
    lock = threading.Lock()
    names: set[str] = set()
    queued = 0

    @app.route("/")
    def index() -> str:
        with lock:
            names.add(threading.current_thread().name)
        release.wait(10)
        return "ok"

    run_in_pool = app._threads.run

    async def counting_run(func: Callable[..., Any], *args: Any) -> Any:
        nonlocal queued
        queued += 1
        return await run_in_pool(func, *args)

    app._threads.run = counting_run  # type: ignore[method-assign]

    async def run() -> int:
        connections = [Connection() for _ in range(requests)]
        jobs = asyncio.ensure_future(
            asyncio.gather(*(app(http_scope(), c.receive, c.send) for c in connections))
        )
        for _ in range(10_000):
            if queued == requests:
                break
            await asyncio.sleep(0)
        # Every worker picks up a view before any is released: the views
        # really run side by side, as many as the bound allows.
        for _ in range(500):
            with lock:
                if len(names) >= app._threads.max_workers:
                    break
            await asyncio.sleep(0.01)
        started = app._threads.thread_count
        release.set()
        await jobs
        assert all(c.body == b"ok" for c in connections)
        return started

    started = asyncio.run(run())
    app._threads.shutdown()
    return started, names


def test_sync_views_share_a_pool_bounded_by_asgi_thread_pool_size() -> None:
    app = SmallPoolApp("bounded")

    started, names = saturate(app, 8)

    assert started == 2
    assert len(names) == 2
    assert all(name.startswith("hipflask-sync") for name in names)


def test_asgi_thread_pool_size_set_in_config_after_creation_bounds_the_pool() -> None:
    app = Hipflask("bounded")
    app.config["ASGI_THREAD_POOL_SIZE"] = 2

    started, names = saturate(app, 8)

    assert started == 2
    assert len(names) == 2


@pytest.mark.parametrize("on_loop", [False, True])
def test_sync_views_run_in_the_pool_unless_asked_to_run_on_the_loop(on_loop: bool) -> None:
    app = Hipflask("placement")
    app.config["ASGI_SYNC_ON_LOOP"] = on_loop
    events: list[str] = []

    @app.before_request
    def before() -> None:
        events.append("before")

    @app.get("/")
    def index() -> str:
        return threading.current_thread().name

    name = app.test_client(protocol="asgi").get("/").text
    assert name.startswith("hipflask-sync") is not on_loop
    assert events == ["before"]
    app._threads.shutdown()


def _unrouted_app(*, hook: str, views: str) -> tuple[Hipflask, list[str]]:
    """An app whose before_request hook records the thread it ran in."""
    app = Hipflask("unrouted", static_folder="static")
    threads: list[str] = []

    if hook == "sync":

        @app.before_request
        def before() -> None:
            threads.append(threading.current_thread().name)

    else:

        @app.before_request
        async def abefore() -> None:
            threads.append(threading.current_thread().name)

    if views in ("async", "mixed"):

        @app.get("/a")
        async def a() -> str:
            return "a"

    if views in ("sync", "mixed"):

        @app.get("/s")
        def s() -> str:
            return "s"

    return app, threads


@pytest.mark.parametrize(
    ("hook", "views", "on_loop"),
    [
        ("sync", "async", True),
        ("sync", "mixed", False),
        ("sync", "sync", False),
        ("async", "async", True),
        # Its sync error handlers and after hooks may block like its def views.
        ("async", "sync", False),
        ("async", "mixed", False),
    ],
)
def test_a_request_matching_no_route_runs_where_its_hooks_cannot_block_the_loop(
    hook: str, views: str, on_loop: bool
) -> None:
    app, threads = _unrouted_app(hook=hook, views=views)
    assert "static" in app.view_functions
    client = app.test_client(protocol="asgi")
    for _ in range(2):  # before serving began, and once the choice is kept
        assert client.get("/nowhere").status_code == 404
        assert client.post("/a" if views != "sync" else "/s").status_code == 405
    assert len(threads) == 4
    assert all(name.startswith("hipflask-sync") is not on_loop for name in threads), threads
    app._threads.shutdown()


def test_sync_views_on_the_loop_keep_sessions_and_error_handlers() -> None:
    app = Hipflask("on_loop")
    app.config.update(ASGI_SYNC_ON_LOOP=True, SECRET_KEY="k" * 40)

    @app.get("/count")
    def count() -> dict[str, int]:
        session["n"] = session.get("n", 0) + 1
        return {"n": session["n"]}

    @app.get("/fail")
    def fail() -> str:
        raise KeyError("x")

    @app.errorhandler(KeyError)
    def handled(error: Exception) -> tuple[str, int]:
        return "handled", 409

    client = app.test_client(protocol="asgi")
    assert client.get("/count").json == {"n": 1}
    assert client.get("/count").json == {"n": 2}
    assert (client.get("/fail").status_code, client.get("/fail").text) == (409, "handled")
