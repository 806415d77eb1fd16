"""The test client: ``app.test_client()``.

It is Werkzeug's test client (cookie jar, ``follow_redirects``, ``json=``,
``data=`` with files) driving the app through the real adapter path. With
``protocol="asgi"`` each request is translated to an ASGI scope and run
through the app's ASGI adapter on an event loop, so one test suite can
exercise both protocols. Used as a context manager, it keeps the last
request's context active (``request``, ``session``, ``g`` stay readable).
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from contextlib import ExitStack
from importlib.metadata import version
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.test import Client
from werkzeug.test import EnvironBuilder
from werkzeug.test import TestResponse
from werkzeug.wrappers import Request as WerkzeugRequest

from ..core.asgi import ENVIRON_EXTRAS_KEY
from ..core.asgi import PRESERVE_CONTEXT_KEY as ASGI_PRESERVE_KEY
from ..core.wsgi import PRESERVE_CONTEXT_KEY as WSGI_PRESERVE_KEY
from ..wrappers.response import STATUS_LINES

if TYPE_CHECKING:
    from ..contexts.ctx import RequestContext
    from ..core.app import Hipflask

_PROTOCOLS = ("wsgi", "asgi")


class _ASGIShim:
    """A WSGI callable that runs each request through the app's ASGI adapter."""

    def __init__(self, app: Hipflask) -> None:
        self.app = app
        self._loop: asyncio.AbstractEventLoop | None = None

    def _run(self, coro: Any) -> Any:
        if self._loop is None or self._loop.is_closed():
            # One loop for the client's life, as a server has, so objects an
            # app binds to the loop survive between requests. It is closed
            # with the client, or when the client is garbage-collected.
            self._loop = asyncio.new_event_loop()
            weakref.finalize(self, self._loop.close)
        return self._loop.run_until_complete(coro)

    def close(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.close()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        scope = _scope_from_environ(environ)
        preserve = environ.get(WSGI_PRESERVE_KEY)
        if preserve is not None:
            scope[ASGI_PRESERVE_KEY] = preserve
        extras = _environ_extras(environ)
        if extras:
            scope[ENVIRON_EXTRAS_KEY] = extras
        body = _read_rewound(environ["wsgi.input"])
        sent: list[dict[str, Any]] = []
        delivered = False

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.sleep(3600)  # a real server would wait for disconnect
            return {"type": "http.disconnect"}  # pragma: no cover

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        self._run(self.app.asgi_app(scope, receive, send))
        start = next(m for m in sent if m["type"] == "http.response.start")
        status = start["status"]
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in start["headers"]]
        # The status line the WSGI adapter would have sent (Werkzeug's
        # phrases), so a test sees the same ``status`` under either protocol.
        start_response(STATUS_LINES.get(status, f"{status} UNKNOWN"), headers)
        return [m.get("body", b"") for m in sent if m["type"] == "http.response.body"]


def _scope_from_environ(environ: dict[str, Any]) -> dict[str, Any]:
    headers: list[tuple[bytes, bytes]] = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").lower()
            headers.append((name.encode("latin-1"), _wire_bytes(str(value))))
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            headers.append((key.replace("_", "-").lower().encode(), _wire_bytes(str(value))))
    path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
    root_path = environ.get("SCRIPT_NAME", "").encode("latin-1").decode("utf-8", "replace")
    remote = environ.get("REMOTE_ADDR")
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": environ.get("SERVER_PROTOCOL", "HTTP/1.1").split("/", 1)[-1],
        "method": environ["REQUEST_METHOD"],
        "scheme": environ.get("wsgi.url_scheme", "http"),
        "path": root_path + path,
        # As a server receives it: still percent-encoded (Werkzeug's builder
        # keeps that form in RAW_URI).
        "raw_path": (
            environ.get("RAW_URI", "").partition("?")[0]
            or environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        ).encode("latin-1"),
        "root_path": root_path,
        "query_string": environ.get("QUERY_STRING", "").encode("latin-1"),
        "headers": headers,
        "server": (
            environ.get("SERVER_NAME", "localhost"),
            int(environ.get("SERVER_PORT", 80)),
        ),
        "client": (remote, int(environ.get("REMOTE_PORT", 0) or 0)) if remote else None,
    }


#: Environ keys the scope carries (or the adapter derives from it).
_FROM_SCOPE = frozenset(
    (
        "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "SERVER_NAME",
        "SERVER_PORT", "SERVER_PROTOCOL", "REMOTE_ADDR", "REMOTE_PORT", "CONTENT_TYPE",
        "CONTENT_LENGTH", "RAW_URI", "REQUEST_URI",
    )
)  # fmt: skip


def _environ_extras(environ: dict[str, Any]) -> dict[str, Any]:
    """What a test put in the environ that no scope field holds (``REMOTE_USER``, own keys)."""
    return {
        key: value
        for key, value in environ.items()
        if key not in _FROM_SCOPE
        and not key.startswith(("HTTP_", "wsgi.", "werkzeug.", "hipflask."))
    }


def _wire_bytes(value: str) -> bytes:
    """A header value as a client would put it on the wire.

    A test may give text that latin-1 cannot hold (``Host: ☃.test``); a real
    client sends it UTF-8 encoded, and the app must answer that with a 400.
    """
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode()


