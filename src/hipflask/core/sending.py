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
    from .disconnect import ClientLink

__all__ = [
    "PIECE",
    "UNTIMED",
    "WATCH_STREAM_AFTER",
    "SlowReader",
    "StreamSender",
    "send_body",
    "send_timed",
    "send_timeout",
]

#: Bodies larger than this are sent in pieces of this size.
PIECE = 64 * 1024

#: Bytes of a stream sent before its sends are timed (see StreamSender).
UNTIMED = 4 * PIECE

#: Seconds a streamed body runs before its client is watched for a
#: disconnect: most streams end sooner, and watching costs a task and a
#: receive() call; an endless one is stopped this long after its client left
#: at most (plus its next chunk).
WATCH_STREAM_AFTER = 0.5


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
    if _timeout is None:  # pragma: no cover - Python 3.10
        try:
            await asyncio.wait_for(send(message), timeout)
        except asyncio.TimeoutError:
            raise SlowReader from None
        return
    # A timer on the running task, not a task per piece as wait_for makes.
    try:
        async with _timeout(timeout):
            await send(message)
    except TimeoutError:
        raise SlowReader from None


_timeout: Any = getattr(asyncio, "timeout", None)


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


class StreamSender:
    """A streamed body's chunks: timed once they add up, the client watched once it lasts.

    ``gone`` is asked before each chunk: the stream stops there once the
    client has left. The link is watched from :data:`WATCH_STREAM_AFTER`
    seconds into the stream (at once if its job was already watched).
    Sends are timed from :data:`UNTIMED` bytes on: the server and the
    operating system buffer more than that before a send can block, so the
    short streams most responses are never pay for a timer.
    """

    __slots__ = ("_link", "_loop", "_send", "_sent", "_timeout", "_watch_at")

    def __init__(self, send: Send, link: ClientLink, timeout: float | None) -> None:
        self._send = send
        self._link = link
        self._timeout = timeout
        self._sent = 0
        self._loop = asyncio.get_running_loop()
        self._watch_at: float | None = self._loop.time() + WATCH_STREAM_AFTER

    @property
    def gone(self) -> bool:
        """Whether the client has left; starts the watch once the stream has lasted."""
        watch_at = self._watch_at
        if watch_at is not None and self._loop.time() >= watch_at:
            self._watch_at = None
            self._link.watch()
        return self._link.gone

    async def chunk(self, data: bytes) -> None:
        if len(data) > PIECE:
            # One large chunk (a generator yielding a whole page) goes in
            # pieces too, each timed past the first UNTIMED bytes.
            for start in range(0, len(data), PIECE):
                await self._piece(data[start : start + PIECE])
        else:
            await self._piece(data)

    async def _piece(self, data: bytes) -> None:
        message = {"type": "http.response.body", "body": data, "more_body": True}
        sent = self._sent
        self._sent = sent + len(data)
        if sent < UNTIMED:
            await self._send(message)
        else:
            await send_timed(self._send, message, self._timeout)
