"""The plain-HTTP listener of ``hipflask serve --redirect-http``: 308 to HTTPS.

It answers every request with ``308 Permanent Redirect`` to the same path and
query on the HTTPS port, and only ever to a host name the app trusts:

* the ``Host`` header must name one of the trusted hosts (``TRUSTED_HOSTS``,
  ``SERVER_NAME`` or ``--host-name``), compared as the app compares it (see
  :mod:`hipflask.serving.hostnames`); any other host is refused with 400.
  Redirecting it would make the listener an open redirect
  (``Host: evil.example`` -> ``Location: https://evil.example/``), and
  answering for names the app refuses is what DNS rebinding needs;
* an absolute-form target (``GET http://other.example/x``) keeps its path
  and query; its authority is ignored, so only the checked ``Host`` reaches
  ``Location``.

It is bounded like the server it stands next to: each connection must send
its request within ``deadline`` seconds of being accepted (a total, not a
silence limit, so a client trickling a byte every few seconds is dropped as
surely as a silent one), at most ``max_connections`` are handled at once
(each in a thread; later ones are closed at once until one ends), and the
listen backlog is :data:`BACKLOG`. A connection accepted at the cap takes
the place of the oldest one still sending its request, which is closed:
refusing newcomers instead would let a client that keeps the cap's worth of
slow connections open (a few dozen new ones a second) keep every other
client out for as long as it likes, while an ordinary request, sent whole at
once, is read long before enough newcomers arrive to push it out.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConfigurationError
from .hostnames import canonical_host
from .hostnames import canonical_trusted_hosts
from .hostnames import host_name
from .hostnames import is_trusted_host

if TYPE_CHECKING:
    from collections.abc import Sequence
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

__all__ = [
    "BACKLOG",
    "MAX_CONNECTIONS",
    "RedirectServer",
    "serve_https_redirects",
    "start_redirector",
    "stop_process",
]

#: Connections handled at once; past it, the oldest one still sending its
#: request is closed for each new one.
MAX_CONNECTIONS = 256

#: Seconds a new connection waits for the thread of the one it pushed out.
_EVICTION_WAIT = 1.0

#: The listen backlog (Python's default of 5 drops connections in any burst).
BACKLOG = 1024

_READY_TIMEOUT = 15.0
_MAX_DRAINED_BODY = 64 * 1024


class _DeadlineSocketIO(io.RawIOBase):
    """Reads from the connection that fail once the request's deadline has passed."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("The request did not arrive in time.")
        self._sock.settimeout(remaining)
        return self._sock.recv_into(buffer)


class _RedirectHandler(BaseHTTPRequestHandler):
    """Answer every request with 308 to a trusted host, same path and query, over HTTPS.

    308 (not 301) keeps the method and body, so a form posted to ``http://``
    is re-sent to ``https://`` rather than silently turned into a GET.
    """

    server: RedirectServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # The stock reader times each read alone (a byte every few seconds
        # would keep it going for ever); this one stops at the deadline.
        self.rfile.close()
        deadline = time.monotonic() + self.server.deadline
        self.rfile = io.BufferedReader(_DeadlineSocketIO(self.connection, deadline))

    def version_string(self) -> str:
        return "hipflask-redirect"

    def _redirect(self) -> None:
        self._discard_body()
        # The request is in: from here on it is answered, never pushed out.
        self.server.request_read(self.connection)
        host = self.headers.get("Host", "").strip()
        # The Host header is the client's claim: only a trusted name, checked
        # as the app checks it, goes into Location (no open redirect, no
        # header splitting: a trusted name is plain ASCII letters and dots).
        if not is_trusted_host(host, self.server.trusted_hosts):
            self._answer(400, b"Bad Request: missing, invalid or unknown Host header.\n")
            return
        name = host_name(canonical_host(host))
        port = self.server.https_port
        netloc = name if port == 443 else f"{name}:{port}"
        self.send_response(308)
        self.send_header("Location", f"https://{netloc}{_path_of(self.path)}")
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def _discard_body(self) -> None:
        # Closing with unread request bytes makes the kernel send a reset, which
        # can destroy the 308 before the client reads it; small bodies are
        # drained (within the deadline), large ones are not worth the wait.
        length = self.headers.get("Content-Length", "")
        if length.isdigit() and 0 < int(length) <= _MAX_DRAINED_BODY:
            try:
                self.rfile.read(int(length))
            except OSError:
                self.close_connection = True

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _redirect

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.access_log:
            super().log_message(format, *args)


def _path_of(target: str) -> str:
    """The path and query of a request target, percent-encoded where it must be.

    An absolute-form target (``http://host/x``) keeps its path; ``*`` and
    targets that are neither (``@evil.example``) become ``/``.
    """
    if target.startswith("/"):
        return _encode_target(target)
    if "://" in target:
        try:
            parts = urlsplit(target)
        except ValueError:
            return "/"
        path = parts.path if parts.path.startswith("/") else "/"
        # "//evil.example" as the path would read as a host in Location.
        path = "/" + path.lstrip("/") if path.startswith("//") else path
        query = f"?{parts.query}" if parts.query else ""
        return _encode_target(path + query)
    return "/"


def _encode_target(target: str) -> str:
    """The request target with every byte outside printable ASCII percent-encoded.

    http.server hands the raw target over as latin-1 text, NUL and 0xFF
    bytes included; echoed as they are into ``Location`` they make an
    invalid header that clients and proxies read in different ways.
    """
    if target.isascii() and target.isprintable() and " " not in target:
        return target
    return "".join(char if "!" <= char <= "~" else f"%{ord(char):02X}" for char in target)


