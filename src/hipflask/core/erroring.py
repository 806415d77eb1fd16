"""The app's error methods: which handler answers an error, and the stock pages.

A mixin of :class:`~hipflask.core.app.Hipflask` only, kept apart so the app
module stays readable: Flask's ``trap_http_exception`` and
``log_exception``, the handler lookup the pipeline's error steps use, and
the response an :class:`~werkzeug.exceptions.HTTPException` becomes (its
stock page built once per class, or JSON for a client that prefers it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from collections.abc import Iterable
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.exceptions import BadRequestKeyError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from werkzeug.utils import redirect as _werkzeug_redirect

from ..contexts import globals as _globals
from ..wrappers.coerce import make_response as _coerce
from ..wrappers.response import STATUS_LINES
from . import errorpages as _errorpages
from .helpers import same_host_path
from .scaffold import Scaffold

if TYPE_CHECKING:
    from types import TracebackType

    from ..json.provider import JSONProvider
    from ..wrappers.response import Response
    from .config import Config

# Plain names, not ``from`` imports, so that their method calls compile as
# method calls (see hipflask.contexts.globals).
_cv_request = _globals._cv_request

__all__ = ["ErrorMethods", "ExcInfo", "current_environ", "none_returned_message"]

#: What :func:`sys.exc_info` returns: ``log_exception``'s argument in Flask.
ExcInfo = (
    tuple[type[BaseException], BaseException, "TracebackType | None"] | tuple[None, None, None]
)

#: The stock HTML page of each stock HTTP error class, encoded once.
_ERROR_PAGES: dict[type[HTTPException], bytes] = {}


def current_environ() -> dict[str, Any]:
    """The current request's environ (``{}`` outside a request), for coercing values."""
    ctx = _cv_request.get(None)
    return ctx.request.environ if ctx is not None else {}


def none_returned_message() -> str:
    """Flask's message for a view that returned nothing, naming the view."""
    ctx = _cv_request.get(None)
    endpoint = ctx.request.endpoint if ctx is not None else None
    return (
        f"The view function for {endpoint!r} did not return a valid response. The"
        " function either returned None or ended without a return statement."
    )


class ErrorMethods(Scaffold):
    """Flask's error methods of the app (a base of :class:`~hipflask.core.app.Hipflask`).

    A :class:`Scaffold` for the handlers it registers; the rest of what it
    reads is the app's.
    """

    config: Config
    debug: bool
    json: JSONProvider
    logger: logging.Logger
    response_class: type[Response]

    def _exception_response(self, exc: HTTPException) -> Response:
        if exc.response is not None:
            return _coerce(exc.response, self.response_class, self.json, current_environ)
        if isinstance(exc, RequestRedirect):
            # Its Location is built in get_response, not get_headers.
            redirect = exc.get_response()
            location = redirect.headers.get("Location")
            ctx = _cv_request.get(None)
            # A Host checked against TRUSTED_HOSTS may build an absolute URL
            # (Flask's form); an unchecked one must not.
            if location is not None and ctx is not None and not self.config["TRUSTED_HOSTS"]:
                relative = same_host_path(location, ctx.request.host)
                if relative != location:
                    # The page's link too: it must not name the unchecked host either.
                    page = _werkzeug_redirect(relative, exc.code)
                    return _errorpages.error_page(
                        self.response_class, page.get_data(), exc.code, page.headers
                    )
            return _errorpages.error_page(
                self.response_class, redirect.get_data(), exc.code, redirect.headers
            )
        kind = type(exc)
        request_ctx = _cv_request.get(None)
        # A stock error page is JSON or HTML by the request's Accept; an error
        # class that writes its own body (a rate limit's JSON) keeps it.
        negotiated = request_ctx is not None and kind.get_body is HTTPException.get_body
        if negotiated and _errorpages.prefers_json(request_ctx.request):  # type: ignore[union-attr]
            page = _errorpages.http_error_json(exc, self.response_class, self.json)
            return _errorpages.varies_on_accept(page)
        if (
            exc.description is kind.description
            and kind.get_body is HTTPException.get_body
            and kind.get_headers is HTTPException.get_headers
            and exc.code in STATUS_LINES
            and getattr(self.response_class, "_direct_init", False)
        ):
            # The stock page of a stock error is the same every time: built
            # once per class, so a flood of 404s costs no HTML escaping. Like
            # Flask's, it is not made by the class's own __init__ (if any).
            body = _ERROR_PAGES.get(kind)
            if body is None:
                body = _ERROR_PAGES[kind] = exc.get_body().encode()
            page = self.response_class._fast(body, exc.code, "text/html; charset=utf-8")
            return _errorpages.varies_on_accept(page) if negotiated else page
        page = _errorpages.error_page(
            self.response_class, exc.get_body(), exc.code, exc.get_headers()
        )
        return _errorpages.varies_on_accept(page) if negotiated else page

    def _find_error_handler(
        self, exc: BaseException, blueprints: Iterable[str]
    ) -> Callable[[Any], Any] | None:
        exc_class, code = self._get_exc_class_and_code(type(exc))
        names = (*blueprints, None)
        for c in (code, None) if code is not None else (None,):
            for name in names:
                handler_map = self.error_handler_spec.get(name, {}).get(c)
                if not handler_map:
                    continue
                for cls in exc_class.__mro__:
                    handler: Callable[[Any], Any] | None = handler_map.get(cls)
                    if handler is not None:
                        return handler
        return None

    def trap_http_exception(self, e: Exception) -> bool:
        """Whether an HTTP error should propagate instead of being handled."""
        if self.config["TRAP_HTTP_EXCEPTIONS"]:
            return True
        trap_bad_request = self.config["TRAP_BAD_REQUEST_ERRORS"]
        if trap_bad_request is None and self.debug and isinstance(e, BadRequestKeyError):
            return True
        if trap_bad_request:
            return isinstance(e, HTTPException) and e.code == 400
        return False

    def log_exception(self, exc_info: ExcInfo | BaseException) -> None:
        """Log an unhandled error with the request that caused it.

        ``exc_info`` is what :func:`sys.exc_info` returns, as in Flask, so an
        override that reads ``exc_info[1]`` or hands it to a logger ports
        unchanged; a bare exception is taken too.
        """
        if isinstance(exc_info, BaseException):
            exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
        request = _cv_request.get(None)
        where = f"{request.request.path} [{request.request.method}]" if request else "?"
        extra = None
        if request is not None:
            # The id the error page shows, so a user's report finds this line.
            request_id = _errorpages.current_request_id()
            where = f"{where} (request id {request_id})"
            extra = {"request_id": request_id}
        # Imported here: the app module imports this one.
        from .app import log_from_app

        log_from_app(
            self.logger, logging.ERROR, f"Exception on {where}", extra=extra, exc_info=exc_info
        )
