"""The per-request steps, written once for both protocols.

Each step is a generator: it calls hooks and the view directly and, only when
one of them returns a coroutine, *yields* it. A driver resumes the generator
with the result: the sync driver runs the coroutine on the thread's own
event loop (WSGI, or sync views under ASGI), the async driver awaits it (ASGI
with an async view). A request with only sync code never yields, so the cost
of supporting ``async def`` is one generator frame.

The hook lists a request needs are flattened once per blueprint chain
(:class:`Chain`), so the per-request work is iterating a few tuples that are
usually empty.

Order, as in Flask: push context → security gate checks → url value
preprocessors → before_request
→ view → make_response → after_this_request → after_request → save session →
security gate finishers → (adapter writes) → teardown.
"""

from __future__ import annotations

from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Generator
from inspect import iscoroutinefunction
from logging import ERROR
from types import CoroutineType
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.exceptions import BadRequestKeyError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError
from werkzeug.routing import RequestRedirect
from werkzeug.routing import RoutingException

from .. import signals
from ..sessions.base import untouched
from ..sessions.base import wants_refresh
from ..stores.unavailable import StoreUnavailable
from . import errorpages
from .gate_hooks import after_gate_answer
from .gate_hooks import every_response as every_response
from .handler_marks import answers_codeless
from .handler_marks import answers_codeless_errors as answers_codeless_errors
from .handler_marks import app_error_handler as app_error_handler
from .handler_marks import stands_in_for as stands_in_for
from .leftovers import note_flask_context_leftover

if TYPE_CHECKING:
    from blinker import NamedSignal

    from ..contexts.ctx import RequestContext
    from ..wrappers.response import Response
    from .app import Hipflask

Step = Generator[Awaitable[Any], Any, Any]


class Chain:
    """The hooks that apply to one blueprint chain, in call order."""

    __slots__ = (
        "after_request",
        "before_request",
        "before_view",
        "blueprints",
        "has_user_hooks",
        "teardown_request",
        "tears_down",
        "url_value_preprocessors",
    )

    def __init__(self, app: Hipflask, blueprint: str | None) -> None:
        blueprints: tuple[str, ...] = ()
        if blueprint is not None:
            parts = blueprint.split(".")
            blueprints = tuple(".".join(parts[:i]) for i in range(len(parts), 0, -1))
        self.blueprints = blueprints
        # App first, then outer blueprint to inner: the innermost runs last.
        outer_first = (None, *reversed(blueprints))
        # Inner blueprint first, each list newest first; the app's come last.
        inner_first = (*blueprints, None)
        self.url_value_preprocessors = tuple(
            func for name in outer_first for func in app.url_value_preprocessors.get(name, ())
        )
        self.before_request = tuple(
            func for name in outer_first for func in app.before_request_funcs.get(name, ())
        )
        self.after_request = tuple(
            func for name in inner_first for func in reversed(app.after_request_funcs.get(name, ()))
        )
        self.teardown_request = tuple(
            func
            for name in inner_first
            for func in reversed(app.teardown_request_funcs.get(name, ()))
        )
        self.has_user_hooks = bool(
            self.url_value_preprocessors or self.before_request or self.after_request
        )
        #: Something runs before the view (preprocessors, before_request).
        self.before_view = bool(self.url_value_preprocessors or self.before_request)
        #: Something runs at teardown: the chain's teardown_request functions
        #: or the app's teardown_appcontext ones (fixed, as the chain is, once
        #: the app serves).
        self.tears_down = bool(self.teardown_request or app.teardown_appcontext_funcs)


def _chain(app: Hipflask, ctx: RequestContext) -> Chain:
    chain: Chain | None = ctx._chain
    if chain is None:
        chain = ctx._chain = app._chain(ctx.request.blueprint)
    return chain


def _awaited(rv: Any) -> bool:
    return type(rv) is CoroutineType


def _as_is(func: Callable[..., Any]) -> Callable[..., Any]:
    return func


