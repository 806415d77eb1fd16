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

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wsgi import LimitedStream
from werkzeug.wsgi import get_input_stream

from ..contexts.state import RequestState
from ..security.proxies import apply_wsgi
from ..wrappers.headers import WSGIRequestHeaders
from ..wrappers.response import wire_parts
from . import bridge
from . import serve

if TYPE_CHECKING:
    from ..typing import StartResponse
    from ..typing import WSGIEnvironment
    from ..wrappers.request import Request
    from .app import Hipflask

#: Environ key a test client sets to keep the request context after the request.
PRESERVE_CONTEXT_KEY = "hipflask.preserve_context"


def _decode(value: str) -> str:
    # WSGI carries the raw path bytes as latin-1 text; the URL's real
    # encoding is UTF-8. Invalid sequences become U+FFFD (then a 404), never 500.
    if value.isascii():
        return value
    return value.encode("latin-1").decode("utf-8", "replace")


class _BoundedInput(LimitedStream):
    """A body the server ends itself (chunked), refused with 413 past the limit.

    Werkzeug's maximum-length stream stops reading at the limit and returns
    what it has, so an oversized chunked upload would reach the view cut
    short, as if it were complete. Here reaching the limit looks one byte
    further: more data means the body is too large.
    """

    def on_exhausted(self) -> None:
        if self._stream.read(1):
            raise RequestEntityTooLarge()

    def readall(self) -> bytes:
        data = super().readall()
        if self.is_exhausted:
            self.on_exhausted()
        return data


def _open_stream(request: Request) -> IO[bytes]:
    environ = request.environ
    limit = request.max_content_length
    if limit is not None and "wsgi.input_terminated" in environ:
        return _BoundedInput(environ["wsgi.input"], limit, is_max=True)  # type: ignore[return-value]
    return get_input_stream(environ, max_content_length=limit)


def make_request(app: Hipflask, environ: WSGIEnvironment) -> Request:
    """Build the neutral request from an environ (no parsing yet)."""
    port = environ.get("SERVER_PORT")
    server = (environ.get("SERVER_NAME", ""), int(port) if port else None)
    root_path = environ.get("SCRIPT_NAME", "")
    path = environ.get("PATH_INFO", "")
    return app.request_class(
        environ.get("REQUEST_METHOD", "GET"),
        environ.get("wsgi.url_scheme", "http"),
        server,
        root_path if root_path.isascii() else _decode(root_path),
        path if path.isascii() else _decode(path),
        environ.get("QUERY_STRING", "").encode("latin-1"),
        WSGIRequestHeaders(environ),
        environ.get("REMOTE_ADDR"),
        app=app,
        open_stream=_open_stream,
        environ=environ,
    )


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
    serve.prepare(app, request, state)
    response = serve.run_sync(app, request, state)
    status, headers, body = wire_parts(response, request.method)
    start_response(status, headers)
    if body is None:
        # One empty chunk rather than none: some servers (hypercorn's WSGI mode)
        # only send the status line once the app yields its first item.
        return [b""]
    if type(body) is list:
        return body
    if hasattr(body, "__aiter__"):
        body = bridge.iterate_async_sync(body)
    return _Closing(body, response.close)


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
