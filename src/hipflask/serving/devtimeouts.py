"""Timeouts for the development server, so one silent client cannot freeze it.

Werkzeug's server wraps its listening socket in TLS, so the handshake of
each new connection runs inside ``accept()``, in the one thread that accepts
connections, and without a timeout: a client that connects and never sends
a ClientHello blocks every later client for good. And a plain connection
that sends nothing holds its thread forever.

Here the handshake is deferred to the connection's own thread
(:class:`DeferredHandshakeContext`), and every connection gets a socket
timeout (:func:`timed_handler`): the handshake, each read of the request
and of its body, and each idle wait between keep-alive requests end with
the connection after ``timeout`` seconds of silence. The development server
starts a thread per connection, so slow clients only hold their own thread.
"""

from __future__ import annotations

import socket
import ssl
from typing import Any

from werkzeug.serving import WSGIRequestHandler

__all__ = ["DEV_SERVER_TIMEOUT", "DeferredHandshakeContext", "timed_handler"]

#: Seconds of silence after which the development server drops a connection.
DEV_SERVER_TIMEOUT = 10.0


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


class _TimedHandler(WSGIRequestHandler):
    """Werkzeug's handler with a socket timeout and the TLS handshake in this thread."""

    _handshake_failed = False

    def setup(self) -> None:
        super().setup()  # applies self.timeout to the connection
        do_handshake = getattr(self.connection, "do_handshake", None)
        if do_handshake is None:
            return
        try:
            do_handshake()
        except (OSError, ssl.SSLError):
            # A silent or broken client: drop the connection without reading.
            self.close_connection = True
            self._handshake_failed = True

    def make_environ(self) -> Any:
        environ = super().make_environ()
        # http.server keeps every repeated header, but Werkzeug writes
        # CONTENT_LENGTH once per value, so the last one silently wins. Joined,
        # the app sees the repetition and refuses it (request smuggling).
        lengths = self.headers.get_all("Content-Length") or []
        if len(lengths) > 1:
            environ["CONTENT_LENGTH"] = ",".join(lengths)
        return environ

    def handle(self) -> None:
        if self._handshake_failed:
            return
        super().handle()


def timed_handler(timeout: float = DEV_SERVER_TIMEOUT) -> type[WSGIRequestHandler]:
    """A request handler class whose connections time out after ``timeout`` silent seconds."""
    return type("TimedRequestHandler", (_TimedHandler,), {"timeout": timeout})
