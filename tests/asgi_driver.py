"""Driving an ASGI app the way a server does: a scope, received messages, sent messages.

Shared by the tests that call the app directly as ASGI, with no test client
in between.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from collections.abc import Awaitable
from collections.abc import Callable
from typing import Any

Message = dict[str, Any]


def http_scope(
    path: str = "/",
    method: str = "GET",
    headers: list[tuple[bytes, bytes]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"localhost"), *(headers or [])],
        "server": ("localhost", 8000),
        "client": ("198.51.100.7", 40000),
    }
    scope.update(extra)
    return scope


class Connection:
    """One connection's messages: what the app will receive, and what it sent."""

    def __init__(self, *incoming: Message) -> None:
        self.incoming = list(incoming)
        self.received = 0
        self.sent: list[Message] = []

    async def receive(self) -> Message:
        self.received += 1
        if self.incoming:
            return self.incoming.pop(0)
        # A real server blocks until the client goes away.
        await asyncio.Event().wait()
        raise AssertionError("unreachable")  # pragma: no cover

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int:
        start = self.sent[0]
        assert start["type"] == "http.response.start"
        return int(start["status"])

    @property
    def headers(self) -> dict[str, str]:
        return {k.decode(): v.decode() for k, v in self.sent[0]["headers"]}

    @property
    def body_messages(self) -> list[Message]:
        return [m for m in self.sent if m["type"] == "http.response.body"]

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.body_messages)


def request_body(*chunks: bytes) -> list[Message]:
    return [
        {"type": "http.request", "body": chunk, "more_body": index < len(chunks) - 1}
        for index, chunk in enumerate(chunks)
    ]


def serve(
    app: Callable[..., Awaitable[None]], scope: dict[str, Any], *incoming: Message
) -> Connection:
    connection = Connection(*incoming)
    asyncio.run(app(scope, connection.receive, connection.send))
    return connection


@contextlib.asynccontextmanager
async def lifespan(app: Callable[..., Awaitable[None]]) -> AsyncIterator[None]:
    """The app's lifespan as a server runs it: startup on entry, shutdown on exit."""
    events: asyncio.Queue[Message] = asyncio.Queue()
    replies: list[Message] = []

    async def send(message: Message) -> None:
        replies.append(message)

    await events.put({"type": "lifespan.startup"})
    server = asyncio.ensure_future(
        app({"type": "lifespan", "asgi": {"version": "3.0"}}, events.get, send)
    )
    yield
    await events.put({"type": "lifespan.shutdown"})
    await server
    assert [reply["type"] for reply in replies] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]


async def request_on_loop(
    app: Callable[..., Awaitable[None]], scope: dict[str, Any], *incoming: Message
) -> Connection:
    """One request on the running loop (between a lifespan's startup and shutdown)."""
    connection = Connection(*incoming)
    await app(scope, connection.receive, connection.send)
    return connection
