"""What the signed cookie session tests share: session views, cookies read and signed."""

from __future__ import annotations

from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import session
from hipflask.sessions.cookie import SecureCookieSessionInterface
from hipflask.testing.client import HipflaskClient


@pytest.fixture
def views(app: Hipflask) -> Hipflask:
    """Routes that write, read, clear and ignore the session."""

    @app.route("/set/<key>/<value>")
    def set_value(key: str, value: str) -> str:
        session[key] = value
        return "set"

    @app.route("/get/<key>")
    def get_value(key: str) -> str:
        return repr(session.get(key))

    @app.route("/state")
    def state() -> str:
        return f"{dict(session)!r} new={session.new}"

    @app.route("/permanent")
    def make_permanent() -> str:
        session.permanent = True
        session["user"] = "ann"
        return "permanent"

    @app.route("/clear")
    def clear() -> str:
        session.clear()
        return "cleared"

    @app.route("/untouched")
    def untouched() -> str:
        return "untouched"

    return app


def set_cookies(response: Any) -> list[str]:
    return list(response.headers.getlist("Set-Cookie"))


def session_cookie(client: HipflaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return str(cookie.value)


def sign(app: Hipflask, data: dict[str, Any], *keys: str) -> str:
    """A session cookie value signed like the app's, with the given keys."""
    app = Hipflask("signer")
    app.config.update(SECRET_KEY=keys[-1], SECRET_KEY_FALLBACKS=list(keys[:-1]))
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    return serializer.dumps(data)
