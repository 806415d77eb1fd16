"""Under ASGI the login registry never blocks the event loop; a failing store is a 503.

Async views log in, log out, end every login and change a password against
the memory store, the real Redis and the real PostgreSQL. A guard around
the registry's store records every blocking call made while an event loop
runs in the calling thread: under ASGI there must be none.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from tests.real_servers import empty_database_on
from tests.real_servers import redis_prefix
from tests.real_servers import redis_url
from werkzeug.security import generate_password_hash

from hipflask import Hipflask
from hipflask import jsonify
from hipflask import request
from hipflask.login import current_user
from hipflask.login import login_required
from hipflask.login import login_user
from hipflask.login import logout_everywhere
from hipflask.login import logout_user
from hipflask.login import roles_required
from hipflask.login.registry import REASON_UNAVAILABLE
from hipflask.principal import Principal
from hipflask.stores import MemoryStore
from hipflask.stores import Store
from hipflask.stores import create_store

from .conftest import FAST_HASH
from .conftest import build_app

_SYNC = ("get", "set", "add", "compare_and_set", "delete", "touch")


class LoopGuard(Store):
    """A store that records blocking calls made on an event loop, and can fail."""

    def __init__(self, inner: Store) -> None:
        super().__init__("")
        self.inner = inner
        self.blocked: list[str] = []
        self.awaited: list[str] = []
        self.failing: set[str] = set()

    def _sync(self, name: str, *args: Any) -> Any:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            self.blocked.append(name)
        if name in self.failing:
            raise ConnectionError(f"store down ({name})")
        return getattr(self.inner, name)(*args)

    async def _async(self, name: str, *args: Any) -> Any:
        self.awaited.append(name)
        if name in self.failing:
            raise ConnectionError(f"store down ({name})")
        return await getattr(self.inner, "a" + name)(*args)

    def get(self, key: str) -> bytes | None:
        return self._sync("get", key)  # type: ignore[no-any-return]

    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        self._sync("set", key, value, ttl)

    def add(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        return self._sync("add", key, value, ttl)  # type: ignore[no-any-return]

    def compare_and_set(
        self, key: str, expected: bytes, value: bytes, ttl: float | None = None
    ) -> bool:
        return self._sync("compare_and_set", key, expected, value, ttl)  # type: ignore[no-any-return]

    def delete(self, key: str) -> bool:
        return self._sync("delete", key)  # type: ignore[no-any-return]

    def touch(self, key: str, ttl: float | None) -> bool:
        return self._sync("touch", key, ttl)  # type: ignore[no-any-return]

    async def aget(self, key: str) -> bytes | None:
        return await self._async("get", key)  # type: ignore[no-any-return]

    async def aset(self, key: str, value: bytes, ttl: float | None = None) -> None:
        await self._async("set", key, value, ttl)

    async def aadd(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        return await self._async("add", key, value, ttl)  # type: ignore[no-any-return]

    async def acompare_and_set(
        self, key: str, expected: bytes, value: bytes, ttl: float | None = None
    ) -> bool:
        return await self._async("compare_and_set", key, expected, value, ttl)  # type: ignore[no-any-return]

    async def adelete(self, key: str) -> bool:
        return await self._async("delete", key)  # type: ignore[no-any-return]

    async def atouch(self, key: str, ttl: float | None) -> bool:
        return await self._async("touch", key, ttl)  # type: ignore[no-any-return]

    async def aclose(self) -> None:
        await self.inner.aclose()


class Clients:
    """Test clients of one app; their async store connections are closed on their loops."""

    def __init__(self) -> None:
        self.made: list[Any] = []

    def __call__(self, app: Hipflask, protocol: str) -> Any:
        client = app.test_client(protocol=protocol)
        self.made.append(client)
        return client

    def close(self) -> None:
        for client in self.made:
            client.post("/aclose")
            if client._shim is not None:
                client._shim.close()


@pytest.fixture(params=["memory", "redis", "postgresql"])
def registry_store(request: pytest.FixtureRequest) -> Iterator[Store]:
    backend = request.param
    if backend == "memory":
        yield MemoryStore(prefix="login:")
    elif backend == "redis":
        with redis_prefix("loginloop") as prefix:
            store = create_store(redis_url(), prefix=prefix)
            yield store
            store.close()
    else:
        with empty_database_on(request, "postgresql") as url:
            store = create_store(url, prefix="login:")
            yield store
            store.close()


@pytest.fixture
def clients() -> Iterator[Clients]:
    made = Clients()
    yield made
    made.close()


def build_async_app(store: Store) -> Hipflask:
    """The tutorial app plus async twins of its views."""
    app = build_app(LOGIN_REGISTRY_STORE=store)
    Principal(app)

    @app.post("/aclose")
    async def aclose() -> str:
        # Async drivers hold connections per event loop: close them on it.
        await store.aclose()
        return "closed"

    add_async_views(app)
    return app


def add_async_views(app: Hipflask) -> None:
    """Async views that log in, log out, read the user and end logins."""
    users = app.extensions["test_users"]

    @app.post("/alogin")
    async def alogin() -> Any:
        user = users[request.form["username"]]
        login_user(user, remember=request.form.get("remember") == "1")
        return jsonify(id=current_user.get_id())

    @app.post("/alogout")
    async def alogout() -> str:
        logout_user()
        return "bye"

    @app.get("/awhoami")
    async def awhoami() -> Any:
        return jsonify(id=current_user.get_id())

    @app.get("/aadmin")
    @roles_required("admin")
    async def aadmin() -> str:
        return "admin"

    @app.post("/apassword")
    @login_required
    async def apassword() -> str:
        current_user.password_hash = generate_password_hash("new", method=FAST_HASH)
        logout_everywhere(current_user, keep_current=True)
        return "changed"

    @app.post("/aeverywhere")
    @login_required
    async def aeverywhere() -> str:
        logout_everywhere(current_user)
        return "ended"


def _alogin(client: Any, name: str = "alice", remember: bool = False) -> Any:
    return client.post("/alogin", data={"username": name, "remember": "1" if remember else ""})


def _who(client: Any, path: str = "/awhoami") -> Any:
    return client.get(path).get_json()["id"]


def test_async_views_never_block_the_loop_on_the_registry(
    registry_store: Store, clients: Clients
) -> None:
    guard = LoopGuard(registry_store)
    app = build_async_app(guard)
    client, other = clients(app, "asgi"), clients(app, "asgi")

    assert _alogin(client).get_json() == {"id": "alice"}
    assert _alogin(other, remember=True).status_code == 200
    assert _who(client) == "alice"
    assert client.get("/aadmin").data == b"admin"
    assert client.post("/apassword").data == b"changed"
    assert _who(client) == "alice"
    assert _who(other) is None
    assert client.post("/aeverywhere").data == b"ended"
    assert _who(client) is None
    _alogin(client, "bob")
    assert client.post("/alogout").data == b"bye"
    assert _who(client) is None

    assert guard.blocked == []
    assert {"get", "set", "add", "delete"} <= set(guard.awaited)


def test_sync_views_keep_the_blocking_registry(registry_store: Store, clients: Clients) -> None:
    guard = LoopGuard(registry_store)
    client = clients(build_async_app(guard), "asgi")
    assert (
        client.post("/login", data={"username": "alice", "password": "wonderland"}).status_code
        == 302
    )
    assert client.get("/dashboard").data == b"Hello alice"
    assert guard.blocked == []
    assert guard.awaited == []


def test_async_login_logout_and_copies(
    registry_store: Store, protocol: str, clients: Clients
) -> None:
    app = build_async_app(registry_store)
    client = clients(app, protocol)
    _alogin(client)
    stolen = client.get_cookie("session").value
    assert _who(client) == "alice"
    client.post("/alogout")
    assert _who(client) is None
    client.set_cookie("session", stolen)
    assert _who(client) is None
    assert client.get("/async-dashboard").status_code == 302


def test_async_logout_everywhere_ends_other_browsers_and_cookies(
    registry_store: Store, protocol: str, clients: Clients
) -> None:
    app = build_async_app(registry_store)
    first, second = clients(app, protocol), clients(app, protocol)
    _alogin(first)
    _alogin(second, remember=True)
    remembered = second.get_cookie("remember_token").value
    first.post("/aeverywhere")
    assert _who(first) is None
    assert _who(second) is None
    second.delete_cookie("session")
    second.set_cookie("remember_token", remembered)
    assert _who(second) is None


def test_async_password_change_ends_other_logins_only(
    registry_store: Store, protocol: str, clients: Clients
) -> None:
    app = build_async_app(registry_store)
    mine, theirs = clients(app, protocol), clients(app, protocol)
    _alogin(mine, remember=True)
    _alogin(theirs)
    assert mine.post("/apassword").data == b"changed"
    assert _who(mine) == "alice"
    assert _who(theirs) is None
    mine.delete_cookie("session")
    assert _who(mine) == "alice"  # the remember-me cookie was renewed for this login


# -- a failing store --------------------------------------------------------


@pytest.fixture(params=["sync", "async"])
def flavour(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _login_path(flavour: str) -> str:
    return "/alogin" if flavour == "async" else "/login"


def _login(client: Any, flavour: str) -> Any:
    if flavour == "async":
        return _alogin(client, remember=True)
    return client.post(
        "/login", data={"username": "alice", "password": "wonderland", "remember": "1"}
    )


def test_failed_registry_write_refuses_the_login_with_503(protocol: str, flavour: str) -> None:
    guard = LoopGuard(MemoryStore())
    client = build_async_app(guard).test_client(protocol=protocol)
    guard.failing = {"set"}
    response = _login(client, flavour)
    assert response.status_code == 503
    assert REASON_UNAVAILABLE.split(".")[0] in response.get_data(as_text=True)
    assert not any("remember_token=" in c for c in response.headers.getlist("Set-Cookie"))
    guard.failing = set()
    assert _who(client) is None
    assert _who(client, "/whoami") is None


def test_failed_logout_keeps_the_session_so_the_user_can_retry(protocol: str, flavour: str) -> None:
    guard = LoopGuard(MemoryStore())
    client = build_async_app(guard).test_client(protocol=protocol)
    _login(client, flavour)
    stolen = client.get_cookie("session").value
    guard.failing = {"delete"}
    path = "/alogout" if flavour == "async" else "/logout"
    assert client.post(path).status_code == 503
    assert _who(client) == "alice"  # still logged in: the logout did not happen
    guard.failing = set()
    client.post(path)
    assert _who(client) is None
    client.set_cookie("session", stolen)
    assert _who(client) is None


def test_failed_logout_everywhere_keeps_every_login(protocol: str) -> None:
    guard = LoopGuard(MemoryStore())
    app = build_async_app(guard)
    first, second = app.test_client(protocol=protocol), app.test_client(protocol=protocol)
    _alogin(first)
    _alogin(second)
    guard.failing = {"set"}
    assert first.post("/aeverywhere").status_code == 503
    guard.failing = set()
    assert _who(first) == "alice"
    assert _who(second) == "alice"


def test_unreadable_registry_is_a_503_not_a_500(protocol: str, flavour: str) -> None:
    guard = LoopGuard(MemoryStore())
    client = build_async_app(guard).test_client(protocol=protocol)
    _login(client, flavour)
    guard.failing = {"get"}
    path = "/awhoami" if flavour == "async" else "/whoami"
    assert client.get(path).status_code == 503


def test_a_failing_registry_is_logged_with_its_cause(
    protocol: str, flavour: str, caplog: pytest.LogCaptureFixture
) -> None:
    # The client gets a bare 503; the operator needs the reason in the log.
    guard = LoopGuard(MemoryStore())
    client = build_async_app(guard).test_client(protocol=protocol)
    _login(client, flavour)
    guard.failing = {"get"}
    path = "/awhoami" if flavour == "async" else "/whoami"
    with caplog.at_level("WARNING", logger="hipflask.login"):
        assert client.get(path).status_code == 503
    logged = [r.getMessage() for r in caplog.records if r.name == "hipflask.login"]
    assert any("login registry" in m and "503" in m for m in logged), logged


def test_two_writes_in_one_async_view_are_both_performed(protocol: str) -> None:
    app = build_async_app(MemoryStore())
    users = app.extensions["test_users"]

    @app.post("/switch")
    async def switch() -> Any:
        login_user(users["bob"])
        login_user(users["alice"])
        return "switched"

    client = app.test_client(protocol=protocol)
    assert client.post("/switch").data == b"switched"
    assert _who(client) == "alice"


def test_async_views_without_the_registry(protocol: str) -> None:
    app = build_async_app(MemoryStore())
    app.config["LOGIN_REGISTRY_STORE"] = None
    client = app.test_client(protocol=protocol)
    _alogin(client)
    assert _who(client) == "alice"
    client.post("/alogout")
    assert _who(client) is None


def test_async_view_of_an_app_without_a_user_loader_is_not_preloaded() -> None:
    from hipflask.login import LoginManager

    app = Hipflask("no_loader")
    LoginManager(app)

    @app.get("/")
    async def index() -> str:
        return "ok"

    assert app.test_client(protocol="asgi").get("/").data == b"ok"


def test_the_apps_503_handler_answers_a_failed_write(protocol: str, flavour: str) -> None:
    guard = LoopGuard(MemoryStore())
    app = build_async_app(guard)

    @app.errorhandler(503)
    def unavailable(error: Exception) -> tuple[str, int]:
        return "come back soon", 503

    client = app.test_client(protocol=protocol)
    guard.failing = {"set"}
    response = _login(client, flavour)
    assert response.status_code == 503
    assert response.get_data(as_text=True) == "come back soon"
