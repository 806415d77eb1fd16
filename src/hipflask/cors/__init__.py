"""CORS with Flask-CORS's API (``flask_cors`` -> ``hipflask.cors``).

::

    from hipflask.cors import CORS, cross_origin

    CORS(app, resources={r"/api/*": {"origins": ["https://app.example.com"]}})

    @app.get("/widget")
    @cross_origin(origins="https://partner.example")
    def widget(): ...

A preflight is answered by a gate check at ``ORDER_PREFLIGHT``, before the
cross-origin refusal and the rate limiter, so it is neither refused nor
counted. A request whose ``Origin`` a CORS policy allows for its route is
also let through the built-in cross-origin check, for that origin only: one
setting says which sites may call the API. The response headers are added
by a finisher, so error pages of a matching route carry them too (a browser
script can then read the 4xx instead of seeing an opaque network error).

Options merge as Flask-CORS documents it: defaults, then the app's
``CORS_*`` settings, then a resource's options, then keyword arguments. A
``@cross_origin`` view reads the settings of the app serving the request
(its decorator runs at import, often before the app is configured), so
``CORS_ORIGINS`` narrows a bare ``@cross_origin()`` as it narrows ``CORS(app)``.
"""

from __future__ import annotations

import functools
import inspect
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar

from hipflask.contexts.globals import current_app
from hipflask.contexts.globals import request
from hipflask.contexts.state import request_state
from hipflask.core.blueprints import Blueprint
from hipflask.security.cors import CorsPolicy
from hipflask.security.cors import CorsResource
from hipflask.security.cors import is_preflight
from hipflask.security.cors import parse_resources
from hipflask.security.gate import ORDER_CORS_HEADERS
from hipflask.security.gate import ORDER_PREFLIGHT
from hipflask.security.origin import WITHOUT_CREDENTIALS
from hipflask.wrappers.peek import credential_headers

if TYPE_CHECKING:
    from hipflask.core.app import Hipflask
    from hipflask.core.blueprints import BlueprintSetupState
    from hipflask.wrappers.request import Request
    from hipflask.wrappers.response import Response

__all__ = ["CORS", "__version__", "cross_origin"]

F = TypeVar("F", bound=Callable[..., Any])

_STATE = "cors"
# Config key -> option, as Flask-CORS reads them.
_CONFIG = {
    "CORS_ORIGINS": "origins",
    "CORS_METHODS": "methods",
    "CORS_ALLOW_HEADERS": "allow_headers",
    "CORS_EXPOSE_HEADERS": "expose_headers",
    "CORS_SUPPORTS_CREDENTIALS": "supports_credentials",
    "CORS_MAX_AGE": "max_age",
    "CORS_SEND_WILDCARD": "send_wildcard",
    "CORS_VARY_HEADER": "vary_header",
    "CORS_AUTOMATIC_OPTIONS": "automatic_options",
    "CORS_ALWAYS_SEND": "always_send",
    "CORS_INTERCEPT_EXCEPTIONS": "intercept_exceptions",
    "CORS_ALLOW_PRIVATE_NETWORK": "allow_private_network",
    "CORS_RESOURCES": "resources",
}
# The request headers a preflight may send, echoed back: sorted, as
# Flask-CORS sends them, so equal answers are byte-equal (caches, tests, diffs).
_SORTED_LISTS = ("Access-Control-Allow-Headers",)


def _config_options(app: Hipflask) -> dict[str, Any]:
    """The app's ``CORS_*`` settings as options; one set to None counts as not set.

    Flask-CORS reads them so: ``CORS_ORIGINS = os.environ.get(...)`` with
    the variable unset leaves the default, not an empty list of origins.
    """
    options = {}
    for key, option in _CONFIG.items():
        value = app.config.get(key)
        if value is not None:
            options[option] = value
    return options


def _snapshot(settings: dict[str, Any]) -> dict[str, Any]:
    """Settings in a form that compares unequal once a list in them was changed in place."""
    return {
        name: tuple(value) if isinstance(value, (list, set)) else value
        for name, value in settings.items()
    }


class _ViewCors:
    """One ``@cross_origin(...)``: its keyword options, and its policy per app.

    The policy is the app's ``CORS_*`` settings overridden by the keyword
    options, as Flask-CORS merges them on every request. It is built once
    per app and rebuilt only when those settings change, so a request pays
    a dict comparison, not a policy build.
    """

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        self._policies: weakref.WeakKeyDictionary[Any, tuple[dict[str, Any], CorsPolicy]] = (
            weakref.WeakKeyDictionary()
        )

    def policy(self, app: Hipflask) -> CorsPolicy:
        settings = _config_options(app)
        # CORS_RESOURCES is CORS(app)'s: a decorated view is its own resource.
        settings.pop("resources", None)
        snapshot = _snapshot(settings)
        cached = self._policies.get(app)
        if cached is not None and cached[0] == snapshot:
            return cached[1]
        policy = CorsPolicy.from_options(**{**settings, **self.options})
        self._policies[app] = (snapshot, policy)
        return policy


