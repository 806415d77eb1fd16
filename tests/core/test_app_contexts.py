"""Contexts for tests and tools: the shell context, test_request_context and URL adapters."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import NotFound

from hipflask import Hipflask
from hipflask import request


def test_make_shell_context(app: Hipflask) -> None:
    @app.shell_context_processor
    def models() -> dict[str, Any]:
        return {"User": "user model", "db": "database"}

    context = app.make_shell_context()
    assert context["app"] is app
    assert context["g"] is None
    assert context["User"] == "user model"
    assert context["db"] == "database"
    with app.app_context():
        assert app.make_shell_context()["g"] is not None


def test_test_request_context_builds_a_routed_request(app: Hipflask) -> None:
    @app.route("/search")
    def search() -> str:
        return "search"

    with app.test_request_context(
        "/search?q=web", method="POST", json={"page": 2}, headers={"X-Test": "1"}
    ):
        assert request.path == "/search"
        assert request.args["q"] == "web"
        assert request.method == "POST"
        assert request.get_json() == {"page": 2}
        assert request.headers["X-Test"] == "1"
        assert request.endpoint is None  # GET-only rule: a 405 is recorded
        assert request.routing_exception is not None


def test_test_request_context_uses_server_name_and_subdomain(app: Hipflask) -> None:
    app.config.update(SERVER_NAME="example.test", PREFERRED_URL_SCHEME="https")
    with app.test_request_context("/", subdomain="api"):
        assert request.host == "api.example.test"
        assert request.scheme == "https"


def test_test_request_context_with_conflicting_arguments_raises_value_error(
    app: Hipflask,
) -> None:
    # A mistake in the test's own arguments, not a request a client sent: as
    # in Flask, the builder's ValueError, never an HTTP 400.
    with pytest.raises(ValueError, match="Query string is defined in the path") as info:
        app.test_request_context("/?a=1", query_string={"b": "1"})
    assert not isinstance(info.value, HTTPException)


@pytest.mark.parametrize(
    ("base_url", "error"),
    [
        ("http://xn--n3h\u2603.test/", UnicodeError),
        ("http://a..b/", UnicodeError),
        ("http://[::1/", ValueError),
    ],
)
def test_test_request_context_with_a_malformed_base_url_raises_as_flask_does(
    app: Hipflask, base_url: str, error: type[Exception]
) -> None:
    with pytest.raises(error) as info:
        app.test_request_context("/", base_url=base_url)
    assert not isinstance(info.value, HTTPException)


def test_request_context_from_an_environ(app: Hipflask) -> None:
    @app.route("/item/<int:item_id>")
    def item(item_id: int) -> str:
        return str(item_id)

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/item/5",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
    }
    with app.request_context(environ):
        assert request.view_args == {"item_id": 5}
        assert app.dispatch_request() == "5"


def test_raise_routing_exception(app: Hipflask) -> None:
    with app.test_request_context("/nowhere"), pytest.raises(NotFound):
        app.raise_routing_exception(request)


def test_make_default_options_response(app: Hipflask) -> None:
    @app.route("/", methods=["GET", "PUT"])
    def index() -> str:
        return "x"

    with app.test_request_context("/", method="OPTIONS"):
        response = app.make_default_options_response()
    assert set(response.allow) == {"GET", "HEAD", "PUT", "OPTIONS"}
    # As Flask's: a hook deciding by the length (compression) sees none yet.
    assert response.content_length is None
    assert response.get_data() == b""


def test_the_automatic_options_answer_is_sent_with_a_zero_length(
    app: Hipflask, client: Any
) -> None:
    @app.route("/", methods=["GET", "PUT"])
    def index() -> str:
        return "x"

    response = client.options("/")

    assert response.status_code == 200
    assert response.headers["Content-Length"] == "0"
    assert response.get_data() == b""
    assert set(response.allow) == {"GET", "HEAD", "PUT", "OPTIONS"}


def test_create_url_adapter(app: Hipflask) -> None:
    assert app.create_url_adapter(None) is None
    app.config["SERVER_NAME"] = "example.test"
    adapter = app.create_url_adapter(None)
    assert adapter is not None
    assert adapter.server_name == "example.test"
    with app.test_request_context("/"):
        assert app.create_url_adapter(request) is app.create_url_adapter(request)
