"""The error router: an error of an API's request goes to the API first.

Flask-RESTful replaces the app's ``handle_user_exception`` and
``handle_exception`` with ``Api.error_router``: an error of a request the
API owns (one of its resources, a routing error under its URLs) is answered
by ``Api.handle_error`` before any handler the app or a blueprint
registered (``@app.errorhandler(404)`` rendering the site's HTML page, say),
and every other error is handled as if there were no API.

Replacing those methods here would send every request of the app down the
pipeline's general path (and every ASGI request to a thread). So the router
sits where the pipeline looks for handlers instead: one :class:`ErrorRouter`
per app registers itself for ``HTTPException`` and ``Exception`` and, just
before the first request (the app's setup is then finished), stands in
front of every handler the app and its blueprints registered. Whichever
handler the app's lookup picks, the router runs first: it asks each API in
turn (the last one set up first, as Flask-RESTful chains them), and
otherwise calls the handler the lookup would have picked without it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError

from ..contexts.globals import request
from ..core.errorpages import current_request_id
from ..core.errorpages import server_error_page
from ..core.handler_marks import answers_codeless_errors
from ..core.handler_marks import stands_in_for

if TYPE_CHECKING:
    from .api import Api

__all__ = ["ErrorRouter", "find_handler", "is_logged"]

#: Where an app keeps its router, in ``app.extensions``.
EXTENSION_KEY = "hipflask.restful"

Handler = Callable[[Any], Any]

# Classes whose handlers are the catch-alls, not a handler for an error's own class.
_GENERAL = frozenset((HTTPException, Exception, BaseException, object))

# The error the app has already logged (and signalled) before the router got
# it: the original of the 500 the app makes for an error nothing handled.
_logged: ContextVar[BaseException | None] = ContextVar("hipflask_restful_logged", default=None)


def is_logged(e: BaseException) -> bool:
    """Whether the app already logged ``e``, so an API answering it must not log it again."""
    return _logged.get() is e


@answers_codeless_errors
class RoutedHandler:
    """A handler of the app's, with the router in front of it.

    ``handler`` is ``None`` where the router registered itself in a slot
    that held no handler (``HTTPException``, ``Exception``): the lookup then
    goes on as if that slot were empty.
    """

    def __init__(self, router: ErrorRouter, handler: Handler | None) -> None:
        self.router = router
        self.handler = handler
        # Another extension looking for the app's own handler (Principal's
        # refusal, handed to a catch-all page) finds ``handler``, not the router.
        stands_in_for(self, handler)

    def __call__(self, e: Exception) -> Any:
        return self.router.route(e, self.handler)


class ErrorRouter:
    """The router of one app, with the APIs that answer its errors."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.apis: list[Api] = []

    @classmethod
    def of(cls, app: Any) -> ErrorRouter:
        """The router of ``app``, registered on the first call."""
        router: ErrorRouter | None = app.extensions.get(EXTENSION_KEY)
        if router is None:
            router = app.extensions[EXTENSION_KEY] = cls(app)
            handlers = app.error_handler_spec.get(None, {}).get(None, {})
            for exc_class in (HTTPException, Exception):
                app.register_error_handler(
                    exc_class, RoutedHandler(router, handlers.get(exc_class))
                )
            app.before_first_request(router.stand_in_front)
        return router

    def add(self, api: Api) -> None:
        """Let ``api`` answer this app's errors (before the APIs added earlier)."""
        if not any(known is api for known in self.apis):
            self.apis.append(api)

    def stand_in_front(self) -> None:
        """Put the router in front of every handler registered so far.

        Run before the first request, after which the app takes no new
        handlers: a handler for a status code (``@app.errorhandler(404)``)
        or for an error's own class is found before the router's own
        ``HTTPException`` and ``Exception`` entries, and would otherwise
        answer the API's errors.
        """
        for handlers_by_code in self.app.error_handler_spec.values():
            for handlers in handlers_by_code.values():
                for exc_class, handler in list(handlers.items()):
                    if not isinstance(handler, RoutedHandler):
                        handlers[exc_class] = RoutedHandler(self, handler)

    def route(self, e: Exception, found: Handler | None) -> Any:
        """Answer ``e`` by the first API that takes it, else as the app would without them.

        ``found`` is the app's handler the lookup landed on (``None`` when it
        landed on one of the router's own entries).
        """
        if isinstance(e, HTTPException) and e.code is None:
            return self._route_codeless(e)
        # The 500 the app makes of an error nothing handled: the APIs answer
        # the error itself, as Flask-RESTful's router gets it. The app logged
        # it already.
        original = _original_of(e)
        error: Exception = original if original is not None else e

        def without_apis(exc: Exception) -> Any:
            if exc is error:
                return self._as_without_apis(e, found)
            return self._as_without_apis(exc, None)

        chain: Handler = without_apis
        for api in self.apis:
            chain = functools.partial(api.error_router, chain)
        token = _logged.set(original) if original is not None else None
        try:
            return chain(error)
        finally:
            if token is not None:
                _logged.reset(token)

    def _route_codeless(self, e: HTTPException) -> Any:
        """Answer an HTTP error without a status code by an API whose ``errors=`` names it.

        The app asks the router about such an error wherever it was raised (a
        resource, a ``before_request`` hook), as Flask-RESTful's router sees
        every error of the API's requests. Without an API naming its class,
        the error itself is the answer, as Flask has it: no handler of the
        app's is called for it.
        """
        chain: Handler = _unchanged
        name = type(e).__name__
        for api in self.apis:
            if name in api.errors:
                chain = functools.partial(api.error_router, chain)
        return chain(e)

    def _as_without_apis(self, e: Exception, found: Handler | None) -> Any:
        handler = found if found is not None else find_handler(self.app, e)
        if handler is not None:
            return handler(e)
        if not isinstance(e, HTTPException):
            raise e
        if _original_of(e) is not None:
            # The app's own 500 page, with the request id its log line carries.
            app = self.app
            return server_error_page(app.response_class, app.json, current_request_id())
        if self.app.trap_http_exception(e):
            # A trapped HTTP error reaches the handlers only through the
            # app's lookup for its class, where none found means raise it
            # (for the debugger, or the test), as without the router.
            raise e
        return e


def find_handler(app: Any, e: BaseException, own_class_only: bool = False) -> Handler | None:
    """The handler the app's lookup picks for ``e``, leaving the router out.

    Flask's order: a handler for the error's status code before one for a
    class, the request's blueprints before the app, the error's class before
    its parents. With ``own_class_only``, only a handler registered for the
    error's class or a parent below ``HTTPException``/``Exception``.
    """
    exc_class = type(e)
    code = exc_class.code if issubclass(exc_class, HTTPException) else None
    codes = (None,) if code is None or own_class_only else (code, None)
    spec = app.error_handler_spec
    for c in codes:
        for name in (*request.blueprints, None):
            handlers = spec.get(name, {}).get(c)
            if not handlers:
                continue
            for cls in exc_class.__mro__:
                if own_class_only and cls in _GENERAL:
                    break
                entry = handlers.get(cls)
                handler = entry.handler if isinstance(entry, RoutedHandler) else entry
                if handler is not None:
                    return handler
    return None


def _unchanged(e: Exception) -> Exception:
    return e


def _original_of(e: Exception) -> Exception | None:
    """The error an app's 500 stands for, if ``e`` is such a 500."""
    if isinstance(e, InternalServerError):
        original = e.original_exception
        if isinstance(original, Exception):
            return original
    return None
