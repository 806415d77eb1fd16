"""WSGI behind a body-buffering ASGI front: how a WSGI app is served from an event loop.

A WSGI view reads the body from the connection in its own thread. Under a
server that runs WSGI apps in a fixed pool of threads, each client that
sends its body slowly (a byte a second) holds one thread for as long as it
likes; a handful of them stop the whole site. And servers report a body cut
short or a broken chunk as the end of the stream, so the view cannot tell a
truncated body from a whole one.

:class:`BufferedWSGI` answers both: it is an ASGI application, run on
granian's event loop, that reads each request body in full first (bounded by
``MAX_CONTENT_LENGTH``, timed by ``BODY_READ_TIMEOUT`` and ``BODY_MIN_RATE``,
refused when incomplete), and only then takes a thread from its pool to call
the WSGI app with the complete body. A body too large or cut short is answered
by the app too, with a body stream that raises the refusal when read, so its
error handlers and headers apply as when it is served directly; framing that
contradicts itself and a client too slow are refused here, finally.

A slow client costs a coroutine, never a thread. The app is called through
its WSGI entry point, so middleware installed on ``app.wsgi_app`` runs as
under any WSGI server. ``hipflask serve`` runs WSGI apps behind it, and the
ASGI adapter serves through it the requests of an app whose ``wsgi_app``
carries WSGI middleware (see :mod:`hipflask.core.wsgi_middleware`). It
lives in the core, beside the adapters, for that second use; the serving
tools keep their import path (:mod:`hipflask.serving.buffering`).
"""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterable
from typing import IO
from typing import TYPE_CHECKING
from typing import Any
from typing import cast

from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import RequestEntityTooLarge

from ..wrappers.framing import conflicting_headers
from ..wrappers.framing import declared_length
from ..wrappers.framing import refusal_for
from ..wrappers.repeated import content_type_refusal
from ..wrappers.request import normal_path
from .body import BODY_INCOMPLETE
from .body import BodyTimeouts
from .body import ClientGone
from .body import RefusingStream
from .body import receive_body
from .disconnect import ClientLink
from .handoff import GONE
from .handoff import ThreadRunner
from .sending import SlowReader
from .sending import StreamSender
from .sending import send_body
from .sending import send_timeout
from .wsgi import PRESERVE_CONTEXT_KEY

if TYPE_CHECKING:
    from collections.abc import Awaitable
    from collections.abc import Callable
    from collections.abc import Iterator

    from ..typing import Receive
    from ..typing import Scope
    from ..typing import Send

    #: Answers a request the front refuses: the scope, the refusal, receive, send.
    Refuser = Callable[[Scope, HTTPException, Receive, Send], Awaitable[None]]

__all__ = ["BufferedWSGI"]

_log = logging.getLogger("hipflask.serving")
_DONE: Any = object()
#: Statuses whose responses carry no body (RFC 9110, sections 15.2, 15.3.5, 15.4.5).
_BODILESS = frozenset({100, 101, 102, 103, 204, 304})
#: Methods whose body, absent any framing header, is not read (the ASGI
#: adapter's rule too).
_SAFE_READS = ("GET", "HEAD")
_REFUSAL_HEADERS = [
    (b"content-type", b"text/plain; charset=utf-8"),
    (b"x-content-type-options", b"nosniff"),
    (b"connection", b"close"),
]


