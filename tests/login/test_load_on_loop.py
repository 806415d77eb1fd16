"""When ``current_user`` is loaded: on first use, unless loading would wait on the loop.

With the login registry in this process's memory (the default) or turned
off, and no :mod:`hipflask.principal` (whose identity is the user's),
loading the user waits on nothing, so it happens on first use, as in
Flask-Login, under both protocols: an ``async def`` view that never reads
``current_user`` runs neither the ``user_loader`` nor ``user_accessed``, and
its response does not vary on the cookie. With a registry in a network
store, an ``async def`` view under ASGI gets the user loaded before it runs,
awaiting the store, and the loop is never blocked.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import Response
from hipflask import abort
from hipflask.login import current_user
from hipflask.login import signals
from hipflask.stores import MemoryStore
from hipflask.stores import Store

from .conftest import build_app
from .test_deferred import LoopGuard
from .test_deferred import _alogin
from .test_deferred import _who
from .test_deferred import add_async_views


class Loads:
    """Counts the ``user_loader`` calls and the ``user_accessed`` signals of an app."""

    def __init__(self, app: Hipflask) -> None:
        self.loader = 0
        self.accessed = 0
        manager = app.login_manager
        load = manager._user_callback

        @manager.user_loader
        def counted(user_id: str) -> Any:
            self.loader += 1
            return load(user_id)

        signals.user_accessed.connect(self._on_accessed, app)

    def _on_accessed(self, sender: Any, **extra: Any) -> None:
        self.accessed += 1

    def reset(self) -> None:
        self.loader = self.accessed = 0

    def close(self) -> None:
        signals.user_accessed.disconnect(self._on_accessed)


Watch = Callable[[Hipflask], Loads]


@pytest.fixture
def watch() -> Iterator[Watch]:
    """Counts an app's loads; the signal receivers are disconnected afterwards."""
    made: list[Loads] = []

    def start(app: Hipflask) -> Loads:
        made.append(Loads(app))
        return made[-1]

    yield start
    for loads in made:
        loads.close()


def async_app(registry: Any) -> Hipflask:
    """The tutorial app with async views, and two reading the user never or twice."""
    app = build_app(LOGIN_REGISTRY_STORE=registry)
    add_async_views(app)

    @app.get("/aplain")
    async def aplain() -> str:
        return "plain"

    @app.get("/aname")
    async def aname() -> str:
        return f"{current_user.get_id()}:{current_user.get_id()}"

    return app


def local_app(registry: Any, watch: Watch) -> tuple[Hipflask, Loads]:
    app = async_app(registry)
    return app, watch(app)


@pytest.mark.parametrize("registry", ["memory://", None], ids=["memory", "off"])
def test_a_view_that_never_reads_the_user_does_not_load_it(
    registry: Any, protocol: str, watch: Watch
) -> None:
    app, loads = local_app(registry, watch)
    client = app.test_client(protocol=protocol)
    assert _alogin(client).status_code == 200
    loads.reset()

    response = client.get("/aplain")
    assert response.data == b"plain"
    assert (loads.loader, loads.accessed) == (0, 0)
    assert "Cookie" not in response.headers.get("Vary", "")


@pytest.mark.parametrize("registry", ["memory://", None], ids=["memory", "off"])
def test_the_user_is_loaded_once_on_first_use(registry: Any, protocol: str, watch: Watch) -> None:
    app, loads = local_app(registry, watch)
    client = app.test_client(protocol=protocol)
    _alogin(client)
    loads.reset()

    response = client.get("/aname")
    assert response.data == b"alice:alice"
    assert (loads.loader, loads.accessed) == (1, 1)
    assert "Cookie" in response.headers["Vary"]


def test_a_logout_still_ends_copies_of_the_cookie_when_loaded_lazily(
    protocol: str,
) -> None:
    app = async_app("memory://")
    client = app.test_client(protocol=protocol)
    _alogin(client)
    stolen = client.get_cookie("session").value
    assert client.post("/alogout").data == b"bye"
    client.set_cookie("session", stolen)
    assert client.get("/aname").data == b"None:None"
    assert _who(client) is None


@pytest.fixture
def network_store() -> Store:
    """A registry store that, like Redis or SQL, is not process-local."""
    guard = LoopGuard(MemoryStore(prefix="login:"))
    assert not guard.process_local
    return guard


def test_a_network_registry_is_awaited_before_an_async_view(
    network_store: LoopGuard, watch: Watch
) -> None:
    app = async_app(network_store)
    loads = watch(app)
    client = app.test_client(protocol="asgi")
    _alogin(client)
    loads.reset()
    network_store.awaited.clear()

    assert client.get("/aplain").data == b"plain"
    assert (loads.loader, loads.accessed) == (1, 1)
    assert "get" in network_store.awaited
    assert client.get("/aname").data == b"alice:alice"
    assert loads.loader == 2
    assert network_store.blocked == []


def test_off_the_loop_a_network_registry_is_read_on_first_use(
    network_store: LoopGuard, watch: Watch
) -> None:
    app = async_app(network_store)
    loads = watch(app)
    client = app.test_client(protocol="wsgi")
    _alogin(client)
    loads.reset()
    assert client.get("/aplain").data == b"plain"
    assert (loads.loader, loads.accessed) == (0, 0)
    assert client.get("/aname").data == b"alice:alice"
    assert loads.loader == 1


def test_a_loader_s_refusal_is_met_where_the_user_is_read_under_both_protocols(
    network_store: LoopGuard, protocol: str
) -> None:
    # Under ASGI the gate loads the user ahead of an async view; what the
    # app's loader raises there must not be a refusal by the gate (no hooks,
    # every view refused): off the loop it is met where current_user is read.
    app = async_app(network_store)

    @app.login_manager.request_loader
    def from_key(req: Any) -> None:
        if req.headers.get("X-Api-Key") == "revoked":
            abort(401)

    @app.after_request
    def mark(response: Response) -> Response:
        response.headers["X-Hook"] = "ran"
        return response

    client = app.test_client(protocol=protocol)
    refused = client.get("/aname", headers={"X-Api-Key": "revoked"})
    assert refused.status_code == 401
    assert refused.headers.get("X-Hook") == "ran"
    plain = client.get("/aplain", headers={"X-Api-Key": "revoked"})
    assert (plain.status_code, plain.data) == (200, b"plain")
    assert network_store.blocked == []