# Views decorated with @cross_origin -> their declaration. Weak, so a view
# defined in a test or a reloaded module does not live forever.
_VIEW_CORS: weakref.WeakKeyDictionary[Callable[..., Any], _ViewCors] = weakref.WeakKeyDictionary()

#: A resource, and the registered name of the blueprint it is limited to
#: (``CORS(blueprint)``), or None for the whole app.
_Scoped = tuple[CorsResource, str | None]


class _Registry:
    """One app's CORS resources, and the gate check and finisher that apply them."""

    def __init__(self, app: Hipflask) -> None:
        self.app = app
        self.resources: tuple[_Scoped, ...] = ()
        app.gate.add_check("cors.preflight", self.check, order=ORDER_PREFLIGHT)
        app.gate.add_finisher("cors.headers", self.finish, order=ORDER_CORS_HEADERS)

    def add(self, resources: tuple[CorsResource, ...], blueprint: str | None = None) -> None:
        """Add resources; a blueprint's before the app's, each in Flask-CORS's order.

        Under Flask-CORS a blueprint's hook runs before the app's and the
        app's then leaves the response alone, so the blueprint's options win
        on its routes; within each group, literal paths win over patterns,
        and ``/api/v1/*`` wins over ``/api/*``.
        """
        added = tuple((resource, blueprint) for resource in resources)
        self.resources = tuple(
            sorted(
                (*self.resources, *added),
                key=lambda scoped: (scoped[1] is None, scoped[0].rank),
            )
        )

    def policy_for(self, req: Request) -> CorsPolicy | None:
        """The policy of the request's view (``@cross_origin``), else of its resource.

        An ``OPTIONS`` request the app answers itself, without calling the
        view (``@cross_origin(automatic_options=False)`` on a view that does
        not list ``OPTIONS``), never meets the view's decorator: under
        Flask-CORS the app-wide ``CORS(app)`` answers it, as if the view had
        no decorator, and so do the resources here.
        """
        view = self.app.view_functions.get(req.endpoint) if req.endpoint else None
        if view is not None and not _app_answers_options(req):
            declared = _view_cors(view)
            if declared is not None:
                return declared.policy(self.app)
        blueprints = req.blueprints if req.endpoint else []
        for resource, blueprint in self.resources:
            if (blueprint is None or blueprint in blueprints) and resource.matches(req.path):
                return resource.policy
        return None

    def check(self, req: Request) -> Response | None:
        """Answer a preflight; approve an allowed ``Origin`` for the cross-origin gate."""
        policy = self.policy_for(req)
        state = request_state()
        # Remembered even when None: the finisher then need not match again.
        state.extensions[_STATE] = policy
        if policy is None:
            return None
        origin = req.headers.get("Origin")
        # "null" is the origin of every sandboxed page and local file: an
        # attacker can always send it, so it never passes the CSRF check,
        # even where the policy lets such pages read responses.
        if origin != "null" and policy.allows_origin(origin):
            if _may_skip_origin_check(policy, req):
                state.allowed_origin = origin
            else:
                state.extensions[WITHOUT_CREDENTIALS] = origin
        if not (policy.automatic_options and is_preflight(req.method, req.headers)):
            # automatic_options=False: the view (or the app's own OPTIONS
            # answer) handles the preflight, as the option says.
            return None
        if req.routing_exception is not None:
            # No route here (or a redirect to one): the preflight gets the
            # 404 (or 308) the request would, as under Flask-CORS; a
            # browser fails any preflight that is not a 2xx.
            return None
        response = self.app.make_default_options_response()
        _apply_preflight(policy, req, response)
        # Answered in the app's stead: no before_request hook runs on it,
        # the app's after_request hooks do (guarded: core.gate_hooks).
        return response

    def finish(self, req: Request, response: Response) -> None:
        """Add the CORS headers, on error pages of matching routes too."""
        state = request_state().extensions
        policy = state.get(_STATE) if _STATE in state else self.policy_for(req)
        if policy is None:
            return
        _apply(policy, req, response)


