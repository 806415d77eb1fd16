"""A bare ASGI callable answering the eight endpoints: the ASGI physical limit."""

from __future__ import annotations

from collections.abc import Awaitable
from collections.abc import Callable
from typing import Any

from apps.bare import answer

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    cookie = ""
    for name, value in scope["headers"]:
        if name == b"cookie":
            cookie = value.decode("latin-1")
    chunks: list[bytes] = []
    if scope["method"] == "POST":
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
    status, content_type, data, extra = answer(
        scope["method"],
        scope["path"],
        scope["query_string"].decode("latin-1"),
        lambda: b"".join(chunks),
        cookie,
    )
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(data)).encode()),
        *((name.lower().encode(), value.encode("latin-1")) for name, value in extra),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})
