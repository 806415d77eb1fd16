"""A gunicorn worker that times out slow clients: request heads and bodies.

gunicorn's threaded worker (``gthread``) reads a request in one of its
``--threads`` threads from a blocking socket, and nothing bounds how long
that may take: a slowloris client that sends a header line every few seconds,
or an upload trickling a byte a second, holds a thread for as long as it
likes, and as many such clients as there are threads stop the site. (The
default ``sync`` worker is worse: it serves one connection at a time, so one
silent client stops a worker.)

:class:`TimedWorker` is ``gthread`` with deadlines:

* the request head (the TLS handshake included) must be complete within
  ``header_timeout`` seconds of a thread taking the connection, or one
  watchdog thread shuts the socket down, which ends the blocked read at once
  and frees the thread;
* the body, as the app reads it, may be silent for at most ``body_timeout``
  seconds, and must average ``body_min_rate`` bytes a second once
  ``body_timeout`` has passed (the meaning of ``hipflask serve
  --body-timeout`` and ``--body-min-rate``), or the connection is dropped.

Idle keep-alive connections are gunicorn's (``--keep-alive``). gunicorn takes
the class through its documented ``--worker-class`` option::

    gunicorn -k hipflask.serving.gunicorn.TimedWorker --threads 100 app:app

A slow client still holds a thread until its deadline, so ``--threads`` must
cover the slow clients expected at once plus the views running, where
``hipflask serve`` holds no thread for them at all.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any
from typing import ClassVar

from gunicorn.workers.gthread import ThreadWorker

__all__ = ["TimedWorker", "timed_worker"]


# Bounds of one timed body read, in bytes.
_MIN_PIECE = 1024
_MAX_PIECE = 64 * 1024

# How often the watchdog looks for late heads: the slack on each deadline.
_TICK = 0.1


class _Deadlines:
    """Connections whose head is due, and one thread that shuts the late ones."""

    def __init__(self) -> None:
        self._due: dict[int, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def arm(self, conn: Any, due: float) -> None:
        """Shut ``conn.sock`` down at ``due`` (``time.monotonic()``) unless disarmed first."""
        with self._lock:
            self._due[id(conn)] = (due, conn)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._watch, name="hipflask-head-deadlines", daemon=True
                )
                self._thread.start()

    def disarm(self, conn: Any) -> None:
        with self._lock:
            self._due.pop(id(conn), None)

    def shut_late(self, now: float) -> int:
        """Shut down the sockets whose head is late; return how many."""
        with self._lock:
            late = [key for key, (due, _conn) in self._due.items() if due <= now]
            conns = [self._due.pop(key)[1] for key in late]
        for conn in conns:
            # The base class's shutdown, not SSLSocket's: that one would
            # tear down the TLS state under the thread that is reading.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(conn.sock, socket.SHUT_RDWR)
        return len(conns)

    def _watch(self) -> None:
        while True:
            time.sleep(_TICK)
            self.shut_late(time.monotonic())


class _TimedBody:
    """A request body whose every read has a deadline.

    gunicorn's body ``read(size)`` blocks until ``size`` bytes have arrived,
    so the rate cannot be checked between reads: the watchdog shuts the
    socket down if a read outlasts the time the bytes it waits for are due
    (``body_timeout`` of grace, then ``body_min_rate``). A view that is slow
    after reading is never cut, since no deadline runs outside a read.
    """

    def __init__(self, body: Any, conn: Any, length: int | None, worker: TimedWorker) -> None:
        self._body = body
        self._conn = conn
        self._length = length
        self._worker = worker
        self._started = time.monotonic()
        self._size = 0
        # About what the rate allows in one grace period: a piece is due
        # by then, so a trickle is cut soon after the grace period.
        rate_piece = int(worker.body_min_rate * worker.body_timeout)
        self._piece = min(_MAX_PIECE, max(_MIN_PIECE, rate_piece))

    def read(self, size: int | None = None) -> bytes:
        if (size is None or size < 0) and self._length is not None:
            size = self._length - self._size
        if size is None or size < 0:
            return self._timed(self._body.read, None)
        # In pieces, so that each deadline tracks the rate, not the whole size.
        parts = []
        while size > 0:
            piece = min(size, self._piece)
            data = self._timed(self._body.read, piece)
            parts.append(data)
            size -= len(data)
            if len(data) < piece:
                break
        return b"".join(parts)

    def readline(self, size: int | None = None) -> bytes:
        return self._timed(self._body.readline, size)

    def _timed(self, read: Any, size: int | None) -> bytes:
        worker = self._worker
        grace = worker.body_timeout
        if worker.body_min_rate:
            wanted = size if size is not None and size >= 0 else self._piece
            grace = max(grace, (self._size + wanted) / worker.body_min_rate)
        worker.deadlines.arm(self._conn, self._started + grace)
        try:
            data: bytes = read(size)
        finally:
            worker.deadlines.disarm(self._conn)
        self._size += len(data)
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._body, name)


class TimedWorker(ThreadWorker):  # type: ignore[misc]  # gunicorn ships no types
    """gunicorn's ``gthread`` worker with head and body deadlines; see the module docstring."""

    header_timeout: ClassVar[float] = 10.0
    body_timeout: ClassVar[float] = 10.0
    body_min_rate: ClassVar[int] = 1024

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadlines = _Deadlines()

    def handle(self, conn: Any) -> Any:
        # A thread takes the connection: a new one, or a kept-alive one
        # whose next request started to arrive.
        self.deadlines.arm(conn, time.monotonic() + self.header_timeout)
        try:
            return super().handle(conn)
        finally:
            self.deadlines.disarm(conn)

    def handle_request(self, req: Any, conn: Any) -> Any:
        # The head is parsed; from here on the body is timed as it is read.
        self.deadlines.disarm(conn)
        # A silent body ends at the socket timeout, whatever its deadline.
        conn.sock.settimeout(self.body_timeout)
        req.body = _TimedBody(req.body, conn, _declared_length(req), self)
        req.headers = _joined_cookies(req.headers)
        return super().handle_request(req, conn)

    def handle_http2(self, conn: Any) -> Any:
        # An HTTP/2 connection lives in its thread; its streams are not heads.
        self.deadlines.disarm(conn)
        return super().handle_http2(conn)


def _joined_cookies(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    # gunicorn joins repeated headers with a comma, which glues two cookies
    # into one; they are one list, joined as RFC 6265 says (and as the ASGI
    # adapter joins them).
    cookies = [value for name, value in headers if name == "COOKIE"]
    if len(cookies) < 2:
        return headers
    others = [(name, value) for name, value in headers if name != "COOKIE"]
    return [*others, ("COOKIE", "; ".join(cookies))]


def _declared_length(req: Any) -> int | None:
    for name, value in req.headers:
        if name == "CONTENT-LENGTH" and value.isdigit():
            return int(value)
    return None


def timed_worker(
    header_timeout: float = 10.0, body_timeout: float = 10.0, body_min_rate: int = 1024
) -> type[TimedWorker]:
    """A :class:`TimedWorker` with these limits (``hipflask serve``'s meanings).

    Assign the result to a module attribute and name it with
    ``-k module.name``.
    """
    if not (0 < header_timeout < float("inf") and 0 < body_timeout < float("inf")):
        raise ValueError("The header and body timeouts must be positive numbers of seconds.")
    if body_min_rate < 0:
        raise ValueError("The minimum body rate must not be negative.")
    limits = {
        "header_timeout": float(header_timeout),
        "body_timeout": float(body_timeout),
        "body_min_rate": body_min_rate,
    }
    return type("TimedWorker", (TimedWorker,), limits)