def _send(signal: NamedSignal, app: Hipflask, **kwargs: Any) -> Step:
    """Send a signal; async receivers are awaited through the driver.

    Blinker passes each async receiver through ``_async_wrapper``; returning
    it unchanged makes the call give back its coroutine, which is yielded like
    an async hook's. Wrapping it to run synchronously instead would fail on
    the server's event loop, where async views run under ASGI.
    """
    for _receiver, rv in signal.send(app, _async_wrapper=_as_is, **kwargs):
        if _awaited(rv):
            yield rv


def handle(app: Hipflask, ctx: RequestContext) -> Step:
    """The whole request: dispatch, and turn any escaping error into a 500.

    Returns ``(response, error)``: the error that became the 500 is passed on
    to the teardown functions, which must see it even though it was answered.
    Where the app overrides one of Flask's pipeline methods (a subclass or an
    instance attribute), that method is called instead of the step; the set
    of overrides is fixed when the first request arrives.
    """
    overrides = app._overrides
    try:
        if overrides and "full_dispatch_request" in overrides:
            return (yield from _call(app.full_dispatch_request())), None
        return (yield from full_dispatch(app, ctx)), None
    except Exception as exc:
        if overrides and "handle_exception" in overrides:
            return (yield from _call(app.handle_exception(exc))), exc
        return (yield from handle_exception(app, ctx, exc)), exc


def full_dispatch(app: Hipflask, ctx: RequestContext) -> Step:
    """Gate, hooks, view, and the response; user errors go to the error handlers."""
    if not app._got_first_request:
        yield from app._run_first_request_hooks(ctx)
    if signals.request_started.receivers:
        yield from _send(signals.request_started, app)
    overrides = app._overrides
    try:
        gate = app.gate
        if overrides or app._async_sessions or not gate.is_simple:
            rv = yield from _before_view(app, ctx, overrides)
        else:
            # The common case, with nothing registered or replaced.
            gate.check(ctx.request, ctx.state)
            chain = _chain(app, ctx)
            rv = None
            if chain.url_value_preprocessors or chain.before_request:
                rv = yield from preprocess(app, ctx)
        if rv is None:
            if overrides and "dispatch_request" in overrides:
                rv = yield from _call(app.dispatch_request())
            else:
                rv = yield from dispatch(app, ctx)
    except Exception as exc:
        if overrides and "handle_user_exception" in overrides:
            rv = yield from _call(app.handle_user_exception(exc))
        else:
            rv = yield from handle_user_exception(app, ctx, exc)
    if overrides and "finalize_request" in overrides:
        return (yield from _call(app.finalize_request(rv)))
    return (yield from finalize(app, ctx, rv))


def _before_view(app: Hipflask, ctx: RequestContext, overrides: frozenset[str] | None) -> Step:
    """Session (when it must be opened on the loop), the gate, then the request hooks.

    A session interface opened here that refuses (a store's 503) answers
    before any ``before_request`` hook, as the gate does: its answer is
    marked so (``RequestState.answered_by_gate``), and an ``after_request``
    hook failing on it leaves it a 503, not a 500.
    """
    if app._async_sessions:
        try:
            yield from open_session_async(app, ctx)
        except HTTPException:
            ctx.state.answered_by_gate = True
            raise
    gate = app.gate
    if gate.is_simple:
        gate.check(ctx.request, ctx.state)
        rv = None
    else:
        rv = yield from gate.run_checks(ctx.request, ctx.state)
    if rv is not None:
        return rv
    if overrides and "preprocess_request" in overrides:
        return (yield from _call(app.preprocess_request()))
    chain = _chain(app, ctx)
    if chain.url_value_preprocessors or chain.before_request:
        return (yield from preprocess(app, ctx))
    return None


def _call(rv: Any) -> Step:
    """The value an overridden method returned, awaited if it is a coroutine."""
    if _awaited(rv):
        rv = yield rv
    return rv


