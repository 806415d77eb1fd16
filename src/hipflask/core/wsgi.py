"""The WSGI adapter: environ in, status/headers/body iterable out.

The only core module besides :mod:`hipflask.core.asgi` and
:mod:`hipflask.core.bridge` that knows a protocol. It builds the neutral
request (nothing is parsed until a view asks), runs the pipeline in the
server's thread, and writes the response straight to ``start_response``.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Iterator
from typing import IO
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.exceptions import BadRequest

from ..contexts.state import RequestState
from ..security.proxies import apply_wsgi
from ..wrappers import layout
from ..wrappers.framing import conflicting_headers
from ..wrappers.headers import WSGIRequestHeaders
from ..wrappers.repeated import content_type_refusal
from ..wrappers.request import assign_fields
from ..wrappers.response import wire_parts
from . import bridge
from . import direct
from . import serve
from .body import read_exactly
from .body import wsgi_body

if TYPE_CHECKING:
    from ..typing import StartResponse
    from ..typing import WSGIEnvironment
    from ..wrappers.request import Request
    from ..wrappers.response import Response
    from .app import Hipflask

#: Environ key a test client sets to keep the request context after the request.
PRESERVE_CONTEXT_KEY = "hipflask.preserve_context"


def _decode(value: str) -> str:
    # WSGI carries the raw path bytes as latin-1 text; the URL's real
    # encoding is UTF-8. Invalid sequences become U+FFFD (then a 404), never 500.
    if value.isascii():
        return value
    return value.encode("latin-1").decode("utf-8", "replace")


class _WsgiBody:
    """Opens a WSGI request's body as its stream, or reads it whole.

    :meth:`read_whole` is what the request uses to read a body of known
    length that it wants all of at once (a form, JSON, ``get_data``) and
    whose stream nobody opened: the same bytes and the same 400s as reading
    the stream, without building one.
    """

    __slots__ = ()

    def __call__(self, request: Request) -> IO[bytes]:
        return wsgi_body(request.environ, request.content_length, request.max_content_length)

    def read_whole(self, request: Request, length: int) -> bytes:
        return read_exactly(request.environ["wsgi.input"], length)


#: The WSGI adapter's body opener, set on each request it builds.
open_stream = _WsgiBody()


def _framing_refusal(environ: WSGIEnvironment) -> str | None:
    # A WSGI server joins repeated headers into one environ value, so one
    # lookup each is the whole story (EnvironHeaders.getlist would walk the
    # entire environ, on every request).
    length = environ.get("CONTENT_LENGTH")
    encoding = environ.get("HTTP_TRANSFER_ENCODING")
    host = environ.get("HTTP_HOST", "")
    if not (length or encoding or "," in host):
        return None
    if length and not encoding and "," not in host and length.isdigit() and length.isascii():
        # One plain length, one host: what every honest client sends.
        return content_type_refusal(environ.get("CONTENT_TYPE"))
    reason = conflicting_headers(
        (length,) if length else (), (host,) if host else (), (encoding,) if encoding else ()
    )
    if reason is None and (length or encoding):
        return content_type_refusal(environ.get("CONTENT_TYPE"))
    return reason


#: ``(SERVER_NAME, SERVER_PORT)`` -> the request's ``server`` tuple, for the
#: few names a server answers on (bounded: the values come from the client's
#: Host header under some servers).
_SERVERS: dict[tuple[str, str | int | None], tuple[str, int | None]] = {}
_SERVERS_MAX = 64


def _server(name: str, port: str | int | None) -> tuple[str, int | None]:
    # Not a number (a unix socket's "", a hand-built environ's "x"): no port,
    # rather than a ValueError before the app can answer. hypercorn's WSGI
    # mode gives an int where PEP 3333 says a string.
    if type(port) is int:
        number: int | None = port
    elif isinstance(port, str) and port.isdigit() and port.isascii():
        number = int(port)
    else:
        number = None
    server = (name, number)
    if len(_SERVERS) < _SERVERS_MAX:
        _SERVERS[name, port] = server
    return server


#: The last ``(SERVER_NAME, SERVER_PORT, server)`` looked up: a server answers
#: on one or two names, and two string comparisons cost less than hashing the
#: fresh strings of each environ for the dictionary above. Read it before
#: calling :func:`server_for`, which replaces it.
last_server: tuple[str, Any, tuple[str, int | None]] = ("", object(), ("", None))


def server_for(name: str, port: str | int | None) -> tuple[str, int | None]:
    """The request's ``server`` tuple for ``SERVER_NAME`` and ``SERVER_PORT``."""
    global last_server
    server = _SERVERS.get((name, port)) or _server(name, port)
    last_server = (name, port, server)
    return server


