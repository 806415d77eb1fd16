"""Server-side sessions: what a Flask-Session app relies on (changes in place, permanence)."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import timezone
from pathlib import Path
from typing import Any

import pytest
from tests.sessions.server_sessions import CountingStore
from tests.sessions.server_sessions import app as app
from tests.sessions.server_sessions import kind as kind
from tests.sessions.server_sessions import make_app
from tests.sessions.server_sessions import open_pair
from tests.sessions.server_sessions import save
from tests.sessions.server_sessions import sid_of
from tests.sessions.server_sessions import store_of

from hipflask import Hipflask
from hipflask import session
from hipflask.sessions import Session
from hipflask.sessions.server import ServerSideSessionInterface


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