def open_session_async(app: Hipflask, ctx: RequestContext) -> Step:
    """Open an async-capable session before anything can touch it.

    The ``session`` proxy is synchronous and cannot await, so a session
    interface with ``open_session_async`` (or an ``async def open_session``)
    is opened here, eagerly: on the event loop through its async method,
    elsewhere only when ``open_session`` itself is a coroutine (an async view
    under WSGI runs on its thread's loop, where opening it lazily could not
    wait). A sync ``open_session`` off the loop stays lazy.
    """
    if ctx._session is not None:
        return
    interface = app.session_interface
    if ctx.state.on_loop:
        opener = getattr(interface, "open_session_async", None) or interface.open_session
    elif iscoroutinefunction(interface.open_session):
        opener = interface.open_session
    else:
        return
    session = yield opener(app, ctx.request)
    ctx._session = session if session is not None else interface.make_null_session(app)


def preprocess(app: Hipflask, ctx: RequestContext) -> Step:
    """URL value preprocessors and ``before_request``; a returned value short-circuits."""
    request = ctx.request
    chain = _chain(app, ctx)
    for preprocessor in chain.url_value_preprocessors:
        pending: Any = preprocessor(request.endpoint, request.view_args)
        if _awaited(pending):
            # An ``async def`` preprocessor, as every request hook may be.
            yield pending
    for hook in chain.before_request:
        rv = hook()
        if _awaited(rv):
            rv = yield rv
        if rv is not None:
            return rv
    return None


def dispatch(app: Hipflask, ctx: RequestContext) -> Step:
    """Call the view (or raise the routing error, or answer OPTIONS)."""
    request = ctx.request
    if request.routing_exception is not None:
        app.raise_routing_exception(request)
    rule = request.url_rule
    if getattr(rule, "provide_automatic_options", False) and request.method == "OPTIONS":
        return app.make_default_options_response()
    rv = app.view_functions[rule.endpoint](**request.view_args)  # type: ignore[union-attr, arg-type]
    if _awaited(rv):
        rv = yield rv
    return rv


def finalize(app: Hipflask, ctx: RequestContext, rv: Any, from_error_handler: bool = False) -> Step:
    """Make the response and run the response hooks.

    A failure here after an error handler already ran is logged and the
    error response is sent anyway: failing twice must not lose the response.
    It still gets the finishers the failure came before: the policy
    headers (``nosniff``, the CSP and the rest) and the suites' (a view's
    own Talisman policy, CORS), without running again the hook or finisher
    that failed (:meth:`~hipflask.security.gate.SecurityGate.finish_after_failure`).
    """
    response = app.make_response(rv)
    if from_error_handler and ctx.state.failed_finisher is not None:
        ctx.state.failed_finisher = None  # the failure of the page this one replaces
    processed = False
    try:
        overrides = app._overrides
        if overrides and "process_response" in overrides:
            response = yield from _call(app.process_response(response))
        else:
            response = yield from process_response(app, ctx, response)
        processed = True
        if signals.request_finished.receivers:
            yield from _send(signals.request_finished, app, response=response)
    except Exception:
        if not from_error_handler:
            raise
        # Imported here: the app module imports this one.
        from .app import log_from_app

        log_from_app(
            app.logger,
            ERROR,
            "Request finalizing failed with an error while handling an error",
            exc_info=True,
        )
        yield from app.gate.finish_after_failure(
            ctx.request, response, ctx.state, _report_finisher(app), finished=processed
        )
    return response


def _report_finisher(app: Hipflask) -> Callable[[str], None]:
    def report(name: str) -> None:
        from .app import log_from_app

        log_from_app(
            app.logger, ERROR, "The finisher %r failed on an error response", name, exc_info=True
        )

    return report


