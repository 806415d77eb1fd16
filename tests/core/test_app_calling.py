"""The app object as a WSGI and an ASGI callable, and wrappers around either."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from werkzeug.test import create_environ

from hipflask import Hipflask


def test_app_is_a_wsgi_callable(app: Hipflask) -> None:
    @app.route("/")
    def index() -> str:
        return "wsgi"

    statuses: list[str] = []
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
    }
    body = b"".join(app(environ, lambda status, headers: statuses.append(status)))
    assert (statuses, body) == (["200 OK"], b"wsgi")


def test_app_is_an_asgi_callable(app: Hipflask) -> None:
    @app.route("/")
    def index() -> str:
        return "asgi"

    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [(b"host", b"localhost")],
        "query_string": b"",
        "scheme": "http",
        "server": ("localhost", 80),
    }
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 200
    assert b"".join(m.get("body", b"") for m in sent[1:]) == b"asgi"


def test_app_called_with_wrong_arguments(app: Hipflask) -> None:
    with pytest.raises(TypeError, match="not with 1 arguments"):
        app("not a scope")
    with pytest.raises(TypeError, match="not with 4 arguments"):
        app({}, None, None, None)


def test_a_subclass_or_middleware_replacing_wsgi_app_or_asgi_app_sees_every_call() -> None:
    seen: list[str] = []

    class Recording(Hipflask):
        def wsgi_app(self, environ: dict[str, Any], start_response: Any) -> Any:
            seen.append("subclass wsgi")
            return super().wsgi_app(environ, start_response)

        async def asgi_app(self, scope: Any, receive: Any, send: Any) -> None:
            seen.append("subclass asgi")
            await super().asgi_app(scope, receive, send)

    def call_both(app: Hipflask) -> tuple[bytes, bytes]:
        wsgi_body = b"".join(app(create_environ("/"), lambda status, headers: None))
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"host", b"x")]}
        asyncio.run(app(scope, receive, send))
        return wsgi_body, b"".join(message.get("body", b"") for message in sent)

    plain = Hipflask(__name__)
    wsgi_app, asgi_app = plain.wsgi_app, plain.asgi_app

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        seen.append("middleware wsgi")
        return wsgi_app(environ, start_response)

    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        seen.append("middleware asgi")
        await asgi_app(scope, receive, send)

    plain.wsgi_app, plain.asgi_app = wsgi, asgi  # type: ignore[method-assign]
    subclassed = Recording(__name__)
    for app in (plain, subclassed):
        app.get("/")(lambda: "ok")
        assert call_both(app) == (b"ok", b"ok")
    # An ASGI request passes the ASGI middleware, then the WSGI middleware
    # installed on the instance (see hipflask.core.wsgi_middleware).
    assert seen == [
        "middleware wsgi",
        "middleware asgi",
        "middleware wsgi",
        "subclass wsgi",
        "subclass asgi",
    ]
