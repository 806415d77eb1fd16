"""The direct path: a request of an app that uses none of the pipeline's extras.

Most requests of most apps need only: push the context, the security
gate's checks, the request hooks, the view, the response, the response
hooks, the session save when the view touched the session, the gate's
finishers, the teardown functions, pop. The general pipeline
(:mod:`hipflask.core.pipeline`) does the same through generators and a
driver, and supports more (overridden pipeline methods, session interfaces
awaited on the loop, signal receivers, a test client keeping the context);
for a request that needs none of that, the machinery was most of the
framework's cost.

:func:`plain_chain` decides, per request and from attributes only, whether
the direct path may serve it; :func:`run_sync` and :func:`run_async` then
do exactly what the pipeline would do for it, in straight-line code. Errors
leave for the pipeline's own error steps at once, so error handlers, logging
and the 500 page behave identically either way.

:func:`enter`, :func:`finish_plain` and :func:`leave` do in line what
``RequestContext.push``, :func:`respond` and ``RequestContext.pop`` do for
the usual request (no app context current, no signal receiver, a response
with only its body headers to a request without credentials), and call
them for anything else. :mod:`hipflask.core.wsgi_direct` writes the three
in its own frame.
"""

from __future__ import annotations

from types import CoroutineType
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.exceptions import NotFound

from .. import signals
from ..contexts import globals as _globals
from ..contexts.ctx import AppContext
from ..contexts.ctx import RequestContext
from ..security.origin import SAFE_METHODS
from ..sessions.base import wants_refresh
from ..wrappers import layout
from ..wrappers.peek import credential_headers
from ..wrappers.request import Request
from . import bridge
from . import pipeline
from .errorpages import VARY_ACCEPT

if TYPE_CHECKING:
    from ..contexts.state import RequestState
    from ..wrappers.response import Response
    from .app import Hipflask

# Plain names, not ``from`` imports, so that their method calls compile as
# method calls (see hipflask.contexts.globals).
_cv_app = _globals._cv_app
_cv_request = _globals._cv_request

__all__ = [
    "endpoint_chain",
    "enter",
    "finish",
    "finish_plain",
    "finish_response",
    "leave",
    "plain_chain",
    "preprocess_async",
    "preprocess_sync",
    "recover",
    "respond",
    "run_async",
    "run_sync",
    "serve_plain",
]

_request_started = signals.request_started
_request_finished = signals.request_finished
_request_tearing_down = signals.request_tearing_down
_appcontext_tearing_down = signals.appcontext_tearing_down
_appcontext_pushed = signals.appcontext_pushed
_appcontext_popped = signals.appcontext_popped
_CLOSE = Request.close
_NO_CREDENTIALS = (None, None)
#: ``object.__new__``, without looking ``__new__`` up on the class each time.
_new = object.__new__


def plain_chain(app: Hipflask, request: Request, state: RequestState) -> pipeline.Chain | None:
    """The request's hook chain when the direct path may serve it, else ``None``.

    It may when the app has served its first request (so its hooks are
    fixed and its overrides known), replaces no pipeline method and has no
    receiver for the request signals, and its session interface is used
    through its sync methods here (off the event loop, an interface with
    async versions as well). Request hooks, teardown functions and the
    security gate's added checks and finishers (what extensions register:
    a database's ``teardown_appcontext``, a login's response hooks and
    gate checks) are run by the direct path too. A test client keeping the
    context takes the general path.
    """
    if (
        app._overrides
        or app._overrides is None
        or not app._got_first_request
        # An interface with async methods is awaited on the loop; elsewhere
        # its sync methods serve, unless it has only coroutines.
        or (app._async_sessions and (state.on_loop or app._coroutine_sessions))
        or state.preserve_context is not None
        or _request_started.receivers
        or _request_finished.receivers
        or _request_tearing_down.receivers
        or _appcontext_tearing_down.receivers
    ):
        return None
    rule = request.url_rule
    endpoint = rule.endpoint if rule is not None else None
    blueprint = endpoint.rpartition(".")[0] or None if endpoint is not None else None
    chain = app._chains.get(blueprint)
    if chain is None:
        chain = app._chain(blueprint)
    return chain


