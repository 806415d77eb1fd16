"""Noticing that a request's client has gone, without paying for it on every request.

ASGI servers tell an app that its client left through ``receive()``, which
returns ``http.disconnect``; ``send()`` to a closed connection does not
always raise (granian and hypercorn log a transport error and return). Work
nobody will read then runs on: an endless event stream ticking in a thread,
or a queue of sync views whose clients hung up at once, each holding a
thread from the clients still waiting.

A :class:`ClientLink` is the one place a request's disconnect is watched
from: a single task reading ``receive()``, started only when the answer
depends on it (a streamed body that lasts, see :mod:`hipflask.core.sending`;
a sync view that has waited for a thread, see :mod:`hipflask.core.handoff`),
so the common request pays nothing.
Some servers report the disconnect once (hypercorn): one watcher per
request, kept until the response ends, never loses it to another.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..typing import Receive

__all__ = ["ClientLink", "until_disconnect"]


class ClientLink:
    """A request's connection to its client, as far as the app can tell.

    ``gone`` turns true once the watcher (:meth:`watch`) has seen the
    disconnect. ``taken`` is set by the worker thread that starts the
    request's sync work (a job waiting for a thread is only worth watching
    until then). ``watchable`` is false when watching would do harm: a body
    the adapter chose not to read (too large) must not be read by the
    watcher, which would make the server send ``100 Continue``.
    """

    __slots__ = ("_closed", "_task", "gone", "receive", "taken", "watchable")

    def __init__(self, receive: Receive, watchable: bool = True) -> None:
        self.receive = receive
        self.watchable = watchable
        self.gone = False
        self.taken = False
        self._closed = False
        self._task: asyncio.Task[None] | None = None

    def watch(self) -> None:
        """Start watching for the disconnect, once; on the event loop.

        Not once the response has ended (:meth:`close`): a request cancelled
        while its job waited is never taken by a thread, and a later sweep
        must not start a watcher nothing would stop.
        """
        if self._task is None and self.watchable and not self._closed:
            self._task = asyncio.get_running_loop().create_task(self._watch())

    async def _watch(self) -> None:
        if await until_disconnect(self.receive):
            self.gone = True

    def close(self) -> None:
        """Stop watching: the response has ended."""
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            self._task = None


async def until_disconnect(receive: Receive) -> bool:
    """Wait until the client disconnects (True), or until watching is pointless (False).

    Past the end of the request body a server's ``receive()`` waits for the
    disconnect. One that keeps answering with request messages instead (a
    middleware replaying the body) would make this loop spin: watching
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