def _may_skip_origin_check(policy: CorsPolicy, req: Request) -> bool:
    """Whether an origin the policy allows may pass the cross-origin check with this request.

    A policy without ``supports_credentials`` is about scripts calling the
    API without cookies, which is what a browser's ``fetch`` sends across
    origins by default (and with credentials it would keep the answer from
    the script anyway). A cookie on such a request is a browser's own doing:
    a form posted from a sibling subdomain, which ``SameSite=Lax`` cookies
    go with, or one carrying a ``SameSite=None`` cookie. That is what the
    check is for, so it is not skipped; ``CORS(app)`` with every origin
    would otherwise turn it off for every route. The same holds for an
    ``Authorization`` of a scheme browsers remember and send by themselves
    (``Basic``, ``Digest``, ``NTLM``, ``Negotiate``); a ``Bearer`` token is
    only ever set by a script.
    """
    if policy.supports_credentials:
        return True
    authorization, cookie = credential_headers(req)
    if cookie:
        return False
    if authorization is None:
        return True
    scheme = authorization.partition(" ")[0].strip().lower()
    return scheme not in _AMBIENT_SCHEMES


#: ``Authorization`` schemes a browser sends on its own, once it has asked the
#: user for them (a form posted from another site goes with them too).
_AMBIENT_SCHEMES = frozenset({"basic", "digest", "ntlm", "negotiate"})


def _app_answers_options(req: Request) -> bool:
    """Whether the request is an ``OPTIONS`` the app answers without calling the view."""
    rule = req.url_rule
    return (
        req.method == "OPTIONS"
        and rule is not None
        and bool(getattr(rule, "provide_automatic_options", False))
    )


def _view_cors(view: Callable[..., Any]) -> _ViewCors | None:
    """The ``@cross_origin`` declaration of a view, looking through later decorators.

    ``functools.wraps`` leaves ``__wrapped__`` on a wrapper, so a view
    decorated again after ``@cross_origin`` (``@login_required``) is found.
    """
    current: Any = view
    declared = _VIEW_CORS.get(current)
    while declared is None and hasattr(current, "__wrapped__"):
        current = current.__wrapped__
        declared = _VIEW_CORS.get(current)
    return declared


def _set(response: Response, headers: list[tuple[str, str]]) -> None:
    for name, value in headers:
        if name in _SORTED_LISTS:
            value = ", ".join(sorted(part.strip() for part in value.split(",")))
        response.headers[name] = value


def _apply(
    policy: CorsPolicy, req: Request, response: Response, *, answered_here: bool = False
) -> None:
    if policy.vary_header:
        response.vary.add("Origin")
    if "Access-Control-Allow-Origin" in response.headers:
        # The view (or an earlier step) decided whom to share this answer
        # with; as under Flask-CORS, the policy does not add to or overrule it.
        return
    if is_preflight(req.method, req.headers):
        if req.routing_exception is None or answered_here:
            # Whoever answered it on a route (the gate, a view that lists
            # OPTIONS, the app's own OPTIONS answer), as Flask-CORS's
            # after-request hook does, or a decorated error handler that
            # answered it itself (``answered_here``): a page on an allowed
            # origin may then read that handler's error for a URL the app
            # does not have. Any other preflight to no route keeps its 404
            # bare: a browser fails it whatever it carries.
            _apply_preflight(policy, req, response)
        return
    headers = policy.response_headers(req.headers.get("Origin"))
    if headers and req.headers.get("Access-Control-Request-Private-Network") == "true":
        # Flask-CORS answers the question on any shared response, not only
        # on preflights, and documents it so: a client that asks gets told.
        granted = "true" if policy.allow_private_network else "false"
        headers.append(("Access-Control-Allow-Private-Network", granted))
    _set(response, headers)


def _apply_preflight(policy: CorsPolicy, req: Request, response: Response) -> None:
    _set(
        response,
        policy.preflight_headers(
            req.headers.get("Origin"),
            req.headers.get("Access-Control-Request-Method"),
            req.headers.get("Access-Control-Request-Headers"),
            req.headers.get("Access-Control-Request-Private-Network"),
        ),
    )


def _registry(app: Hipflask) -> _Registry:
    registry = app.extensions.get("cors")
    if not isinstance(registry, _Registry):
        registry = app.extensions["cors"] = _Registry(app)
    return registry


class CORS:
    """Share an app's responses with other origins, as Flask-CORS does.

    ``CORS(app)`` allows every origin on every route, without credentials;
    ``resources`` narrows it to path patterns, each with its own options.
    ``CORS(blueprint)`` applies to that blueprint's routes only, on every
    app it is registered on. A wildcard origin with
    ``supports_credentials=True`` is refused here, at start-up.
    """

    def __init__(self, app: Hipflask | Blueprint | None = None, **kwargs: Any) -> None:
        self._options = kwargs
        if app is not None:
            self.init_app(app, **kwargs)

    def init_app(self, app: Hipflask | Blueprint, **kwargs: Any) -> None:
        """Add this instance's resources to the app (settings: ``CORS_*``).

        A blueprint has no settings of its own: its resources are added,
        with the settings of the app it is registered on, at registration.
        """
        if isinstance(app, Blueprint):
            options = {**self._options, **kwargs}

            def register(state: BlueprintSetupState) -> None:
                name = f"{state.name_prefix}.{state.name}".lstrip(".")
                self._add(state.app, options, blueprint=name)

            app.record(register)
            return
        self._add(app, {**self._options, **kwargs})

    @staticmethod
    def _add(app: Hipflask, options: dict[str, Any], blueprint: str | None = None) -> None:
        merged = {**_config_options(app), **options}
        resources = merged.pop("resources", None)
        _registry(app).add(parse_resources(resources, merged), blueprint)


