"""What the one-frame ASGI path hands over to the general path, and what it leaves behind."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tests.core.asgi_direct_apps import build_app
from tests.core.asgi_direct_apps import call
from tests.core.asgi_direct_apps import general_calls as general_calls
from tests.core.asgi_direct_apps import scope_for

from hipflask import Hipflask
from hipflask import Response
from hipflask import request
from hipflask.contexts.globals import _cv_app
from hipflask.contexts.globals import _cv_request
from hipflask.core import asgi
from hipflask.core import asgi_direct


def test_a_view_not_served_yet_is_handed_over_once(general_calls: list[str]) -> None:
    app = build_app()
    call(asgi.http, app, path="/text")

    general_calls.clear()
    first = call(asgi_direct.handle, app, path="/sync")
    assert general_calls == ["respond"]  # where it runs is found out there
    general_calls.clear()
    second = call(asgi_direct.handle, app, path="/sync")

    assert first == second
    assert general_calls == []


def test_headers_given_as_a_tuple_are_handed_over(general_calls: list[str]) -> None:
    # Any iterable will do (a middleware may pass one); the general path lists it.
    app = build_app()
    call(asgi.http, app, path="/text")
    scope = scope_for("/text")
    scope["headers"] = tuple(scope["headers"])
    sent: list[Any] = []

    async def send(message: Any) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        raise AssertionError("a GET without a body is not read")

    general_calls.clear()
    asyncio.run(asgi_direct.handle(app, scope, receive, send))

    assert general_calls == ["http", "respond"]
    assert sent[0]["status"] == 200
    assert sent[1]["body"] == b"GET /text"


@pytest.mark.parametrize(("sent", "body"), [("GET", b""), ("HEAD", b"body")])
def test_the_body_follows_the_method_the_view_left(sent: str, body: bytes) -> None:
    app = Hipflask(__name__)

    @app.route("/", methods=["GET", "HEAD"])
    async def flip() -> str:
        request.method = "HEAD" if request.method == "GET" else "GET"
        return "body"

    call(asgi.http, app, path="/")
    answers = [
        call(handler, app, path="/", method=sent)[1][0]
        for handler in (asgi_direct.handle, asgi.http)
    ]

    assert answers == [body, body]


def test_the_contexts_are_left_after_a_request() -> None:
    app = build_app()
    call(asgi.http, app, path="/text")

    call(asgi_direct.handle, app, path="/text")
    call(asgi_direct.handle, app, path="/fail")

    assert _cv_request.get(None) is None
    assert _cv_app.get(None) is None


def sent_messages(handler: Any, app: Hipflask, path: str) -> list[dict[str, Any]] | str:
    """The messages ``handler`` sends, as sent, or the error it raised."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    try:
        asyncio.run(handler(app, scope_for(path), receive, send))
    except TypeError as exc:
        return type(exc).__name__
    return sent


@pytest.mark.parametrize("chunk", [bytearray(b"chunk"), memoryview(b"chunk"), "chunk"], ids=type)
def test_a_chunk_passed_through_is_sent_as_the_general_path_sends_it(chunk: Any) -> None:
    # ASGI bodies are bytes: the general path joins the list into bytes (and
    # fails on a str) rather than handing the server the object itself.
    app = build_app()

    @app.get("/passed")
    async def passed() -> Response:
        return Response([chunk], direct_passthrough=True)

    call(asgi.http, app, path="/text")
    sent_messages(asgi.http, app, "/passed")

    answers = [
        sent_messages(handler, app, "/passed") for handler in (asgi_direct.handle, asgi.http)
    ]

    assert answers[0] == answers[1]
    for answer in answers:
        if not isinstance(answer, str):
            bodies = [message["body"] for message in answer if "body" in message]
            assert [type(body) for body in bodies] == [bytes]
