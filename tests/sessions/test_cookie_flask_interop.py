"""Flask reads hipflask's session cookies, and hipflask reads Flask's."""

from __future__ import annotations

from ast import literal_eval
from typing import Any

import pytest
from tests.sessions.cookie_sessions import session_cookie

from hipflask import Hipflask
from hipflask import session
from hipflask.sessions.cookie import SecureCookieSessionInterface
from hipflask.testing.client import HipflaskClient


def flask_app(secret: str, digest: Any = None) -> Any:
    from flask import Flask
    from flask import session as flask_session
    from flask.sessions import SecureCookieSessionInterface as FlaskInterface

    flask = Flask("flask")
    flask.secret_key = secret
    if digest is not None:

        class Interface(FlaskInterface):
            digest_method = staticmethod(digest)

        flask.session_interface = Interface()

    @flask.route("/set")
    def set_value() -> str:
        flask_session["user"] = "ann"
        flask_session["flashes"] = [("message", "hi")]
        flask_session["raw"] = b"\x00\xff"
        return "set"

    @flask.route("/state")
    def state() -> str:
        return repr(dict(flask_session))

    return flask


INTEROP = "{'flashes': [('message', 'hi')], 'raw': b'\\x00\\xff', 'user': 'ann'}"


@pytest.fixture
def interop(app: Hipflask) -> Hipflask:
    @app.route("/set")
    def set_value() -> str:
        session["user"] = "ann"
        session["flashes"] = [("message", "hi")]
        session["raw"] = b"\x00\xff"
        return "set"

    @app.route("/state")
    def state() -> str:
        return repr(dict(sorted(session.items())))

    return app


def test_flask_with_sha256_and_hipflask_read_each_others_cookies(
    interop: Hipflask, client: HipflaskClient
) -> None:
    import hashlib

    flask = flask_app(interop.config["SECRET_KEY"], hashlib.sha256)
    flask_client = flask.test_client()
    client.get("/set")
    flask_client.set_cookie("session", session_cookie(client))
    assert literal_eval(flask_client.get("/state").text) == literal_eval(INTEROP)

    flask_client.get("/set")
    cookie = flask_client.get_cookie("session")
    assert cookie is not None
    client.set_cookie("session", cookie.value)
    assert client.get("/state").text == INTEROP


def test_flask_and_a_sha1_hipflask_read_each_others_cookies(
    interop: Hipflask, client: HipflaskClient
) -> None:
    import hashlib

    class FlaskCompatible(SecureCookieSessionInterface):
        digest_method = staticmethod(hashlib.sha1)

    interop.session_interface = FlaskCompatible()
    flask_client = flask_app(interop.config["SECRET_KEY"]).test_client()
    client.get("/set")
    flask_client.set_cookie("session", session_cookie(client))
    assert literal_eval(flask_client.get("/state").text) == literal_eval(INTEROP)

    flask_client.get("/set")
    cookie = flask_client.get_cookie("session")
    assert cookie is not None
    client.set_cookie("session", cookie.value)
    assert client.get("/state").text == INTEROP
