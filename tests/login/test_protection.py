"""Session protection: a moved session goes stale ("basic") or is logged out ("strong")."""

from __future__ import annotations

from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import request
from hipflask.login import current_user
from hipflask.login import login_remembered
from hipflask.login import session_protected

from .conftest import build_app
from .conftest import log_in


def test_basic_session_protection_makes_a_moved_session_stale(client: Any, app: Hipflask) -> None:
    events: list[object] = []
    session_protected.connect(lambda sender: events.append(sender), app, weak=False)
    log_in(client, remember="1")
    moved = {"User-Agent": "another browser"}
    assert client.get("/dashboard", headers=moved).text == "Hello alice"
    assert client.post("/password", headers=moved).status_code == 401
    # Every request of the moved session is reported, the stale one too, as
    # Flask-Login sends the signal; the browser it came from is not.
    assert len(events) == 2
    assert client.get("/dashboard").text == "Hello alice"
    assert len(events) == 2


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_strong_session_protection_logs_a_moved_session_out(protocol: str) -> None:
    app = build_app(SESSION_PROTECTION="strong")
    client = app.test_client(protocol=protocol)
    log_in(client, remember="1")
    assert client.get("/dashboard").text == "Hello alice"
    assert client.get("/dashboard", headers={"User-Agent": "thief"}).status_code == 302
    assert client.get_cookie("remember_token") is None
    assert client.get("/dashboard").status_code == 302


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_strong_protection_keeps_a_login_restored_from_the_remember_cookie(
    protocol: str,
) -> None:
    # The restored login records its browser, so the next request from it is
    # not taken for a moved session (Flask-Login 0.6.3 logs it out there);
    # another browser still is.
    app = build_app(SESSION_PROTECTION="strong")
    client = app.test_client(protocol=protocol)
    log_in(client, remember="1")
    client.delete_cookie("session")
    assert client.get("/dashboard").text == "Hello alice"
    assert client.get("/dashboard").text == "Hello alice"
    assert client.get("/dashboard", headers={"User-Agent": "thief"}).status_code == 302
    assert client.get_cookie("remember_token") is None


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_a_remember_cookie_being_cleared_is_not_a_remembered_login(protocol: str) -> None:
    app = build_app(SESSION_PROTECTION="strong")

    @app.get("/remembered")
    def remembered() -> str:
        return f"{current_user.is_authenticated} {login_remembered()}"

    client = app.test_client(protocol=protocol)
    log_in(client, remember="1")
    assert client.get("/remembered").text == "True True"
    assert client.get("/remembered", headers={"User-Agent": "thief"}).text == "False False"
    assert client.get_cookie("remember_token") is None


def test_session_protection_off(protocol: str) -> None:
    app = build_app()
    app.login_manager.session_protection = None
    client = app.test_client(protocol=protocol)
    log_in(client)
    assert client.post("/password", headers={"User-Agent": "x"}).text == "changed"


def test_an_unknown_session_protection_mode_protects_as_basic(protocol: str) -> None:
    # Flask-Login turns protection off for a mode it does not know; a typo
    # must not leave sessions unprotected.
    app = build_app(SESSION_PROTECTION="Strong")
    client = app.test_client(protocol=protocol)
    log_in(client)
    moved = {"User-Agent": "x"}
    assert client.get("/dashboard", headers=moved).text == "Hello alice"
    assert client.post("/password", headers=moved).status_code == 401


def test_protection_leaves_an_anonymous_session_alone(protocol: str) -> None:
    # A remembered user's new session stores a choice before current_user is
    # read: that anonymous session is nobody's stolen login, so strong
    # protection neither reports it nor deletes the remember-me cookie
    # (Flask-Login does both).
    app = build_app(SESSION_PROTECTION="strong")
    events: list[object] = []
    session_protected.connect(lambda sender: events.append(sender), app, weak=False)

    @app.get("/language")
    def language() -> str:
        from hipflask import session

        session["language"] = "de"
        return "ok"

    client = app.test_client(protocol=protocol)
    log_in(client, remember="1")
    client.delete_cookie("session")
    client.get("/language")
    assert client.get("/dashboard").text == "Hello alice"
    assert events == []


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_session_protection_counts_a_forwarded_address_only_behind_a_trusted_proxy(
    protocol: str,
) -> None:
    # Without PROXY_FIX, X-Forwarded-For is whatever the client wrote: a thief
    # could copy the victim's address into it, so it is not the address.
    direct = build_app(SESSION_PROTECTION="strong").test_client(protocol=protocol)
    log_in(direct, remember="1")
    assert direct.get("/dashboard", headers={"X-Forwarded-For": "10.1.1.2"}).text == ("Hello alice")
    proxied = build_app(SESSION_PROTECTION="strong", PROXY_FIX=1).test_client(protocol=protocol)
    form = {"username": "alice", "password": "wonderland"}
    proxied.post("/login", data=form, headers={"X-Forwarded-For": "10.1.1.1"})
    assert proxied.get("/dashboard", headers={"X-Forwarded-For": "10.1.1.1"}).text == (
        "Hello alice"
    )
    assert proxied.get("/dashboard", headers={"X-Forwarded-For": "10.1.1.2"}).status_code == 302


def test_session_identifier_generator_set_on_the_manager_is_used(protocol: str) -> None:
    # Flask-Login's hook for what session protection compares: apps whose
    # users change address (mobile networks) compare the browser alone.
    app = build_app(SESSION_PROTECTION="strong")
    app.login_manager._session_identifier_generator = lambda: (
        "browser:" + request.headers.get("User-Agent", "")
    )
    client = app.test_client(protocol=protocol)
    form = {"username": "alice", "password": "wonderland"}
    client.post("/login", data=form, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    moved = client.get("/dashboard", environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert moved.text == "Hello alice"
    assert client.get("/dashboard", headers={"User-Agent": "other"}).status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_create_identifier_gives_the_session_protection_value(protocol: str) -> None:
    # Test suites written for Flask-Login put a login in the session with
    # ``_id = _create_identifier()`` so that strong protection accepts it.
    from hipflask.login.login_manager import _create_identifier as from_manager
    from hipflask.login.utils import _create_identifier

    assert from_manager is _create_identifier
    app = build_app(SESSION_PROTECTION="strong", LOGIN_REGISTRY_STORE=None)
    client = app.test_client(protocol=protocol)
    with app.test_request_context(environ_base=dict(client.environ_base)):
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session.update(_user_id="alice", _fresh=True, _id=identifier)
    assert client.get("/dashboard").text == "Hello alice"
