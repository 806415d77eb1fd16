"""One serve path for both protocols.

The adapters (:mod:`hipflask.core.wsgi`, :mod:`hipflask.core.asgi`) build a
neutral request and then call only this module: :func:`prepare` applies
proxy trust and routes, :func:`runs_on_loop` picks where the pipeline runs,
and :func:`run_sync` / :func:`run_async` push the context, drive
:func:`hipflask.core.pipeline.handle` and tear down through one driver,
:func:`hipflask.core.pipeline.finish_request`. Nothing here knows a
protocol, and the adapters need none of the app's private members.
"""

from __future__ import annotations

from collections.abc import Awaitable
from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import NotFound

from ..contexts.ctx import RequestContext
from ..contexts.state import RequestState
from ..routing.matcher import NOT_FOUND
from ..routing.matcher import Matcher
from ..security.proxies import ProxyTrust
from . import bridge
from . import direct
from . import pipeline
from .urls import RoutingFailure

if TYPE_CHECKING:
    from ..wrappers.request import Request
    from ..wrappers.response import Response
    from .app import Hipflask
    from .disconnect import ClientLink

__all__ = [
    "NUL_IN_PATH",
    "prepare",
    "proxy_trust",
    "route_by_map",
    "run_async",
    "run_for_client",
    "run_in_threads",
    "run_sync",
    "runs_on_loop",
    "serving_hooks",
    "shutdown_threads",
]

#: A path with a NUL (``%00``) is refused before routing. Python's file
#: functions raise on it (a 500 from any view that opens a path), and C code
#: behind other services ends the string there, so ``/files/report.pdf%00.png``
#: passes an extension check as ``.png`` and opens ``report.pdf`` (null-byte
#: injection).
NUL_IN_PATH = "The URL path contains a NUL character."


def proxy_trust(app: Hipflask) -> ProxyTrust | None:
    """The ``PROXY_FIX`` setting as a :class:`ProxyTrust`, or ``None`` for no proxy.

    Read on every request, so changing the setting takes effect at once; the
    parsed value is cached against the setting it came from. The adapters
    apply it to their environ or scope before anything reads the request,
    whichever server runs the app.
    """
    value = app.config.get("PROXY_FIX")
    if value is None or value is False:
        return None
    cached = app._proxy_cache
    if cached is not None and cached[0] is value:
        return cached[1]
    trust = ProxyTrust.from_config(value)
    app._proxy_cache = (value, trust)
    return trust


def prepare(app: Hipflask, request: Request, state: RequestState | None) -> None:
    """Route the request, or record why it cannot be routed.

    The compiled matcher answers first; Werkzeug's map decides when the
    matcher is unsure, and always when the app replaces
    ``create_url_adapter``. Which pipeline methods the app replaces is
    decided here, at its first request.
    """
    if "\x00" in request.path:
        request.routing_exception = BadRequest(NUL_IN_PATH)
        return
    if app._overrides is None:
        app._pipeline_overrides()
    matcher = app._matcher
    if matcher is None or not matcher.is_current(app.url_map):
        matcher = app._matcher = Matcher(app.url_map, app.subdomain_matching)
    if app._custom_url_adapter:
        found = None
    else:
        path = request.path
        method = request.method
        static = matcher.first_static.get(path)
        if static is not None and (static[1] is None or method in static[1]):
            # What match() answers, without the call (most routes are static).
            request.url_rule = static[0]
            request.view_args = {}
            return
        found = matcher.match(path, method)
    if found is not None:
        if found is NOT_FOUND:
            request.routing_exception = NotFound()
        else:
            request.url_rule, request.view_args = found  # type: ignore[misc]
        return
    route_by_map(app, request, state)


def route_by_map(app: Hipflask, request: Request, state: RequestState | None) -> None:
    """Route the request through Werkzeug's map (``create_url_adapter``), as Flask does.

    What :func:`prepare` does when the compiled matcher is unsure: a caller
    that has asked the matcher itself calls this rather than ``prepare``, so
    that no converter runs twice.
    """
    try:
        adapter = app.create_url_adapter(request)
        if adapter is None:  # pragma: no cover - a request always binds
            return
        if state is not None:
            state.url_adapter = adapter
        request.url_rule, request.view_args = adapter.match(return_rule=True)  # type: ignore[assignment]
    except HTTPException as exc:
        request.routing_exception = exc
    except Exception as exc:
        # A converter's bug: a 500 through the error steps, not out of the app.
        request.routing_exception = RoutingFailure(original_exception=exc)


