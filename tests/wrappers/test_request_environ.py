"""The WSGI environ a request gives, synthesised under ASGI."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.wrappers.request_drivers import run_asgi

from hipflask import Hipflask
from hipflask import request
from hipflask.testing.client import HipflaskClient


def test_environ_describes_the_request_under_both_protocols(
    app: Hipflask, client: HipflaskClient, protocol: str
) -> None:
    @app.route("/env", methods=["POST"])
    def env() -> dict[str, Any]:
        environ = request.environ
        return {
            "method": environ["REQUEST_METHOD"],
            "path": environ["PATH_INFO"],
            "script": environ["SCRIPT_NAME"],
            "query": environ["QUERY_STRING"],
            "content_type": environ["CONTENT_TYPE"],
            "content_length": environ["CONTENT_LENGTH"],
            "custom": environ["HTTP_X_CUSTOM"],
            "remote": environ["REMOTE_ADDR"],
            "scheme": environ["wsgi.url_scheme"],
            "server": environ["SERVER_NAME"],
            "body": environ["wsgi.input"].read().decode(),
            "is_asgi": "asgi.scope" in environ,
        }

    data = client.post(
        "/env?x=1", data=b"body!", content_type="text/plain", headers={"X-Custom": "yes"}
    ).get_json()

    assert data == {
        "method": "POST",
        "path": "/env",
        "script": "",
        "query": "x=1",
        "content_type": "text/plain",
        "content_length": "5",
        "custom": "yes",
        "remote": "127.0.0.1",
        "scheme": "http",
        "server": "localhost",
        "body": "body!",
        "is_asgi": protocol == "asgi",
    }


def test_environ_gives_the_request_target_as_sent(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/<path:rest>")
    def target(rest: str) -> dict[str, Any]:
        environ = request.environ
        return {"raw": environ["RAW_URI"], "uri": environ["REQUEST_URI"], "path": rest}

    data = client.get("/a%20b/c?q=%C3%A9").get_json()

    assert data == {"raw": "/a%20b/c?q=%C3%A9", "uri": "/a%20b/c?q=%C3%A9", "path": "a b/c"}


def test_synthesised_environ_target_comes_from_raw_path(app: Hipflask) -> None:
    @app.route("/<path:rest>")
    def target(rest: str) -> dict[str, Any]:
        return {"raw": request.environ["RAW_URI"]}

    def scope(**extra: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "method": "GET",
            "path": "/x y",
            "query_string": b"k=v",
            "headers": [(b"host", b"localhost")],
            **extra,
        }

    for given, expected in ((scope(raw_path=b"/x%20y"), "/x%20y?k=v"), (scope(), "/x%20y?k=v")):
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any], sent: list[dict[str, Any]] = sent) -> None:
            sent.append(message)

        asyncio.run(app(given, receive, send))

        assert json.loads(sent[1]["body"]) == {"raw": expected}


def test_synthesised_environ_joins_repeated_headers(app: Hipflask) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        environ = request.environ
        return {"accept": environ["HTTP_ACCEPT"], "port": environ["SERVER_PORT"]}

    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "query_string": b"",
        "headers": [(b"host", b"localhost"), (b"accept", b"text/html"), (b"accept", b"*/*")],
        "server": ("localhost", 8000),
        "client": ("127.0.0.1", 1),
    }
    asyncio.run(app(scope, receive, send))

    assert json.loads(sent[1]["body"]) == {"accept": "text/html,*/*", "port": "8000"}


def test_reading_the_environ_of_an_oversized_asgi_body_is_not_an_error(app: Hipflask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 2

    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        environ = request.environ
        return {"method": environ["REQUEST_METHOD"], "input": environ["wsgi.input"].read().decode()}

    status, body = run_asgi(app, "POST", "/", [b"12345"], [(b"content-type", b"text/plain")])

    assert status == 200
    assert json.loads(body) == {"method": "POST", "input": ""}
