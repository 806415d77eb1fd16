"""Regressions: routing, status lines, response subclasses, proxies and interface choice.

Each test pins a behaviour that once differed from Werkzeug or Flask, or let
a deployment skip a protection without saying so.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.asgi_driver import http_scope
from tests.asgi_driver import serve
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map
from werkzeug.routing import Rule
from werkzeug.wrappers import Response as WerkzeugResponse

from hipflask import Hipflask
from hipflask import Response
from hipflask import jsonify
from hipflask import request
from hipflask.errors import ConfigurationError
from hipflask.routing.matcher import NOT_FOUND
from hipflask.routing.matcher import Matcher
from hipflask.security.proxies import ProxyTrust
from hipflask.security.proxies import apply_asgi
from hipflask.serving.production import choose_interface
from hipflask.serving.production import serve_app

STRONG_KEY = "8d1f0c5e2b7a4e9c96f3d2a1b0c4e7f85a6d3c2b1e0f9a8b"


@pytest.fixture
def app() -> Hipflask:
    app = Hipflask(__name__)
    app.config["SECRET_KEY"] = STRONG_KEY
    return app


# -- routing ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/users/42\n", "/files/report.pdf\n"])
def test_matcher_does_not_match_before_a_trailing_newline(path: str) -> None:
    url_map = Map(
        [Rule("/users/<int:n>", endpoint="user"), Rule("/files/<path:name>", endpoint="files")]
    )
    with pytest.raises(HTTPException) as werkzeug_answer:
        url_map.bind("localhost").match(path)
    assert werkzeug_answer.value.code == 404
    found = Matcher(url_map).match(path, "GET")
    assert found is None or found is NOT_FOUND


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_an_encoded_newline_does_not_reach_a_view(app: Hipflask, protocol: str) -> None:
    @app.route("/users/<int:n>")
    def user(n: int) -> str:
        return f"user {n}"

    client = app.test_client(protocol=protocol)
    assert client.get("/users/42").status_code == 200
    assert client.get("/users/42%0A").status_code == 404


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_a_rule_added_to_the_url_map_after_serving_began_is_routed(
    app: Hipflask, protocol: str
) -> None:
    @app.route("/")
    def index() -> str:
        return "index"

    client = app.test_client(protocol=protocol)
    assert client.get("/").status_code == 200  # the matcher is built now
    assert client.get("/late").status_code == 404

    app.url_map.add(Rule("/late", endpoint="late"))
    app.view_functions["late"] = lambda: "late"

    response = client.get("/late")
    assert (response.status_code, response.text) == (200, "late")


# -- responses -------------------------------------------------------------------


@pytest.mark.parametrize("code", [203, 207, 414, 511])
def test_status_line_is_werkzeugs(code: int) -> None:
    assert Response("x", code).status == WerkzeugResponse("x", code).status
    assert Response(b"x", code).status == WerkzeugResponse(b"x", code).status


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_status_line_of_a_view_is_werkzeugs(app: Hipflask, protocol: str) -> None:
    @app.route("/multi")
    def multi() -> Any:
        return "x", 207

    assert app.test_client(protocol=protocol).get("/multi").status == "207 MULTI STATUS"


class _Stamped(Response):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.headers["X-Stamp"] = "1"


def test_jsonify_runs_the_response_class_constructor(app: Hipflask) -> None:
    app.response_class = _Stamped

    with app.app_context():
        response = jsonify(a=1)

    assert type(response) is _Stamped
    assert response.headers["X-Stamp"] == "1"
    assert response.headers["Content-Type"] == "application/json"
    assert response.get_json() == {"a": 1}


class _Text(Response):
    default_mimetype = "text/plain"


def test_a_str_return_value_uses_the_response_class_defaults(app: Hipflask) -> None:
    app.response_class = _Text

    @app.route("/")
    def index() -> str:
        return "hello"

    response = app.test_client().get("/")
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.text == "hello"


def test_a_str_return_value_runs_the_response_class_constructor(app: Hipflask) -> None:
    app.response_class = _Stamped

    with app.test_request_context():
        plain = app.make_response("made")
        with_status = app.make_response(("made", 201))

    assert plain.headers["X-Stamp"] == "1"
    assert (with_status.status_code, with_status.headers["X-Stamp"]) == (201, "1")


# -- proxies ---------------------------------------------------------------------


def test_forwarded_prefix_replaces_a_servers_root_path_under_asgi() -> None:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/app/x",
        "root_path": "/app",
        "headers": [(b"host", b"example.com"), (b"x-forwarded-prefix", b"/p")],
        "client": ("10.0.0.1", 1234),
    }
    fixed = apply_asgi(scope, ProxyTrust(x_for=0, x_proto=0, x_prefix=1))
    # As under WSGI, where the prefix replaces SCRIPT_NAME and PATH_INFO stays.
    assert (fixed["root_path"], fixed["path"]) == ("/p", "/p/x")


def test_forwarded_prefix_under_asgi_routes_like_wsgi(app: Hipflask) -> None:
    app.config["PROXY_FIX"] = {"x_for": 0, "x_proto": 0, "x_prefix": 1}

    @app.route("/x")
    def x() -> str:
        return f"{request.script_root}|{request.path}"

    scope = http_scope(
        "/app/x",
        root_path="/app",
        headers=[(b"x-forwarded-prefix", b"/p")],
        client=("10.0.0.1", 1234),
    )

    answer = serve(app, scope)

    assert answer.status == 200
    assert answer.body == b"/p|/x"


# -- serving ---------------------------------------------------------------------


def test_auto_interface_keeps_middleware_installed_on_wsgi_app(app: Hipflask) -> None:
    @app.route("/")
    async def index() -> str:
        return "async"

    assert choose_interface(app) == "asgi"
    inner = app.wsgi_app
    app.wsgi_app = lambda environ, start_response: inner(environ, start_response)  # type: ignore[method-assign]
    assert choose_interface(app) == "wsgi"


def test_auto_interface_keeps_middleware_installed_on_asgi_app(app: Hipflask) -> None:
    @app.route("/")
    def index() -> str:
        return "sync"

    assert choose_interface(app) == "wsgi"
    inner = app.asgi_app

    async def middleware(scope: Any, receive: Any, send: Any) -> None:
        await inner(scope, receive, send)

    app.asgi_app = middleware  # type: ignore[method-assign]
    assert choose_interface(app) == "asgi"


def test_serve_app_with_proxy_zero_still_refuses_public_plain_http(
    app: Hipflask, monkeypatch: pytest.MonkeyPatch
) -> None:
    granian = pytest.importorskip("granian")

    def never_served(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("served plain HTTP on a public address")

    monkeypatch.setattr(granian, "Granian", never_served)
    with pytest.raises(ConfigurationError, match="plain HTTP"):
        serve_app("unused:app", host="0.0.0.0", proxy=0, app=app)  # noqa: S104
