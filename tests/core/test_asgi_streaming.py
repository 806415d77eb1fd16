"""The ASGI adapter streaming a response as several body messages, and a client going away."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from collections.abc import Iterator

import pytest
from tests.asgi_driver import Message
from tests.asgi_driver import http_scope
from tests.asgi_driver import serve

from hipflask import Hipflask
from hipflask import Response
from hipflask import request
from hipflask import stream_with_context


def test_generator_is_sent_as_several_body_messages_in_order(app: Hipflask) -> None:
    @app.route("/")
    def index() -> Response:
        def generate() -> Iterator[str]:
            yield "first"
            yield ""
            yield "second"
            yield "third"

        return Response(generate(), mimetype="text/plain")

    connection = serve(app, http_scope())

    assert "content-length" not in connection.headers
    assert connection.body_messages == [
        {"type": "http.response.body", "body": b"first", "more_body": True},
        {"type": "http.response.body", "body": b"second", "more_body": True},
        {"type": "http.response.body", "body": b"third", "more_body": True},
        {"type": "http.response.body", "body": b""},
    ]


def test_async_generator_is_sent_as_several_body_messages(app: Hipflask) -> None:
    @app.route("/")
    async def index() -> Response:
        async def generate() -> AsyncIterator[str]:
            yield "a"
            await asyncio.sleep(0)
            yield "b"

        return Response(generate())  # type: ignore[arg-type]

    connection = serve(app, http_scope())

    assert [m.get("body") for m in connection.body_messages] == [b"a", b"b", b""]
    assert [m.get("more_body", False) for m in connection.body_messages] == [True, True, False]


def test_sync_generator_runs_in_the_thread_pool(app: Hipflask) -> None:
    threads: list[str] = []

    @app.route("/")
    def index() -> Response:
        def generate() -> Iterator[str]:
            threads.append(threading.current_thread().name)
            yield "x"

        return Response(generate())

    serve(app, http_scope())

    assert threads[0].startswith("hipflask-sync")


def test_stream_with_context_tears_down_after_the_last_chunk(app: Hipflask) -> None:
    events: list[str] = []

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        events.append("teardown")

    @app.route("/streamed")
    def index() -> Response:
        def generate() -> Iterator[str]:
            events.append("chunk")
            yield request.path
            events.append("chunk")
            yield request.method

        return Response(stream_with_context(generate()))

    connection = serve(app, http_scope("/streamed"))

    assert connection.body == b"/streamedGET"
    assert events == ["chunk", "chunk", "teardown"]


class ClientGone(Exception):
    pass


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_client_gone_during_a_stream_closes_the_generator(app: Hipflask, kind: str) -> None:
    events: list[str] = []

    def sync_body() -> Iterator[str]:
        try:
            for number in range(100):
                yield str(number)
        finally:
            events.append("closed")

    async def async_body() -> AsyncIterator[str]:
        try:
            for number in range(100):
                yield str(number)
        finally:
            events.append("closed")

    @app.route("/")
    def index() -> Response:
        return Response(sync_body() if kind == "sync" else async_body())  # type: ignore[arg-type]

    sent: list[Message] = []

    async def receive() -> Message:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")  # pragma: no cover

    async def send(message: Message) -> None:
        if len(sent) == 2:
            raise ClientGone
        sent.append(message)

    async def run() -> None:
        with pytest.raises(ClientGone):
            await app(http_scope(), receive, send)
        events.append("app returned")

    asyncio.run(run())

    assert [m.get("body") for m in sent] == [None, b"0"]
    assert events == ["closed", "app returned"]


def test_async_iterable_without_aclose_is_streamed(app: Hipflask) -> None:
    class Countdown:
        def __init__(self) -> None:
            self.left = 2

        def __aiter__(self) -> Countdown:
            return self

        async def __anext__(self) -> bytes:
            if not self.left:
                raise StopAsyncIteration
            self.left -= 1
            return b"%d" % self.left

    @app.route("/")
    async def index() -> Response:
        return Response(Countdown())  # type: ignore[arg-type]

    assert serve(app, http_scope()).body == b"10"