def process_response(app: Hipflask, ctx: RequestContext, response: Response) -> Step:
    """``after_this_request``, ``after_request``, session save, the gate's finishers.

    On what the gate answered in the app's stead (whatever one of its
    checks refused or answered: see ``RequestState.answered_by_gate``) the
    app's ``after_request`` hooks run as in Flask, but one that fails there
    is logged and leaves the answer as it was (:mod:`.gate_hooks`) rather
    than turning it into a 500.
    """
    if ctx._after_request_functions:
        for func in ctx._after_request_functions:
            rv = func(response)
            response = (yield rv) if _awaited(rv) else rv
    hooks = _chain(app, ctx).after_request
    if ctx.state.answered_by_gate:
        if hooks:
            response = yield from after_gate_answer(app, hooks, response)
    else:
        for hook in hooks:
            rv = hook(response)
            response = (yield rv) if _awaited(rv) else rv
    session = ctx._session
    if session is None:
        if wants_refresh(app, ctx.request, response):
            yield from refresh_session(app, ctx, response)
    elif app._async_sessions:
        yield from save_session(app, ctx, response)
    else:
        interface = app.session_interface
        if not interface.is_null_session(session):
            interface.save_session(app, session, response)
    gate = app.gate
    if gate.is_simple:
        gate.finish(ctx.request, response, ctx.state)
    else:
        yield from gate.run_finishers(ctx.request, response, ctx.state)
    return response


def save_session(app: Hipflask, ctx: RequestContext, response: Response) -> Step:
    """Save the session; an async-capable interface is awaited on the loop."""
    interface = app.session_interface
    session = ctx._session
    if interface.is_null_session(session):
        return
    saver = None
    if ctx.state.on_loop:
        saver = getattr(interface, "save_session_async", None)
    rv = (saver or interface.save_session)(app, session, response)
    if _awaited(rv):
        yield rv


def refresh_session(app: Hipflask, ctx: RequestContext, response: Response) -> Step:
    """Open and save, to renew it, a session the request never touched.

    An interface with async methods is awaited on the event loop. A sync
    one runs where the request runs, except on the loop: there any
    interface but the stock signed-cookie one, which does no I/O, runs in a
    worker thread, so that a store's round trip never stalls the loop (a
    view that touches the session chose that cost; a page that does not,
    did not).
    """
    if app._async_sessions:
        yield from open_session_async(app, ctx)
        ctx.session  # noqa: B018 - opened here if the interface opens lazily
        yield from save_session(app, ctx, response)
        untouched(ctx.session)
    elif ctx.state.on_loop and session_io(app.session_interface):
        yield app._threads.run(refresh_now, app, ctx, response)
    else:
        refresh_now(app, ctx, response)


def refresh_now(app: Hipflask, ctx: RequestContext, response: Response) -> None:
    """:func:`refresh_session` for a sync interface, where the request runs."""
    session = ctx.session
    interface = app.session_interface
    if not interface.is_null_session(session):
        interface.save_session(app, session, response)
        untouched(session)


def session_io(interface: Any) -> bool:
    """Whether opening or saving a session with ``interface`` may wait on I/O.

    Only the stock signed-cookie interface's own methods are known not to.
    """
    from ..sessions.cookie import SecureCookieSessionInterface

    cls = type(interface)
    return (
        getattr(cls, "open_session", None) is not SecureCookieSessionInterface.open_session
        or getattr(cls, "save_session", None) is not SecureCookieSessionInterface.save_session
    )


def handle_user_exception(app: Hipflask, ctx: RequestContext, exc: Exception) -> Step:
    """Find a handler for an error raised by a hook or view; re-raise if none."""
    if isinstance(exc, BadRequestKeyError) and (app.debug or app.config["TRAP_BAD_REQUEST_ERRORS"]):
        exc.show_exception = True
    if isinstance(exc, HTTPException) and not app.trap_http_exception(exc):
        overrides = app._overrides
        if overrides and "handle_http_exception" in overrides:
            return (yield from _call(app.handle_http_exception(exc)))
        return (yield from handle_http_exception(app, ctx, exc))
    note_flask_context_leftover(exc)
    handler = app._find_error_handler(exc, ctx.request.blueprints)
    if handler is None:
        raise exc
    rv = handler(exc)
    if _awaited(rv):
        rv = yield rv
    return rv


def handle_http_exception(app: Hipflask, ctx: RequestContext, exc: HTTPException) -> Step:
    """Run the handler for an HTTP error, or return the error as the response."""
    if isinstance(exc, RoutingException):
        return exc
    handler = app._find_error_handler(exc, ctx.request.blueprints)
    if handler is None or (exc.code is None and not answers_codeless(handler)):
        return exc
    rv = handler(exc)
    if _awaited(rv):
        rv = yield rv
    return rv


