"""Noticing, while a streamed body is sent, that its client has gone.

ASGI servers tell an app that its client left through ``receive()``, which
returns ``http.disconnect``; ``send()`` to a closed connection does not
always raise (granian logs a transport error and returns). A streamed body
that nobody watches for it runs on after its client left: an endless event
stream forever, ticking in a thread, with every chunk sent to nobody. The
adapters watch while (and only while) a body is streamed, and stop the
stream at its next chunk once the client is gone.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..typing import Receive

__all__ = ["DisconnectWatch", "until_disconnect"]


class DisconnectWatch:
    """A task reading ``receive()`` until the client disconnects.

    Made when a streamed body starts, after the request body was read in
    full, so every message it reads is the disconnect or an empty end of
    a body nobody read. :meth:`close` it when the response ends.
    """

    __slots__ = ("_task",)

    def __init__(self, receive: Receive) -> None:
        self._task = asyncio.ensure_future(until_disconnect(receive))

    @property
    def gone(self) -> bool:
        """Whether the client has disconnected (or the server stopped answering)."""
        task = self._task
        return task.done() and not task.cancelled() and task.result()

    def close(self) -> None:
        self._task.cancel()


async def until_disconnect(receive: Receive) -> bool:
    """Wait until the client disconnects (True), or until watching is pointless (False).

    Past the end of the request body a server's ``receive()`` waits for the
    disconnect. One that keeps answering with request messages instead (a
    test harness replaying the body) would make this loop spin: watching
    stops at the second message that ends a body.
    """
    ends = 0
    try:
        while True:
            message = await receive()
            kind = message.get("type")
            if kind == "http.disconnect":
                return True
            if kind == "http.request" and not message.get("more_body", False):
                ends += 1
                if ends > 1:
                    return False
    except Exception:
        # A server that cannot answer receive() any more has no client left
        # to stream to either.
        return True
