"""FlaskLoginClient: Flask-Login's logged-in test client."""

from __future__ import annotations

import pytest
from tests.login.conftest import build_app


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_flask_login_client_starts_logged_in(protocol: str) -> None:
    from hipflask.login import FlaskLoginClient

    app = build_app()
    app.test_client_class = FlaskLoginClient
    alice = app.extensions["test_users"]["alice"]
    client = app.test_client(user=alice, protocol=protocol)
    assert client.get("/dashboard").text == "Hello alice"
    assert client.post("/password").text == "changed"
    stale = app.test_client(user=alice, fresh_login=False, protocol=protocol)
    assert stale.post("/password").status_code == 401
    assert app.test_client(protocol=protocol).get("/dashboard").status_code == 302


def test_flask_login_client_without_the_registry() -> None:
    from hipflask.login import FlaskLoginClient

    app = build_app(LOGIN_REGISTRY_STORE=None)
    app.test_client_class = FlaskLoginClient
    client = app.test_client(user=app.extensions["test_users"]["bob"])
    assert client.get("/dashboard").text == "Hello bob"


def test_flask_login_module_path_of_the_client(protocol: str) -> None:
    from hipflask.login.test_client import FlaskLoginClient

    app = build_app()
    app.test_client_class = FlaskLoginClient
    client = app.test_client(user=app.extensions["test_users"]["alice"], protocol=protocol)
    assert client.get("/dashboard").text == "Hello alice"
    import hipflask.login.test_client as module

    with pytest.raises(AttributeError, match="Nothing"):
        module.Nothing  # noqa: B018