def endpoint_chain(app: Hipflask, endpoint: str) -> pipeline.Chain | None:
    """The kept chain of ``endpoint``'s blueprint, or ``None`` (none kept yet).

    Found, it is kept by endpoint too (``app._endpoint_chains``), so that
    the direct paths find a request's chain with one lookup.
    """
    chain = app._chains.get(endpoint.rpartition(".")[0] or None)
    if chain is not None:
        app._endpoint_chains[endpoint] = chain
    return chain


Step = pipeline.Step


def respond(app: Hipflask, ctx: RequestContext, rv: Any) -> Response:
    """``finalize`` for the direct path: the response, the session, the gate's headers."""
    return finish_response(app, ctx, app.make_response(rv))


def finish_response(
    app: Hipflask, ctx: RequestContext, response: Response, finishers: bool = True
) -> Response:
    """:func:`respond` for the response ``app.make_response`` has already made.

    With ``finishers=False`` a gate with suites' finishers is left to the
    caller (:func:`run_async`, which awaits their async versions).
    """
    request = ctx.request
    credentials = None
    session = ctx._session
    if session is not None:
        interface = app.session_interface
        if not interface.is_null_session(session):
            interface.save_session(app, session, response)
    else:
        # Read once for the refresh check and the cache-safety finisher: the
        # refresh (a session save) changes nothing they read.
        credentials = credential_headers(request)
        if credentials[1] and wants_refresh(app, request, response):
            # wants_refresh asks for the cookie too; asking here first spares
            # the usual cookieless request a call. On the event loop only for
            # an interface without I/O (see run_async).
            pipeline.refresh_now(app, ctx, response)
    gate = app.gate
    if gate.is_simple:
        gate.finish(request, response, ctx.state, ctx, credentials)
    elif finishers:
        # Suites' finishers too, in this thread.
        bridge.drive_sync(gate.run_finishers(request, response, ctx.state))
    return response


def _unhandled_not_found(app: Hipflask, request: Request, exc: Exception) -> bool:
    """Whether ``exc`` is the request's routing 404 with no handler and no trap.

    The error steps would then only return it as the response, so the
    direct path makes the response itself (the 404 page, the session, the
    gate's headers), as for a view's return value: a 404 is what scanners
    and stale links get, often by the thousand.
    """
    return (
        type(exc) is NotFound
        and exc is request.routing_exception
        and not app.trap_http_exception(exc)
        and app._find_error_handler(exc, ()) is None
    )


def _routing_error(app: Hipflask, request: Request) -> Any:
    """The request's routing error as the view's value when nothing handles it, else raised.

    Raised as the pipeline raises it (through ``raise_routing_exception``,
    which an app may replace) unless it is a 404 that the error steps would
    only return: raising it through two frames just to catch it costs the
    404 more than rendering its page.
    """
    exc = request.routing_exception
    if (
        exc is not None
        and getattr(app.raise_routing_exception, "_hipflask_default", False)
        and _unhandled_not_found(app, request, exc)
    ):
        return exc
    app.raise_routing_exception(request)
    return None  # pragma: no cover - it always raises


def recover(app: Hipflask, ctx: RequestContext, exc: Exception) -> Step:
    """What the pipeline does with an error raised by the gate or the view."""
    try:
        rv = yield from pipeline.handle_user_exception(app, ctx, exc)
        return (yield from pipeline.finalize(app, ctx, rv)), None
    except Exception as error:
        return (yield from pipeline.handle_exception(app, ctx, error)), error


def finish(app: Hipflask, ctx: RequestContext, rv: Any) -> Step:
    """The response when the view registered ``after_this_request`` callbacks."""
    try:
        return (yield from pipeline.finalize(app, ctx, rv)), None
    except Exception as error:
        return (yield from pipeline.handle_exception(app, ctx, error)), error


