"""The test client's own arguments, Werkzeug's client arguments and custom client classes."""

from __future__ import annotations

from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import Response
from hipflask import redirect
from hipflask import request
from hipflask.testing.client import HipflaskClient


def test_werkzeug_client_arguments_reach_the_client(app: Hipflask, protocol: str) -> None:
    app.config["SERVER_NAME"] = "example.test"
    app.subdomain_matching = True

    @app.route("/go")
    def go() -> Response:
        return redirect("http://api.example.test/")

    @app.route("/", subdomain="api")
    def api() -> str:
        return f"api at {request.host}"

    client = app.test_client(protocol=protocol, allow_subdomain_redirects=True)
    assert client.get("/go", follow_redirects=True).text == "api at api.example.test"

    plain = app.test_client(protocol=protocol)
    with pytest.raises(RuntimeError, match="subdomain redirects is not enabled"):
        plain.get("/go", follow_redirects=True)


@pytest.mark.parametrize(
    "mistake",
    [{"use_cookie": False}, {"protocl": "asgi"}, {"followredirects": True}],
    ids=["use_cookie", "protocl", "unknown"],
)
def test_a_misspelt_client_argument_is_a_type_error(
    app: Hipflask, protocol: str, mistake: dict[str, Any]
) -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        app.test_client(protocol=protocol, **mistake)


def test_a_custom_client_class_takes_its_own_arguments(app: Hipflask, protocol: str) -> None:
    class TokenClient(HipflaskClient):
        def __init__(self, *args: Any, token: str, **kwargs: Any) -> None:
            self.token = token
            super().__init__(*args, **kwargs)

        def open(self, *args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("headers", {})["Authorization"] = f"Bearer {self.token}"
            return super().open(*args, **kwargs)

    @app.route("/")
    def index() -> str:
        return request.headers["Authorization"]

    app.test_client_class = TokenClient

    assert app.test_client(protocol=protocol, token="t0k").get("/").text == "Bearer t0k"


def test_the_client_application_is_the_app(app: Hipflask, protocol: str) -> None:
    # As in Flask: tests and client subclasses reach the app through it.
    class ConfiguredClient(HipflaskClient):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.greeting = self.application.config["GREETING"]

        def open(self, *args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("headers", {})["X-Greeting"] = self.greeting
            return super().open(*args, **kwargs)

    @app.route("/")
    def index() -> str:
        over = "asgi" if "asgi.scope" in request.environ else "wsgi"
        return f"{request.headers['X-Greeting']} over {over}"

    app.config["GREETING"] = "hello"
    app.test_client_class = ConfiguredClient
    client = app.test_client(protocol=protocol)

    assert client.application is app
    assert repr(client) == f"<ConfiguredClient {app!r}>"
    # The requests still go through the protocol's adapter.
    assert client.get("/").text == f"hello over {protocol}"
    with client:
        client.get("/")
        assert request.path == "/"
        assert client.application is app
