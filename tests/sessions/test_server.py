"""Server-side sessions: the id in the cookie, the data in the store."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Iterator
from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import SECRET
from tests.real_servers import redis_prefix
from tests.real_servers import redis_url
from tests.redis_helper import closed_port
from tests.sessions.backends import BACKENDS
from tests.sessions.backends import close_clients as close_loops
from tests.sessions.backends import session_app

from hipflask import Hipflask
from hipflask import session
from hipflask.db import SQLAlchemy
from hipflask.sessions import Session
from hipflask.sessions.server import ServerSideSession
from hipflask.sessions.server import ServerSideSessionInterface
from hipflask.sessions.server import SessionTooLargeError
from hipflask.stores import MemoryStore
from hipflask.stores import Store
from hipflask.stores.base import MAX_VALUE_SIZE


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


def test_the_cookie_holds_only_a_signed_256_bit_id(app: Hipflask, protocol: str) -> None:
    client = app.test_client(protocol=protocol)
    client.get("/set/secret/the-data")
    value = client.get_cookie("session").value
    sid, _, signature = value.partition(".")
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", sid)  # 32 random bytes
    assert signature
    assert "the-data" not in value
    assert store_of(app).get(sid) is not None
    assert client.get("/get/secret").json == {"value": "the-data"}


def test_ids_are_different_for_every_session(app: Hipflask, protocol: str) -> None:
    ids = set()
    for _ in range(5):
        client = app.test_client(protocol=protocol)
        client.get("/set/a/b")
        ids.add(sid_of(client, app))
    assert len(ids) == 5


def test_nothing_is_written_for_a_session_never_modified(app: Hipflask, protocol: str) -> None:
    interface: ServerSideSessionInterface = app.session_interface
    counting = CountingStore(interface.store)
    interface.store = counting
    client = app.test_client(protocol=protocol)
    response = client.get("/get/x")
    assert response.json == {"value": None}
    assert "Set-Cookie" not in response.headers
    response = client.get("/nothing")
    assert "Set-Cookie" not in response.headers
    assert not [c for c in counting.calls if c.lstrip("a") in ("set", "add", "delete", "touch")]
    assert "get" not in counting.calls and "aget" not in counting.calls  # no cookie, no lookup


def test_an_unmodified_session_only_touches_its_expiry_when_refreshing(
    app: Hipflask, protocol: str
) -> None:
    client = app.test_client(protocol=protocol)
    client.get("/set/a/1")
    interface: ServerSideSessionInterface = app.session_interface
    counting = CountingStore(interface.store)
    interface.store = counting
    response = client.get("/get/a")
    assert "Set-Cookie" in response.headers  # the permanent cookie's expiry moves on
    writes = [c.lstrip("a") for c in counting.calls if c.lstrip("a") != "get"]
    assert writes == ["touch"]
    counting.calls.clear()
    # A page that never uses the session renews it too, as with Flask-Session:
    # an active user's session must not expire under them.
    response = client.get("/nothing")
    assert "Set-Cookie" in response.headers
    assert "Cookie" in response.headers["Vary"]  # a re-sent cookie varies on it
    assert [c.lstrip("a") for c in counting.calls if c.lstrip("a") != "get"] == ["touch"]
    counting.calls.clear()
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    response = client.get("/get/a")
    assert "Set-Cookie" not in response.headers
    assert [c.lstrip("a") for c in counting.calls] == ["get"]


def test_the_store_entry_expires_with_the_session_lifetime(tmp_path: Path, protocol: str) -> None:
    with redis_prefix("sessions") as prefix:
        app = make_app(
            tmp_path,
            SESSION_TYPE="redis",
            SESSION_REDIS=redis_url(),
            SESSION_KEY_PREFIX=prefix,
            PERMANENT_SESSION_LIFETIME=timedelta(hours=2),
        )
        Session(app)
        clients = track_clients(app)
        client = app.test_client(protocol=protocol)
        client.get("/set/a/1")
        close_clients(app, clients)
        import redis

        raw = redis.Redis.from_url(redis_url())
        try:
            ttl = int(raw.pttl(prefix + sid_of(client, app)))  # type: ignore[arg-type]
        finally:
            raw.close()
        assert 7_190_000 < ttl <= 7_200_000


def test_an_expired_session_is_gone_from_the_store(app: Hipflask, protocol: str) -> None:
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=2)
    client = app.test_client(protocol=protocol)
    client.get("/set/a/1")
    sid = sid_of(client, app)
    assert store_of(app).get(sid) is not None
    time.sleep(2.3)
    assert store_of(app).get(sid) is None
    assert client.get("/get/a").json == {"value": None}


def test_logout_deletes_the_record_and_the_cookie(app: Hipflask, protocol: str) -> None:
    client = app.test_client(protocol=protocol)
    client.get("/set/user/ann")
    sid = sid_of(client, app)
    response = client.get("/logout")
    assert store_of(app).get(sid) is None
    assert "session=;" in response.headers["Set-Cookie"]
    # A copy of the old cookie is worthless now.
    thief = app.test_client(protocol=protocol)
    thief.set_cookie("session", f"{sid}")
    assert thief.get("/get/user").json == {"value": None}


def test_regenerate_moves_the_data_to_a_new_id(app: Hipflask, protocol: str) -> None:
    client = app.test_client(protocol=protocol)
    client.get("/set/cart/3-items")
    before = sid_of(client, app)
    client.get("/login/ann")
    after = sid_of(client, app)
    assert after != before
    assert store_of(app).get(before) is None
    assert client.get("/get/user").json == {"value": "ann"}
    assert client.get("/get/cart").json == {"value": "3-items"}


def test_an_id_the_store_does_not_know_is_never_adopted(app: Hipflask, protocol: str) -> None:
    app.config["SESSION_USE_SIGNER"] = False
    app.session_interface.use_signer = False
    planted = "A" * 43
    client = app.test_client(protocol=protocol)
    client.set_cookie("session", planted)
    client.get("/set/user/victim")
    assert sid_of(client, app) != planted
    assert store_of(app).get(planted) is None


@pytest.mark.parametrize(
    "cookie",
    [
        "not-signed",
        "x" * 43 + ".forged-signature",
        "",
        "../../etc/passwd",
        "a" * 3000,
        "%00%ff",
        "\u00e9t\u00e9.abc",
    ],
)
def test_a_forged_or_junk_cookie_is_a_new_session(
    app: Hipflask, protocol: str, cookie: str
) -> None:
    client = app.test_client(protocol=protocol)
    client.set_cookie("session", cookie)
    response = client.get("/get/user")
    assert response.status_code == 200
    assert response.json == {"value": None}


def test_the_async_interface_is_awaited_under_asgi(app: Hipflask) -> None:
    interface: ServerSideSessionInterface = app.session_interface
    counting = CountingStore(interface.store)
    interface.store = counting
    client = app.test_client(protocol="asgi")
    client.get("/set/a/1")
    counting.calls.clear()
    # An async view runs on the loop: the store is awaited.
    assert client.get("/async/a").json == {"value": "1"}
    assert counting.calls == ["aget", "atouch"]
    # A sync view runs in a worker thread: sync calls, off the loop.
    assert client.get("/get/a").json == {"value": "1"}
    assert client.get("/set/b/1").json == {"ok": True}
    assert counting.blocking_calls == []
    counting.calls.clear()
    app.test_client(protocol="wsgi").get("/set/b/2")
    assert counting.calls == ["set"]  # a new session: nothing to compare with


def test_permanent_false_gives_a_browser_session_cookie(tmp_path: Path, protocol: str) -> None:
    app = make_app(tmp_path, SESSION_TYPE="memory", SESSION_PERMANENT=False)
    Session(app)
    client = app.test_client(protocol=protocol)
    response = client.get("/set/a/1")
    assert "Expires" not in response.headers["Set-Cookie"]
    assert client.get("/get/a").json == {"value": "1"}
    # Nothing to renew: a page that ignores it sends no cookie and no Vary.
    response = client.get("/nothing")
    assert "Set-Cookie" not in response.headers
    assert "Vary" not in response.headers


def test_without_a_signer_the_cookie_is_the_bare_id(tmp_path: Path, protocol: str) -> None:
    app = make_app(tmp_path, SESSION_TYPE="memory", SESSION_USE_SIGNER=False)
    Session(app)
    client = app.test_client(protocol=protocol)
    client.get("/set/a/1")
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", client.get_cookie("session").value)
    assert client.get("/get/a").json == {"value": "1"}


def test_an_old_secret_key_still_verifies_the_id(tmp_path: Path, protocol: str) -> None:
    app = make_app(tmp_path, SESSION_TYPE="memory")
    Session(app)
    client = app.test_client(protocol=protocol)
    client.get("/set/a/1")
    app.config.update(
        SECRET_KEY="a-brand-new-secret-key-0123456789abcdef", SECRET_KEY_FALLBACKS=[SECRET]
    )
    assert client.get("/get/a").json == {"value": "1"}


def test_a_corrupt_record_starts_a_new_session(tmp_path: Path, protocol: str) -> None:
    app = make_app(tmp_path, SESSION_TYPE="memory")
    Session(app)
    client = app.test_client(protocol=protocol)
    client.get("/set/a/1")
    store_of(app).set(sid_of(client, app), b"\xff not json")
    assert client.get("/get/a").json == {"value": None}


# -- what a Flask-Session app relies on ---------------------------------------------


def add_cart_views(app: Hipflask) -> None:
    @app.get("/cart/add/<item>")
    def add_to_cart(item: str) -> Any:
        # Changed in place, never assigned: no flag sees it.
        session.setdefault("cart", []).append(item)
        session.setdefault("counts", {}).setdefault(item, 0)
        session["counts"][item] += 1
        return {"cart": session["cart"]}

    @app.get("/cart/async-add/<item>")
    async def async_add_to_cart(item: str) -> Any:
        # Under ASGI, saved through the store's async driver.
        session["cart"].append(item)
        session["counts"][item] = session["counts"].get(item, 0) + 1
        return {"cart": session["cart"]}

    @app.get("/cart")
    def show_cart() -> Any:
        return {"cart": session.get("cart"), "counts": session.get("counts")}


@pytest.mark.parametrize("permanent", [True, False])
@pytest.mark.parametrize("refresh", [True, False])
def test_a_value_changed_in_place_is_saved(
    app: Hipflask, protocol: str, permanent: bool, refresh: bool
) -> None:
    app.config.update(SESSION_REFRESH_EACH_REQUEST=refresh)
    app.session_interface.permanent = permanent
    add_cart_views(app)
    client = app.test_client(protocol=protocol)
    for item in ("apple", "pear", "apple"):
        assert client.get(f"/cart/add/{item}").status_code == 200
    assert client.get("/cart/async-add/plum").status_code == 200
    assert client.get("/cart").json == {
        "cart": ["apple", "pear", "apple", "plum"],
        "counts": {"apple": 2, "pear": 1, "plum": 1},
    }


def test_a_change_in_place_costs_one_write_and_a_read_none(app: Hipflask, protocol: str) -> None:
    add_cart_views(app)
    client = app.test_client(protocol=protocol)
    client.get("/cart/add/apple")
    interface: ServerSideSessionInterface = app.session_interface
    counting = CountingStore(interface.store)
    interface.store = counting
    client.get("/cart/add/pear")
    assert [c.lstrip("a") for c in counting.calls] == ["get", "compare_and_set"]
    counting.calls.clear()
    # Read, unchanged: only the expiry is renewed, as before.
    client.get("/cart")
    assert [c.lstrip("a") for c in counting.calls] == ["get", "touch"]
    counting.calls.clear()
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    client.get("/cart")
    client.get("/nothing")
    assert [c.lstrip("a") for c in counting.calls] == ["get"]


def test_reading_only_plain_values_encodes_nothing(app: Hipflask, protocol: str) -> None:
    # A logged-in page reads the user id on every request: comparing a
    # re-encoded session with its record would cost that page an encoding
    # of the whole session each time.
    add_cart_views(app)
    client = app.test_client(protocol=protocol)
    client.get("/cart/add/apple")
    client.get("/set/user/ann")
    interface: ServerSideSessionInterface = app.session_interface
    encoded: list[object] = []
    original = interface._encode

    def counting(data: Any) -> bytes:
        encoded.append(data)
        return original(data)

    interface._encode = counting  # type: ignore[method-assign]
    assert client.get("/get/user").json == {"value": "ann"}
    assert encoded == []
    client.get("/cart")  # hands out the cart list: it is compared
    assert len(encoded) == 1


def test_a_browser_session_is_renewed_by_reads_too(app: Hipflask, protocol: str) -> None:
    # Not permanent: the record still expires a lifetime after its last use,
    # not its last write, as with Flask-Session; no cookie is sent again.
    @app.get("/browser-login")
    def browser_login() -> str:
        session.permanent = False  # "remember me" left unticked
        session["user"] = "ann"
        return "ok"

    client = app.test_client(protocol=protocol)
    assert "Expires=" not in client.get("/browser-login").headers["Set-Cookie"]
    interface: ServerSideSessionInterface = app.session_interface
    counting = CountingStore(interface.store)
    interface.store = counting
    response = client.get("/get/user")
    assert response.json == {"value": "ann"}
    assert [c.lstrip("a") for c in counting.calls] == ["get", "touch"]
    assert "Set-Cookie" not in response.headers
    counting.calls.clear()
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    client.get("/get/user")
    assert [c.lstrip("a") for c in counting.calls] == ["get"]


def test_a_change_in_place_is_merged_with_a_parallel_write(app: Hipflask) -> None:
    client = app.test_client()
    add_cart_views(app)
    client.get("/cart/add/apple")
    interface, a, b = open_pair(app, client.get_cookie("session").value)
    a["cart"].append("pear")  # in place: a is not marked modified
    a.accessed = True
    b["other"] = 1
    save(app, interface, b)
    save(app, interface, a)
    assert client.get("/cart").json["cart"] == ["apple", "pear"]
    assert client.get("/get/other").json == {"value": 1}


def test_clear_then_login_keeps_the_session_permanent(app: Hipflask, protocol: str) -> None:
    @app.get("/tutorial-login/<name>")
    def tutorial_login(name: str) -> Any:
        session.clear()  # as Flask's tutorial does before logging in
        session["user"] = name
        return {"permanent": session.permanent}

    client = app.test_client(protocol=protocol)
    client.get("/set/cart/3-items")
    response = client.get("/tutorial-login/ann")
    assert response.json == {"permanent": True}
    assert "Expires=" in response.headers["Set-Cookie"]
    assert client.get("/get/user").json == {"value": "ann"}
    assert client.get("/get/cart").json == {"value": None}
    # clear() alone still ends the session: the flag is no data.
    sid = sid_of(client, app)
    response = client.get("/logout")
    assert "session=;" in response.headers["Set-Cookie"]
    assert store_of(app).get(sid) is None


def test_popping_the_last_key_deletes_the_record_and_the_cookie(
    app: Hipflask, protocol: str
) -> None:
    @app.get("/pop/<key>")
    def pop_value(key: str) -> Any:
        return {"value": session.pop(key, None)}

    client = app.test_client(protocol=protocol)
    client.get("/set/flash_msg/hi")
    sid = sid_of(client, app)
    response = client.get("/pop/flash_msg")
    assert response.json == {"value": "hi"}
    assert "session=;" in response.headers["Set-Cookie"]
    assert store_of(app).get(sid) is None
    assert client.get_cookie("session") is None


def test_a_session_with_only_its_permanence_is_false(app: Hipflask, protocol: str) -> None:
    @app.get("/truth")
    def truth() -> Any:
        return {"truth": bool(session), "permanent": session.permanent}

    client = app.test_client(protocol=protocol)
    response = client.get("/truth")
    assert response.json == {"truth": False, "permanent": True}
    assert "Cookie" in response.headers["Vary"]  # ``if session`` is a read
    client.get("/set/a/1")
    assert client.get("/truth").json == {"truth": True, "permanent": True}


def test_regenerate_on_an_empty_new_session_writes_and_sends_nothing(
    app: Hipflask, protocol: str
) -> None:
    @app.get("/rotate")
    def rotate() -> Any:
        app.session_interface.regenerate(session)  # Flask-Session's spelling
        session.regenerate()
        return {"ok": True}

    interface: ServerSideSessionInterface = app.session_interface
    counting = CountingStore(interface.store)
    interface.store = counting
    client = app.test_client(protocol=protocol)
    response = client.get("/rotate")
    assert "Set-Cookie" not in response.headers
    assert counting.calls == []


def test_regenerate_after_clear_still_retires_the_old_id(app: Hipflask, protocol: str) -> None:
    @app.get("/clear-rotate-login/<name>")
    def clear_rotate_login(name: str) -> Any:
        session.clear()
        session.regenerate()  # empty now, but stored: it must still move
        session["user"] = name
        return {"ok": True}

    client = app.test_client(protocol=protocol)
    client.get("/set/cart/3-items")
    before = sid_of(client, app)
    client.get("/clear-rotate-login/ann")
    assert sid_of(client, app) != before
    assert store_of(app).get(before) is None
    assert client.get("/get/user").json == {"value": "ann"}


def test_sets_load_as_lists_and_dates_as_iso_strings(app: Hipflask, protocol: str) -> None:
    @app.get("/store-types")
    def store_types() -> Any:
        session["tags"] = {"b", "a"}
        session["frozen"] = frozenset({3})
        session["nested"] = {"ids": {1, 2}, "when": [date(2024, 1, 2)]}
        session["day"] = date(2024, 1, 2)
        session["at"] = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
        return {"ok": True}

    @app.get("/load-types")
    def load_types() -> Any:
        return {
            "tags": sorted(session["tags"]),
            "types": [type(session[k]).__name__ for k in ("tags", "frozen", "day", "at")],
            "frozen": session["frozen"],
            "ids": sorted(session["nested"]["ids"]),
            "when": session["nested"]["when"],
            "day": session["day"],
            "at": session["at"].isoformat(),
        }

    client = app.test_client(protocol=protocol)
    assert client.get("/store-types").status_code == 200
    assert client.get("/load-types").json == {
        "tags": ["a", "b"],
        "types": ["list", "list", "str", "datetime"],
        "frozen": [3],
        "ids": [1, 2],
        "when": ["2024-01-02"],
        "day": "2024-01-02",
        "at": "2024-01-02T03:04:05+00:00",
    }


def test_reading_the_session_id_varies_on_cookie(tmp_path: Path, protocol: str) -> None:
    app = make_app(tmp_path, SESSION_TYPE="memory", SESSION_REFRESH_EACH_REQUEST=False)
    Session(app)

    @app.get("/sid")
    def show_sid() -> Any:
        return {"sid_length": len(session.sid)}

    client = app.test_client(protocol=protocol)
    client.get("/set/a/1")
    response = client.get("/sid")
    assert response.json == {"sid_length": 43}
    assert "Set-Cookie" not in response.headers
    assert "Cookie" in response.headers["Vary"]


# -- concurrency: two requests of one user, interleaved -------------------------


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


def test_a_late_save_of_an_ended_session_sends_no_cookie(app: Hipflask) -> None:
    # Tab B logs out (or logs in anew) while tab A, holding the old id, is
    # still working: A's answer must not delete the cookie B just set.
    client = app.test_client()
    client.get("/set/cart/apple")
    interface, a, b = open_pair(app, client.get_cookie("session").value)
    b.clear()
    save(app, interface, b)
    a["cart"] = "apple,pear"
    with app.test_request_context("/"):
        response = app.response_class()
        interface.save_session(app, a, response)
    assert "Set-Cookie" not in response.headers
    assert client.get("/get/cart").json == {"value": None}


def test_parallel_requests_writing_different_keys_keep_both(app: Hipflask) -> None:
    client = app.test_client()
    client.get("/set/base/0")
    interface, a, b = open_pair(app, client.get_cookie("session").value)
    a["tab_a"] = "written by a"
    b["tab_b"] = "written by b"
    b.pop("base")
    save(app, interface, a)
    save(app, interface, b)
    assert client.get("/get/tab_a").json == {"value": "written by a"}
    assert client.get("/get/tab_b").json == {"value": "written by b"}
    assert client.get("/get/base").json == {"value": None}


def test_parallel_requests_writing_one_key_the_later_save_wins(app: Hipflask) -> None:
    client = app.test_client()
    client.get("/set/n/0")
    interface, a, b = open_pair(app, client.get_cookie("session").value)
    a["n"] = "a"
    b["n"] = "b"
    save(app, interface, a)
    save(app, interface, b)
    assert client.get("/get/n").json == {"value": "b"}


def test_a_session_ended_in_another_request_is_not_brought_back(app: Hipflask) -> None:
    client = app.test_client()
    client.get("/set/user/ann")
    cookie = client.get_cookie("session").value
    interface, a, b = open_pair(app, cookie)
    b.clear()
    save(app, interface, b)  # logout in one tab
    a["seen"] = "page"
    save(app, interface, a)  # a slow request of the other tab
    assert store_of(app).get(cookie.split(".")[0]) is None


def test_mutations_inside_values_are_merged_too(app: Hipflask) -> None:
    client = app.test_client()
    client.get("/set/x/0")
    with app.test_request_context("/"):
        pass
    interface, a, b = open_pair(app, client.get_cookie("session").value)
    a["cart"] = ["apple"]
    save(app, interface, a)
    b["other"] = 1
    save(app, interface, b)
    interface, c, _ = open_pair(app, client.get_cookie("session").value)
    assert c["cart"] == ["apple"]
    assert c["other"] == 1


def test_a_collision_costs_a_read_and_a_second_compare_and_set(
    app: Hipflask, monkeypatch: pytest.MonkeyPatch
) -> None:
    interface: ServerSideSessionInterface = app.session_interface
    client = app.test_client()
    client.get("/set/a/1")
    real = interface.store.compare_and_set
    outcomes = iter([False])

    def collide_once(*args: Any) -> bool:
        return next(outcomes, None) is not False and real(*args)

    monkeypatch.setattr(interface.store, "compare_and_set", collide_once)
    counting = CountingStore(interface.store)
    interface.store = counting
    client.get("/set/b/2")
    assert counting.calls == ["get", "compare_and_set", "get", "compare_and_set"]
    assert client.get("/get/a").json == {"value": "1"}
    assert client.get("/get/b").json == {"value": "2"}


def test_a_save_without_contention_is_one_store_write(app: Hipflask) -> None:
    client = app.test_client()
    client.get("/set/a/1")
    interface: ServerSideSessionInterface = app.session_interface
    counting = CountingStore(interface.store)
    interface.store = counting
    client.get("/set/a/2")
    assert counting.calls == ["get", "compare_and_set"]


def test_truly_parallel_requests_keep_every_write(app: Hipflask, protocol: str) -> None:
    client = app.test_client(protocol=protocol)
    client.get("/set/start/0")
    cookie = client.get_cookie("session").value
    errors: list[BaseException] = []

    def tab(n: int) -> None:
        try:
            other = app.test_client()
            other.set_cookie("session", cookie)
            for i in range(3):
                assert other.get(f"/set/tab{n}_{i}/x").status_code == 200
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=tab, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for n in range(4):
        for i in range(3):
            assert client.get(f"/get/tab{n}_{i}").json == {"value": "x"}


def test_memory_store_is_used_by_default(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    Session(app)
    assert isinstance(store_of(app), MemoryStore)


def test_save_session_takes_the_session_proxy(app: Hipflask) -> None:
    from hipflask import session

    with app.test_request_context():
        session["a"] = 1
        response = app.make_response("x")
        app.session_interface.save_session(app, session, response)
        cookie = response.headers["Set-Cookie"].split(";")[0]
    with app.test_request_context(headers={"Cookie": cookie}):
        assert session["a"] == 1


def test_a_session_over_the_store_limit_is_a_500_that_changes_nothing(
    app: Hipflask, protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    @app.get("/huge")
    def huge() -> Any:
        session["huge"] = "x" * MAX_VALUE_SIZE
        return {"ok": True}

    @app.get("/huge-login")
    def huge_login() -> Any:
        session.regenerate()
        session["huge"] = "x" * MAX_VALUE_SIZE
        return {"ok": True}

    client = app.test_client(protocol=protocol)
    client.get("/set/a/1")
    sid = sid_of(client, app)
    with pytest.raises(SessionTooLargeError, match="it was not saved"):
        client.get("/huge")  # tests see the error itself
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.get("/huge").status_code == 500
    response = client.get("/huge-login")
    assert response.status_code == 500
    assert "Set-Cookie" not in response.headers  # the old id is kept, and still valid
    # Logged once each: the error page's own save did not try again.
    assert caplog.text.count("bytes once encoded") == 2
    assert sid_of(client, app) == sid
    assert client.get("/get/a").json == {"value": "1"}
    assert client.get("/get/huge").json == {"value": None}


@pytest.mark.parametrize("backend", BACKENDS)
def test_sessions_up_to_the_store_limit_are_saved_on_every_backend(
    backend: str, protocol: str, tmp_path: Path
) -> None:
    # MariaDB refused a session past 4 MiB: its upsert sent the value twice,
    # in hex. A quote in the data is what SQL escaping makes longest.
    room = MAX_VALUE_SIZE - 64  # the rest of the record is its JSON around the value
    with session_app(backend, tmp_path, suite="bigsessions") as app:

        @app.get("/fill/<int:size>/<mark>")
        def fill(size: int, mark: str) -> Any:
            session["blob"] = mark * size
            return {"ok": True}

        @app.get("/afill/<int:size>/<mark>")
        async def afill(size: int, mark: str) -> Any:
            session["blob"] = mark * size
            return {"ok": True}

        @app.get("/blob")
        def blob() -> Any:
            value = session.get("blob", "")
            return {"size": len(value), "marks": sorted(set(value))}

        fill_path = "/afill" if protocol == "asgi" else "/fill"
        client = app.test_client(protocol=protocol)
        try:
            assert client.get(f"{fill_path}/{room}/'").status_code == 200  # a new record
            assert client.get("/blob").json == {"size": room, "marks": ["'"]}
            assert client.get(f"{fill_path}/{room}/a").status_code == 200  # compare-and-set
            assert client.get("/blob").json == {"size": room, "marks": ["a"]}
            with pytest.raises(SessionTooLargeError):
                client.get(f"{fill_path}/{MAX_VALUE_SIZE}/b")
            assert client.get("/blob").json == {"size": room, "marks": ["a"]}
        finally:
            close_loops(app, [client])


def test_a_session_logged_out_while_other_tabs_renew_or_save_it_stays_ended(
    app: Hipflask, protocol: str
) -> None:
    # The other tabs loaded the session before the logout and answer after
    # it: neither their renewal nor their save may bring the record back.
    loaded = threading.Barrier(4, timeout=10)

    @app.get("/slow/<action>")
    def slow(action: str) -> Any:
        session.get("user")
        loaded.wait()
        if action == "logout":
            session.clear()
            return {"ok": True}
        time.sleep(0.2)
        if action == "save":
            session["cart"] = ["book"]
        return {"ok": True}

    first = app.test_client(protocol=protocol)
    first.get("/login/alice")
    cookie = first.get_cookie("session").value
    answers: list[Any] = []

    def tab(action: str) -> None:
        client = app.test_client(protocol=protocol)
        client.set_cookie("session", cookie)
        answers.append(client.get(f"/slow/{action}"))

    threads = [
        threading.Thread(target=tab, args=(action,))
        for action in ("logout", "renew", "save", "save")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [answer.status_code for answer in answers] == [200] * 4
    stale = app.test_client(protocol=protocol)
    stale.set_cookie("session", cookie)
    assert stale.get("/get/user").json == {"value": None}
    assert store_of(app).get(cookie.split(".")[0]) is None


# -- a store that fails ------------------------------------------------------------


def _down_store_app(backend: str, tmp_path: Path) -> Hipflask:
    """An app whose sessions live on a real server's driver, pointed at a closed port."""
    port = closed_port()
    if backend == "redis":
        app = make_app(tmp_path, SESSION_TYPE="redis", SESSION_REDIS=f"redis://127.0.0.1:{port}/0")
    else:
        url = (
            f"postgresql+psycopg://postgres@127.0.0.1:{port}/test"
            if backend == "postgresql"
            else f"mysql+pymysql://root@127.0.0.1:{port}/test"
        )
        app = make_app(tmp_path, SESSION_TYPE="sqlalchemy", SQLALCHEMY_DATABASE_URI=url)
        SQLAlchemy(app)
    Session(app)
    return app