def run_sync(app: Hipflask, request: Request, state: RequestState) -> Response | None:
    """The whole request in this thread (WSGI, or a sync view's worker under ASGI).

    ``None`` when the direct path may not serve it (see :func:`plain_chain`).
    """
    chain = plain_chain(app, request, state)
    if chain is None:
        return None
    return serve_plain(app, request, state, chain)


def enter(
    app: Hipflask, request: Request, state: RequestState, chain: pipeline.Chain
) -> tuple[RequestContext, AppContext | None]:
    """Make and push the request's context (and its app context); ``(ctx, app_ctx)``.

    ``RequestContext.push`` in line when no app context is current (a
    server's thread or task) and nobody listens for the push: then
    ``app_ctx`` is the app context pushed here, for :func:`leave`. Else the
    method runs, and ``app_ctx`` is ``None``.
    """
    # RequestContext._for_request, without the call.
    ctx = _new(RequestContext)
    ctx.app = app
    ctx.request = request
    ctx._session = None
    ctx.state = state
    ctx.flashes = None
    ctx.url_adapter = None
    ctx._after_request_functions = None
    ctx._app_ctx = None
    ctx._chain = chain
    ctx._deferred = 0
    app_ctx = _cv_app.get(None)
    if app_ctx is None and not _appcontext_pushed.receivers:
        app_ctx = _new(AppContext)
        app_ctx.app = app
        app_ctx._tokens = [_cv_app.set(app_ctx)]
        ctx._app_ctx = app_ctx
        ctx._cv_tokens = [(_cv_request.set(ctx), app_ctx)]
        return ctx, app_ctx
    ctx._cv_tokens = []
    ctx.push()
    return ctx, None


def leave(
    ctx: RequestContext,
    app_ctx: AppContext | None,
    error: BaseException | None,
    teardown: bool = False,
) -> None:
    """Pop what :func:`enter` pushed: ``RequestContext.pop(error, teardown=teardown)``.

    In line when :func:`enter` pushed in line and the view left the contexts
    as it found them: then the chain's ``teardown_request`` functions run
    (with teardown), the request is closed, its context is left, the app's
    ``teardown_appcontext`` functions run, and the app context is left, as
    ``RequestContext.pop`` does it. :func:`plain_chain` made sure that no
    signal receiver and no replaced teardown method is there to call.
    """
    tokens = ctx._cv_tokens
    if (
        app_ctx is None
        or len(tokens) != 1
        or ctx._deferred
        or _appcontext_popped.receivers
        or _cv_app.get(None) is not app_ctx
    ):
        ctx.pop(error, teardown=teardown)
        return
    request = ctx.request
    fields = request.__dict__
    try:
        try:
            if teardown:
                for func in ctx._chain.teardown_request:
                    rv = func(error)
                    if type(rv) is CoroutineType:
                        bridge.run_coroutine(rv)
            if (
                # The class's is None: only a value set on the request counts.
                fields.get("routing_exception") is not None
                or fields.get("files")
                or "stream" in fields
                or type(request).close is not _CLOSE
            ):
                # Request.close has something to close, or is replaced.
                request.close()
        finally:
            # Left even if a teardown function or closing raised.
            _cv_request.reset(tokens.pop()[0])
    finally:
        try:
            if teardown:
                for func in reversed(ctx.app.teardown_appcontext_funcs):
                    rv = func(error)
                    if type(rv) is CoroutineType:
                        bridge.run_coroutine(rv)
        finally:
            _cv_app.reset(app_ctx._tokens.pop())