def handle_exception(app: Hipflask, ctx: RequestContext, exc: Exception) -> Step:
    """An unhandled error: signal, log, and answer 500 (or propagate in tests/debug).

    A session store that failed while the response was being saved is not
    a bug of the app's: its 503 goes to the app's error handlers, as it does
    when the store fails while a view opens the session.
    """
    if isinstance(exc, StoreUnavailable):
        rv = yield from handle_http_exception(app, ctx, exc)
        return (yield from finalize(app, ctx, rv, from_error_handler=True))
    if signals.got_request_exception.receivers:
        yield from _send(signals.got_request_exception, app, exception=exc)
    propagate = app.config["PROPAGATE_EXCEPTIONS"]
    if propagate is None:
        propagate = app.testing or app.debug
    if propagate:
        raise exc
    request_id = errorpages.current_request_id()
    app.log_exception((type(exc), exc, exc.__traceback__))
    server_error: Any = InternalServerError(original_exception=exc)
    handler = app._find_error_handler(server_error, ctx.request.blueprints)
    if handler is not None:
        server_error = handler(server_error)
        if _awaited(server_error):
            server_error = yield server_error
    else:
        # No traceback, path or exception text: the id the log line carries.
        server_error = errorpages.server_error_page(app.response_class, app.json, request_id)
    return (yield from finalize(app, ctx, server_error, from_error_handler=True))


def has_teardown(app: Hipflask, ctx: RequestContext) -> bool:
    """Whether :func:`teardown` has anything to run: most apps have nothing."""
    return bool(_chain(app, ctx).teardown_request or signals.request_tearing_down.receivers)


def has_appcontext_teardown(app: Hipflask) -> bool:
    """Whether :func:`teardown_appcontext` has anything to run."""
    return bool(app.teardown_appcontext_funcs or signals.appcontext_tearing_down.receivers)


def has_finish_work(app: Hipflask, ctx: RequestContext) -> bool:
    """Whether :func:`finish_request` has anything to run."""
    return has_teardown(app, ctx) or (ctx.pushed_app_context and has_appcontext_teardown(app))


def finish_request(app: Hipflask, ctx: RequestContext, exc: BaseException | None) -> Step:
    """The one teardown driver: request teardown, then the app context's.

    The app context's functions run only when this request pushed that
    context; a request inside an outer ``with app.app_context():`` leaves
    them to the outer block.
    """
    try:
        if has_teardown(app, ctx):
            yield from teardown(app, ctx, exc)
    finally:
        # Even when a teardown_request function raised, as
        # RequestContext.pop runs them (a database session is still closed).
        if ctx.pushed_app_context and has_appcontext_teardown(app):
            yield from teardown_appcontext(app, exc)


def teardown(app: Hipflask, ctx: RequestContext, exc: BaseException | None) -> Step:
    """``teardown_request`` functions and the ``request_tearing_down`` signal."""
    for func in _chain(app, ctx).teardown_request:
        rv = func(exc)
        if _awaited(rv):
            yield rv
    if signals.request_tearing_down.receivers:
        yield from _send(signals.request_tearing_down, app, exc=exc)


def teardown_appcontext(app: Hipflask, exc: BaseException | None) -> Step:
    """``teardown_appcontext`` functions, newest first."""
    for func in reversed(app.teardown_appcontext_funcs):
        rv = func(exc)
        if _awaited(rv):
            yield rv
    if signals.appcontext_tearing_down.receivers:
        yield from _send(signals.appcontext_tearing_down, app, exc=exc)


def run_hooks(funcs: list[Callable[[], Any]]) -> Step:
    """Call argument-less hooks in order, awaiting the async ones."""
    for func in funcs:
        rv = func()
        if _awaited(rv):
            yield rv


__all__ = ["Chain", "RequestRedirect", "answers_codeless_errors", "every_response", "handle"]
