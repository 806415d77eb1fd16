"""The app's URL methods: binding the URL map to a request, and building URLs.

A mixin of :class:`~hipflask.core.app.Hipflask` only, kept apart so the app
module stays within its size. Requests are routed by the compiled matcher
(:mod:`hipflask.routing.matcher`); what is here is Flask's override points
around the URL map: ``create_url_adapter`` (which, once replaced, routes
every request), ``raise_routing_exception``, and ``url_for`` with its
defaults and build-error handlers. Building itself lives in
:mod:`hipflask.routing.urls`.
"""

from __future__ import annotations

import sys
import warnings
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.exceptions import InternalServerError
from werkzeug.routing import BuildError

from ..contexts import globals as _globals
from ..routing.urls import build_url
from ..security.hosts import check_external_url
from .debughelpers import FormDataRoutingRedirect
from .debughelpers import loses_form_data
from .methods import overridable
from .scaffold import Scaffold

if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Iterable

    from werkzeug.routing import MapAdapter

    from ..routing.rules import Map
    from ..security.gate import SecurityGate
    from ..wrappers.request import Request
    from .config import Config

# Plain names, not ``from`` imports, so that their method calls compile as
# method calls (see hipflask.contexts.globals).
_cv_app = _globals._cv_app
_cv_request = _globals._cv_request

__all__ = ["RoutingFailure", "URLMethods"]


class RoutingFailure(InternalServerError):
    """Routing itself failed: a converter's ``to_python`` (or a replaced
    ``create_url_adapter``) raised an error that is no HTTP error.

    Recorded as the request's routing error so that every serve path
    reaches the error steps; :meth:`URLMethods.raise_routing_exception`
    raises the original error there, which is then logged, signalled and
    answered by the 500 handler (propagated while testing), as in Flask.
    """


class URLMethods(Scaffold):
    """Flask's URL methods of the app (a base of :class:`~hipflask.core.app.Hipflask`).

    A :class:`Scaffold` for the ``url_defaults`` functions it runs; the rest
    of what it reads is the app's.
    """

    config: Config
    debug: bool
    testing: bool
    gate: SecurityGate
    url_map: Map
    subdomain_matching: bool
    url_build_error_handlers: list[Callable[[Exception, str, dict[str, Any]], str]]

    @overridable
    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        """Bind the URL map to a request (or, outside one, to ``SERVER_NAME``)."""
        if request is not None:
            ctx = _cv_request.get(None)
            unwrap = getattr(request, "_get_current_object", None)
            if unwrap is not None:  # the ``request`` proxy itself
                request = unwrap()
            state = ctx.state if ctx is not None and ctx.request is request else None
            if state is not None and state.url_adapter is not None:
                return state.url_adapter
            self.gate.check_host(request)
            server_name = self.config["SERVER_NAME"]
            subdomain = None
            if self.url_map.host_matching or server_name is None:
                server_name = request.host.lower()
            if not self.url_map.host_matching:
                if self.subdomain_matching:
                    subdomain = _subdomain(request, server_name)
                else:
                    subdomain = self.url_map.default_subdomain or ""
            adapter = self.url_map.bind(
                server_name,
                script_name=request.root_path or "/",
                subdomain=subdomain,
                url_scheme=request.scheme,
                default_method=request.method,
                path_info=request.path,
                query_args=request.query_string.decode("latin-1"),
            )
            if state is not None:
                state.url_adapter = adapter
            return adapter
        if self.config["SERVER_NAME"] is not None:
            return self.url_map.bind(
                self.config["SERVER_NAME"],
                script_name=self.config["APPLICATION_ROOT"],
                url_scheme=self.config["PREFERRED_URL_SCHEME"],
            )
        return None

    @overridable
    def raise_routing_exception(self, request: Request) -> None:
        """Raise the routing error recorded for this request (404, 405, redirect).

        In debug mode a redirect that would make the browser drop a posted
        form raises :class:`~hipflask.debughelpers.FormDataRoutingRedirect`.
        """
        if self.debug and loses_form_data(request):
            raise FormDataRoutingRedirect(request)
        exc = request.routing_exception
        if isinstance(exc, RoutingFailure) and exc.original_exception is not None:
            raise exc.original_exception
        raise exc  # type: ignore[misc]

    def url_for(
        self,
        /,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: Any,
    ) -> str:
        """Build a URL for an endpoint; see :func:`hipflask.url_for`.

        Unlike the helper it needs no context: outside one it builds an
        absolute URL from ``SERVER_NAME``. ``self`` is positional-only so that
        a rule argument or query value called ``self`` reaches the URL.
        """
        req_ctx = _cv_request.get(None)
        if (
            req_ctx is not None
            and (_external or _scheme is not None)
            and not _host_from_rule(self, endpoint, req_ctx.request.blueprint)
        ):
            # An absolute URL inside a request takes its host from the Host
            # header; in production that needs the host names pinned.
            check_external_url(self.config, is_production=not (self.debug or self.testing))
        return build_url(
            self,
            endpoint,
            anchor=_anchor,
            method=_method,
            scheme=_scheme,
            external=_external,
            values=values,
            req_ctx=req_ctx,
            app_ctx=_cv_app.get(None),
        )

    def inject_url_defaults(self, endpoint: str, values: dict[str, Any]) -> None:
        """Let ``url_defaults`` functions fill in values before building."""
        names: Iterable[str | None] = (None,)
        if "." in endpoint:
            parts = endpoint.split(".")[:-1]
            names = (None, *(".".join(parts[:i]) for i in range(1, len(parts) + 1)))
        for name in names:
            for func in self.url_default_functions.get(name, ()):
                func(endpoint, values)

    def handle_url_build_error(
        self, error: BuildError, endpoint: str, values: dict[str, Any]
    ) -> str:
        """Give ``url_build_error_handlers`` a chance; re-raise if none answers."""
        for handler in self.url_build_error_handlers:
            try:
                rv = handler(error, endpoint, values)
            except BuildError as e:
                error = e
            else:
                if rv is not None:
                    return rv
        if error is sys.exc_info()[1]:
            raise
        raise error


