"""Session interfaces whose I/O is asynchronous: awaited on the loop, never blocking it."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import session
from hipflask.sessions import SecureCookieSession
from hipflask.sessions import SessionInterface

_STORE: dict[str, dict[str, Any]] = {}


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []

    def note(self, name: str) -> None:
        try:
            asyncio.get_running_loop()
            on_loop = True
        except RuntimeError:
            on_loop = False
        self.calls.append((name, on_loop))


class DualInterface(SessionInterface):
    """Sync methods for threads, async twins for the loop (like a Redis store)."""

    def __init__(self) -> None:
        self.recorder = _Recorder()

    def open_session(self, app: Any, request: Any) -> SecureCookieSession:
        self.recorder.note("open")
        return SecureCookieSession(_STORE.get(request.cookies.get("sid", ""), {}))

    def save_session(self, app: Any, session: Any, response: Any) -> None:
        self.recorder.note("save")
        _STORE["abc"] = dict(session)
        response.set_cookie("sid", "abc")

    async def open_session_async(self, app: Any, request: Any) -> SecureCookieSession:
        await asyncio.sleep(0)
        self.recorder.note("open_async")
        return SecureCookieSession(_STORE.get(request.cookies.get("sid", ""), {}))

    async def save_session_async(self, app: Any, session: Any, response: Any) -> None:
        await asyncio.sleep(0)
        self.recorder.note("save_async")
        _STORE["abc"] = dict(session)
        response.set_cookie("sid", "abc")


class AsyncOnlyInterface(SessionInterface):
    """``open_session``/``save_session`` themselves are coroutines."""

    def __init__(self) -> None:
        self.threads: set[str] = set()

    async def open_session(self, app: Any, request: Any) -> SecureCookieSession:  # type: ignore[override]
        await asyncio.sleep(0)
        self.threads.add(threading.current_thread().name)
        return SecureCookieSession(_STORE.get(request.cookies.get("sid", ""), {}))

    async def save_session(self, app: Any, session: Any, response: Any) -> None:  # type: ignore[override]
        await asyncio.sleep(0)
        _STORE["abc"] = dict(session)
        response.set_cookie("sid", "abc")


@pytest.fixture(autouse=True)
def _clean_store() -> None:
    _STORE.clear()


def _routes(app: Hipflask) -> None:
    @app.get("/sync")
    def sync_view() -> dict[str, Any]:
        session["n"] = session.get("n", 0) + 1
        return {"n": session["n"]}

    @app.get("/async")
    async def async_view() -> dict[str, Any]:
        session["n"] = session.get("n", 0) + 1
        return {"n": session["n"]}


def test_async_twins_are_awaited_on_the_loop_and_sync_ones_used_elsewhere(
    app: Hipflask, client: Any, protocol: str
) -> None:
    interface = DualInterface()
    app.session_interface = interface
    _routes(app)
    assert client.get("/async").get_json() == {"n": 1}
    assert client.get("/sync").get_json() == {"n": 2}
    assert client.get("/async").get_json() == {"n": 3}
    if protocol == "asgi":
        assert interface.recorder.calls[:2] == [("open_async", True), ("save_async", True)]
        # A sync view runs in a worker thread: the sync methods, off the loop.
        assert interface.recorder.calls[2:4] == [("open", False), ("save", False)]
    else:
        # WSGI: the server's thread is the request's; the sync methods serve it
        # (an async view runs on that thread's private loop, which serves no one else).
        assert {name for name, _ in interface.recorder.calls} == {"open", "save"}


def test_an_interface_of_coroutines_works_under_both_protocols(app: Hipflask, client: Any) -> None:
    interface = AsyncOnlyInterface()
    app.session_interface = interface
    _routes(app)
    assert client.get("/sync").get_json() == {"n": 1}
    assert client.get("/async").get_json() == {"n": 2}
    assert _STORE["abc"] == {"n": 2}


def test_a_sync_interface_is_not_opened_eagerly(app: Hipflask, client: Any) -> None:
    interface = DualInterface()
    del_async = type(
        "SyncOnly",
        (SessionInterface,),
        {
            "open_session": DualInterface.open_session,
            "save_session": DualInterface.save_session,
            "recorder": interface.recorder,
        },
    )
    app.session_interface = del_async()

    @app.get("/untouched")
    async def untouched() -> str:
        return "no session"

    assert client.get("/untouched").text == "no session"
    assert interface.recorder.calls == []
