"""What the server-side session tests share: the app per store kind, its views, a counting store."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import SECRET
from tests.real_servers import redis_prefix
from tests.real_servers import redis_url

from hipflask import Hipflask
from hipflask import session
from hipflask.db import SQLAlchemy
from hipflask.sessions import Session
from hipflask.sessions.server import ServerSideSession
from hipflask.sessions.server import ServerSideSessionInterface
from hipflask.stores import Store


class CountingStore(Store):
    """Delegates to a store and records which operations ran, sync or async."""

    def __init__(self, inner: Store) -> None:
        super().__init__(inner.prefix)
        self.inner = inner
        self.calls: list[str] = []
        #: Sync calls made while an event loop was running in the calling thread.
        self.blocking_calls: list[str] = []

    @property  # type: ignore[override]
    def prefix(self) -> str:
        return self.inner.prefix if hasattr(self, "inner") else ""

    @prefix.setter
    def prefix(self, value: str) -> None:
        if hasattr(self, "inner"):
            self.inner.prefix = value

    def __getattribute__(self, name: str) -> Any:
        if name in ("get", "set", "add", "delete", "touch", "compare_and_set") or (
            name in ("aget", "aset", "aadd", "adelete", "atouch", "acompare_and_set")
        ):
            object.__getattribute__(self, "calls").append(name)
            if not name.startswith("a") or name == "add":
                try:
                    asyncio.get_running_loop()
                    object.__getattribute__(self, "blocking_calls").append(name)
                except RuntimeError:
                    pass
            return getattr(object.__getattribute__(self, "inner"), name)
        return object.__getattribute__(self, name)

    def get(self, key: str) -> bytes | None: ...
    def set(self, key: str, value: bytes, ttl: float | None = None) -> None: ...
    def add(self, key: str, value: bytes, ttl: float | None = None) -> bool: ...
    def delete(self, key: str) -> bool: ...
    def touch(self, key: str, ttl: float | None) -> bool: ...
    async def aget(self, key: str) -> bytes | None: ...
    async def aset(self, key: str, value: bytes, ttl: float | None = None) -> None: ...
    async def aadd(self, key: str, value: bytes, ttl: float | None = None) -> bool: ...
    async def adelete(self, key: str) -> bool: ...
    async def atouch(self, key: str, ttl: float | None) -> bool: ...
    def compare_and_set(
        self, key: str, expected: bytes, value: bytes, ttl: float | None = None
    ) -> bool: ...
    async def acompare_and_set(
        self, key: str, expected: bytes, value: bytes, ttl: float | None = None
    ) -> bool: ...


def add_views(app: Hipflask) -> None:
    @app.get("/set/<key>/<value>")
    def set_value(key: str, value: str) -> Any:
        session[key] = value
        return {"ok": True}

    @app.get("/get/<key>")
    def get_value(key: str) -> Any:
        return {"value": session.get(key)}

    @app.get("/nothing")
    def nothing() -> str:
        return "no session here"

    @app.get("/login/<name>")
    def login(name: str) -> Any:
        session.regenerate()
        session["user"] = name
        return {"ok": True}

    @app.get("/logout")
    def logout() -> Any:
        session.clear()
        return {"ok": True}

    @app.get("/async/<key>")
    async def async_get(key: str) -> Any:
        return {"value": session.get(key)}


def make_app(tmp_path: Path, **config: Any) -> Hipflask:
    app = Hipflask("sessions_app", instance_path=str(tmp_path / "instance"))
    app.config.update(TESTING=True, SECRET_KEY=SECRET, **config)
    add_views(app)
    return app


@pytest.fixture(params=["memory", "filesystem", "redis", "sqlalchemy"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def track_clients(app: Hipflask) -> list[Any]:
    """Record the app's test clients, to close the store's async connections on their loops.

    A server closes them at lifespan shutdown (``after_serving``); each test
    client has an event loop of its own, which ends with the client.
    """
    clients: list[Any] = []
    make = app.test_client

    def test_client(*args: Any, **kwargs: Any) -> Any:
        client = make(*args, **kwargs)
        clients.append(client)
        return client

    app.test_client = test_client  # type: ignore[method-assign]
    return clients


def close_clients(app: Hipflask, clients: list[Any]) -> None:
    store = app.session_interface.store
    store = getattr(store, "inner", store)
    for client in clients:
        shim = getattr(client, "_shim", None)
        if shim is not None and shim._loop is not None and not shim._loop.is_closed():
            shim._run(store.aclose())
            shim.close()


@pytest.fixture
def app(kind: str, tmp_path: Path) -> Iterator[Hipflask]:
    for app in _make_session_app(kind, tmp_path):
        clients = track_clients(app)
        yield app
        close_clients(app, clients)


def _make_session_app(kind: str, tmp_path: Path) -> Iterator[Hipflask]:
    config: dict[str, Any] = {"SESSION_TYPE": kind}
    if kind == "redis":
        with redis_prefix("sessions") as prefix:
            config.update(SESSION_REDIS=redis_url(), SESSION_KEY_PREFIX=prefix)
            app = make_app(tmp_path, **config)
            Session(app)
            yield app
        return
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 's.db'}", **config)
    if kind == "sqlalchemy":
        SQLAlchemy(app)
    Session(app)
    yield app


def store_of(app: Hipflask) -> Store:
    interface: ServerSideSessionInterface = app.session_interface
    return interface.store


def sid_of(client: Any, app: Hipflask) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return str(cookie.value).split(".")[0]


def open_pair(app: Hipflask, cookie: str) -> tuple[Any, ServerSideSession, ServerSideSession]:
    interface: ServerSideSessionInterface = app.session_interface
    headers = {"Cookie": f"session={cookie}"}
    with app.test_request_context("/", headers=headers) as first:
        a = interface.open_session(app, first.request)
    with app.test_request_context("/", headers=headers) as second:
        b = interface.open_session(app, second.request)
    return interface, a, b


def save(app: Hipflask, interface: ServerSideSessionInterface, data: ServerSideSession) -> None:
    with app.test_request_context("/"):
        interface.save_session(app, data, app.response_class())