def make_request(app: Hipflask, environ: WSGIEnvironment) -> Request:
    """Build the neutral request from an environ (no parsing yet).

    A request class that keeps the base ``__init__`` is filled in without a
    call to the class, and its header object is made on first use: most
    requests read their few headers straight from the environ.
    """
    get = environ.get
    name = get("SERVER_NAME", "")
    port = get("SERVER_PORT")
    last = last_server
    server = last[2] if name == last[0] and port == last[1] else server_for(name, port)
    method = get("REQUEST_METHOD", "GET")
    scheme = get("wsgi.url_scheme", "http")
    root_path = get("SCRIPT_NAME", "")
    if not root_path.isascii():
        root_path = _decode(root_path)
    path = get("PATH_INFO", "")
    if not path.isascii():
        path = _decode(path)
    query = get("QUERY_STRING", "").encode("latin-1")
    remote = get("REMOTE_ADDR")
    cls = app.request_class
    if cls._plain_init:
        # The base __new__ (see Request._plain_init), without looking it up.
        request = object.__new__(cls)
        assign_fields(
            request, method, scheme, server, root_path, path, query, None, remote, app,
            open_stream, environ, None,
        )  # fmt: skip
        return request
    return cls._build(
        method, scheme, server, root_path, path, query, WSGIRequestHeaders(environ), remote, app,
        open_stream, environ,
    )  # fmt: skip


def handle(
    app: Hipflask, environ: WSGIEnvironment, start_response: StartResponse
) -> Iterable[bytes]:
    """Serve one WSGI request."""
    proxy_fix = app.config.get("PROXY_FIX")
    if proxy_fix is not None and proxy_fix is not False:
        trust = serve.proxy_trust(app)
        if trust is not None:
            apply_wsgi(environ, trust)
    request = make_request(app, environ)
    state = RequestState()
    preserve = environ.get(PRESERVE_CONTEXT_KEY)
    if preserve is not None:
        state.preserve_context = preserve
    # Most requests have no body and one plain Host: nothing to compare.
    length = environ.get("CONTENT_LENGTH")
    refusal = None
    if length or "HTTP_TRANSFER_ENCODING" in environ or "," in environ.get("HTTP_HOST", ""):
        refusal = _framing_refusal(environ)
        if (
            refusal is None
            and type(request)._plain_init
            and length
            and length.isdigit()
            and length.isascii()
            and "HTTP_TRANSFER_ENCODING" not in environ
        ):
            # Checked above: the body's length, which reading it needs first.
            request.content_length = int(length)
    if refusal is not None:
        request.routing_exception = BadRequest(refusal)
    else:
        serve.prepare(app, request, state)
    return respond(app, request, state, start_response)


def respond(
    app: Hipflask, request: Request, state: RequestState, start_response: StartResponse
) -> Iterable[bytes]:
    """Run a built and routed request, and write its response to ``start_response``."""
    # serve.run_sync, a frame less: the direct path, else the pipeline.
    response = direct.run_sync(app, request, state)
    if response is None:
        response = serve.run_pipeline_sync(app, request, state)
    return write(response, request.method, start_response)


def write(response: Response, method: str, start_response: StartResponse) -> Iterable[bytes]:
    """Hand ``response`` to the server: status and headers, then the body iterable."""
    status, headers, body = wire_parts(response, method)
    start_response(status, headers)
    if body is None:
        # One empty chunk rather than none: some servers (hypercorn's WSGI mode)
        # only send the status line once the app yields its first item.
        if method == "HEAD":
            # Nothing of the body will be read: its file or generator is
            # closed (and response.call_on_close functions run) now.
            _close_unsent(response)
            return [b""]
        # Closed when the server closes it: a 204's unread generator, and
        # the functions given to response.call_on_close.
        return _Closing([b""], lambda: _close_unsent(response))
    if type(body) is list:
        if not layout.FAST or response._on_close:
            # Functions given to response.call_on_close run when the server
            # closes the body, as Werkzeug's response iterable does.
            return _Closing(body, response.close)
        return body
    if hasattr(body, "__aiter__"):
        body = bridge.iterate_async_sync(body)
    return _Closing(body, response.close)


def _close_unsent(response: Response) -> None:
    """Close a response whose body is never sent (HEAD, 204, 304).

    An async body (a ``stream_with_context`` async generator) has no sync
    ``close`` for ``Response.close`` to call: it is closed on this thread's
    loop first, so that its request is torn down.
    """
    aclose = getattr(response.response, "aclose", None)
    try:
        if aclose is not None:
            bridge.run_coroutine(aclose())
    finally:
        response.close()


class _Closing:
    """A streamed body that closes the response (and its generator) when done."""

    __slots__ = ("_close", "_iterable")

    def __init__(self, iterable: Iterable[bytes], close: Any) -> None:
        self._iterable = iterable
        self._close = close

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._iterable)

    def close(self) -> None:
        try:
            closer = getattr(self._iterable, "close", None)
            if closer is not None:
                closer()
        finally:
            self._close()
