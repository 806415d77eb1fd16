"""``current_app``, ``g``, ``request`` and ``session``: proxies on context variables.

Context variables keep each request's state separate across threads and
asyncio tasks alike, which is what lets one app object serve WSGI and ASGI.
The error messages say how to enter the missing context, because "working
outside of request context" is the first wall every Flask user hits.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.local import LocalProxy

if TYPE_CHECKING:
    from ..wrappers.request import Request
    from .ctx import AppContext
    from .ctx import RequestContext
    from .ctx import _AppCtxGlobals

_NO_APP = """\
Working outside of application context.

This typically means that you attempted to use functionality that needed
the current application. To solve this, set up an application context
with app.app_context(). See the documentation on contexts for more information.\
"""
_NO_REQUEST = """\
Working outside of request context.

This typically means that you attempted to use functionality that needed
an active HTTP request. Consult the documentation on testing for
information about how to avoid this problem (app.test_request_context()).\
"""

_cv_app: ContextVar[AppContext] = ContextVar("hipflask.app_ctx")
_cv_request: ContextVar[RequestContext] = ContextVar("hipflask.request_ctx")

app_ctx: AppContext = LocalProxy(_cv_app, unbound_message=_NO_APP)  # type: ignore[assignment]
current_app: Any = LocalProxy(_cv_app, "app", unbound_message=_NO_APP)
g: _AppCtxGlobals = LocalProxy(_cv_app, "g", unbound_message=_NO_APP)  # type: ignore[assignment]
request_ctx: RequestContext = LocalProxy(  # type: ignore[assignment]
    _cv_request, unbound_message=_NO_REQUEST
)
request: Request = LocalProxy(  # type: ignore[assignment]
    _cv_request, "request", unbound_message=_NO_REQUEST
)
session: Any = LocalProxy(_cv_request, "session", unbound_message=_NO_REQUEST)


def _require_app() -> Any:
    """The current app, without a proxy's overhead, for hot helpers like ``jsonify``."""
    ctx = _cv_app.get(None)
    if ctx is None:
        raise RuntimeError(_NO_APP)
    return ctx.app


def _current_app_or_none() -> Any:
    ctx = _cv_app.get(None)
    return ctx.app if ctx is not None else None


def _current_request_or_none() -> Request | None:
    ctx = _cv_request.get(None)
    return ctx.request if ctx is not None else None