class _StartResponse:
    """Collects what the app passes to ``start_response``, as PEP 3333 has it.

    Error middleware calls it again with ``exc_info`` when the app fails:
    before the headers are sent, that replaces them (the error page goes
    out instead); after, it re-raises, so the response is cut off rather
    than ended as if the part sent were all of it. A second call without
    ``exc_info`` is a bug in the app, refused as WSGI servers refuse it.
    """

    __slots__ = ("headers", "sent", "status")

    def __init__(self) -> None:
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] | None = None
        #: Set on the event loop before the headers go out, and read by the
        #: worker thread that fetches the next chunk after that.
        self.sent = False

    def __call__(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        if exc_info:
            try:
                if self.sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.headers is not None:
            raise RuntimeError("start_response was called twice without exc_info.")
        self.status = int(status.split(" ", 1)[0])
        self.headers = [
            (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers
        ]
        return _no_write


def _no_write(data: bytes) -> None:
    raise RuntimeError("The write() callable of start_response is not supported; return the body.")


#: Header name (as sent) -> its environ key and framing kind, for the names
#: seen so far. Bounded in entries and in name length, since clients choose
#: the names.
_NAMES: dict[bytes, tuple[str, int]] = {}
_NAMES_MAX = 1024
_NAME_CACHED_UP_TO = 64
#: Framing kinds, decided by the header's own name (``content_length`` is
#: not ``Content-Length``, though both would be the environ's CONTENT_LENGTH).
_OTHER, _HOST, _LENGTH, _ENCODING, _TYPE, _DROPPED = range(6)
_KINDS = {
    b"host": _HOST,
    b"content-length": _LENGTH,
    b"transfer-encoding": _ENCODING,
    b"content-type": _TYPE,
}
#: Environ keys the app does not get from the client: the body is complete
#: before the app runs and its length is known, so the framing the client
#: used is not the app's business (and would contradict it).
_FRAMING = frozenset({"CONTENT_LENGTH", "TRANSFER_ENCODING"})


def _name(raw_name: bytes) -> tuple[str, int]:
    lowered = raw_name.lower()
    name = lowered.decode("latin-1").upper().replace("-", "_")
    key = name if name in _FRAMING or name == "CONTENT_TYPE" else f"HTTP_{name}"
    # A name with an underscore would share its environ key with the dashed
    # one (``x_forwarded_for`` and ``X-Forwarded-For``), letting a client
    # add to a header a proxy sets: dropped, as gunicorn and Werkzeug's
    # server drop it.
    known = (key, _DROPPED if b"_" in lowered else _KINDS.get(lowered, _OTHER))
    # (With underscores dropped, only the dashed names reach the environ
    # keys the framing checks read.)
    if len(raw_name) <= _NAME_CACHED_UP_TO and len(_NAMES) < _NAMES_MAX:
        _NAMES[raw_name] = known
    return known


class _Head:
    """What one pass over a request's headers finds: its environ entries and framing."""

    __slots__ = ("encodings", "headers", "hosts", "lengths", "types")

    def __init__(self, raw_headers: Iterable[tuple[bytes, bytes]]) -> None:
        headers: dict[str, str] = {}
        lengths: list[str] = []
        encodings: list[str] = []
        hosts: list[str] = []
        types: list[str] = []
        names = _NAMES
        for raw_name, raw_value in raw_headers:
            known = names.get(raw_name)
            key, kind = known if known is not None else _name(raw_name)
            if kind == _DROPPED:
                continue
            value = raw_value.decode("latin-1")
            if kind:
                if kind == _HOST:
                    hosts.append(value)
                elif kind == _LENGTH:
                    lengths.append(value)
                elif kind == _ENCODING:
                    encodings.append(value)
                else:
                    types.append(value)
            if key in _FRAMING:
                continue
            previous = headers.get(key)
            if previous is not None:
                # Cookies are one list, joined as RFC 6265 says (and as the
                # ASGI adapter joins them): a comma would glue two together.
                value = f"{previous}{'; ' if key == 'HTTP_COOKIE' else ','}{value}"
            headers[key] = value
        self.headers = headers
        self.lengths = lengths
        self.encodings = encodings
        self.hosts = hosts
        self.types = types


def _environ(scope: Scope, head: _Head, body: IO[bytes], size: int) -> dict[str, Any]:
    server = scope.get("server") or ("localhost", None)
    scheme = scope.get("scheme", "http")
    port = server[1] if server[1] is not None else (443 if scheme == "https" else 80)
    root_path: str = scope.get("root_path", "")
    path: str = scope["path"]
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :]
    if path[:1] != "/" and "://" in path:
        # An absolute-form target (uvicorn, hypercorn): a WSGI server passes
        # its path alone, and the app routes by that; middleware that
        # guards a path must see the same one.
        path = normal_path(path)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": root_path if root_path.isascii() else root_path.encode().decode("latin-1"),
        "PATH_INFO": (
            path if path.isascii() else path.encode("utf-8", "surrogateescape").decode("latin-1")
        ),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(port),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "SERVER_SOFTWARE": "hipflask",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    client = scope.get("client")
    if client:
        environ["REMOTE_ADDR"] = client[0]
        environ["REMOTE_PORT"] = str(client[1])
    if size:
        environ["CONTENT_LENGTH"] = str(size)
    preserve = scope.get(PRESERVE_CONTEXT_KEY)
    if preserve is not None:
        # A test client keeping the request context (``with client:``)
        # under ASGI: the WSGI adapter keeps it the same way.
        environ[PRESERVE_CONTEXT_KEY] = preserve
    environ.update(head.headers)
    return environ


class BufferedWSGI:
    """An ASGI application that buffers each body, then calls ``wsgi_app`` in a thread.

    :param wsgi_app: the WSGI callable (a hipflask app, with its middleware).
    :param config: where ``MAX_CONTENT_LENGTH``, ``BODY_READ_TIMEOUT`` and
        ``BODY_MIN_RATE`` are read; the app's config.
    :param threads: the most threads that run the WSGI app at once (bodies never
        hold them, and more than one start only while a call blocks), or the
        runner to share: an app serving ASGI through its own WSGI middleware
        passes its pool, so that its ``ASGI_THREAD_POOL_SIZE`` bound and its shutdown
        at the end of the lifespan cover these calls too.
    :param refuse: what answers a request the front refuses without handing it
        to ``wsgi_app`` (framing that contradicts itself, a client too slow) or
        whose refusal the middleware met outside the app (it read the body
        itself). The ASGI adapter passes the app's own error pages, so that its
        error handlers answer as under WSGI; without it the front answers
        with a plain-text page of its own (a WSGI app it knows nothing of).
    """

    def __init__(
        self,
        wsgi_app: Any,
        config: dict[str, Any],
        threads: int | ThreadRunner,
        refuse: Refuser | None = None,
    ) -> None:
        self.wsgi_app = wsgi_app
        self.config = config
        self.refuse = refuse
        # The cheap hand-off of sync views under ASGI: one queue, results
        # delivered to the loop in batches, threads added only for calls
        # that block (see hipflask.core.handoff).
        self.threads = threads if isinstance(threads, ThreadRunner) else ThreadRunner(threads)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "websocket":
            await receive()
            await send({"type": "websocket.close", "code": 1000})
            return
        if kind != "http":
            return
        head = _Head(scope["headers"])
        try:
            body, size = await self._read(head, receive, scope["method"])
        except ClientGone:
            await _refuse(send, BadRequest(BODY_INCOMPLETE), quiet=True)
            return
        except HTTPException as exc:
            # Framing that contradicts itself, or a client too slow: final.
            # Handing such a request to the middleware would trust every WSGI
            # app mounted under it to refuse it too; the app's own error
            # pages (``refuse``) answer it, without the middleware.
            await self._refused(scope, exc, receive, send)
            return
        except _BodyRefused as refusal:
            # Too large or cut short: refused when the app reads the body,
            # as under any WSGI server, so the app answers (its error
            # handlers, security headers and JSON errors apply).
            await self._run(
                refusal.environ(scope, head),
                send,
                receive=receive,
                close=True,
                refusal=refusal.error,
                scope=scope,
            )
            return
        try:
            await self._run(_environ(scope, head, body, size), send, receive=receive)
        finally:
            body.close()

    async def _refused(
        self, scope: Scope, error: HTTPException, receive: Receive, send: Send
    ) -> None:
        if self.refuse is None:
            await _refuse(send, error)
        else:
            await self.refuse(scope, error, receive, send)

    async def _read(self, head: _Head, receive: Receive, method: str) -> tuple[IO[bytes], int]:
        lengths = head.lengths
        encodings = head.encodings
        hosts = head.hosts
        framed = bool(lengths or encodings)
        # HTTP/2 and HTTP/3 frame a body themselves: a streamed upload comes
        # with neither header, and is a body all the same. Only a GET or a
        # HEAD without them is taken to have none (as the ASGI adapter does).
        bodiless = not framed and method in _SAFE_READS
        if bodiless and (len(hosts) < 2 and "," not in (hosts or ("",))[0]):
            # No body and at most one plain Host: nothing can disagree.
            return io.BytesIO(), 0
        reason = conflicting_headers(lengths, hosts, encodings)
        if reason is not None:
            # A FramingError when the body's length is in doubt: the answer
            # then closes the connection, whoever makes it.
            raise refusal_for(reason)
        if bodiless:
            return io.BytesIO(), 0
        reason = content_type_refusal(",".join(head.types)) if framed else None
        if reason is not None:
            raise refusal_for(reason)
        length = declared_length(lengths)
        limit: int | None = self.config.get("MAX_CONTENT_LENGTH")
        if limit is not None and length is not None and length > limit:
            raise _BodyRefused(RequestEntityTooLarge(), length)
        try:
            buffer, size = await receive_body(
                receive, length=length, limit=limit, timeouts=BodyTimeouts.from_config(self.config)
            )
        except RequestEntityTooLarge as exc:
            raise _BodyRefused(exc, length or (limit or 0) + 1) from None
        except BadRequest as exc:
            # Shorter than its Content-Length: refused when read, as under
            # a WSGI server, so a view that never reads it answers the same.
            raise _BodyRefused(exc, length) from None
        return (buffer if buffer is not None else io.BytesIO()), size

    async def _run(
        self,
        environ: dict[str, Any],
        send: Send,
        *,
        receive: Receive,
        close: bool = False,
        refusal: HTTPException | None = None,
        scope: Scope | None = None,
    ) -> None:
        # Watched only if it waits for a thread (see ThreadRunner.run_for_client),
        # and for a streamed answer; never for a body refused unread, which a
        # watcher would make the server ask for.
        link = ClientLink(receive, watchable=refusal is None)
        try:
            met = await self._answer(environ, send, link, close, refusal)
        finally:
            link.close()
        if met:
            # Middleware met the refusal outside the app, which never answered.
            await self._refused(cast("Scope", scope), cast("HTTPException", refusal), receive, send)

    async def _answer(
        self,
        environ: dict[str, Any],
        send: Send,
        link: ClientLink,
        close: bool,
        refusal: HTTPException | None,
    ) -> bool:
        """Send the app's response; ``True`` if middleware met ``refusal`` and nothing was sent."""
        threads = self.threads
        start = _StartResponse()
        called = await self._call(environ, start, link, refusal)
        if called is None:
            return True
        if called is GONE:
            # Its client left while it waited for a thread: not run.
            await _refuse(send, BadRequest(BODY_INCOMPLETE), quiet=True)
            return False
        result, first, chunks = called
        headers = start.headers or []
        if close:
            # The body was not read to its end: the connection cannot carry
            # another request.
            headers = [*headers, (b"connection", b"close")]
        timeout = send_timeout(self.config)
        try:
            start.sent = True
            await send({"type": "http.response.start", "status": start.status, "headers": headers})
            if start.status in _BODILESS:
                # HTTP forbids a body here. A WSGI server leaves out what the
                # app gave; an ASGI server fails the response (uvicorn drops
                # the connection), so it is left out here, and closed below.
                await send({"type": "http.response.body", "body": b""})
            elif chunks is None:
                # A large body goes in timed pieces (see hipflask.core.sending).
                await send_body(send, first, timeout)
            else:
                await self._stream(send, link, first, chunks, timeout)
        except SlowReader:
            _log.info("Stopped sending a response its client did not read in time.")
        finally:
            closer = getattr(result, "close", None)
            if closer is not None:
                await threads.run_always(closer)
        return False

    async def _stream(
        self,
        send: Send,
        link: ClientLink,
        first: bytes,
        chunks: Iterator[bytes],
        timeout: float | None,
    ) -> None:
        # A stream may never end (server-sent events): once its client has
        # left, it is stopped at its next chunk (and closed by the caller).
        stream = StreamSender(send, link, timeout)
        if first:
            await stream.chunk(first)
        while True:
            # One chunk per trip: a client that reads slowly holds the
            # connection, not a thread.
            chunk = await self.threads.run(next, chunks, _DONE)
            if chunk is _DONE:
                break
            if stream.gone:
                return
            if chunk:
                await stream.chunk(chunk)
        await send({"type": "http.response.body", "body": b""})

    async def _call(
        self,
        environ: dict[str, Any],
        start: _StartResponse,
        link: ClientLink,
        refusal: HTTPException | None,
    ) -> Any:
        """The app's result, first chunk and rest, ``GONE``, or ``None`` if it met ``refusal``."""
        try:
            return await self.threads.run_for_client(link, _call, self.wsgi_app, environ, start)
        except HTTPException as exc:
            if exc is not refusal:
                raise
            # Met by middleware that reads the body itself, outside the
            # app's error handlers: the refusal is the front's own, so it
            # answers it (a 413 or 400, as the app would), never a 500.
            return None


class _BodyRefused(Exception):
    """A body the front will not hand over, and the environ that tells the app so.

    The app gets a body stream that raises the refusal when read, and a
    length, so that it reads (and meets the refusal) rather than take the
    request for one without a body.
    """

    def __init__(self, error: HTTPException, length: int | None) -> None:
        super().__init__(error)
        self.error = error
        self.length = length

    def environ(self, scope: Scope, head: _Head) -> dict[str, Any]:
        # A raw stream, which is what IO[bytes] stands for here.
        environ = _environ(scope, head, cast("IO[bytes]", RefusingStream(self.error)), 0)
        environ["CONTENT_LENGTH"] = str(self.length or 1)
        return environ


def _call(
    wsgi_app: Any, environ: dict[str, Any], start: _StartResponse
) -> tuple[Iterable[bytes], bytes, Iterator[bytes] | None]:
    """Call the app and take its first chunk (which is when ``start_response`` must be done).

    A body that fails here is closed here: the caller never sees it, and
    PEP 3333 has ``close()`` called however the request ends (a hipflask
    app at the end of the chain finishes its request in it).
    """
    result = wsgi_app(environ, start)
    try:
        if isinstance(result, list):
            return result, b"".join(result), None
        chunks = iter(result)
        first: bytes = next(chunks, b"")
        while not first and start.headers is None:
            # Empty chunks may come before start_response (PEP 3333 sends
            # the headers with the first non-empty one).
            first = next(chunks, _DONE)
            if first is _DONE:
                return result, b"", None
    except BaseException:
        closer = getattr(result, "close", None)
        if closer is not None:
            closer()
        raise
    return result, first, chunks


async def _refuse(send: Send, error: HTTPException, quiet: bool = False) -> None:
    code = error.code or 400
    body = f"{code} {error.name}: {error.description}\n".encode()
    try:
        await send(
            {
                "type": "http.response.start",
                "status": code,
                "headers": [*_REFUSAL_HEADERS, (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})
    except Exception:
        # The client is gone; there is no one left to answer.
        if not quiet:
            _log.debug("Could not send the %s refusal: the client left.", code)
