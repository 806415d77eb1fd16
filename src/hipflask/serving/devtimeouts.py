"""Timeouts for the development server, so one slow client cannot freeze it.

Werkzeug's server wraps its listening socket in TLS, so the handshake of
each new connection runs inside ``accept()``, in the one thread that accepts
connections, and without a timeout: a client that connects and never sends
a ClientHello blocks every later client for good. And a plain connection
that sends nothing holds its thread forever.

Here the handshake is deferred to the connection's own thread
(:class:`DeferredHandshakeContext`), and every connection is timed
(:func:`timed_handler`):

* the TLS handshake must end within ``timeout`` seconds;
* each request head (request line and headers) must be complete within
  ``timeout`` seconds of the previous response, or of the handshake: a
  total deadline, not a silence limit, so a client trickling a byte every
  few seconds (slowloris) is dropped as surely as a silent one, and so is an
  idle keep-alive connection;
* the body may be silent for ``timeout`` seconds at most, and must average
  ``min_rate`` bytes a second once ``timeout`` has passed (the rule of the
  app's ``BODY_READ_TIMEOUT`` and ``BODY_MIN_RATE``); reading it then fails,
  and the app answers 400.

The development server starts a thread per connection, so slow clients only
hold their own thread, and only that long.
"""

from __future__ import annotations

import io
import socket
import ssl
import time
from typing import Any

from werkzeug.serving import WSGIRequestHandler

__all__ = [
    "DEV_SERVER_MIN_RATE",
    "DEV_SERVER_TIMEOUT",
    "DeadlineReader",
    "DeferredHandshakeContext",
    "timed_handler",
]

#: Seconds the development server gives a handshake and a request head, and
#: the longest silence it allows in a body.
DEV_SERVER_TIMEOUT = 10.0

#: Bytes a second a body must average once the timeout has passed (0: off).
DEV_SERVER_MIN_RATE = 1024

_HEAD_TOO_SLOW = "The request line and headers did not arrive in time."
_BODY_TOO_SLOW = "The request body arrived too slowly."


class DeferredHandshakeContext:
    """An :class:`ssl.SSLContext` stand-in whose sockets shake hands on first use.

    Werkzeug only calls ``wrap_socket`` on the listening socket; accepted
    connections inherit ``do_handshake_on_connect=False`` from it, so
    ``accept()`` returns at once and the handshake happens in the
    connection's thread, under its timeout.
    """

    def __init__(self, context: ssl.SSLContext) -> None:
        self.context = context

    def wrap_socket(self, sock: socket.socket, server_side: bool = False, **kwargs: Any) -> Any:
        kwargs["do_handshake_on_connect"] = False
        return self.context.wrap_socket(sock, server_side=server_side, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.context, name)


class DeadlineReader(io.RawIOBase):
    """The connection's reads, under a head deadline or a body rate.

    Each read's socket timeout is what is left of the head's deadline (so
    bytes that trickle in do not buy more time), or the silence limit in a
    body, after which the running average is checked too. ``TimeoutError``
    ends the head (http.server then drops the connection) or the body read.
    """

    def __init__(self, sock: socket.socket, timeout: float, min_rate: float) -> None:
        super().__init__()
        self._sock = sock
        self._timeout = timeout
        self._min_rate = min_rate
        self._deadline: float | None = None
        self._body_started = 0.0
        self._body_size = 0

    def start_head(self) -> None:
        self._deadline = time.monotonic() + self._timeout

    def start_body(self) -> None:
        self._deadline = None
        self._body_started = time.monotonic()
        self._body_size = 0
        # The head's last, short timeout must not apply to writing the response.
        self._sock.settimeout(self._timeout)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._deadline is not None:
            left = self._deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(_HEAD_TOO_SLOW)
            self._sock.settimeout(min(left, self._timeout))
        count: int = self._sock.recv_into(buffer)
        if self._deadline is None:
            self._body_size += count
            elapsed = time.monotonic() - self._body_started
            too_slow = self._body_size < self._min_rate * elapsed
            if self._min_rate and elapsed > self._timeout and too_slow:
                raise TimeoutError(_BODY_TOO_SLOW)
        return count


class _TimedHandler(WSGIRequestHandler):
    """Werkzeug's handler with deadlines and the TLS handshake in this thread."""

    _handshake_failed = False
    min_rate: float = DEV_SERVER_MIN_RATE
    _reader: DeadlineReader | None = None

    def setup(self) -> None:
        super().setup()  # applies self.timeout to the connection
        do_handshake = getattr(self.connection, "do_handshake", None)
        if do_handshake is not None:
            try:
                do_handshake()
            except (OSError, ssl.SSLError):
                # A silent or broken client: drop the connection without reading.
                self.close_connection = True
                self._handshake_failed = True
                return
        if self.timeout is None:
            return
        self._reader = DeadlineReader(self.connection, self.timeout, self.min_rate)
        self.rfile = io.BufferedReader(self._reader)

    def handle_one_request(self) -> None:
        if self._reader is not None:
            self._reader.start_head()
        super().handle_one_request()

    def run_wsgi(self) -> None:
        if self._reader is not None:
            self._reader.start_body()
        super().run_wsgi()

    def make_environ(self) -> Any:
        environ = super().make_environ()
        # http.server keeps every repeated header, but Werkzeug writes
        # CONTENT_LENGTH once per value, so the last one silently wins. Joined,
        # the app sees the repetition and refuses it (request smuggling).
        lengths = self.headers.get_all("Content-Length") or []
        if len(lengths) > 1:
            environ["CONTENT_LENGTH"] = ",".join(lengths)
        # The same goes for Content-Type (the app refuses several), and
        # Werkzeug joins cookies with a comma, which glues two into one:
        # they are one list, joined as RFC 6265 says.
        types = self.headers.get_all("Content-Type") or []
        if len(types) > 1:
            environ["CONTENT_TYPE"] = ",".join(types)
        cookies = self.headers.get_all("Cookie") or []
        if len(cookies) > 1:
            environ["HTTP_COOKIE"] = "; ".join(cookies)
        return environ

    def handle(self) -> None:
        if self._handshake_failed:
            return
        super().handle()


def timed_handler(
    timeout: float | None = DEV_SERVER_TIMEOUT, min_rate: float = DEV_SERVER_MIN_RATE
) -> type[WSGIRequestHandler]:
    """A request handler class whose connections are timed as the module docstring says.

    ``timeout`` ``None`` turns every timeout off, as in Werkzeug's own handler.
    """
    return type("TimedRequestHandler", (_TimedHandler,), {"timeout": timeout, "min_rate": min_rate})