def runs_on_loop(app: Hipflask, request: Request) -> bool:
    """Whether an ASGI request runs on the event loop rather than in a thread.

    Async views do; so does a request that matched no route unless the app
    has hooks and ``def`` views (see ``Hipflask._unrouted_on_loop``), and
    every request when ``ASGI_SYNC_ON_LOOP`` is on (an app whose sync views
    never block saves the hand-off to a thread). An app that
    overrides one of the pipeline's methods runs every request in a thread:
    the override may call the base method, which completes synchronously.
    """
    if app._overrides:
        return False
    rule = request.url_rule
    if rule is None:
        return app._unrouted_on_loop() or app.config.get("ASGI_SYNC_ON_LOOP") is True
    known = app._async_views.get(app.view_functions.get(rule.endpoint))
    if known is None:
        known = app._is_async_view(request)
    return known or app.config.get("ASGI_SYNC_ON_LOOP") is True


def run_sync(app: Hipflask, request: Request, state: RequestState) -> Response:
    """Run the whole request in this thread (WSGI, or a sync view under ASGI)."""
    # direct.run_sync, without its frame: a sync view's worker runs this.
    chain = direct.plain_chain(app, request, state)
    if chain is not None:
        return direct.serve_plain(app, request, state, chain)
    return run_pipeline_sync(app, request, state)


def run_pipeline_sync(app: Hipflask, request: Request, state: RequestState) -> Response:
    """:func:`run_sync` for a request the direct path declined (see :func:`direct.plain_chain`)."""
    ctx = RequestContext._for_request(app, request, state)
    ctx.push()
    error: BaseException | None = None
    try:
        response: Response
        response, error = bridge.drive_sync(pipeline.handle(app, ctx))
        return response
    except BaseException as exc:
        error = exc
        raise
    finally:
        if error is not None and app.should_ignore_error(error):
            error = None
        try:
            if _tears_down_now(ctx) and pipeline.has_finish_work(app, ctx):
                bridge.drive_sync(pipeline.finish_request(app, ctx, error))
        finally:
            _leave(ctx, error, teardown=True)


def run_async(app: Hipflask, request: Request, state: RequestState) -> Awaitable[Response]:
    """Run the whole request on the event loop (an async view under ASGI).

    A plain function handing back the coroutine to await: the direct path's
    own, or the general pipeline's, without a coroutine of its own around it.
    """
    state.on_loop = True
    chain = direct.plain_chain(app, request, state)
    if chain is not None:
        return direct.run_async(app, request, state, chain)
    return _run_pipeline_async(app, request, state)


async def _run_pipeline_async(app: Hipflask, request: Request, state: RequestState) -> Response:
    state.on_loop = True
    ctx = RequestContext._for_request(app, request, state)
    ctx.push()
    error: BaseException | None = None
    try:
        response: Response
        response, error = await bridge.drive_async(pipeline.handle(app, ctx))
        return response
    except BaseException as exc:
        error = exc
        raise
    finally:
        if error is not None and app.should_ignore_error(error):
            error = None
        if ctx._deferred == 0:
            try:
                if pipeline.has_finish_work(app, ctx):
                    await bridge.drive_async(pipeline.finish_request(app, ctx, error))
            finally:
                _leave(ctx, error, teardown=False)
        else:
            _leave(ctx, error, teardown=True)


def run_in_threads(app: Hipflask, func: Callable[..., Any], *args: Any) -> Awaitable[Any]:
    """Start ``func(*args)`` in the app's bounded thread pool, context copied in."""
    return app._threads.run(func, *args)


def run_for_client(
    app: Hipflask, link: ClientLink, func: Callable[..., Any], *args: Any
) -> Awaitable[Any]:
    """:func:`run_in_threads` for a request's work, dropped if its client leaves first.

    The result is :data:`~hipflask.core.handoff.GONE` when the client left
    while the job waited for a thread (see ``ThreadRunner.run_for_client``).
    """
    return app._threads.run_for_client(link, func, *args)


def iterate_in_threads(app: Hipflask, iterable: Any) -> Any:
    """Iterate a sync (possibly blocking) response body from the event loop."""
    return app._threads.iterate(iterable)


async def serving_hooks(app: Hipflask, starting: bool) -> None:
    """``before_serving`` / ``after_serving`` (the ASGI lifespan events)."""
    await app._serving_hooks(starting)


def shutdown_threads(app: Hipflask) -> None:
    """Stop the app's thread pool when the server shuts down."""
    app._threads.shutdown()


def _tears_down_now(ctx: RequestContext) -> bool:
    """Whether a context the test client keeps is torn down at the request's end.

    Flask tears such a context down when the request ends, where the view
    ran (a view's thread under ASGI, where its database connection was
    made), and again when the ``with client:`` block pops it. A streamed
    body still running is torn down when it ends.
    """
    return ctx.state.preserve_context is not None and ctx._deferred == 0


def _leave(ctx: RequestContext, error: BaseException | None, teardown: bool) -> None:
    preserve = ctx.state.preserve_context
    if preserve is not None:
        # The test client keeps the context for `with client:` blocks; its
        # teardown ran already (see _tears_down_now) and runs again when the
        # block pops it.
        ctx.pop(error, teardown=False)
        preserve(ctx)
        return
    ctx.pop(error, teardown=teardown)
