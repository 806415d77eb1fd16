"""The usual ASGI request in one coroutine frame.

:func:`hipflask.core.asgi.http` serves a request through small functions:
trust the proxy, scan the headers, make the request, route it, choose
where it runs, push its contexts, run the view, finish the response, pop,
send. Each call re-read what the last had checked, and under ASGI a call
into a coroutine costs more than a plain one: served in one frame, a small
request runs about an eighth fewer instructions.

:func:`http` does the same in one frame for the usual request: no proxy
setting, no test client keeping the context, the app's plain request class,
a route the compiled matcher knows, an app the direct path may serve. At
the first thing it does not cover it hands the request over at the step it
reached (to :func:`hipflask.core.asgi.http` before the request is made, to
:func:`hipflask.core.asgi.respond` once it is routed), so no step runs
twice. An ``async def`` view without hooks runs here, from the context push
to the pop; one with request hooks, teardown functions or suites' gate
parts runs in :func:`hipflask.core.direct.run_async`; a ``def`` view in a
worker thread, where :func:`serve_sync` does in one frame what
:func:`hipflask.core.serve.run_sync` does (the calls between its small
functions were about an eighth of that thread's work for a small request).
A body of one message (bytes, at most 64 KiB) is sent here, any other response by
:func:`hipflask.core.asgi.send_parts`.

From the context push on, this is :func:`hipflask.core.direct.run_async`
with :func:`~hipflask.core.direct.enter` and
:func:`~hipflask.core.direct.leave` written in line, as
:mod:`hipflask.core.wsgi_direct` writes them; a change to those is made
here too, and in :func:`serve_sync`. ``tests/core/test_asgi_direct.py``
serves the same requests both ways and compares what reaches the server.
"""

from __future__ import annotations

from collections.abc import Awaitable
from types import CoroutineType
from typing import IO
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import NotFound

from .. import signals
from ..contexts import globals as _globals
from ..contexts.ctx import AppContext
from ..contexts.ctx import RequestContext
from ..contexts.state import RequestState
from ..routing.matcher import NOT_FOUND
from ..security.origin import SAFE_METHODS
from ..wrappers import layout
from ..wrappers.peek import credential_headers
from ..wrappers.request import Request
from ..wrappers.request import normal_path
from ..wrappers.response import Response
from ..wrappers.response import wire_parts
from . import asgi
from . import bridge
from . import direct
from . import pipeline
from . import serve
from .asgi_headers import scan_headers
from .asgi_scope import SAFE_READS
from .asgi_scope import BufferedBody
from .asgi_scope import empty_body
from .asgi_scope import is_bodiless
from .asgi_scope import prepare_body
from .asgi_scope import scope_environ
from .asgi_scope import too_large_body
from .disconnect import ClientLink
from .handoff import GONE
from .sending import PIECE

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..typing import Receive
    from ..typing import Scope
    from ..typing import Send
    from .app import Hipflask

# Plain names, not ``from`` imports, so that their method calls compile as
# method calls (see hipflask.contexts.globals).
_cv_app = _globals._cv_app
_cv_request = _globals._cv_request

__all__ = ["handle", "http", "serve_sync"]

_request_started = signals.request_started
_request_finished = signals.request_finished
_request_tearing_down = signals.request_tearing_down
_appcontext_tearing_down = signals.appcontext_tearing_down
_appcontext_pushed = signals.appcontext_pushed
_appcontext_popped = signals.appcontext_popped
_PRESERVE = asgi.PRESERVE_CONTEXT_KEY
_CLOSE = Request.close
_RESPONSE_CLOSE = Response.close
_new = object.__new__


