"""Sending a large or streamed response body to a client that may not read it.

A client can open a connection, ask for a large page and never read the
answer. Handed over in one message, the whole body sits in the server's
buffers for as long as the client likes (granian has no write timeout), one
copy per such client. Sent in pieces, each piece waits for the client to
take the one before (servers apply backpressure to an ASGI ``send``); a
piece not taken within ``RESPONSE_SEND_TIMEOUT`` seconds ends the response,
so the app lets go of the body, its file or its generator. What stays
buffered per stalled connection is then about the socket buffers, not the
body.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING
from typing import Any

if TYPE_CHECKING:
    from ..typing import Send

__all__ = ["PIECE", "SlowReader", "send_body", "send_timed", "send_timeout"]

#: Bodies larger than this are sent in pieces of this size.
PIECE = 64 * 1024


class SlowReader(Exception):
    """The client did not take a piece of the body within the send timeout."""


def send_timeout(config: Any) -> float | None:
    """The app's ``RESPONSE_SEND_TIMEOUT`` in seconds; ``None`` (or 0) turns it off."""
    value = config.get("RESPONSE_SEND_TIMEOUT")
    return float(value) if value else None


async def send_timed(send: Send, message: dict[str, Any], timeout: float | None) -> None:
    """``send(message)``, raising :class:`SlowReader` when it takes longer than ``timeout``."""
    if timeout is None:
        await send(message)
        return
    try:
        await asyncio.wait_for(send(message), timeout)
    except asyncio.TimeoutError:
        raise SlowReader from None


async def send_body(send: Send, data: bytes, timeout: float | None) -> None:
    """The whole (last) body of a response: in timed pieces when it is large."""
    size = len(data)
    if size <= PIECE or timeout is None:
        await send({"type": "http.response.body", "body": data})
        return
    for start in range(0, size, PIECE):
        end = start + PIECE
        message = {"type": "http.response.body", "body": data[start:end], "more_body": end < size}
        await send_timed(send, message, timeout)