def finish_plain(
    app: Hipflask, ctx: RequestContext, response: Response, hooks: tuple[Any, ...] = ()
) -> Response:
    """:func:`finish_response`, the usual response finished in line.

    ``response`` is what ``app.make_response`` made of the view's value;
    ``hooks`` are the chain's ``after_request`` functions, run on it in
    this thread (:func:`run_async` runs them itself, awaiting the async
    ones). A response with only its constructor's headers, to a request
    that opened no session and sent no credential: the cache-safety
    finisher has nothing to mark, and the header policy appends its fixed
    tuple.
    """
    for hook in hooks:
        made: Any = hook(response)
        response = bridge.run_coroutine(made) if type(made) is CoroutineType else made
    listed = getattr(response.headers, "_list", None) if layout.FAST else None
    gate = app.gate
    pairs = gate.bare_headers
    request = ctx.request
    if (
        ctx._session is None
        and pairs is not None
        and gate.is_simple
        and type(listed) is list
        # Only the constructor's headers, or a stock error page's (they add
        # Vary: Accept, which neither finisher changes or depends on).
        and (len(listed) == 2 or (len(listed) == 3 and listed[2] is VARY_ACCEPT))
        and listed[0][0] == "Content-Type"
        and listed[1][0] == "Content-Length"
        # What the ASGI adapter found, unless a hook or the view replaced
        # the headers (credential_headers decides), else read the WSGI way.
        and credential_headers(request) == _NO_CREDENTIALS
    ):
        listed.extend(pairs[request.scheme == "https"])
        return response
    return finish_response(app, ctx, response)


def preprocess_sync(request: Request, chain: pipeline.Chain) -> Any:
    """``pipeline.preprocess`` in this thread, without a generator to drive.

    The URL value preprocessors, then the ``before_request`` hooks; the
    first value a hook returns, or ``None``. An ``async def`` hook runs on
    the thread's own loop, as the sync driver runs it.
    """
    for preprocessor in chain.url_value_preprocessors:
        pending: Any = preprocessor(request.endpoint, request.view_args)
        if type(pending) is CoroutineType:
            bridge.run_coroutine(pending)
    for hook in chain.before_request:
        rv: Any = hook()
        if type(rv) is CoroutineType:
            rv = bridge.run_coroutine(rv)
        if rv is not None:
            return rv
    return None


async def preprocess_async(request: Request, chain: pipeline.Chain) -> Any:
    """:func:`preprocess_sync` on the event loop, awaiting the async hooks."""
    for preprocessor in chain.url_value_preprocessors:
        pending: Any = preprocessor(request.endpoint, request.view_args)
        if type(pending) is CoroutineType:
            await pending
    for hook in chain.before_request:
        rv: Any = hook()
        if type(rv) is CoroutineType:
            rv = await rv
        if rv is not None:
            return rv
    return None


def serve_plain(  # noqa: C901 - one frame on the hot path, as wsgi_direct.handle
    app: Hipflask, request: Request, state: RequestState, chain: pipeline.Chain
) -> Response:
    """The request :func:`plain_chain` allowed, in this thread, from context push to pop."""
    ctx, app_ctx = enter(app, request, state, chain)
    error: BaseException | None = None
    response: Response
    try:
        try:
            # The gate's check, the request hooks, the routing error if any,
            # the view (or the automatic OPTIONS).
            method = request.method
            gate = app.gate
            rv: Any = None
            if not gate.is_simple:
                # Suites' checks too (a login's, a rate limit's); one may answer.
                rv = bridge.drive_sync(gate.run_checks(request, state))
            elif not (
                gate.passes_safe_methods and method in SAFE_METHODS and not request.trusted_hosts
            ):
                gate.check(request, state)
            if rv is None and chain.before_view:
                rv = preprocess_sync(request, chain)
            if rv is not None:
                pass
            elif request.routing_exception is not None:
                rv = _routing_error(app, request)
            elif request.method == "OPTIONS" and getattr(
                request.url_rule, "provide_automatic_options", False
            ):
                rv = app.make_default_options_response()
            else:
                view_args = request.view_args
                view = app.view_functions[request.url_rule.endpoint]  # type: ignore[union-attr]
                # A static route's view with a plain call, which CPython inlines.
                rv = view(**view_args) if view_args else view()
            if type(rv) is CoroutineType:
                rv = bridge.run_coroutine(rv)
        except Exception as exc:
            if not _unhandled_not_found(app, request, exc):
                response, error = bridge.drive_sync(recover(app, ctx, exc))
                return response
            rv = exc
        if ctx._after_request_functions or state.answered_by_gate:
            # Callbacks the view registered, or what the gate answered in
            # the app's stead (its response hooks run guarded: gate_hooks).
            response, error = bridge.drive_sync(finish(app, ctx, rv))
            return response
        try:
            return finish_plain(app, ctx, app.make_response(rv), chain.after_request)
        except Exception as exc:
            error = exc
            response = bridge.drive_sync(pipeline.handle_exception(app, ctx, exc))
            return response
    except BaseException as exc:
        error = exc
        raise
    finally:
        if error is not None and app.should_ignore_error(error):
            error = None
        leave(ctx, app_ctx, error, chain.tears_down)