def cross_origin(*args: Any, **kwargs: Any) -> Callable[[F], F]:
    """Allow cross-origin requests to one view (Flask-CORS's decorator).

    The app learns the view's policy when the route is registered, so even
    the first request of a fresh process, a preflight or a cross-site POST
    from an allowed origin, is answered by the gate and let through the
    built-in cross-origin refusal. The view also adds its own headers, so
    it keeps working when it is registered in a way the app cannot see
    (``app.view_functions[...] = view``).

    ``automatic_options=False`` leaves ``OPTIONS`` to the app: the view
    answers it if it lists ``OPTIONS`` among its methods (and gets the
    preflight headers), the app's plain ``OPTIONS`` answer otherwise, which
    an app-wide ``CORS(app)`` policy covering the URL answers as a preflight,
    as Flask-CORS does; the view's own policy still decides the requests
    that follow.
    """
    if args:
        kwargs.setdefault("origins", args[0])
    _check_early(kwargs)
    declared = _ViewCors(kwargs)

    def decorator(view: F) -> F:
        is_async = inspect.iscoroutinefunction(view)

        def before() -> tuple[CorsPolicy, Any]:
            app = current_app._get_current_object()
            _registry(app)
            policy = declared.policy(app)
            if policy.automatic_options and request.method == "OPTIONS":
                # The app's plain answer; the wrapper adds the preflight's
                # headers, or an actual response's to an OPTIONS that asks
                # no Access-Control-Request-Method, as Flask-CORS does.
                return policy, current_app.make_default_options_response()
            return policy, None

        if is_async:

            @functools.wraps(view)
            async def async_wrapper(*a: Any, **k: Any) -> Any:
                policy, rv = before()
                if rv is not None:
                    return _with_headers(policy, rv, answered_here=True)
                return _with_headers(policy, await view(*a, **k))

            wrapper: Any = async_wrapper
        else:

            @functools.wraps(view)
            def sync_wrapper(*a: Any, **k: Any) -> Any:
                policy, rv = before()
                if rv is not None:
                    return _with_headers(policy, rv, answered_here=True)
                rv = view(*a, **k)
                if inspect.isawaitable(rv):
                    # A plain function handing on an async view's result
                    # (a class-based view of async methods, an API's
                    # output wrapper): the headers go on once it is done.
                    return _with_headers_awaited(policy, rv)
                return _with_headers(policy, rv)

            wrapper = sync_wrapper
        # The route's methods are fixed now, from the decorator's own
        # options, as in Flask-CORS; the answer itself follows the settings.
        if kwargs.get("automatic_options", True):
            wrapper.required_methods = ["OPTIONS"]
            wrapper.provide_automatic_options = False
        wrapper.on_add_url_rule = _on_add_url_rule
        _VIEW_CORS[wrapper] = declared
        return wrapper  # type: ignore[no-any-return]

    return decorator


def _check_early(options: dict[str, Any]) -> None:
    """Refuse what no app setting can make right, where the decorator is written.

    An unknown option or a malformed regex is wrong whatever the app says;
    a wildcard with credentials is refused only once the app's settings are
    known (``CORS_ORIGINS`` may list the origins), at route registration.
    """
    trial = dict(options)
    if "origins" not in trial:
        trial["origins"] = "https://settings.invalid"
    CorsPolicy.from_options(**trial)


def _on_add_url_rule(app: Hipflask, endpoint: str) -> None:
    """Called by the app when a decorated view is routed: register the gate now.

    The view's policy is built here from the app's current settings, so a
    bad combination (credentials with every origin) fails at start-up.
    """
    _registry(app)
    declared = _view_cors(app.view_functions[endpoint])
    if declared is not None:
        declared.policy(app)


async def _with_headers_awaited(policy: CorsPolicy, awaitable: Any) -> Response:
    return _with_headers(policy, await awaitable)


def _with_headers(policy: CorsPolicy, rv: Any, *, answered_here: bool = False) -> Response:
    response: Response = current_app.make_response(rv)
    req: Request = request._get_current_object()  # type: ignore[attr-defined]
    _apply(policy, req, response, answered_here=answered_here)
    return response


def __getattr__(name: str) -> object:
    if name == "__version__":
        # Flask-CORS names its release; here it is hipflask's, read on use
        # as the package sets it after importing its modules.
        import hipflask

        return hipflask.__version__
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
