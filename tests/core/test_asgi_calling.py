"""The app as an ASGI callable: the ways a server may call it, and the scopes it refuses."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import pytest
from tests.asgi_driver import Message
from tests.asgi_driver import http_scope
from tests.asgi_driver import serve

from hipflask import Hipflask
from hipflask import request


def test_app_is_an_asgi_callable(app: Hipflask) -> None:
    @app.route("/hello")
    def hello() -> str:
        return f"hello {request.remote_addr}"

    connection = serve(app, http_scope("/hello"))

    assert connection.status == 200
    assert connection.headers["content-type"] == "text/html; charset=utf-8"
    assert connection.headers["content-length"] == "18"
    assert connection.body == b"hello 198.51.100.7"
    assert connection.body_messages[-1].get("more_body", False) is False


def test_asgi_app_and_calling_the_app_are_equivalent(app: Hipflask) -> None:
    @app.route("/")
    def index() -> dict[str, str]:
        return {"path": request.path}

    via_call = serve(app, http_scope())
    via_asgi_app = serve(app.asgi_app, http_scope())

    assert via_call.sent == via_asgi_app.sent


def test_asgi2_style_call_serves_the_same_response(app: Hipflask) -> None:
    @app.route("/")
    def index() -> dict[str, str]:
        return {"path": request.path}

    def asgi2(scope: dict[str, Any], receive: Any, send: Any) -> Awaitable[None]:
        instance = app(scope)
        return instance(receive, send)  # type: ignore[no-any-return]

    via_asgi2 = serve(asgi2, http_scope())
    via_asgi3 = serve(app, http_scope())

    assert via_asgi2.status == 200
    assert via_asgi2.sent == via_asgi3.sent


def test_websocket_is_refused_by_closing_before_accept(app: Hipflask) -> None:
    scope = {"type": "websocket", "path": "/ws", "headers": [], "query_string": b""}

    connection = serve(app, scope, {"type": "websocket.connect"})

    assert connection.sent == [{"type": "websocket.close", "code": 1000}]


def test_unknown_scope_type_is_an_error(app: Hipflask) -> None:
    with pytest.raises(ValueError, match="Unsupported ASGI scope type 'carrier-pigeon'"):
        serve(app, {"type": "carrier-pigeon"})


def test_app_called_with_the_wrong_number_of_arguments_says_how_to_call_it(
    app: Hipflask,
) -> None:
    with pytest.raises(TypeError, match=r"WSGI .* or ASGI"):
        app("just one")


def test_wrapped_asgi_app_is_what_a_server_calling_the_app_reaches(app: Hipflask) -> None:
    @app.route("/")
    def index() -> str:
        return "ok"

    asgi_app = app.asgi_app

    async def add_header(scope: dict[str, Any], receive: Any, send: Any) -> None:
        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message["headers"], (b"x-mw", b"yes")]}
            await send(message)

        await asgi_app(scope, receive, send_with_header)

    app.asgi_app = add_header  # type: ignore[method-assign]

    assert serve(app, http_scope()).headers["x-mw"] == "yes"
