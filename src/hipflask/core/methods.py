"""Flask's pipeline methods on the app, and which of them an app overrides.

The request pipeline (:mod:`hipflask.core.pipeline`) runs its steps as
generators, not through these methods, so that a request with no overrides
pays for no extra calls. Flask documents the methods as override points
(Flask-RESTful replaces ``handle_user_exception`` on the app, for one), so
the app records once, when the first request arrives, which of them a
subclass or an instance attribute replaces; the pipeline then calls the
app's method at exactly those points.

Each method here runs its step to completion synchronously: an override
that calls ``super()`` gets a plain value. Under ASGI, an app with overrides
runs its requests in the thread pool, where completing synchronously is
allowed. The two error methods are also how an error handler passes an error
on to the app's handler for another one; called on the event loop, where an
async handler cannot be completed synchronously, they return a coroutine
that the pipeline awaits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar

from ..contexts import globals as _globals
from . import bridge
from . import pipeline

if TYPE_CHECKING:
    from werkzeug.exceptions import HTTPException

    from ..wrappers.response import Response

# Plain names, not ``from`` imports, so that their method calls compile as
# method calls (see hipflask.contexts.globals).
_cv_request = _globals._cv_request

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["PIPELINE_METHODS", "PipelineMethods", "overridable"]

#: The methods whose overrides the pipeline honours.
PIPELINE_METHODS = (
    "dispatch_request",
    "do_teardown_appcontext",
    "do_teardown_request",
    "finalize_request",
    "full_dispatch_request",
    "handle_exception",
    "handle_http_exception",
    "handle_user_exception",
    "preprocess_request",
    "process_response",
)


def overridable(func: F) -> F:
    """Mark a method as the app's own, so a replacement of it can be recognised."""
    func._hipflask_default = True  # type: ignore[attr-defined]
    return func


def is_overridden(obj: object, name: str) -> bool:
    """Whether ``obj.name`` is a replacement (subclass or instance attribute)."""
    return not getattr(getattr(obj, name, None), "_hipflask_default", False)


class PipelineMethods:
    """Flask's public pipeline methods, each driving its step synchronously.

    A mixin of :class:`~hipflask.core.app.Hipflask` only: ``self`` is always
    the app, which the type checker cannot see through a mixin (hence the
    ``arg-type`` ignores); a ``cast`` would cost a call on every teardown.
    """

    _overrides: frozenset[str] | None
    _custom_url_adapter: bool

    def _pipeline_overrides(self) -> frozenset[str]:
        """The pipeline methods this app replaces; decided once, then cached.

        Also decides whether routing must go through ``create_url_adapter``
        (replaced) instead of the compiled matcher.
        """
        overrides = self._overrides
        if overrides is None:
            self._custom_url_adapter = is_overridden(self, "create_url_adapter")
            overrides = self._overrides = frozenset(
                name for name in PIPELINE_METHODS if is_overridden(self, name)
            )
        return overrides

    @overridable
    def handle_exception(self, e: Exception) -> Response:
        """Turn an unhandled error into a 500 response (in a request context)."""
        ctx = _cv_request.get()
        return bridge.drive_sync(pipeline.handle_exception(self, ctx, e))  # type: ignore[arg-type, no-any-return]

    @overridable
    def handle_user_exception(self, e: Exception) -> Any:
        """Run the handler registered for an error; re-raise if there is none.

        Called from an error handler on the event loop (an async view's, under
        ASGI), it returns a coroutine when the handler it finds is async: the
        calling handler returns it, and the pipeline awaits it.
        """
        ctx = _cv_request.get()
        return bridge.drive(pipeline.handle_user_exception(self, ctx, e))  # type: ignore[arg-type]

    @overridable
    def handle_http_exception(self, e: HTTPException) -> Any:
        """Run the handler for an HTTP error, or return the error itself.

        Called from an error handler on the event loop (an async view's, under
        ASGI), it returns a coroutine when the handler it finds is async: the
        calling handler returns it, and the pipeline awaits it.
        """
        ctx = _cv_request.get()
        return bridge.drive(pipeline.handle_http_exception(self, ctx, e))  # type: ignore[arg-type]

    @overridable
    def preprocess_request(self) -> Any:
        """Run URL value preprocessors and ``before_request`` hooks."""
        return bridge.drive_sync(pipeline.preprocess(self, _cv_request.get()))  # type: ignore[arg-type]

    @overridable
    def dispatch_request(self) -> Any:
        """Call the matched view and return its raw return value."""
        return bridge.drive_sync(pipeline.dispatch(self, _cv_request.get()))  # type: ignore[arg-type]

    @overridable
    def full_dispatch_request(self) -> Response:
        """Hooks, view, error handlers, and the finished response."""
        return bridge.drive_sync(pipeline.full_dispatch(self, _cv_request.get()))  # type: ignore[arg-type, no-any-return]

    @overridable
    def process_response(self, response: Response) -> Response:
        """Run the after-request steps on a response."""
        return bridge.drive_sync(  # type: ignore[no-any-return]
            pipeline.process_response(self, _cv_request.get(), response)  # type: ignore[arg-type]
        )

    @overridable
    def finalize_request(self, rv: Any, from_error_handler: bool = False) -> Response:
        """Make a response from a return value and run the after-request steps."""
        return bridge.drive_sync(  # type: ignore[no-any-return]
            pipeline.finalize(self, _cv_request.get(), rv, from_error_handler)  # type: ignore[arg-type]
        )

    @overridable
    def do_teardown_request(self, exc: BaseException | None = None) -> None:
        """Run ``teardown_request`` functions (called when the request context ends)."""
        ctx = _cv_request.get()
        if pipeline.has_teardown(self, ctx):  # type: ignore[arg-type]
            bridge.drive_sync(pipeline.teardown(self, ctx, exc))  # type: ignore[arg-type]

    @overridable
    def do_teardown_appcontext(self, exc: BaseException | None = None) -> None:
        """Run ``teardown_appcontext`` functions (called when the app context ends)."""
        if pipeline.has_appcontext_teardown(self):  # type: ignore[arg-type]
            bridge.drive_sync(pipeline.teardown_appcontext(self, exc))  # type: ignore[arg-type]