class RedirectServer(ThreadingHTTPServer):
    """The listener: a thread per connection, a deadline per request, a cap on both.

    :param trusted_hosts: the names the site answers to; the only ones
        redirected (see the module docstring).
    :param deadline: seconds from accept for the whole request
        (``--header-timeout``).
    """

    daemon_threads = True
    request_queue_size = BACKLOG

    def __init__(
        self,
        address: tuple[str, int],
        https_port: int,
        trusted_hosts: Sequence[str],
        access_log: bool = True,
        *,
        deadline: float = 10.0,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        trusted = canonical_trusted_hosts(trusted_hosts)
        if not trusted:
            raise ConfigurationError(
                "The --redirect-http listener needs the host names to redirect to"
                " (TRUSTED_HOSTS, SERVER_NAME or --host-name)."
            )
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _RedirectHandler)
        self.https_port = https_port
        self.trusted_hosts = trusted
        self.access_log = access_log
        self.deadline = deadline
        self._slots = threading.BoundedSemaphore(max_connections)
        # Connections still sending their request, oldest first; the lock
        # also keeps a socket from being closed (and its descriptor reused)
        # while it is pushed out.
        self._reading: dict[socket.socket, None] = {}
        self._reading_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        # A cap on threads: past it, the newcomer takes the place of the
        # oldest connection still sending its request (see the module
        # docstring), and is closed only if none is left to push out.
        if not self._slots.acquire(blocking=False) and not (
            self._push_out_oldest() and self._slots.acquire(timeout=_EVICTION_WAIT)
        ):
            self.shutdown_request(request)
            return
        with self._reading_lock:
            self._reading[request] = None
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def _push_out_oldest(self) -> bool:
        """End the oldest connection still sending its request; ``False`` if there is none."""
        with self._reading_lock:
            for sock in self._reading:
                del self._reading[sock]
                # Wakes its thread, blocked reading, which then ends (the
                # client may have closed it already).
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                return True
        return False

    def request_read(self, request: socket.socket) -> None:
        """Take ``request`` out of the connections that may be pushed out: it is answered."""
        with self._reading_lock:
            self._reading.pop(request, None)

    def shutdown_request(self, request: Any) -> None:
        self.request_read(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that left mid-request (reset, broken pipe) is no error of
        # ours; a traceback per slow client would bury the log.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


def serve_https_redirects(
    host: str,
    port: int,
    https_port: int,
    trusted_hosts: Sequence[str],
    access_log: bool = True,
    ready: Connection | None = None,
    deadline: float = 10.0,
) -> None:
    """Run the plain-HTTP listener that redirects to HTTPS, until the process ends.

    Run in its own process next to granian (see
    :func:`~hipflask.serving.production.serve_app`); ``ready`` receives
    ``None`` once listening, or the error that prevented it. The process
    exits by itself when its parent disappears.
    """
    # Ctrl+C reaches the whole process group; the parent stops this process
    # itself once granian has finished, so the terminal shows one shutdown.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        server = RedirectServer(
            (host, port), https_port, trusted_hosts, access_log, deadline=deadline
        )
    except OSError as exc:
        if ready is not None:
            ready.send(f"Cannot listen on {host}:{port} for --redirect-http: {exc.strerror}.")
        return
    if ready is not None:
        ready.send(None)
    parent = os.getppid()
    watcher = threading.Thread(target=_exit_with_parent, args=(server, parent), daemon=True)
    watcher.start()
    with server:
        server.serve_forever(poll_interval=0.5)


def _exit_with_parent(server: ThreadingHTTPServer, parent: int) -> None:
    # An orphaned listener would keep the port taken after a crash or SIGKILL.
    while os.getppid() == parent:
        threading.Event().wait(1.0)
    server.shutdown()


def start_redirector(
    host: str,
    port: int,
    https_port: int,
    trusted_hosts: Sequence[str],
    deadline: float = 10.0,
) -> BaseProcess:
    """Start :func:`serve_https_redirects` in its own process; raise if it cannot listen."""
    import multiprocessing

    if not canonical_trusted_hosts(trusted_hosts):
        raise ConfigurationError(
            "--redirect-http needs the host names to redirect to: set TRUSTED_HOSTS or"
            " SERVER_NAME, or pass --host-name."
        )
    # "spawn": granian forks its workers from this process later, and a fresh
    # interpreter keeps the listener's thread out of those forks.
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=serve_https_redirects,
        args=(host, port, https_port, list(trusted_hosts), True, sender, deadline),
        name="hipflask-redirect",
        daemon=True,
    )
    process.start()
    sender.close()
    error: str | None = "The --redirect-http listener did not start in time."
    if receiver.poll(_READY_TIMEOUT):
        try:
            error = receiver.recv()
        except EOFError:
            error = "The --redirect-http listener exited while starting."
    receiver.close()
    if error is not None:
        stop_process(process)
        raise ConfigurationError(error)
    return process


def stop_process(process: BaseProcess) -> None:
    """Stop a helper process, waiting for it (and killing it if it lingers)."""
    if process.is_alive():
        process.terminate()
    process.join(5)
    if process.is_alive():  # pragma: no cover - terminate is honoured
        process.kill()
        process.join()
