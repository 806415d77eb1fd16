"""The usual WSGI request in one frame.

:func:`hipflask.core.direct.run_sync` serves, in straight-line code, the
requests of an app that uses none of the pipeline's extras. Under WSGI
most of what such a request still cost was the calls between the small
functions that build it, route it, push its contexts, finish its response
and write it, each re-reading what the last had just checked.

:func:`handle` does what :func:`hipflask.core.wsgi.handle` does for the
usual request, in one frame: a request without a body or proxy settings,
to a route the compiled matcher knows, of an app the direct path may
serve, answered with a response that carries only its constructor's two
headers to a client that sent no credential. At the first thing it does
not cover it hands the request to the general functions at the step it
has reached, so no step runs twice and every other request is served
exactly as before. ``tests/core/test_wsgi_direct.py`` serves the same
requests both ways and compares what reaches the server. An app with request
hooks, teardown functions or gate checks of its own is routed here too and
then served by :func:`hipflask.core.direct.serve_plain`, which runs them.

From the context push on, this is :func:`hipflask.core.direct.serve_plain`
with its helpers (:func:`~hipflask.core.direct.enter`,
:func:`~hipflask.core.direct.finish_plain`,
:func:`~hipflask.core.direct.leave`) written in line: three calls are
about 6% of a small request here. A change to those helpers is made here
too; the comparison tests fail when the two disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import CoroutineType
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.datastructures import EnvironHeaders
from werkzeug.exceptions import NotFound

from .. import signals
from ..contexts import globals as _globals
from ..contexts.ctx import AppContext
from ..contexts.ctx import RequestContext
from ..contexts.state import RequestState
from ..routing.matcher import NOT_FOUND
from ..security.origin import SAFE_METHODS
from ..wrappers import layout
from ..wrappers.repeated import content_type_refusal
from ..wrappers.request import Request
from . import bridge
from . import direct
from . import pipeline
from . import serve
from . import wsgi

if TYPE_CHECKING:
    from ..typing import StartResponse
    from ..typing import WSGIEnvironment
    from ..wrappers.response import Response
    from .app import Hipflask

# Plain names, not ``from`` imports, so that their method calls compile as
# method calls (see hipflask.contexts.globals).
_cv_app = _globals._cv_app
_cv_request = _globals._cv_request

__all__ = ["handle"]

_request_started = signals.request_started
_request_finished = signals.request_finished
_request_tearing_down = signals.request_tearing_down
_appcontext_tearing_down = signals.appcontext_tearing_down
_appcontext_pushed = signals.appcontext_pushed
_appcontext_popped = signals.appcontext_popped
_PRESERVE = wsgi.PRESERVE_CONTEXT_KEY
_server_for = wsgi.server_for
_open_stream = wsgi.open_stream
_CLOSE = Request.close
_new = object.__new__


def handle(  # noqa: C901 - one frame on purpose: see the module docstring
    app: Hipflask, environ: WSGIEnvironment, start_response: StartResponse
) -> Iterable[bytes]:
    """Serve one WSGI request; the same answer as :func:`hipflask.core.wsgi.handle`."""
    proxy_fix = app.config.get("PROXY_FIX")
    path = environ.get("PATH_INFO", "")
    root_path = environ.get("SCRIPT_NAME", "")
    cls = app.request_class
    length = environ.get("CONTENT_LENGTH")
    if (
        (
            # wsgi.handle's framing checks pass at once for one plain
            # length (the usual form post) and one Content-Type.
            length
            and not (
                length.isdigit()
                and length.isascii()
                and content_type_refusal(environ.get("CONTENT_TYPE")) is None
            )
        )
        or "HTTP_TRANSFER_ENCODING" in environ
        or (proxy_fix is not None and proxy_fix is not False)
        or _PRESERVE in environ
        or not cls._plain_init
        or not layout.FAST
        or not path.isascii()
        or not root_path.isascii()
        or "," in environ.get("HTTP_HOST", "")
    ):
        # A body's framing to judge, a proxy, a kept context, a request
        # class of its own, a path to decode, a Host to compare, or a
        # Werkzeug whose response fields are not where this path writes them.
        return wsgi.handle(app, environ, start_response)
    overrides = app._overrides
    matcher = app._matcher
    url_map = app.url_map
    if (
        overrides
        or overrides is None
        or not app._got_first_request
        or matcher is None
        or app._custom_url_adapter
        or matcher.url_map is not url_map
        # Matcher.is_current, compared here for hipflask's own map.
        or matcher.additions is None
        or matcher.additions != url_map.additions
    ):
        # Not served yet (its overrides unknown), or routed by the map.
        return wsgi.handle(app, environ, start_response)
    request = _new(cls)
    method = environ.get("REQUEST_METHOD", "GET")
    if not method.isupper():
        method = method.upper()
    request.method = method
    request.scheme = environ.get("wsgi.url_scheme", "http")
    name = environ.get("SERVER_NAME", "")
    port = environ.get("SERVER_PORT")
    # wsgi.make_request's lookup: the last server seen, else its cache.
    last = wsgi.last_server
    if name == last[0] and port == last[1]:
        request.server = last[2]
    else:
        request.server = _server_for(name, port)
    request.root_path = root_path.rstrip("/") if root_path else root_path
    query = environ.get("QUERY_STRING")
    request.query_string = query.encode("latin-1") if query else b""
    request.remote_addr = environ.get("REMOTE_ADDR")
    request.app = app
    request._open_stream = _open_stream
    request._environ = environ
    if length:
        # Checked above: the body's length, which reading it needs first.
        request.content_length = int(length)
    state = RequestState()
    static = matcher.first_static.get(path)
    if static is not None and (static[1] is None or method in static[1]):
        # What Matcher.match answers for this path and method. The path is
        # a key of the table, so already what assign_fields would make it.
        request.path = path
        rule = static[0]
        view_args: dict[str, Any] = {}
    else:
        # assign_fields: "", "x" and "//x" become "/", "/x" and "/x".
        if path[:1] != "/" or path[1:2] == "/":
            path = "/" + path.lstrip("/")
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
            return wsgi.respond(app, request, state, start_response)
        rule, view_args = found  # type: ignore[misc]  # NOT_FOUND was ruled out above
    request.url_rule = rule
    request.view_args = view_args
    # direct.plain_chain, with what was checked above left out.
    endpoint = rule.endpoint
    chain = app._endpoint_chains.get(endpoint) or direct.endpoint_chain(app, endpoint)
    gate = app.gate
    if (
        chain is None
        or app._coroutine_sessions
        or _request_started.receivers
        or _request_finished.receivers
        or _request_tearing_down.receivers
        or _appcontext_tearing_down.receivers
    ):
        return wsgi.respond(app, request, state, start_response)
    if chain.has_user_hooks or chain.tears_down or not gate.is_simple:
        # Hooks or suites' gate parts to run (an extension's, usually):
        # direct.serve_plain runs them; the response is written below.
        response: Response = direct.serve_plain(app, request, state, chain)
    else:
        # direct.run_sync from here, with the usual response finished in this frame.
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
            # RequestContext.push when no app context is current (a server's
            # thread) and nobody listens for the push.
            app_ctx = _new(AppContext)
            app_ctx.app = app
            app_ctx._tokens = [_cv_app.set(app_ctx)]
            ctx._app_ctx = app_ctx
            ctx._cv_tokens = [(_cv_request.set(ctx), app_ctx)]
        else:
            app_ctx = None
            ctx._cv_tokens = []
            ctx.push()
        error: BaseException | None = None
        # The request's attribute dict, read once: reading ``__dict__`` makes
        # CPython turn the instance's inline values into a real dict.
        fields: dict[str, Any] | None = None
        try:
            try:
                if not (
                    gate.passes_safe_methods
                    and method in SAFE_METHODS
                    and not request.trusted_hosts
                ):
                    gate.check(request, state)
                rv: Any
                if method == "OPTIONS" and getattr(rule, "provide_automatic_options", False):
                    rv = app.make_default_options_response()
                elif view_args:
                    rv = app.view_functions[endpoint](**view_args)
                else:
                    # A static route: a plain call, which CPython inlines.
                    rv = app.view_functions[endpoint]()
                if type(rv) is CoroutineType:
                    rv = bridge.run_coroutine(rv)
            except Exception as exc:
                # The request was routed: there is no routing 404 to render here.
                response, error = bridge.drive_sync(direct.recover(app, ctx, exc))
            else:
                if ctx._after_request_functions:
                    response, error = bridge.drive_sync(direct.finish(app, ctx, rv))
                else:
                    try:
                        response = app.make_response(rv)
                        listed = getattr(response.headers, "_list", None)
                        pairs = gate.bare_headers
                        fields = request.__dict__
                        if (
                            ctx._session is None
                            and pairs is not None
                            and type(listed) is list
                            and len(listed) == 2
                            and listed[0][0] == "Content-Type"
                            and listed[1][0] == "Content-Length"
                            and (
                                "headers" not in fields
                                or isinstance(fields["headers"], EnvironHeaders)
                            )
                            and environ.get("HTTP_AUTHORIZATION") is None
                            and environ.get("HTTP_COOKIE") is None
                        ):
                            # direct.respond for a response with only its
                            # constructor's headers, to a request that opened no
                            # session and sent no credential (read as
                            # credential_headers reads them): the cache-safety
                            # finisher has nothing to mark, and the header policy
                            # appends its fixed tuple.
                            listed.extend(pairs[request.scheme == "https"])
                        else:
                            response = direct.finish_response(app, ctx, response)
                    except Exception as exc:
                        error = exc
                        response = bridge.drive_sync(pipeline.handle_exception(app, ctx, exc))
        except BaseException as exc:
            error = exc
            raise
        finally:
            # plain_chain's conditions hold: there is no teardown function to
            # run, but an app's should_ignore_error is asked, as Flask asks it.
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
                # RequestContext.pop(error, teardown=False) for the push above,
                # when the view left the contexts as it found them.
                if fields is None:
                    fields = request.__dict__
                if (
                    # The class's is None: only a value set on the request counts.
                    fields.get("routing_exception") is not None
                    or fields.get("files")
                    or "stream" in fields
                    or cls.close is not _CLOSE
                ):
                    # Request.close has something to close, or is replaced;
                    # the contexts are left even if it raises.
                    try:
                        request.close()
                    finally:
                        _cv_request.reset(tokens.pop()[0])
                        _cv_app.reset(app_ctx._tokens.pop())
                else:
                    _cv_request.reset(tokens.pop()[0])
                    _cv_app.reset(app_ctx._tokens.pop())
            else:
                ctx.pop(error, teardown=False)
    # As the general adapter writes it: with the method as the view left it.
    method = request.method
    body = response.response
    status = response._status_code
    listed = getattr(response.headers, "_list", None)
    if (
        200 <= status < 300
        and status != 204
        and type(body) is list
        and len(body) == 1
        and type(body[0]) is bytes
        and type(listed) is list
        and method != "HEAD"
        and not response.direct_passthrough
        and not response._on_close
    ):
        # wire_parts' usual response: a complete body, its length set, and
        # nothing to run when the server closes it.
        start_response(response._status, list(listed))
        return body
    return wsgi.write(response, method, start_response)
