"""The request's method, URL, query string and addressing (IDNA hosts too), both protocols."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import request
from hipflask.testing.client import HipflaskClient


def test_url_parts_describe_the_request(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/items/<int:item_id>")
    def item(item_id: int) -> dict[str, Any]:
        return {
            "method": request.method,
            "path": request.path,
            "full_path": request.full_path,
            "url": request.url,
            "base_url": request.base_url,
            "url_root": request.url_root,
            "host": request.host,
            "scheme": request.scheme,
            "is_secure": request.is_secure,
            "endpoint": request.endpoint,
            "view_args": request.view_args,
            "blueprint": request.blueprint,
        }

    data = client.get("/items/7?q=a+b").get_json()

    assert data == {
        "method": "GET",
        "path": "/items/7",
        "full_path": "/items/7?q=a+b",
        "url": "http://localhost/items/7?q=a+b",
        "base_url": "http://localhost/items/7",
        "url_root": "http://localhost/",
        "host": "localhost",
        "scheme": "http",
        "is_secure": False,
        "endpoint": "item",
        "view_args": {"item_id": 7},
        "blueprint": None,
    }


def test_https_request_is_secure(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return {"scheme": request.scheme, "secure": request.is_secure, "url": request.url}

    data = client.get("/", base_url="https://example.test:8443").get_json()

    assert data == {"scheme": "https", "secure": True, "url": "https://example.test:8443/"}


def test_client_details_come_from_the_connection_and_headers(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return {
            "remote_addr": request.remote_addr,
            "referrer": request.referrer,
            "user_agent": request.user_agent.string,
            "access_route": request.access_route,
        }

    data = client.get(
        "/",
        headers={
            "Referer": "https://example.test/from",
            "User-Agent": "probe/1.0",
            "X-Forwarded-For": "203.0.113.9, 10.0.0.2",
        },
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    ).get_json()

    assert data == {
        "remote_addr": "10.0.0.1",
        "referrer": "https://example.test/from",
        "user_agent": "probe/1.0",
        "access_route": ["203.0.113.9", "10.0.0.2"],
    }


def test_access_route_without_forwarding_is_the_peer(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return {"route": request.access_route}

    assert client.get("/").get_json() == {"route": ["127.0.0.1"]}


def test_blueprint_names_the_handling_blueprint(app: Hipflask, client: HipflaskClient) -> None:
    parent = Blueprint("parent", __name__, url_prefix="/parent")
    child = Blueprint("child", __name__, url_prefix="/child")

    @child.route("/leaf")
    def leaf() -> dict[str, Any]:
        return {
            "endpoint": request.endpoint,
            "blueprint": request.blueprint,
            "blueprints": request.blueprints,
        }

    parent.register_blueprint(child)
    app.register_blueprint(parent)

    data = client.get("/parent/child/leaf").get_json()

    assert data == {
        "endpoint": "parent.child.leaf",
        "blueprint": "parent.child",
        "blueprints": ["parent.child", "parent"],
    }


def test_unmatched_request_has_no_endpoint(app: Hipflask, client: HipflaskClient) -> None:
    seen: list[Any] = []

    @app.errorhandler(404)
    def not_found(error: Exception) -> tuple[str, int]:
        seen.append((request.endpoint, request.blueprint, request.view_args, request.blueprints))
        return "gone", 404

    assert client.get("/nowhere").status_code == 404
    assert seen == [(None, None, None, [])]


def test_args_get_converts_with_type_and_falls_back_to_default(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        args = request.args
        return {
            "page": args.get("page", 1, type=int),
            "bad": args.get("bad", 1, type=int),
            "missing": args.get("missing", 5, type=int),
            "tags": args.getlist("tag"),
        }

    data = client.get("/?page=3&bad=x&tag=a&tag=b").get_json()

    assert data == {"page": 3, "bad": 1, "missing": 5, "tags": ["a", "b"]}


@pytest.mark.parametrize("host", ["xn--.test", "a.xn--.b"])
def test_building_a_url_from_an_invalid_idna_host_is_a_400(app: Hipflask, host: str) -> None:
    from tests.asgi_driver import http_scope
    from tests.asgi_driver import serve

    @app.route("/")
    def index() -> str:
        return request.url

    statuses: list[str] = []
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": host.encode().decode("latin-1"),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
    }
    body = b"".join(app.wsgi_app(environ, lambda status, headers: statuses.append(status)))
    connection = serve(app, http_scope(headers=[]) | {"headers": [(b"host", host.encode())]})

    assert statuses[0].startswith("400"), body
    assert b"not a valid host name" in body
    assert connection.status == 400


def test_url_attributes_of_a_valid_idna_host_are_text(app: Hipflask) -> None:
    with app.test_request_context("/p?q=1", base_url="http://xn--n3h.test/r/"):
        assert request.url == "http://\u2603.test/r/p?q=1"
        assert request.base_url == "http://\u2603.test/r/p"
        assert request.root_url == "http://\u2603.test/r/"
        assert request.host_url == "http://\u2603.test/"


@pytest.mark.parametrize("base_url", ["http://xn--n3h\u2603.test/", "http://a..b/", "http://[::1/"])
def test_test_request_context_with_a_malformed_host_is_the_builders_error(
    app: Hipflask, base_url: str
) -> None:
    # As in Flask: a test that builds a bad request gets the builder's
    # ValueError (UnicodeError for a bad IDNA label), not an HTTP 400.
    with pytest.raises(ValueError):
        app.test_request_context("/", base_url=base_url)


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_query_bytes_that_are_not_utf8_are_kept_percent_encoded(
    app: Hipflask, protocol: str
) -> None:
    from tests.security.test_malformed import send_asgi
    from tests.security.test_malformed import send_wsgi

    @app.route("/args")
    def args() -> Any:
        return request.args.to_dict()

    send = send_wsgi if protocol == "wsgi" else send_asgi
    query = b"raw=\xff\xfe&escaped=%ff&ok=caf%C3%A9"
    answer = send(app, "GET", b"/args", query, [], b"", False)

    assert answer.status == 200
    assert json.loads(answer.body) == {"raw": "%FF%FE", "escaped": "%FF", "ok": "café"}
