"""Server-side sessions: the id in the cookie, the data in the store, its lifetime and limit."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import SECRET
from tests.real_servers import redis_prefix
from tests.real_servers import redis_url
from tests.sessions.backends import BACKENDS
from tests.sessions.backends import close_clients as close_loops
from tests.sessions.backends import session_app
from tests.sessions.server_sessions import CountingStore
from tests.sessions.server_sessions import app as app
from tests.sessions.server_sessions import close_clients
from tests.sessions.server_sessions import kind as kind
from tests.sessions.server_sessions import make_app
from tests.sessions.server_sessions import sid_of
from tests.sessions.server_sessions import store_of
from tests.sessions.server_sessions import track_clients

from hipflask import Hipflask
from hipflask import session
from hipflask.sessions import Session
from hipflask.sessions.server import ServerSideSessionInterface
from hipflask.sessions.server import SessionTooLargeError
from hipflask.stores import MemoryStore
from hipflask.stores.base import MAX_VALUE_SIZE


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
    # Long enough for the write and the first read on a loaded machine; the
    # second read is repeated until the entry is gone, so a quick expiry is
    # not waited out, and a late one fails at the same bound as before.
    lifetime = 1.5
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=lifetime)
    client = app.test_client(protocol=protocol)
    client.get("/set/a/1")
    sid = sid_of(client, app)
    assert store_of(app).get(sid) is not None
    deadline = time.monotonic() + lifetime + 0.3
    while store_of(app).get(sid) is not None and time.monotonic() < deadline:
        time.sleep(0.05)
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
