"""A uvicorn HTTP protocol that gives every request head a deadline.

uvicorn times out a connection only while it sits idle between requests
(``--timeout-keep-alive``): once a client has sent one byte of a request
line, nothing bounds how long it may take over the rest. A slowloris client
that sends a header line every few seconds keeps its socket, and a few
thousand of them exhaust the server's file descriptors. A connection that
never sends a byte is not timed out at all.

:class:`HeaderTimeoutProtocol` is uvicorn's own h11 protocol with one timer
more: from the moment a connection is accepted, and again after each
response, the next request head (request line and headers) must be complete
within ``header_timeout`` seconds, or the connection is closed. The body is
the app's to time (``BODY_READ_TIMEOUT`` and ``BODY_MIN_RATE``). uvicorn
takes the class through its documented ``--http`` option::

    uvicorn --http hipflask.serving.uvicorn:HeaderTimeoutProtocol app:app

or, with another timeout, ``uvicorn.run(app, http=header_timeout_protocol(5))``.
"""

from __future__ import annotations

import asyncio
from typing import Any
from typing import ClassVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["DEFAULT_HEADER_TIMEOUT", "HeaderTimeoutProtocol", "header_timeout_protocol"]

#: Seconds a client may take to send a request head, as ``hipflask serve``.
DEFAULT_HEADER_TIMEOUT = 10.0


class HeaderTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request head is late.

    The timer runs while h11 waits for a request (its client state is
    ``IDLE``): from accept, and from the end of each response, so a silent
    connection, a slowloris head and an idle keep-alive connection all end
    after ``header_timeout`` seconds. It stops as soon as a head is parsed,
    so a slow view or a long upload is never cut by it.
    """

    header_timeout: ClassVar[float] = DEFAULT_HEADER_TIMEOUT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._cancel_head_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # A pipelined head already buffered was parsed by the call above.
        if self.conn.their_state is h11.IDLE:
            self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        if not self.transport.is_closing():
            self._head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def header_timeout_protocol(seconds: float) -> type[HeaderTimeoutProtocol]:
    """A :class:`HeaderTimeoutProtocol` whose request heads get ``seconds`` seconds.

    For ``uvicorn.run(app, http=...)``; on the command line, assign the
    result to a module attribute and name it with ``--http module:name``.
    """
    if not 0 < seconds < float("inf"):
        raise ValueError(
            f"The header timeout must be a positive number of seconds (got {seconds!r})."
        )
    return type(
        "HeaderTimeoutProtocol", (HeaderTimeoutProtocol,), {"header_timeout": float(seconds)}
    )
