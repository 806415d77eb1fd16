"""The ASGI 3 adapter: ``lifespan`` and ``http`` (``websocket`` is refused).

The body is read up front, bounded by ``MAX_CONTENT_LENGTH`` and spooled to
disk past 1 MiB, so views keep Flask's synchronous ``request.get_data()``
API under ASGI. An ``async def`` view runs on the event loop; a plain
``def`` view runs, together with its hooks, in one trip to a bounded thread
pool with the request's context copied in. The request itself is made from
the scope in :mod:`hipflask.core.asgi_scope`; this module serves the
connection around it and sends the response.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from collections.abc import Awaitable
from collections.abc import Callable
from typing import IO
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.exceptions import HTTPException

from ..contexts.state import RequestState
from ..wrappers import layout
from ..wrappers.framing import FramingError
from ..wrappers.response import wire_parts
from . import serve
from .asgi_headers import scan_headers
from .asgi_scope import SAFE_READS
from .asgi_scope import BufferedBody
from .asgi_scope import empty_body
from .asgi_scope import is_bodiless
from .asgi_scope import make_request
from .asgi_scope import prepare_body
from .asgi_scope import refused_body
from .asgi_scope import too_large_body
from .asgi_scope import trusted_scope
from .disconnect import ClientLink
from .handoff import GONE
from .sending import PIECE
from .sending import SlowReader
from .sending import StreamSender
from .sending import send_body
from .sending import send_timeout
from .wsgi_middleware import wsgi_front

if TYPE_CHECKING:
    from ..typing import Receive
    from ..typing import Scope
    from ..typing import Send
    from ..wrappers.request import Request
    from .app import Hipflask

_log = logging.getLogger("hipflask.serving")

#: Scope key a test client sets to keep the request context after the request.
PRESERVE_CONTEXT_KEY = "hipflask.preserve_context"


def handle(app: Hipflask, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
    """Serve one ASGI connection scope: the coroutine to await for it.

    A plain function choosing the coroutine, rather than a coroutine awaiting
    another: one frame less on every request.
    """
    kind = scope["type"]
    if kind == "http":
        return http(app, scope, receive, send)
    if kind == "lifespan":
        return _lifespan(app, receive, send)
    if kind == "websocket":
        return _refuse_websocket(receive, send)
    raise ValueError(f"Unsupported ASGI scope type {kind!r}.")


async def _refuse_websocket(receive: Receive, send: Send) -> None:
    # No websocket routes exist; closing before accept makes the server
    # answer the handshake with 403.
    await receive()
    await send({"type": "websocket.close", "code": 1000})


async def _lifespan(app: Hipflask, receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            if "wsgi_app" in app.__dict__:
                # Decided (and logged) at startup rather than at the first request.
                wsgi_front(app)
            try:
                await serve.serving_hooks(app, starting=True)
            except Exception as exc:
                await send({"type": "lifespan.startup.failed", "message": repr(exc)})
                raise
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            try:
                await serve.serving_hooks(app, starting=False)
            except Exception as exc:
                await send({"type": "lifespan.shutdown.failed", "message": repr(exc)})
                raise
            finally:
                serve.shutdown_threads(app)
            await send({"type": "lifespan.shutdown.complete"})
            return


async def http(app: Hipflask, scope: Scope, receive: Receive, send: Send) -> None:
    """Serve one ``http`` scope the general way.

    :mod:`hipflask.core.asgi_direct` serves the usual request in one frame.
    It hands here, before making it, a request it does not cover (a proxy to
    trust, a test client keeping the context, a request class of its own,
    an app not served yet, one routed by Werkzeug's map), and a routed one
    to :func:`respond`. An app with WSGI middleware on ``app.wsgi_app`` is
    served through it (see :mod:`hipflask.core.wsgi_middleware`).
    """
    if "wsgi_app" in app.__dict__:
        front = wsgi_front(app)
        if front is not None:
            await front(scope, receive, send)
            return
    scope = trusted_scope(app, scope)
    framing, credentials = scan_headers(scope["headers"])
    body: Callable[[Request], IO[bytes]]
    refusal: HTTPException | None
    if (framing is None and scope["method"] in SAFE_READS) or is_bodiless(scope, framing):
        # Most requests: no coroutine to read a body that is not there.
        body, refusal, client_gone = empty_body, None, False
    else:
        body, refusal, client_gone = await prepare_body(app, scope, framing, receive)
    preserve = scope.get(PRESERVE_CONTEXT_KEY)
    try:
        request = make_request(app, scope, credentials, body)
        state = RequestState()
        state.preserve_context = preserve
        if refusal is not None:
            request.routing_exception = refusal
        else:
            serve.prepare(app, request, state)
        # A body left unread (too large, refused) must not be read by a
        # disconnect watcher, which would make the server ask for it.
        watchable = refusal is None and body is not too_large_body
        await respond(app, request, state, receive, send, watchable, client_gone)
    finally:
        # A spooled body past 1 MiB is a file on disk; a view that never read
        # it must not leave it open. A test keeping the context may still read it.
        if type(body) is BufferedBody and preserve is None:
            body.close()


async def answer_refusal(
    app: Hipflask, scope: Scope, refusal: HTTPException, receive: Receive, send: Send
) -> None:
    """Answer with the app's error handlers a request its WSGI middleware front refused.

    The front (:class:`~hipflask.core.wsgi_front.BufferedWSGI`) refuses a
    request whose framing contradicts itself or whose body is too slow
    before any middleware sees it, and one whose middleware met a refusal
    reading the body itself; without middleware the same request is refused
    here, through the app. So that the app's ``errorhandler(400)`` (408,
    413) answers under ASGI as under WSGI, the refusal is answered as this
    module answers it: the request made from the scope, the refusal as its
    routing error, the body never read. The middleware does not run for it:
    a request the front will not hand over is not the middleware's to see.
    Only refusals take this path; the requests the front serves pay nothing.
    """
    scope = trusted_scope(app, scope)
    _framing, credentials = scan_headers(scope["headers"])
    request = make_request(app, scope, credentials, refused_body(refusal))
    state = RequestState()
    state.preserve_context = scope.get(PRESERVE_CONTEXT_KEY)
    request.routing_exception = refusal
    await respond(app, request, state, receive, send, watchable=False)


async def respond(
    app: Hipflask,
    request: Request,
    state: RequestState,
    receive: Receive,
    send: Send,
    watchable: bool = True,
    client_gone: bool = False,
) -> None:
    """Run a made and routed request and send its response.

    Async views run on the loop; sync ones in a thread, with a link to
    their client watched only if they wait for one (see
    ``ThreadRunner.run_for_client``). ``watchable`` is false for a body left
    unread, which a disconnect watcher must not read; ``client_gone`` says
    the client left while its body was read, so a failed send is expected.
    """
    link = None if serve.runs_on_loop(app, request) else ClientLink(receive, watchable)
    try:
        if link is None:
            response = await serve.run_async(app, request, state)
        else:
            response = await serve.run_for_client(app, link, serve.run_sync, app, request, state)
            if response is GONE:
                # Its client left while it waited for a thread: not run.
                await answer_gone(send)
                return
        try:
            _status_line, headers, content = wire_parts(response, request.method)
        except BaseException:
            response.close()
            raise
        if not watchable and type(request.routing_exception) is FramingError:
            # The server must not read another request from this connection:
            # one smuggled after the body it framed would be served.
            headers = [*headers, ("connection", "close")]
        await send_parts(
            app, response, headers, content, send, receive, link, watchable, client_gone
        )
    finally:
        if link is not None:
            link.close()


async def send_parts(
    app: Hipflask,
    response: Any,
    headers: list[tuple[str, str]],
    content: Any,
    send: Send,
    receive: Receive,
    link: ClientLink | None,
    watchable: bool = True,
    client_gone: bool = False,
) -> None:
    """Send a response as :func:`wire_parts` gave it (header list and body), and close it."""
    try:
        try:
            data = _whole(content)
        except BaseException:
            response.close()
            raise
        if data is None:
            await _send_response(app, response, headers, content, send, receive, link, watchable)
        else:
            # Most responses: the start and one body message, sent here.
            try:
                await send(start_message(response, headers))
                await send({"type": "http.response.body", "body": data})
            finally:
                if content is None:
                    await _close_unfinished(app, response)
                else:
                    response.close()
    except Exception:
        if not client_gone:
            raise


async def _close_unfinished(app: Hipflask, response: Any) -> None:
    """Close a response whose body was not sent to its end (HEAD, 204, 304, a client gone).

    ``Response.close`` cannot close an async generator: it is closed on
    this loop first, so that a ``stream_with_context`` body still tears its
    request down. A sync generator is closed in a worker thread, as a sent
    one is iterated there: its clean-up (that teardown, which may be
    ``async def`` or wait on a database) must not run on the loop.
    """
    body = response.response
    try:
        aclose = getattr(body, "aclose", None)
        if aclose is not None:
            await aclose()
        elif getattr(body, "close", None) is not None:
            await serve.run_in_threads(app, body.close)
    finally:
        response.close()


async def answer_gone(send: Send) -> None:
    """A short answer for a request dropped because its client left.

    Nobody reads it; it is sent so that the server logs an ended request
    rather than an app that returned without a response.
    """
    try:
        await send(
            {"type": "http.response.start", "status": 400, "headers": [(b"content-length", b"0")]}
        )
        await send({"type": "http.response.body", "body": b""})
    except Exception:  # noqa: S110 - the client is gone, as expected
        pass


_ENCODED: dict[tuple[str, str], tuple[bytes, bytes]] = {}
#: Bounds the cache above: an app echoing arbitrary values fills it once and
#: then encodes those on every response, as without it.
_ENCODED_MAX = 1024
#: Longer values (cookies, per-response policies) are encoded every time.
_ENCODED_MAX_VALUE = 256


def _encode_header(pair: tuple[str, str]) -> tuple[bytes, bytes]:
    # Most response headers repeat on every response (the content types, the
    # security headers): each distinct pair is lowered and encoded once.
    name, value = pair
    encoded = (name.lower().encode("latin-1"), value.encode("latin-1"))
    if len(value) <= _ENCODED_MAX_VALUE and len(_ENCODED) < _ENCODED_MAX:
        _ENCODED[pair] = encoded
    return encoded


def _whole(content: Any) -> bytes | None:
    """The body as one message's bytes, or ``None`` when it is sent in pieces or streamed."""
    if content is None:
        return b""
    if type(content) is list:
        data = b"".join(content)
        if len(data) <= PIECE:
            return data
    return None


