"""Server-side sessions: two requests of one user, interleaved or truly parallel."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from tests.sessions.server_sessions import CountingStore
from tests.sessions.server_sessions import app as app
from tests.sessions.server_sessions import kind as kind
from tests.sessions.server_sessions import open_pair
from tests.sessions.server_sessions import save
from tests.sessions.server_sessions import store_of

from hipflask import Hipflask
from hipflask import session
from hipflask.sessions.server import ServerSideSessionInterface


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
