"""Sync and async views under both protocols, and ensure_sync/async_to_sync."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import current_app
from hipflask import g
from hipflask import request
from hipflask.testing.client import HipflaskClient


def test_async_views_under_both_protocols(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/<name>")
    async def hello(name: str) -> str:
        await asyncio.sleep(0)
        return f"hello {name} from {request.path}"

    assert client.get("/ann").text == "hello ann from /ann"


def test_sync_view_under_asgi_runs_in_a_worker_thread(app: Hipflask, protocol: str) -> None:
    threads: dict[str, threading.Thread] = {}

    @app.route("/async")
    async def async_view() -> str:
        threads["loop"] = threading.current_thread()
        return "async"

    @app.route("/sync")
    def sync_view() -> str:
        threads["sync"] = threading.current_thread()
        g.seen = request.args["q"]
        return f"{g.seen} {current_app.name}"

    client = app.test_client(protocol=protocol)
    assert client.get("/async").text == "async"
    assert client.get("/sync?q=1").text == "1 tests_app"
    if protocol == "asgi":
        assert threads["sync"] is not threads["loop"]
        assert threads["sync"].name.startswith("hipflask-sync")
    else:
        assert threads["sync"] is threads["loop"] is threading.current_thread()


def test_async_view_under_wsgi_has_a_running_loop(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    async def index() -> str:
        loop = asyncio.get_running_loop()
        return type(loop).__name__

    assert "EventLoop" in client.get("/").text


def test_async_view_errors_reach_the_handlers(app: Hipflask, client: HipflaskClient) -> None:
    @app.errorhandler(LookupError)
    def lookup(error: LookupError) -> tuple[str, int]:
        return "looked up", 404

    @app.route("/")
    async def index() -> str:
        await asyncio.sleep(0)
        raise KeyError

    assert client.get("/").text == "looked up"


def test_ensure_sync_and_async_to_sync(app: Hipflask) -> None:
    def plain() -> int:
        return 1

    async def coroutine(value: int) -> int:
        return value * 2

    assert app.ensure_sync(plain) is plain
    assert app.ensure_sync(coroutine)(4) == 8
    assert app.async_to_sync(coroutine)(5) == 10


def test_ensure_sync_goes_through_an_overridden_async_to_sync() -> None:
    calls: list[str] = []

    class Traced(Hipflask):
        def async_to_sync(self, func: Any) -> Any:
            calls.append(func.__name__)
            return super().async_to_sync(func)

    async def coroutine() -> int:
        return 3

    assert Traced("traced").ensure_sync(coroutine)() == 3
    assert calls == ["coroutine"]


def test_async_view_errors_propagate_when_testing(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    async def index() -> str:
        raise LookupError("from an async view")

    with pytest.raises(LookupError, match="from an async view"):
        client.get("/")
