"""How long, and how much, a client may take from ``hipflask serve``.

Every limit has a safe default and a ``hipflask serve`` option. What each
one bounds, and who enforces it:

``header_timeout``
    Seconds a client may take to send the request line and headers
    (granian's HTTP/1 header read timeout). The timer starts at accept and
    again after each response, so a slowloris client that sends a header
    line every few seconds, a connection that sends nothing and an idle
    keep-alive connection are all disconnected when it runs out.
``body_timeout`` and ``body_min_rate``
    The app's ``BODY_READ_TIMEOUT`` and ``BODY_MIN_RATE``: the body must keep
    arriving, and average at least ``body_min_rate`` bytes a second after
    ``body_timeout`` seconds, or the request is answered 408. Enforced by
    hipflask while it reads the body on the event loop, before any thread
    is taken (see :mod:`hipflask.serving.buffering`), for WSGI and ASGI alike.
``send_timeout``
    The app's ``RESPONSE_SEND_TIMEOUT``: seconds a client may take to accept
    each 64 KiB piece of a large or streamed response before hipflask stops
    sending it and lets go of the body (see :mod:`hipflask.core.sending`).
    granian has no write timeout of its own: the connection stays open, with
    about its socket buffers, until the client reads or leaves.
``backpressure``
    Connections one worker holds at once (granian counts a connection, idle
    or not, from accept to close); more wait in the listen backlog instead
    of piling up in memory. The default is high (8192, within the process's
    open-file limit, which ``hipflask serve`` raises to its hard limit) so
    that a client opening many silent connections, each closed only by the
    header timeout, cannot take every slot: at granian's own 1024, about a
    hundred new connections a second kept a site unreachable.
``http2``
    Offer HTTP/2 over TLS besides HTTP/1.1. Off by default; see below.
``keep_alive``
    Whether HTTP/1.1 connections are kept open between requests.
``buffer_bodies``
    WSGI only: read each body in full, on the event loop, before a thread
    runs the view (:mod:`hipflask.serving.buffering`). Turned off, granian
    serves WSGI natively: faster for small requests, but a slow body holds a
    thread for as long as the client likes, no body timeout applies, and a
    broken chunked body looks complete to the app.

Over TLS, granian ends a handshake that stalls after a fixed 10 seconds.
With HTTP/2 offered, a connection that completes its handshake and then
sends nothing is never timed out: granian waits, without a timer, for the
bytes that tell HTTP/1.1 from HTTP/2 (granian 2.8.9, the newest release, has
no option for it), and every such connection keeps a connection slot for as
long as the client likes: 1,024 of them stopped a worker for good. Serving
HTTP/1.1 alone, granian applies the header timeout from the handshake on, so
``hipflask serve`` offers HTTP/2 only when asked (``--http2``), for a server
behind a front that bounds idle connections itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .._extras import require
from ..errors import ConfigurationError

__all__ = ["DEFAULT_BACKPRESSURE", "ServerLimits", "default_backpressure", "raise_open_file_limit"]

#: Granian accepts header read timeouts of 1 ms to 60 s.
_MAX_HEADER_TIMEOUT = 60.0
#: Connections per worker when ``--backpressure`` is not given.
DEFAULT_BACKPRESSURE = 8192
#: File descriptors kept for everything but client connections (the app's
#: files, database and store connections, the listening socket, logs).
_SPARE_FILES = 512


def raise_open_file_limit() -> int:
    """Raise this process's soft open-file limit to its hard one; return the soft limit.

    Workers inherit it. A server holding thousands of connections needs as
    many descriptors, and the usual soft limit (1024) is what the operating
    system starts every process with, not what the hard limit allows.
    """
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return DEFAULT_BACKPRESSURE + _SPARE_FILES
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 1 << 20
    wanted = hard if hard != resource.RLIM_INFINITY else 1 << 16
    # An unlimited hard limit can still be refused above a system cap
    # (macOS's kern.maxfilesperproc, 10240 by default): smaller steps then.
    for target in (wanted, 10240, 4096):
        if soft >= target:
            break
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (OSError, ValueError):
            continue
        soft = target
        break
    return soft


def default_backpressure() -> int:
    """8192 connections per worker, or fewer when the open-file limit is lower."""
    return max(64, min(DEFAULT_BACKPRESSURE, raise_open_file_limit() - _SPARE_FILES))


@dataclass(frozen=True)
class ServerLimits:
    """The limits of one ``hipflask serve``; see the module docstring."""

    header_timeout: float = 10.0
    body_timeout: float = 10.0
    body_min_rate: int = 1024
    send_timeout: float = 60.0
    backpressure: int | None = None
    http2: bool = False
    keep_alive: bool = True
    buffer_bodies: bool = True

    def __post_init__(self) -> None:
        if not 0 < self.header_timeout <= _MAX_HEADER_TIMEOUT:
            raise ConfigurationError(
                f"The header timeout must be more than 0 and at most {_MAX_HEADER_TIMEOUT:g}"
                f" seconds (got {self.header_timeout:g})."
            )
        if self.send_timeout < 0:
            raise ConfigurationError("The send timeout must not be negative (0 turns it off).")
        if self.body_timeout <= 0 or self.body_min_rate < 0:
            raise ConfigurationError(
                "The body timeout must be positive and the minimum body rate not negative."
            )

    def granian_options(self) -> dict[str, Any]:
        """The keyword arguments of ``granian.Granian`` these limits set."""
        http = require("granian.http", extra="server")
        options: dict[str, Any] = {
            "http1_settings": http.HTTP1Settings(
                header_read_timeout=max(1, round(self.header_timeout * 1000)),
                keep_alive=self.keep_alive,
            ),
        }
        options["backpressure"] = (
            self.backpressure if self.backpressure is not None else default_backpressure()
        )
        return options

    def apply_to(self, config: dict[str, Any]) -> None:
        """Set the app's body settings, which hipflask enforces while reading bodies."""
        config["BODY_READ_TIMEOUT"] = self.body_timeout
        config["BODY_MIN_RATE"] = self.body_min_rate
        config["RESPONSE_SEND_TIMEOUT"] = self.send_timeout
