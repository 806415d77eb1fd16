"""Application and request contexts.

A request context is pushed for every request and carries the request, the
lazily opened session, flashed messages and ``after_this_request`` callbacks;
it pushes an application context (``current_app``, ``g``) when none for the
same app is active. Both live in context variables, so they follow the
request into asyncio tasks and, copied explicitly, into worker threads.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from collections.abc import Iterator
from types import TracebackType
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar
from typing import overload

from werkzeug.exceptions import HTTPException

from ..signals import appcontext_popped
from ..signals import appcontext_pushed
from ..signals import send as send_signal
from . import globals as _globals
from .state import RequestState

if TYPE_CHECKING:
    from werkzeug.routing import MapAdapter

    from ..wrappers.request import Request

# Plain names, not ``from`` imports, so that their method calls compile as
# method calls (see hipflask.contexts.globals).
_cv_app = _globals._cv_app
_cv_request = _globals._cv_request

F = TypeVar("F", bound=Callable[..., Any])
_SENTINEL: Any = object()


class _AppCtxGlobals:
    """The ``g`` object: a namespace for data that lives as long as the app context."""

    def __getattr__(self, name: str) -> Any:
        # Python asks only for a name the instance lacks (``getattr(g, "db",
        # None)``, ``hasattr``): raised at once, without a KeyError first,
        # as a miss is common and each exception costs.
        raise AttributeError(name)

    if TYPE_CHECKING:
        # Declared for type checkers only, so that ``g.user = ...`` checks
        # under mypy; at runtime plain attribute assignment stays as fast.
        def __setattr__(self, name: str, value: Any) -> None: ...

        def __delattr__(self, name: str) -> None: ...

    def get(self, name: str, default: Any = None) -> Any:
        """Return an attribute, or ``default`` when it is not set."""
        return self.__dict__.get(name, default)

    def pop(self, name: str, default: Any = _SENTINEL) -> Any:
        """Remove and return an attribute; ``KeyError`` without a default."""
        if default is _SENTINEL:
            return self.__dict__.pop(name)
        return self.__dict__.pop(name, default)

    def setdefault(self, name: str, default: Any = None) -> Any:
        """Return an attribute, setting it to ``default`` first when missing."""
        return self.__dict__.setdefault(name, default)

    def __contains__(self, item: str) -> bool:
        return item in self.__dict__

    def __iter__(self) -> Iterator[str]:
        return iter(self.__dict__)

    def __repr__(self) -> str:
        ctx = _cv_app.get(None)
        if ctx is not None:
            return f"<hipflask.g of '{ctx.app.name}'>"
        return object.__repr__(self)


class _FirstUseGlobals:
    """The context's ``g``, made from ``app.app_ctx_globals_class`` when first read.

    Most requests never read ``g``; making it on first use rather than at
    every push spares them an object made and freed. Assigning ``g``
    replaces it, as with Flask. Two threads sharing the context
    (``copy_current_request_context``) that read it first at the same time
    get the same one: the first stored is kept.
    """

    # A descriptor of its own rather than a lazy attribute: every render puts
    # ``g`` in the template's context, and the generic one calls a getter
    # from its ``__get__``, a second Python call. Without ``__set__`` it is
    # not asked again once ``g`` is in the instance's ``__dict__``.

    @overload
    def __get__(self, ctx: None, owner: type | None = None) -> _FirstUseGlobals: ...

    @overload
    def __get__(self, ctx: AppContext, owner: type | None = None) -> _AppCtxGlobals: ...

    def __get__(self, ctx: AppContext | None, owner: type | None = None) -> Any:
        if ctx is None:
            return self
        made = ctx.app.app_ctx_globals_class()
        return ctx.__dict__.setdefault("g", made)


class AppContext:
    """The application context: ``current_app`` and ``g``.

    Pushed automatically for each request and CLI command; push one yourself
    with ``with app.app_context():`` in scripts and tests.
    """

    #: The URL map bound to this context, made on first use.
    url_adapter: MapAdapter | None = None

    def __init__(self, app: Any) -> None:
        self.app = app
        self.url_adapter: MapAdapter | None = None
        self._tokens: list[contextvars.Token[AppContext]] = []

    @classmethod
    def _for_request(cls, app: Any) -> AppContext:
        """A fresh context, as ``cls(app)`` makes it, without the ``__init__`` call.

        Made on every request; calling a class with a Python ``__init__``
        costs more than the few assignments it does.
        """
        if cls.__init__ is not AppContext.__init__:
            return cls(app)
        self = object.__new__(cls)
        self.app = app
        self._tokens = []
        return self

    g = _FirstUseGlobals()

    def push(self) -> None:
        """Make this context current; pushes nest."""
        self._tokens.append(_cv_app.set(self))
        if appcontext_pushed.receivers:
            send_signal(appcontext_pushed, self.app)

    def pop(self, exc: BaseException | None = _SENTINEL, *, teardown: bool = True) -> None:
        """Leave this context, running ``teardown_appcontext`` on the last pop."""
        try:
            if len(self._tokens) == 1 and teardown:
                if exc is _SENTINEL:
                    exc = None
                self.app.do_teardown_appcontext(exc)
        finally:
            ctx = _cv_app.get(None)
            if ctx is not self:
                raise AssertionError(f"Popped wrong app context ({ctx!r} instead of {self!r})")
            _cv_app.reset(self._tokens.pop())
        if appcontext_popped.receivers:
            send_signal(appcontext_popped, self.app)

    def __enter__(self) -> AppContext:
        self.push()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.pop(exc_value)

    async def __aenter__(self) -> AppContext:
        """``async with app.app_context():`` in a coroutine (a task started from a view)."""
        self.push()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # The teardown functions are awaited on this loop: an async one (the
        # database's, closing an async session) cannot be run synchronously
        # from inside it, as ``with`` would have to.
        if len(self._tokens) == 1:
            try:
                await self.app._teardown_appcontext_async(exc_value)
            finally:
                self.pop(exc_value, teardown=False)
        else:
            self.pop(exc_value)


class RequestContext:
    """The request context: ``request``, ``session``, flashes, per-request callbacks.

    The session is opened on first access only, so requests that never touch
    it never parse or verify a cookie.
    """

    __slots__ = (
        "_after_request_functions",
        "_app_ctx",
        "_chain",
        "_cv_tokens",
        "_deferred",
        "_session",
        "app",
        "flashes",
        "request",
        "state",
        "url_adapter",
    )

    def __init__(
        self,
        app: Any,
        request: Request,
        session: Any = None,
        *,
        state: RequestState | None = None,
    ) -> None:
        self.app = app
        self.request = request
        self._session = session
        #: Typed per-request state (see :mod:`hipflask.contexts.state`).
        self.state = state if state is not None else RequestState()
        self.flashes: list[tuple[str, str]] | None = None
        self.url_adapter: MapAdapter | None = None
        self._after_request_functions: list[Callable[[Any], Any]] | None = None
        self._app_ctx: AppContext | None = None
        # The app's flattened hook lists for this request's blueprint chain.
        self._chain: Any = None
        self._cv_tokens: list[tuple[contextvars.Token[RequestContext], AppContext | None]] = []
        # Streams wrapped by stream_with_context that will run teardown later.
        self._deferred = 0

    @classmethod
    def _for_request(cls, app: Any, request: Request, state: RequestState) -> RequestContext:
        """What ``cls(app, request, state=state)`` makes, without the ``__init__`` call.

        The serve path makes one per request; see :meth:`AppContext._for_request`.
        """
        if cls.__init__ is not RequestContext.__init__:
            return cls(app, request, state=state)
        self = object.__new__(cls)
        self.app = app
        self.request = request
        self._session = None
        self.state = state
        self.flashes = None
        self.url_adapter = None
        self._after_request_functions = None
        self._app_ctx = None
        self._chain = None
        self._cv_tokens = []
        self._deferred = 0
        return self

    @property
    def session(self) -> Any:
        """The session, opened through the app's session interface on first use."""
        session = self._session
        if session is None:
            session = self._session = self.app._open_session(self.request)
        return session

    @session.setter
    def session(self, value: Any) -> None:
        self._session = value

    @property
    def pushed_app_context(self) -> bool:
        """Whether the innermost push of this context also pushed an app context."""
        return bool(self._cv_tokens) and self._cv_tokens[-1][1] is not None

    @property
    def session_opened(self) -> bool:
        """Whether anything touched the session during this request."""
        return self._session is not None

    def push(self) -> None:
        """Make this request current, with an app context for its app."""
        app_ctx = _cv_app.get(None)
        if app_ctx is None or app_ctx.app is not self.app:
            # Re-pushing a preserved context (test client) keeps its ``g``.
            app_ctx = self._app_ctx
            if app_ctx is None:
                app_ctx = AppContext._for_request(self.app)
            if appcontext_pushed.receivers:
                app_ctx.push()
            else:
                # AppContext.push without the signal nobody listens to.
                app_ctx._tokens.append(_cv_app.set(app_ctx))
            pushed: AppContext | None = app_ctx
        else:
            pushed = None
        self._app_ctx = app_ctx
        self._cv_tokens.append((_cv_request.set(self), pushed))

    def pop(self, exc: BaseException | None = _SENTINEL, *, teardown: bool = True) -> None:
        """Leave this request; on the last pop run teardown and close the request.

        ``teardown=False`` is used by the async pipeline, which has already
        awaited the teardown functions itself.
        """
        is_last = len(self._cv_tokens) == 1
        # A stream_with_context body still needs the request: its end runs teardown.
        teardown = teardown and self._deferred == 0
        if exc is _SENTINEL:
            exc = None
        try:
            if is_last and teardown:
                self.app.do_teardown_request(exc)
            if is_last and self._deferred == 0:
                self.request.close()
        finally:
            token, app_ctx = self._cv_tokens.pop()
            _cv_request.reset(token)
            if app_ctx is not None:
                if teardown or appcontext_popped.receivers or _cv_app.get(None) is not app_ctx:
                    app_ctx.pop(exc, teardown=teardown)
                else:
                    # AppContext.pop with nothing to tear down and nobody to tell.
                    _cv_app.reset(app_ctx._tokens.pop())

    def match_request(self) -> None:
        """Route the request through the URL map, as Flask's request context does.

        Sets ``request.url_rule`` and ``request.view_args``, or records the
        routing error (404, 405, a redirect) on ``request.routing_exception``.
        The app has already routed the request when this context was made;
        call this after changing the request or the URL map to route it
        again. It binds :attr:`url_adapter` from ``app.create_url_adapter``
        on first use.
        """
        request = self.request
        try:
            if self.url_adapter is None:
                self.url_adapter = self.app.create_url_adapter(request)
            if self.url_adapter is not None:
                # Werkzeug types the arguments as a Mapping; they are a fresh dict.
                matched = self.url_adapter.match(return_rule=True)
                request.url_rule, request.view_args = matched  # type: ignore[assignment]
        except HTTPException as exc:
            request.routing_exception = exc

    def copy(self) -> RequestContext:
        """A new context for the same request and session (for another thread).

        The session is opened here if nothing touched it yet, so that both
        contexts share one session object: changes made in the other thread
        are then saved with this request's response.
        """
        return self.__class__(self.app, self.request, self.session, state=self.state)

    def __enter__(self) -> RequestContext:
        self.push()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.pop(exc_value)

    def __repr__(self) -> str:
        return f"<RequestContext {self.request.url!r} [{self.request.method}]>"


def has_request_context() -> bool:
    """Whether a request context is active (so ``request`` can be used)."""
    return _cv_request.get(None) is not None


def has_app_context() -> bool:
    """Whether an application context is active (so ``current_app`` can be used)."""
    return _cv_app.get(None) is not None


def after_this_request(f: F) -> F:
    """Run ``f(response)`` after this request's view, before ``after_request`` hooks.

    For a view that wants to change its own response without a global hook,
    e.g. set a cookie from deep inside a helper.
    """
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "'after_this_request' can only be used when a request context is active,"
            " such as in a view function."
        )
    if ctx._after_request_functions is None:
        ctx._after_request_functions = []
    ctx._after_request_functions.append(f)
    return f


def copy_current_request_context(f: F) -> F:
    """Decorate ``f`` so that it runs in a copy of the current request context.

    For work handed to another thread or greenlet that still needs ``request``
    and ``session``.
    """
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "'copy_current_request_context' can only be used when a request context"
            " is active, such as in a view function."
        )
    copied = ctx.copy()

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with copied:
            return copied.app.ensure_sync(f)(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