def start_message(response: Any, headers: list[tuple[str, str]]) -> dict[str, Any]:
    """The ``http.response.start`` message, each header pair encoded once per process."""
    # Looked up in C; only a response with a header not seen before pays for
    # a second pass (a comprehension is a Python frame on every response).
    raw_headers: list[Any] = list(map(_ENCODED.get, headers))
    if None in raw_headers:
        raw_headers = [
            cached or _encode_header(pair)
            for cached, pair in zip(raw_headers, headers, strict=True)
        ]
    status = response._status_code if layout.FAST else response.status_code
    return {"type": "http.response.start", "status": status, "headers": raw_headers}


async def _send_response(
    app: Hipflask,
    response: Any,
    headers: list[tuple[str, str]],
    body: Any,
    send: Send,
    receive: Receive,
    link: ClientLink | None = None,
    watchable: bool = True,
) -> None:
    """Send a response whose body is large (timed pieces) or streamed."""
    finished = False
    try:
        await send(start_message(response, headers))
        if type(body) is list:
            await send_body(send, b"".join(body), send_timeout(app.config))
        else:
            chunks: AsyncIterator[Any] = (
                body.__aiter__()
                if hasattr(body, "__aiter__")
                else serve.iterate_in_threads(app, body)
            )
            # A stream may never end (server-sent events): once its client
            # has left, it is stopped at its next chunk.
            watch = link if link is not None else ClientLink(receive, watchable)
            stream = StreamSender(send, watch, send_timeout(app.config))
            try:
                async for chunk in chunks:
                    if stream.gone:
                        return
                    data = chunk.encode() if isinstance(chunk, str) else chunk
                    if data:
                        await stream.chunk(data)
            finally:
                if watch is not link:
                    watch.close()
                # When send fails (the client went away) the generator is left
                # suspended; close it now so its cleanup runs here, not at
                # some later garbage collection, perhaps after the loop closed.
                aclose = getattr(chunks, "aclose", None)
                if aclose is not None:
                    await aclose()
            finished = True
            await send({"type": "http.response.body", "body": b""})
    except SlowReader:
        # The client stopped reading: the body, its file or its generator
        # are let go of now rather than whenever the client resumes.
        _log.info("Stopped sending a response its client did not read in time.")
    finally:
        if finished:
            response.close()
        else:
            # A stream cut short (client gone, slow reader, an error): its
            # generator's clean-up and a stream_with_context teardown run
            # now, in a worker thread as its chunks did, not on the loop.
            await _close_unfinished(app, response)