class _WSGITarget:
    """Calls ``app.wsgi_app`` as it is at each request.

    Middleware installed with ``app.wsgi_app = Middleware(app.wsgi_app)``
    after the client was made still sees the client's requests.
    """

    __slots__ = ("app",)

    def __init__(self, app: Hipflask) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.app.wsgi_app(environ, start_response)


class HipflaskClient(Client):
    """Werkzeug's test client bound to a hipflask app; see the module docstring."""

    application: Any

    def __init__(
        self,
        app: Hipflask,
        response_wrapper: Any = None,
        use_cookies: bool = True,
        protocol: str = "wsgi",
        **kwargs: Any,
    ) -> None:
        if protocol not in _PROTOCOLS:
            raise ValueError(f"protocol must be 'wsgi' or 'asgi', not {protocol!r}.")
        self.protocol = protocol
        self.app = app
        self._shim = _ASGIShim(app) if protocol == "asgi" else None
        target: Any = self._shim if self._shim is not None else _WSGITarget(app)
        super().__init__(target, _response_class(app), use_cookies=use_cookies)
        self.environ_base: dict[str, Any] = {
            "REMOTE_ADDR": "127.0.0.1",
            # Flask's value: a test that checks the agent it sent keeps passing.
            "HTTP_USER_AGENT": f"Werkzeug/{_werkzeug_version()}",
        }
        self.environ_base.update(kwargs.pop("environ_base", {}) or {})
        self.preserve_context = False
        self._new_contexts: list[RequestContext] = []
        self._context_stack = ExitStack()

    def _request_from_builder_args(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        kwargs["environ_base"] = self._copy_environ(kwargs.get("environ_base", {}))
        builder = self.app._environ_builder(*args, **kwargs)
        try:
            return builder.get_request()
        finally:
            builder.close()

    def _copy_environ(self, other: dict[str, Any]) -> dict[str, Any]:
        out = dict(self.environ_base)
        if self.preserve_context:
            out[WSGI_PRESERVE_KEY] = self._new_contexts.append
        out.update(other)
        return out

    def open(
        self,
        *args: Any,
        buffered: bool = False,
        follow_redirects: bool = False,
        **kwargs: Any,
    ) -> TestResponse:
        """Send a request; arguments as for Werkzeug's ``EnvironBuilder``."""
        request: Any
        if args and isinstance(args[0], (EnvironBuilder, dict)):
            # A prepared builder or environ is sent as given, with the
            # client's defaults (remote address, user agent) under it.
            given = args[0]
            environ = given.get_environ() if isinstance(given, EnvironBuilder) else given
            request = WerkzeugRequest(self._copy_environ(environ))
        elif args and not isinstance(args[0], str):
            request = args[0]
        else:
            request = self._request_from_builder_args(args, kwargs)
        # Only the newest request's context stays preserved.
        self._context_stack.close()
        try:
            response = super().open(request, buffered=buffered, follow_redirects=follow_redirects)
        except BaseException:
            # A request that raised keeps nothing: its contexts were popped.
            self._new_contexts.clear()
            raise
        response.json_module = self.app.json  # type: ignore[assignment]
        # A redirect followed leaves one context per hop: the earlier hops
        # are ended (their teardown runs) and the last one is kept.
        if self._new_contexts:
            *earlier, last = self._new_contexts
            self._new_contexts.clear()
            for ctx in earlier:
                with _Reentered(ctx):
                    pass
            self._context_stack.enter_context(_Reentered(last))
        return response

    def __enter__(self) -> HipflaskClient:
        if self.preserve_context:
            raise RuntimeError("Cannot nest client invocations")
        self.preserve_context = True
        return self

    def __exit__(self, *args: object) -> None:
        self.preserve_context = False
        self._context_stack.close()
        if self._shim is not None:
            self._shim.close()

    def session_transaction(self, *args: Any, **kwargs: Any) -> Any:
        """Open the session outside a request to read or change it in a test."""
        from ..sessions.testing import session_transaction

        return session_transaction(self, *args, **kwargs)


@functools.cache
def _werkzeug_version() -> str:
    return version("werkzeug")


def _read_rewound(stream: Any) -> bytes:
    """Read the whole body, then rewind it.

    Werkzeug's client resends the same input stream when it follows a 307 or
    308 redirect, so the body must still be there for the second request.
    """
    if stream is None:
        return b""
    start = stream.tell() if stream.seekable() else None
    body: bytes = stream.read()
    if start is not None:
        stream.seek(start)
    return body


class _Reentered:
    """Push a preserved request context into the test's own context."""

    def __init__(self, ctx: RequestContext) -> None:
        self.ctx = ctx

    def __enter__(self) -> RequestContext:
        self.ctx.push()
        return self.ctx

    def __exit__(self, *args: object) -> None:
        self.ctx.pop(None)
        # Under ASGI the adapter buffered the body and, because the context
        # was kept, left closing that buffer to whoever ends the context.
        close = getattr(self.ctx.request._open_stream, "close", None)
        if close is not None:
            close()


def _response_class(app: Hipflask) -> type[TestResponse]:
    class _TestResponse(TestResponse, app.response_class):  # type: ignore[misc, name-defined]
        """Test response with the app's response API (``get_json`` via ``app.json``)."""

        @property
        def text(self) -> str:
            return self.get_data(as_text=True)

    return _TestResponse


__all__ = ["HipflaskClient"]