def handle(app: Hipflask, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
    """Serve one ASGI connection scope: the coroutine to await for it."""
    if scope["type"] == "http":
        return http(app, scope, receive, send)
    return asgi.handle(app, scope, receive, send)


async def http(  # noqa: C901 - one frame on purpose: see the module docstring
    app: Hipflask, scope: Scope, receive: Receive, send: Send
) -> None:
    """Serve one ``http`` scope; the same answer as :func:`hipflask.core.asgi.http`."""
    raw = scope["headers"]
    proxy_fix = app.config.get("PROXY_FIX")
    cls = app.request_class
    overrides = app._overrides
    matcher = app._matcher
    url_map = app.url_map
    if (
        type(raw) is not list
        or (proxy_fix is not None and proxy_fix is not False)
        or "wsgi_app" in app.__dict__
        or _PRESERVE in scope
        or not cls._plain_init
        or overrides
        or overrides is None
        or not app._got_first_request
        or matcher is None
        or app._custom_url_adapter
        or matcher.url_map is not url_map
        # Matcher.is_current, compared here for hipflask's own map.
        or matcher.additions is None
        or matcher.additions != url_map.additions
    ):
        # Headers to list, a proxy, WSGI middleware (served through it, or
        # a ProxyFix declaring a proxy), a kept context, a request class of its own, or an app not
        # served yet (its overrides unknown) or routed by the map.
        return await asgi.http(app, scope, receive, send)
    method = scope["method"]
    framing, credentials = scan_headers(raw)
    body: Callable[[Request], IO[bytes]]
    refusal: HTTPException | None = None
    client_gone = False
    if (framing is None and method in SAFE_READS) or is_bodiless(scope, framing):
        body = empty_body
    else:
        body, refusal, client_gone = await prepare_body(app, scope, framing, receive)
    link: ClientLink | None = None
    try:
        # asgi_scope.make_request, in line.
        request = _new(cls)
        request.method = method if method.isupper() else method.upper()
        request.scheme = scope.get("scheme", "http")
        server = scope.get("server")
        request.server = (server[0], server[1]) if server else None
        root_path = scope.get("root_path", "")
        path = scope["path"]
        if root_path:
            if path.startswith(root_path):
                path = path[len(root_path) :]
            root_path = root_path.rstrip("/")
        request.root_path = root_path
        request.query_string = scope.get("query_string", b"")
        client = scope.get("client")
        request.remote_addr = client[0] if client else None
        request.app = app
        request._open_stream = body
        request._environ = None
        request._make_environ = scope_environ
        request._raw_headers = raw
        request._credentials = credentials
        request._scope = scope
        if type(body) is BufferedBody:
            request.content_length = body.length
        state = RequestState()
        method = request.method
        if refusal is not None:
            # Refused before routing, as the general path refuses it.
            if path[:1] != "/" or path[1:2] == "/":
                path = normal_path(path)
            request.path = path
            request.routing_exception = refusal
            return await asgi.respond(app, request, state, receive, send, False, client_gone)
        static = matcher.first_static.get(path)
        if static is not None and (static[1] is None or method in static[1]):
            # What Matcher.match answers; the path is a key of the table, so
            # already normal.
            request.path = path
            rule = static[0]
            view_args: dict[str, Any] = {}
        else:
            # "", "x", "//x" and "http://host/x" become "/", "/x", "/x" and "/x".
            if path[:1] != "/" or path[1:2] == "/":
                path = normal_path(path)
            request.path = path
            found = None if "\x00" in path else matcher.match(path, method)
            if found is None or found is NOT_FOUND:
                # serve.prepare's answer, without asking the matcher again.
                if found is NOT_FOUND:
                    request.routing_exception = NotFound()
                elif "\x00" in path:
                    serve.prepare(app, request, state)
                else:
                    serve.route_by_map(app, request, state)
                return await asgi.respond(
                    app, request, state, receive, send, body is not too_large_body, client_gone
                )
            rule, view_args = found  # type: ignore[misc]  # NOT_FOUND was ruled out above
        request.url_rule = rule
        request.view_args = view_args
        watchable = body is not too_large_body
        endpoint = rule.endpoint
        on_loop = app._async_views.get(app.view_functions.get(endpoint))
        if on_loop is None:
            # A view not served yet: respond finds out where it runs.
            return await asgi.respond(app, request, state, receive, send, watchable, client_gone)
        if not on_loop and app.config.get("ASGI_SYNC_ON_LOOP") is not True:
            # In a worker thread, with a link to its client (see respond).
            link = ClientLink(receive, watchable)
            # serve.run_for_client, without its frame.
            response = await app._threads.run_for_client(link, serve_sync, app, request, state)
            if response is GONE:
                # Its client left while it waited for a thread: not run.
                await asgi.answer_gone(send)
                return None
        else:
            state.on_loop = True
            # direct.plain_chain, with what was checked above left out.
            chain = app._endpoint_chains.get(endpoint) or direct.endpoint_chain(app, endpoint)
            if (
                chain is None
                or app._async_sessions
                or _request_started.receivers
                or _request_finished.receivers
                or _request_tearing_down.receivers
                or _appcontext_tearing_down.receivers
            ):
                return await asgi.respond(
                    app, request, state, receive, send, watchable, client_gone
                )
            gate = app.gate
            if chain.has_user_hooks or chain.tears_down or not gate.is_simple:
                # Hooks or suites' gate parts to run (an extension's, usually).
                response = await direct.run_async(app, request, state, chain)
            else:
                # direct.run_async from here, with enter and leave in line.
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
                ctx._cv_tokens = []
                ctx._deferred = 0
                app_ctx = _cv_app.get(None)
                if app_ctx is None and not _appcontext_pushed.receivers:
                    # RequestContext.push when no app context is current (a
                    # server's task) and nobody listens for the push.
                    app_ctx = _new(AppContext)
                    app_ctx.app = app
                    app_ctx._tokens = [_cv_app.set(app_ctx)]
                    ctx._app_ctx = app_ctx
                    ctx._cv_tokens.append((_cv_request.set(ctx), app_ctx))
                else:
                    app_ctx = None
                    ctx.push()
                error: BaseException | None = None
                try:
                    try:
                        if not (
                            gate.passes_safe_methods
                            and method in SAFE_METHODS
                            and not request.trusted_hosts
                        ):
                            gate.check(request, state)
                        rv: Any
                        if method == "OPTIONS" and getattr(
                            rule, "provide_automatic_options", False
                        ):
                            rv = app.make_default_options_response()
                        elif view_args:
                            rv = app.view_functions[endpoint](**view_args)
                        else:
                            rv = app.view_functions[endpoint]()
                        if type(rv) is CoroutineType:
                            rv = await rv
                    except Exception as exc:
                        # The request was routed: there is no routing 404 to render.
                        response, error = await bridge.drive_async(direct.recover(app, ctx, exc))
                    else:
                        if (
                            ctx._after_request_functions
                            or state.answered_by_gate
                            # Renewing an untouched session may need a worker
                            # thread; the cookie of headers the view set counts.
                            or (
                                app._session_io
                                and ctx._session is None
                                and credential_headers(request)[1]
                            )
                        ):
                            response, error = await bridge.drive_async(direct.finish(app, ctx, rv))
                        else:
                            try:
                                response = direct.finish_plain(app, ctx, app.make_response(rv))
                            except Exception as exc:
                                error = exc
                                response = await bridge.drive_async(
                                    pipeline.handle_exception(app, ctx, exc)
                                )
                except BaseException as exc:
                    error = exc
                    raise
                finally:
                    # plain_chain's conditions hold: there is no teardown function
                    # to run, but an app's should_ignore_error is asked, as Flask
                    # asks it.
                    if error is not None:
                        app.should_ignore_error(error)
                    tokens = ctx._cv_tokens
                    if (
                        app_ctx is not None
                        and len(tokens) == 1
                        and ctx._deferred == 0
                        and not _appcontext_popped.receivers
                        and _cv_app.get(None) is app_ctx
                    ):
                        # RequestContext.pop(error, teardown=False) for the push
                        # above, when the view left the contexts as it found them.
                        fields = request.__dict__
                        try:
                            if (
                                # The class's is None: only a value set
                                # on the request counts.
                                fields.get("routing_exception") is not None
                                or fields.get("files")
                                or "stream" in fields
                                or cls.close is not _CLOSE
                            ):
                                # Request.close has something to close, or is replaced.
                                request.close()
                        finally:
                            _cv_request.reset(tokens.pop()[0])
                            _cv_app.reset(app_ctx._tokens.pop())
                    else:
                        ctx.pop(error, teardown=False)
        # What asgi.respond sends, for the usual response in line: one body message.
        try:
            _status_line, headers, content = wire_parts(response, request.method)
        except BaseException:
            response.close()
            raise
        if (
            type(content) is list
            and len(content) == 1
            # A passed-through chunk may be another bytes-like object, or a
            # str: send_parts joins it into bytes (or fails) as before.
            and type(content[0]) is bytes
            and len(content[0]) <= PIECE
        ):
            try:
                try:
                    await send(asgi.start_message(response, headers))
                    await send({"type": "http.response.body", "body": content[0]})
                finally:
                    if (
                        not layout.FAST
                        or response._on_close
                        or type(response.response) is not list
                        or type(response).close is not _RESPONSE_CLOSE
                    ):
                        response.close()
                    # Else Werkzeug's close would find nothing to close and
                    # no callback to run: a list body, none registered.
            except Exception:
                if not client_gone:
                    raise
            return None
        await asgi.send_parts(
            app, response, headers, content, send, receive, link, watchable, client_gone
        )
        return None
    finally:
        if link is not None:
            link.close()
        # A spooled body past 1 MiB is a file on disk; a view that never read
        # it must not leave it open.
        if type(body) is BufferedBody:
            body.close()


def serve_sync(  # noqa: C901 - one frame on purpose, as http
    app: Hipflask, request: Request, state: RequestState
) -> Response:
    """A routed request to a ``def`` view, in its worker: :func:`hipflask.core.serve.run_sync`.

    When the request's chain has no request hooks and no teardown
    functions, the gate no suites' parts, the session interface no async
    methods and no signal a receiver, this is what ``run_sync`` does
    through :func:`~hipflask.core.direct.plain_chain` and
    :func:`~hipflask.core.direct.serve_plain`, in one frame, with
    :func:`~hipflask.core.direct.enter` and
    :func:`~hipflask.core.direct.leave` in line, as :func:`http` writes
    them for an ``async def`` view (a change to those is made here too);
    else it calls ``run_sync``.
    """
    rule = request.url_rule
    endpoint = rule.endpoint  # type: ignore[union-attr]  # routed by http
    chain = app._endpoint_chains.get(endpoint) or direct.endpoint_chain(app, endpoint)
    gate = app.gate
    if (
        chain is None
        or chain.has_user_hooks
        or chain.tears_down
        or not gate.is_simple
        or app._async_sessions
        or _request_started.receivers
        or _request_finished.receivers
        or _request_tearing_down.receivers
        or _appcontext_tearing_down.receivers
    ):
        return serve.run_sync(app, request, state)
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
    ctx._cv_tokens = []
    ctx._deferred = 0
    app_ctx = _cv_app.get(None)
    if app_ctx is None and not _appcontext_pushed.receivers:
        # RequestContext.push when no app context is current (a worker
        # thread's copy of the loop's context) and nobody listens for it.
        app_ctx = _new(AppContext)
        app_ctx.app = app
        app_ctx._tokens = [_cv_app.set(app_ctx)]
        ctx._app_ctx = app_ctx
        ctx._cv_tokens.append((_cv_request.set(ctx), app_ctx))
    else:
        app_ctx = None
        ctx.push()
    error: BaseException | None = None
    response: Response
    try:
        try:
            method = request.method
            if not (
                gate.passes_safe_methods and method in SAFE_METHODS and not request.trusted_hosts
            ):
                gate.check(request, state)
            rv: Any
            if method == "OPTIONS" and getattr(rule, "provide_automatic_options", False):
                rv = app.make_default_options_response()
            else:
                view_args = request.view_args
                view = app.view_functions[endpoint]
                # A static route's view with a plain call, which CPython inlines.
                rv = view(**view_args) if view_args else view()
            if type(rv) is CoroutineType:
                rv = bridge.run_coroutine(rv)
        except Exception as exc:
            # The request was routed: there is no routing 404 to render.
            response, error = bridge.drive_sync(direct.recover(app, ctx, exc))
        else:
            if ctx._after_request_functions or state.answered_by_gate:
                # Callbacks the view registered, or what the gate answered
                # (its response hooks run guarded: gate_hooks).
                response, error = bridge.drive_sync(direct.finish(app, ctx, rv))
            else:
                try:
                    response = direct.finish_plain(app, ctx, app.make_response(rv))
                except Exception as exc:
                    error = exc
                    response = bridge.drive_sync(pipeline.handle_exception(app, ctx, exc))
    except BaseException as exc:
        error = exc
        raise
    finally:
        # No teardown function to run, but an app's should_ignore_error is
        # asked, as Flask asks it.
        if error is not None and app.should_ignore_error(error):
            error = None
        tokens = ctx._cv_tokens
        if (
            app_ctx is not None
            and len(tokens) == 1
            and ctx._deferred == 0
            and not _appcontext_popped.receivers
            and _cv_app.get(None) is app_ctx
        ):
            # RequestContext.pop(error, teardown=False) for the push above,
            # when the view left the contexts as it found them.
            fields = request.__dict__
            try:
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
                _cv_request.reset(tokens.pop()[0])
                _cv_app.reset(app_ctx._tokens.pop())
        else:
            ctx.pop(error, teardown=False)
    return response
