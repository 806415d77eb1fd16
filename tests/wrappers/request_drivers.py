"""How the request tests call an app as an ASGI server would, the body in several messages."""

from __future__ import annotations

import asyncio
from typing import Any

from hipflask import Hipflask


def run_asgi(
    app: Hipflask,
    method: str,
    path: str,
    chunks: list[bytes],
    headers: list[tuple[bytes, bytes]],
) -> tuple[int, bytes]:
    """Send a request as a server would, the body in several ``http.request`` messages."""
    messages = [
        {"type": "http.request", "body": chunk, "more_body": index < len(chunks) - 1}
        for index, chunk in enumerate(chunks)
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"localhost"), *headers],
        "server": ("localhost", 80),
        "client": ("127.0.0.1", 50000),
    }
    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])