def _host_from_rule(app: URLMethods, endpoint: str, blueprint: str | None) -> bool:
    """Whether ``endpoint``'s URLs take their host from its rules, never from ``Host``.

    With host matching, a rule with a fixed host (``static_host``, say)
    builds its absolute URLs on that host, so no attacker's ``Host`` can end
    up in them. A relative endpoint (``.index``) is read against the
    request's blueprint, as ``url_for`` reads it.
    """
    if not app.url_map.host_matching:
        return False
    if endpoint[:1] == ".":
        endpoint = f"{blueprint}{endpoint}" if blueprint is not None else endpoint[1:]
    try:
        rules = list(app.url_map.iter_rules(endpoint))
    except KeyError:
        return False
    return bool(rules) and all(rule.host and "<" not in rule.host for rule in rules)


def _subdomain(request: Request, server_name: str) -> str:
    """The part of the request's host in front of ``server_name``.

    A host outside ``server_name`` gets a subdomain no rule can have, so it
    matches nothing (404) instead of being served as the bare domain.
    """
    server_name = server_name.lower()
    default_port = ":443" if request.scheme == "https" else ":80"
    if server_name.endswith(default_port):
        server_name = server_name[: -len(default_port)]
    host = request.host.lower()
    labels = host.split(".")
    domain = server_name.split(".")
    if labels[-len(domain) :] == domain:
        # Empty labels (``ann..example.com``) are left out, as Werkzeug does.
        return ".".join(label for label in labels[: -len(domain)] if label)
    # Flask's (Werkzeug's) warning: a wrong SERVER_NAME makes every request
    # a 404, and this is the only hint of why.
    warnings.warn(
        f"Current server name {host!r} doesn't match configured server name {server_name!r}",
        stacklevel=2,
    )
    return "<invalid>"


def check_static_host(static_host: str | None, host_matching: bool) -> None:
    """Refuse a ``static_host`` that cannot take effect, or one that is missing.

    Flask checks this with ``assert``, which ``python -O`` strips: without host
    matching the static rule's host would be ignored and the files served on
    every host, and with it a static rule without a host matches none.
    """
    if bool(static_host) == host_matching:
        return
    if static_host:
        fix = f"static_host={static_host!r} needs host_matching=True."
    else:
        fix = (
            "host_matching=True needs a static_host for the static route"
            " (static_host='cdn.example.com'), or static_folder=None."
        )
    raise ValueError(f"Invalid static_host/host_matching combination: {fix}")
