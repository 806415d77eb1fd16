"""Large and streamed bodies go in timed pieces: a client that stops reading is let go of."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from tests.asgi_driver import http_scope

from hipflask import Hipflask
from hipflask.core.sending import PIECE
from hipflask.core.sending import UNTIMED
from hipflask.serving.buffering import BufferedWSGI

BIG = b"x" * (4 * PIECE + 10)


def _app(closed: list[str]) -> Hipflask:
    app = Hipflask("sending")
    app.secret_key = "k" * 32
    app.config["RESPONSE_SEND_TIMEOUT"] = 0.1

    @app.get("/big")
    def big() -> Any:
        return app.response_class(BIG)

    @app.get("/stream")
    def stream() -> Any:
        def chunks() -> Iterator[bytes]:
            try:
                while True:
                    yield b"y" * PIECE
            finally:
                closed.append("stream")

        return app.response_class(chunks())

    return app


class _StalledClient:
    """Takes ``accepted`` body messages, then never takes another (a full socket)."""

    def __init__(self, accepted: int) -> None:
        self.accepted = accepted
        self.bodies: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")  # pragma: no cover

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            if len(self.bodies) >= self.accepted:
                await asyncio.Event().wait()
            self.bodies.append(message)


@pytest.mark.parametrize("path", ["/big", "/stream"])
@pytest.mark.parametrize("served", ["asgi", "wsgi-front"])
def test_a_client_that_stops_reading_is_let_go_of(path: str, served: str) -> None:
    closed: list[str] = []
    app = _app(closed)
    target: Any = app if served == "asgi" else BufferedWSGI(app, app.config, threads=1)
    # A stream's first UNTIMED bytes are not timed: the server buffers more.
    accepted = 2 if path == "/big" else UNTIMED // PIECE + 2
    client = _StalledClient(accepted=accepted)

    async def run() -> None:
        await asyncio.wait_for(target(http_scope(path), client.receive, client.send), timeout=5)

    try:
        asyncio.run(run())
    finally:
        threads = app._threads if served == "asgi" else target.threads
        threads.shutdown()
    assert len(client.bodies) == accepted
    assert all(len(message["body"]) <= PIECE for message in client.bodies)
    if path == "/stream":
        assert closed == ["stream"]


def test_a_client_that_reads_gets_the_whole_body_in_pieces() -> None:
    app = _app([])
    for protocol in ("wsgi", "asgi"):
        response = app.test_client(protocol=protocol).get("/big")
        assert response.data == BIG
    client = _StalledClient(accepted=100)

    async def run() -> None:
        await app(http_scope("/big"), client.receive, client.send)

    asyncio.run(run())
    assert b"".join(message["body"] for message in client.bodies) == BIG
    assert [message.get("more_body", False) for message in client.bodies] == [True] * 4 + [False]


def test_a_small_body_is_one_message() -> None:
    app = Hipflask("sending")
    app.secret_key = "k" * 32

    @app.get("/")
    def index() -> str:
        return "small"

    client = _StalledClient(accepted=100)
    asyncio.run(app(http_scope("/"), client.receive, client.send))
    assert client.bodies == [{"type": "http.response.body", "body": b"small"}]


@pytest.mark.parametrize("served", ["asgi", "wsgi-front"])
def test_one_large_chunk_of_a_stream_is_sent_in_timed_pieces(served: str) -> None:
    app = Hipflask("sending")
    app.secret_key = "k" * 32
    app.config["RESPONSE_SEND_TIMEOUT"] = 0.1
    closed: list[str] = []

    @app.get("/page")
    def page() -> Any:
        def chunks() -> Iterator[bytes]:
            try:
                yield b"z" * (20 * PIECE)  # a whole page in one chunk
            finally:
                closed.append("page")

        return app.response_class(chunks())

    target: Any = app if served == "asgi" else BufferedWSGI(app, app.config, threads=1)
    client = _StalledClient(accepted=UNTIMED // PIECE + 1)

    async def run() -> None:
        await asyncio.wait_for(target(http_scope("/page"), client.receive, client.send), timeout=5)

    try:
        asyncio.run(run())
    finally:
        (app._threads if served == "asgi" else target.threads).shutdown()
    assert all(len(message["body"]) <= PIECE for message in client.bodies)
    assert closed == ["page"]