async def run_async(  # noqa: C901 - as serve_plain
    app: Hipflask, request: Request, state: RequestState, chain: pipeline.Chain
) -> Response:
    """The whole request on the event loop (an async view under ASGI).

    ``state.on_loop`` is already set: :func:`hipflask.core.serve.run_async`
    sets it before asking :func:`plain_chain`, which reads it.
    """
    ctx, app_ctx = enter(app, request, state, chain)
    error: BaseException | None = None
    response: Response
    try:
        try:
            # As in serve_plain (a coroutine cannot share its frame).
            method = request.method
            gate = app.gate
            rv: Any = None
            if not gate.is_simple:
                # Suites' checks too (a login's, a rate limit's); one may answer.
                rv = await bridge.drive_async(gate.run_checks(request, state))
            elif not (
                gate.passes_safe_methods and method in SAFE_METHODS and not request.trusted_hosts
            ):
                gate.check(request, state)
            if rv is None and chain.before_view:
                rv = await preprocess_async(request, chain)
            if rv is not None:
                pass
            elif request.routing_exception is not None:
                rv = _routing_error(app, request)
            elif request.method == "OPTIONS" and getattr(
                request.url_rule, "provide_automatic_options", False
            ):
                rv = app.make_default_options_response()
            else:
                view_args = request.view_args
                view = app.view_functions[request.url_rule.endpoint]  # type: ignore[union-attr]
                rv = view(**view_args) if view_args else view()
            if type(rv) is CoroutineType:
                rv = await rv
        except Exception as exc:
            if not _unhandled_not_found(app, request, exc):
                response, error = await bridge.drive_async(recover(app, ctx, exc))
                return response
            rv = exc
        if (
            ctx._after_request_functions
            or state.answered_by_gate
            # Renewing an untouched session may need a worker thread.
            or (app._session_io and ctx._session is None and credential_headers(request)[1])
        ):
            response, error = await bridge.drive_async(finish(app, ctx, rv))
            return response
        try:
            response = app.make_response(rv)
            for hook in chain.after_request:
                made: Any = hook(response)
                response = (await made) if type(made) is CoroutineType else made
            if gate.is_simple:
                return finish_plain(app, ctx, response)
            # Suites' finishers, awaited: they may have async versions.
            finish_response(app, ctx, response, finishers=False)
            await bridge.drive_async(gate.run_finishers(request, response, state))
            return response
        except Exception as exc:
            error = exc
            response = await bridge.drive_async(pipeline.handle_exception(app, ctx, exc))
            return response
    except BaseException as exc:
        error = exc
        raise
    finally:
        if error is not None and app.should_ignore_error(error):
            error = None
        if chain.tears_down and ctx._deferred == 0:
            # Awaited here, on the loop: an async teardown function (an
            # async database session's) cannot run synchronously inside it.
            try:
                # pipeline.finish_request, without its generators.
                try:
                    for func in chain.teardown_request:
                        pending = func(error)
                        if type(pending) is CoroutineType:
                            await pending
                finally:
                    # Run even when a teardown_request function raised, as
                    # RequestContext.pop runs them.
                    if ctx.pushed_app_context:
                        for func in reversed(app.teardown_appcontext_funcs):
                            pending = func(error)
                            if type(pending) is CoroutineType:
                                await pending
            finally:
                leave(ctx, app_ctx, error)
        else:
            # A stream_with_context body still running tears down at its end.
            leave(ctx, app_ctx, error)
