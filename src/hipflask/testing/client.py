"""The test client: ``app.test_client()``.

It is Werkzeug's test client (cookie jar, ``follow_redirects``, ``json=``,
``data=`` with files) driving the app through the real adapter path. With
``protocol="asgi"`` each request is translated to an ASGI scope and run
through the app's ASGI adapter on an event loop (see
:mod:`hipflask.testing.asgi`), so one test suite can exercise both
protocols. Used as a context manager, it keeps the last request's context
active (``request``, ``session``, ``g`` stay readable).
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import ExitStack
from contextlib import contextmanager
from copy import copy
from importlib.metadata import version
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.test import Client
from werkzeug.test import EnvironBuilder
from werkzeug.test import TestResponse
from werkzeug.wrappers import Request as WerkzeugRequest

from ..core.wsgi import PRESERVE_CONTEXT_KEY as WSGI_PRESERVE_KEY
from ..sessions.base import SessionMixin
from ..sessions.base import SessionUnavailableError
from ..sessions.testing import SESSION_NOT_OPENED
from .asgi import ASGIShim
from .environ import EnvironBuilder as AppEnvironBuilder
from .environ import chunked_as_served

if TYPE_CHECKING:
    from werkzeug.datastructures import Headers

    from ..contexts.ctx import RequestContext
    from ..core.app import Hipflask

_PROTOCOLS = ("wsgi", "asgi")
#: The environment variable choosing the protocol of clients made without
#: ``protocol=`` (``wsgi`` when unset).
PROTOCOL_VARIABLE = "HIPFLASK_TEST_PROTOCOL"

#: Werkzeug's wording (and so Flask's), for a ported test matching on it.
COOKIES_DISABLED = "Cookies are disabled. Create a client with 'use_cookies=True'."

#: The second sentence after Flask's first, saying what usually causes it.
NO_SESSION_HINT = (
    "The app's session interface returned None from open_session(); the built-in"
    " one does when SECRET_KEY is not set. Set SECRET_KEY in the app's configuration."
)

#: Environ key of a request that only goes through the cookie jar (see _JarProbe).
_JAR_PROBE_KEY = "hipflask.test_client.jar_probe"


class _Application:
    """The WSGI callable Werkzeug's client calls: the app, through one of its adapters.

    The client's ``application`` is the app itself, as in Flask; this is
    handed to Werkzeug only when it sends a request (see
    :meth:`HipflaskClient.run_wsgi_app`).

    ``app.wsgi_app`` is looked up at each request, so middleware installed
    with ``app.wsgi_app = Middleware(app.wsgi_app)`` after the client was
    made still sees the client's requests.
    """

    __slots__ = ("app", "shim")

    def __init__(self, app: Hipflask, shim: ASGIShim | None) -> None:
        self.app = app
        self.shim = shim

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        probe = environ.get(_JAR_PROBE_KEY)
        if probe is not None:
            return probe(environ, start_response)
        if self.shim is not None:
            return self.shim(environ, start_response)
        return self.app.wsgi_app(environ, start_response)


class _JarProbe:
    """Stands in for the app in an exchange with the client's cookie jar only.

    Werkzeug's jar picks the cookies a request carries (by domain and path)
    and takes those a response sets, on the way to and from the app. A
    session transaction needs both without a request: sent through the
    client with this probe answering, it gets the jar's own behaviour,
    through the jar's public door.
    """

    __slots__ = ("cookie_header", "set_cookies")

    def __init__(self, set_cookies: list[str]) -> None:
        self.set_cookies = set_cookies
        self.cookie_header: str | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        self.cookie_header = environ.get("HTTP_COOKIE")
        start_response("204 NO CONTENT", [("Set-Cookie", value) for value in self.set_cookies])
        return []


class HipflaskClient(Client):
    """Werkzeug's test client bound to a hipflask app; see the module docstring.

    Arguments after ``app`` are Werkzeug's ``Client``'s
    (``allow_subdomain_redirects=True``), and a name it does not take is a
    ``TypeError``, as in Flask. ``protocol`` and ``environ_base`` are
    hipflask's; without ``protocol``, the ``HIPFLASK_TEST_PROTOCOL``
    environment variable chooses (``wsgi`` when unset).

    ``client.application`` is the app, as in Flask, so a test or a client
    subclass reaches the app's config and contexts through it.
    """

    def __init__(
        self,
        app: Hipflask,
        response_wrapper: type[Any] | None = None,
        use_cookies: bool = True,
        *args: Any,
        protocol: str | None = None,
        environ_base: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if protocol is None:
            # An existing suite (a ported Flask app's) runs over ASGI with
            # HIPFLASK_TEST_PROTOCOL=asgi, without editing its fixtures.
            chosen = os.environ.get(PROTOCOL_VARIABLE) or "wsgi"
            if chosen not in _PROTOCOLS:
                raise ValueError(f"{PROTOCOL_VARIABLE} must be 'wsgi' or 'asgi', not {chosen!r}.")
            protocol = chosen
        elif protocol not in _PROTOCOLS:
            raise ValueError(f"protocol must be 'wsgi' or 'asgi', not {protocol!r}.")
        self.protocol = protocol
        self.app = app
        self._shim = ASGIShim(app) if protocol == "asgi" else None
        self._sending = threading.local()
        wrapper = _response_class(response_wrapper or app.response_class)
        super().__init__(_Application(app, self._shim), wrapper, use_cookies, *args, **kwargs)
        self._has_jar = use_cookies
        self.environ_base: dict[str, Any] = {
            "REMOTE_ADDR": "127.0.0.1",
            # Flask's value: a test that checks the agent it sent keeps passing.
            "HTTP_USER_AGENT": f"Werkzeug/{_werkzeug_version()}",
        }
        self.environ_base.update(environ_base or {})
        self.preserve_context = False
        self._new_contexts: list[RequestContext] = []
        self._context_stack = ExitStack()

    @property
    def application(self) -> Any:
        """The app, as in Flask; to Werkzeug sending a request, the adapter to call."""
        sending = self._sending
        if getattr(sending, "active", False):
            sending.active = False
            return self._served
        return self.app

    @application.setter
    def application(self, served: Any) -> None:
        # Werkzeug's constructor stores the callable it is given here.
        self._served = served

    def run_wsgi_app(
        self, environ: dict[str, Any], buffered: bool = False
    ) -> tuple[Iterable[bytes], str, Headers]:
        """Werkzeug's, with the app called through the client's protocol adapter.

        Werkzeug calls what it reads from ``application``: for that one read
        (in this thread) it gets the adapter; anyone else reading it, a view
        included, gets the app.
        """
        self._sending.active = True
        try:
            return super().run_wsgi_app(environ, buffered=buffered)
        finally:
            self._sending.active = False

    def _request_from_builder_args(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        kwargs["environ_base"] = self._copy_environ(kwargs.get("environ_base", {}))
        builder = AppEnvironBuilder(self.app, *args, **kwargs)
        try:
            return builder.get_request()
        finally:
            builder.close()

    def _copy_environ(self, other: dict[str, Any]) -> dict[str, Any]:
        out = {**self.environ_base, **other}
        if self.preserve_context:
            out[WSGI_PRESERVE_KEY] = self._new_contexts.append
        return out

    def _prepared_request(self, given: Any) -> Any:
        """A request the test built, with the client's defaults under what it set.

        The defaults are the remote address, the user agent and, in a
        ``with client:`` block, keeping the context. An environ dict keeps
        only what a request carries, as in Flask: the client's defaults
        replace its remote address.
        """
        if isinstance(given, EnvironBuilder):
            builder = copy(given)
            builder.environ_base = self._copy_environ(dict(given.environ_base or {}))
            if isinstance(builder, AppEnvironBuilder):
                return builder.get_request()
            # Werkzeug's own builder (a test's, or a followed 307/308 redirect's).
            environ = builder.get_environ()
            chunked_as_served(environ, builder.environ_overrides)
            return builder.request_class(environ)
        if isinstance(given, dict):
            # As in Flask: the request the environ describes (method, URL,
            # headers, body) is rebuilt over the client's environ_base; its
            # other keys (REMOTE_ADDR, REMOTE_USER, a test's own) are not kept.
            rebuilt = AppEnvironBuilder.from_environ(
                given, app=self.app, environ_base=self._copy_environ({})
            )
            return rebuilt.get_request()
        request = copy(given)
        request.environ = self._copy_environ(given.environ)
        return request

    def open(
        self,
        *args: Any,
        buffered: bool = False,
        follow_redirects: bool = False,
        **kwargs: Any,
    ) -> TestResponse:
        """Send a request; arguments as for Werkzeug's ``EnvironBuilder``.

        A prepared ``EnvironBuilder`` or Werkzeug ``Request`` is sent as
        given, with the client's defaults under it. An environ dict is
        rebuilt from its method, URL, headers and body over the client's
        ``environ_base``, as in Flask: its ``REMOTE_ADDR`` and other
        non-header keys are not kept.
        """
        if args and isinstance(args[0], (EnvironBuilder, dict, WerkzeugRequest)):
            request = self._prepared_request(args[0])
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

    @contextmanager
    def session_transaction(self, *args: Any, **kwargs: Any) -> Iterator[SessionMixin]:
        """Open the session outside a request to read or change it in a test.

        As in Flask, the session is opened for a request built from
        ``args`` and ``kwargs`` (as for ``app.test_request_context``: by
        default ``/`` on ``SERVER_NAME``), with the jar's cookies that such
        a request would carry; a ``SESSION_COOKIE_PATH`` of ``/app`` needs
        ``session_transaction("/app/")``. A ``Cookie`` header given in
        ``headers`` (or ``HTTP_COOKIE`` in the environ arguments) is
        replaced by the jar's, or dropped when the jar sends none, as in
        Flask. Changes are saved into the jar, as the response to that
        request would set them, when the block ends without an error.

        :raises TypeError: the client was created with ``use_cookies=False``.
        :raises SessionUnavailableError: the session interface opened no
            session (for the built-in one: no ``SECRET_KEY``).
        """
        if not self._has_jar:
            raise TypeError(COOKIES_DISABLED)
        app = self.app
        interface = app.session_interface
        builder = AppEnvironBuilder(app, *args, **kwargs)
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        # As in Flask, the jar's cookies replace a Cookie header the test
        # gave: the session opened is the one the client's next request sends.
        cookie_header = self._through_jar(environ, [])
        if cookie_header:
            environ["HTTP_COOKIE"] = cookie_header
        else:
            environ.pop("HTTP_COOKIE", None)
        ctx = app.request_context(environ)
        with ctx:
            session = interface.open_session(app, ctx.request)
        if session is None:
            # Flask's first sentence, so a ported test matching on it passes.
            raise SessionUnavailableError(f"{SESSION_NOT_OPENED} {NO_SESSION_HINT}")
        yield session
        if interface.is_null_session(session):
            return
        response = app.response_class()
        with ctx:
            interface.save_session(app, session, response)
        self._through_jar(environ, response.headers.getlist("Set-Cookie"))

    def _through_jar(self, environ: dict[str, Any], set_cookies: list[str]) -> str | None:
        """The ``Cookie`` header the jar gives the request; then ``set_cookies`` are stored."""
        probe = _JarProbe(set_cookies)
        self.run_wsgi_app({**environ, _JAR_PROBE_KEY: probe}, buffered=True)
        return probe.cookie_header


@functools.cache
def _werkzeug_version() -> str:
    return version("werkzeug")


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


def _response_class(base: type[Any]) -> type[TestResponse]:
    if issubclass(base, TestResponse):
        return base

    class _TestResponse(TestResponse, base):  # type: ignore[misc]
        """Test response with the app's response API (``get_json`` via ``app.json``)."""

        @property
        def text(self) -> str:
            return self.get_data(as_text=True)

    return _TestResponse


__all__ = ["COOKIES_DISABLED", "NO_SESSION_HINT", "HipflaskClient"]


#: Flask's name, bound here: type checkers do not export an ``import X as Y`` rename.
FlaskClient = HipflaskClient