def _break_store(app: Hipflask, kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make an embedded store fail from now on, as a full disk or a lost volume would."""
    store: Any = store_of(app)
    if kind == "filesystem":
        for thread in threading.enumerate():
            if thread.name == "hipflask-file-sweep":
                thread.join(5)  # the first write's sweep, done before the directory goes
        directory = Path(store.directory)
        for path in directory.iterdir():
            path.unlink()
        directory.rmdir()
        directory.write_bytes(b"not a directory")
    elif kind == "sqlalchemy":
        (tmp_path / "s.db").write_bytes(b"not a database" * 1024)
    else:

        def fail(*args: Any, **kwargs: Any) -> Any:
            raise OSError("the store is gone")

        async def afail(*args: Any, **kwargs: Any) -> Any:
            raise OSError("the store is gone")

        for name in ("get", "set", "add", "delete", "touch", "compare_and_set"):
            monkeypatch.setattr(store, name, fail)
            monkeypatch.setattr(store, "a" + name, afail)


def _session_cookie(tmp_path: Path) -> str:
    """A valid signed session cookie, made by a working app with the same key."""
    working = make_app(tmp_path / "working")
    Session(working)
    client = working.test_client()
    client.get("/set/a/1")
    cookie = client.get_cookie("session")
    assert cookie is not None
    return str(cookie.value)


def _assert_unavailable(answer: Any) -> None:
    text = answer.get_data(as_text=True)
    assert answer.status_code == 503, text
    assert "session service is unavailable" in text
    assert "Traceback" not in text


def _requests(client: Any, cookie: str) -> list[Any]:
    """A write without a cookie, then reads and writes with one, sync and async views."""
    answers = [client.get("/set/a/2")]
    client.set_cookie("session", cookie)
    answers += [client.get("/get/a"), client.get("/async/a"), client.get("/set/a/3")]
    return answers


def _assert_renewal_skipped(client: Any) -> None:
    """A page that never uses the session answers normally: only its renewal was skipped."""
    answer = client.get("/nothing")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_data(as_text=True) == "no session here"
    assert "Set-Cookie" not in answer.headers


@pytest.mark.parametrize("backend", ["redis", "postgresql", "mariadb"])
def test_a_session_store_that_is_down_answers_503(
    backend: str, tmp_path: Path, protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    cookie = _session_cookie(tmp_path)
    app = _down_store_app(backend, tmp_path)
    client = app.test_client(protocol=protocol)
    for answer in _requests(client, cookie):
        _assert_unavailable(answer)
    _assert_renewal_skipped(client)
    failures = [r for r in caplog.records if "Session store" in r.getMessage()]
    # One line a request: the error page's own save asked the store nothing.
    assert len(failures) == 5
    assert all(r.levelname == "WARNING" and r.exc_info is None for r in failures)
    assert [r.name for r in failures] == ["hipflask.sessions"] * 5
    assert ["answering 503" in r.getMessage() for r in failures] == [True] * 4 + [False]
    assert "not renewed" in failures[-1].getMessage()
    assert "Traceback" not in caplog.text


def test_an_embedded_session_store_that_fails_answers_503(
    app: Hipflask,
    kind: str,
    tmp_path: Path,
    protocol: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = app.test_client(protocol=protocol)
    client.get("/set/a/1")
    cookie = client.get_cookie("session")
    assert cookie is not None
    _break_store(app, kind, tmp_path, monkeypatch)
    for answer in _requests(client, str(cookie.value)):
        _assert_unavailable(answer)
    _assert_renewal_skipped(client)
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_the_apps_503_handler_renders_a_session_store_failure(
    tmp_path: Path, protocol: str, accept: str
) -> None:
    cookie = _session_cookie(tmp_path)
    app = _down_store_app("redis", tmp_path)

    @app.errorhandler(503)
    def unavailable(error: Any) -> Any:
        # A layout reading the session (flashed messages) still renders.
        return {"custom": error.description, "flashes": session.get("_flashes", [])}, 503

    client = app.test_client(protocol=protocol)
    # Failing where the new session is saved, after the view, then where it is read.
    answers = [client.get("/set/a/2", headers={"Accept": accept})]
    client.set_cookie("session", cookie)
    for path in ("/get/a", "/async/a", "/set/a/3"):
        answers.append(client.get(path, headers={"Accept": accept}))
    for answer in answers:
        assert answer.status_code == 503
        assert answer.json is not None
        assert "session service is unavailable" in answer.json["custom"]
        assert answer.json["flashes"] == []
    # A page that never used the session is not the 503 handler's.
    _assert_renewal_skipped(client)


def test_a_json_client_gets_the_session_store_failure_as_json(
    tmp_path: Path, protocol: str
) -> None:
    cookie = _session_cookie(tmp_path)
    app = _down_store_app("redis", tmp_path)
    client = app.test_client(protocol=protocol)
    client.set_cookie("session", cookie)
    answer = client.get("/get/a", headers={"Accept": "application/json"})
    assert answer.status_code == 503
    assert answer.json["code"] == 503
    assert "session service is unavailable" in answer.json["description"]


def _fail_renewals(app: Hipflask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the store refuse to move a record's expiry, while it still reads."""
    store: Any = store_of(app)

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise OSError("the store is read-only")

    async def afail(*args: Any, **kwargs: Any) -> Any:
        raise OSError("the store is read-only")

    monkeypatch.setattr(store, "touch", fail)
    monkeypatch.setattr(store, "atouch", afail)


@pytest.mark.parametrize("permanent", [True, False])
def test_a_failed_renewal_of_an_untouched_session_is_logged_and_skipped(
    tmp_path: Path,
    protocol: str,
    permanent: bool,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = make_app(tmp_path, SESSION_TYPE="memory", SESSION_PERMANENT=permanent)
    Session(app)
    client = app.test_client(protocol=protocol)
    client.get("/set/a/1")
    sid = sid_of(client, app)
    record = store_of(app).get(sid)
    _fail_renewals(app, monkeypatch)
    _assert_renewal_skipped(client)
    # Nothing lost: the record and the cookie are as they were.
    assert store_of(app).get(sid) == record
    assert sid_of(client, app) == sid
    failures = [r for r in caplog.records if "Session store" in r.getMessage()]
    assert len(failures) == 1
    assert failures[0].name == "hipflask.sessions"
    assert "not renewed" in failures[0].getMessage()
    assert "OSError: the store is read-only" in failures[0].getMessage()


def test_a_failed_renewal_of_a_session_the_view_read_answers_503(
    tmp_path: Path, protocol: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(tmp_path, SESSION_TYPE="memory")
    Session(app)
    client = app.test_client(protocol=protocol)
    client.get("/set/a/1")
    _fail_renewals(app, monkeypatch)
    # The view's answer depended on the session: a failing store fails closed.
    _assert_unavailable(client.get("/get/a"))
    _assert_unavailable(client.get("/async/a"))
    assert client.get("/set/a/2").status_code == 200  # a write is no renewal: saved
    assert store_of(app).get(sid_of(client, app)) is not None


def test_a_session_opened_on_a_failed_store_fails_only_when_used(
    tmp_path: Path, protocol: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(tmp_path, SESSION_TYPE="memory")
    Session(app)

    @app.get("/peek")
    def peek() -> Any:
        # Each way of reading fails closed; writing is never silently lost.
        outcomes = []
        for use in (
            lambda: "a" in session,
            lambda: len(session),
            lambda: session.permanent,
            lambda: session.__setitem__("a", "2"),
        ):
            try:
                use()
            except Exception as exc:
                outcomes.append(getattr(exc, "code", type(exc).__name__))
            else:
                outcomes.append("read")
        return {"outcomes": outcomes}

    client = app.test_client(protocol=protocol)
    client.get("/set/a/1")
    _break_store(app, "memory", tmp_path, monkeypatch)
    # After the first failure the rest of the request sees an empty session
    # that still refuses writes (the error page renders).
    assert client.get("/peek").json == {"outcomes": [503, "read", "read", 503]}
    _assert_renewal_skipped(client)
