"""``Api``: resources on an app or a blueprint, with JSON errors.

An error of a request the API owns (raised by one of its resources or by a
hook before it, or a routing error under its URLs) is answered as JSON
(``{"message": ...}``, or the payload given to :func:`abort`) by
:meth:`Api.handle_error`, before the handlers the app and its blueprints
registered, as in Flask-RESTful; other errors keep the app's own handling.
The app's methods are not replaced: :mod:`hipflask.restful.router` stands
in front of the app's error handlers instead.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import weakref
from collections.abc import Callable
from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar

from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.exceptions import NotAcceptable
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response as _BaseResponse

from .. import signals
from ..contexts.ctx import has_app_context
from ..contexts.globals import current_app
from ..contexts.globals import request
from ..core.blueprints import Blueprint
from ..core.helpers import url_for as _url_for
from ..core.typed import adapt_class
from ..errors import HipflaskError
from ..wrappers.headers import add_vary
from .errors import error_data
from .errors import has_own_response
from .errors import http_status_message
from .marshalling import unpack
from .representations import DEFAULT_REPRESENTATIONS
from .representations import Representation
from .resource import Resource
from .router import ErrorRouter
from .router import find_handler
from .router import is_logged

if TYPE_CHECKING:
    from ..core.blueprints import BlueprintSetupState

__all__ = ["Api"]

R = TypeVar("R", bound=type[Resource])

#: The attribute marking a view function as served by an :class:`Api`.
API_ATTRIBUTE = "__hipflask_restful_api__"


class EndpointInUseError(HipflaskError, ValueError):
    """Two different resources were given the same endpoint name."""


class Api:
    """The entry point of a REST API: ``api = Api(app)`` (or a blueprint), then add resources.

    :param prefix: put in front of every resource URL.
    :param default_mediatype: the representation used when ``Accept`` names none
        the API has (``None``: answer 406 instead).
    :param decorators: applied to every resource's view function.
    :param catch_all_404s: answer URLs that match no route (404) with JSON too; a
        method a plain view lacks (405) keeps the app's own page.
    :param serve_challenge_on_401: add ``WWW-Authenticate`` to 401 answers.
    :param errors: maps an exception class *name* to the body (and ``status``)
        to answer it with.
    """

    def __init__(
        self,
        app: Any = None,
        prefix: str = "",
        default_mediatype: str | None = "application/json",
        decorators: list[Callable[..., Any]] | None = None,
        catch_all_404s: bool = False,
        serve_challenge_on_401: bool = False,
        url_part_order: str = "bae",
        errors: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.representations: dict[str, Representation] = dict(DEFAULT_REPRESENTATIONS)
        self.urls: dict[str, Any] = {}
        self.prefix = prefix
        self.default_mediatype = default_mediatype
        self.decorators = list(decorators or [])
        self.catch_all_404s = catch_all_404s
        self.serve_challenge_on_401 = serve_challenge_on_401
        self.url_part_order = url_part_order
        self.errors = dict(errors or {})
        self.endpoints: set[str] = set()
        self.resources: list[tuple[type[Resource], tuple[str, ...], dict[str, Any]]] = []
        self.app: Any = None
        self.blueprint: Blueprint | None = None
        # Where each app mounted the blueprint (its url_prefix per registration).
        self._mounts: weakref.WeakKeyDictionary[Any, list[str]] = weakref.WeakKeyDictionary()
        # The options of each registration of the blueprint, per app: a
        # resource added once the blueprint is registered goes straight to them.
        self._registrations: weakref.WeakKeyDictionary[Any, list[dict[str, Any]]] = (
            weakref.WeakKeyDictionary()
        )
        if app is not None:
            self.app = app
            self.init_app(app)

    # -- setup ---------------------------------------------------------------

    def init_app(self, app: Any) -> None:
        """Register the resources added so far on ``app``, and answer its errors."""
        if isinstance(app, Blueprint):
            self.blueprint = app
            # Errors are the app's: the API answers them once the blueprint
            # is registered on one.
            app.record(self._on_blueprint_registered)
        else:
            self.app = app
            ErrorRouter.of(app).add(self)
        for resource, urls, kwargs in self.resources:
            self._register_view(app, resource, *urls, **kwargs)

    def _on_blueprint_registered(self, state: BlueprintSetupState) -> None:
        ErrorRouter.of(state.app).add(self)
        self._mounts.setdefault(state.app, []).append(state.url_prefix or "")
        self._registrations.setdefault(state.app, []).append(dict(state.options))

    def add_resource(self, resource: type[Resource], *urls: str, **kwargs: Any) -> None:
        """Serve ``resource`` at ``urls`` (``endpoint=`` names it; the class name by default).

        ``resource_class_args`` and ``resource_class_kwargs`` go to its
        constructor; other keywords go to ``add_url_rule``.
        """
        if self.app is not None or self.blueprint is not None:
            self._register_view(self.app or self.blueprint, resource, *urls, **kwargs)
        else:
            self.resources.append((resource, urls, kwargs))

    def resource(self, *urls: str, **kwargs: Any) -> Callable[[R], R]:
        """Decorator form of :meth:`add_resource`."""

        def decorator(cls: R) -> R:
            self.add_resource(cls, *urls, **kwargs)
            return cls

        return decorator

    def _register_view(
        self, target: Any, resource: type[Resource], *urls: str, **kwargs: Any
    ) -> None:
        endpoint = kwargs.pop("endpoint", None) or resource.__name__.lower()
        class_args = kwargs.pop("resource_class_args", ())
        class_kwargs = kwargs.pop("resource_class_kwargs", {})
        existing = target.view_functions.get(endpoint) if not self.blueprint else None
        if existing is not None and getattr(existing, "view_class", None) is not resource:
            raise EndpointInUseError(
                f"This endpoint ({endpoint}) is already set to the class"
                f" {existing.view_class.__name__}; pass endpoint= to add_resource."
            )
        self.endpoints.add(endpoint)
        resource.mediatypes = self.mediatypes_method()
        resource.endpoint = endpoint
        # Typed methods are wrapped here too: an API decorator that does not
        # copy ``view_class`` would otherwise hide the class from the router.
        adapt_class(resource)
        view: Any = self.output(resource.as_view(endpoint, *class_args, **class_kwargs))
        for on_resource_view in _resource_view_hooks(resource):
            view = on_resource_view(resource, view)
        for decorator in self.decorators:
            view = decorator(view)
        setattr(view, API_ATTRIBUTE, self)
        for url in urls:
            rule = self.prefix + url
            self.urls[rule] = resource
            if self.blueprint is not None and self._registrations:
                self._add_to_registrations(rule, view, endpoint, kwargs)
            else:
                target.add_url_rule(rule, view_func=view, endpoint=endpoint, **kwargs)

    def _add_to_registrations(
        self, rule: str, view: Any, endpoint: str, options: dict[str, Any]
    ) -> None:
        """Add a rule to every app the API's blueprint is already registered on.

        A registered blueprint takes no new rules, yet Flask-RESTful lets an
        app add resources to an API on one after ``register_blueprint`` (the
        resource modules imported later): the rule goes to each registration,
        under its prefix and name, as the blueprint would have put it there.
        A later registration of the blueprint does not see it, as in
        Flask-RESTful.
        """
        if self.blueprint is None:  # pragma: no cover - guarded by the caller
            return
        for app, registrations in list(self._registrations.items()):
            for registration in registrations:
                state = self.blueprint.make_setup_state(app, registration)
                state.add_url_rule(rule, view_func=view, endpoint=endpoint, **options)

    def representation(self, mediatype: str) -> Callable[[Representation], Representation]:
        """Register ``func(data, code, headers) -> Response`` for a media type."""

        def decorator(func: Representation) -> Representation:
            self.representations[mediatype] = func
            return func

        return decorator

    # -- serving ---------------------------------------------------------------

    def output(self, resource: Callable[..., Any]) -> Callable[..., Any]:
        """Wrap a resource view so data it returns is made into a response."""

        view_class = getattr(resource, "view_class", None)

        @functools.wraps(resource)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            # A resource with representations of its own (read now: a class
            # may get them after it was added) answered in one of them or
            # left the data to the API's, by the client's Accept either way.
            negotiated = bool(getattr(view_class, "representations", None))
            rv = resource(*args, **kwargs)
            if inspect.isawaitable(rv):
                return self._respond_awaited(rv, negotiated)
            return self._respond(rv, negotiated)

        return wrapper

    async def _respond_awaited(self, awaitable: Any, negotiated: bool) -> Any:
        return self._respond(await awaitable, negotiated)

    def _respond(self, rv: Any, negotiated: bool) -> Any:
        # A response here was built by the method itself (the same for every
        # client) or by one of its class's representations (which says Vary).
        if isinstance(rv, _BaseResponse):
            return rv
        data, code, headers = unpack(rv)
        response = self.make_response(data, code, headers=headers)
        if negotiated:
            # None of the class's representations was accepted.
            add_vary(response.headers, "Accept")
        return response

    def mediatypes(self) -> list[str]:
        """The media types of the request's ``Accept`` header, best first."""
        return [value for value, _quality in request.accept_mimetypes]

    def mediatypes_method(self) -> Callable[[Any], list[str | None]]:
        """A method giving :meth:`mediatypes`, then ``default_mediatype``.

        :meth:`add_resource` sets it as the resource's ``mediatypes``, as
        Flask-RESTful does, so a resource written for it can call
        ``self.mediatypes()`` to see what the client asked for.
        """
        return lambda resource: [*self.mediatypes(), self.default_mediatype]

    def make_response(self, data: Any, *args: Any, **kwargs: Any) -> Any:
        """The response for ``data`` in the representation the client accepts best."""
        fallback = kwargs.pop("fallback_mediatype", None) or self.default_mediatype
        mediatype: str | None = request.accept_mimetypes.best_match(list(self.representations))
        if mediatype is None:
            mediatype = fallback
        if mediatype is None:
            raise NotAcceptable()
        if mediatype in self.representations:
            response = self.representations[mediatype](data, *args, **kwargs)
            response.headers["Content-Type"] = mediatype
        elif mediatype == "text/plain":
            response = current_app.make_response((str(data), *args))
            response.headers["Content-Type"] = "text/plain"
        else:
            raise InternalServerError()
        if fallback is None or any(other != fallback for other in self.representations):
            # The client's Accept chose the format (or whether there is one):
            # a shared cache must keep one client's answer from another's.
            # Only an API whose one representation is its fallback answers
            # every client alike.
            add_vary(response.headers, "Accept")
        return response

    def url_for(self, resource: type[Resource], **values: Any) -> str:
        """The URL of a resource added to this API."""
        endpoint = resource.endpoint or resource.__name__.lower()
        if self.blueprint is not None:
            endpoint = f"{self.blueprint.name}.{endpoint}"
        return _url_for(endpoint, **values)

    def owns_endpoint(self, endpoint: str | None) -> bool:
        """Whether ``endpoint`` is one of this API's resources.

        In an app context the view registered under ``endpoint`` is asked,
        which holds for blueprints registered under another name. Outside
        one (a script, a test setting up) the names this API added answer,
        under its blueprint's name as registered by default, as in
        Flask-RESTful.
        """
        if endpoint is None:
            return False
        if not has_app_context():
            if self.blueprint is not None:
                prefix = f"{self.blueprint.name}."
                if not endpoint.startswith(prefix):
                    return False
                endpoint = endpoint[len(prefix) :]
            return endpoint in self.endpoints
        view = current_app.view_functions.get(endpoint)
        return getattr(view, API_ATTRIBUTE, None) is self

    # -- errors ------------------------------------------------------------------

    def error_router(self, original_handler: Callable[[Any], Any], e: Exception) -> Any:
        """Answer ``e`` with :meth:`handle_error` if it is this API's, else pass it on.

        ``original_handler`` is what handles ``e`` otherwise: the APIs set up
        before this one, then the app's own handler for it. As in
        Flask-RESTful, an error :meth:`handle_error` does not answer (it
        re-raises an unexpected error while exceptions propagate) goes on to
        ``original_handler`` too. A subclass may override this to pass
        chosen errors on.
        """
        if not self._should_handle(e):
            return original_handler(e)
        if not isinstance(e, HTTPException) and type(e).__name__ not in self.errors:
            specific = find_handler(current_app, e, own_class_only=True)
            if specific is not None:
                # A handler for this error's own class (an extension's, such as
                # the JWT manager's or Principal's, or the app's) answers it:
                # Flask-RESTful's router falls through to it whenever
                # exceptions propagate, as Flask-JWT-Extended makes them.
                return specific(e)
        try:
            return self.handle_error(e)
        except Exception:  # Flask-RESTful falls through to the app here too
            return original_handler(e)

    def _should_handle(self, e: Exception) -> bool:
        """Whether the request's error is this API's: its resource was routed to, or its URL is.

        Without a route, the URL decides, whatever the error (the routing
        error itself, or one a ``before_request`` hook raised first), as
        Flask-RESTful decides it. A URL under the API's that matches nothing
        is the app's when the app has a handler for its 404 and
        ``catch_all_404s`` is off, as in Flask-RESTful; without one, the API
        answers it with JSON rather than leaving it to the HTML page.
        """
        rule = request.url_rule
        if rule is not None:
            return self.owns_endpoint(rule.endpoint)
        routing = request.routing_exception
        if not isinstance(routing, (NotFound, MethodNotAllowed)):
            return False
        mounts = self._current_mounts()
        if isinstance(routing, MethodNotAllowed):
            endpoint = _endpoint_for_other_method(routing)
            if endpoint is not None:
                # A method a plain view of the app lacks is that view's 405
                # (its own page), even with catch_all_404s: that option is for
                # URLs that match nothing, as Flask-RESTful has it.
                return self.owns_endpoint(endpoint)
        # A URL under the API's prefix that matches no resource (a bad id for
        # an int converter, say) is still the API's: its clients get JSON.
        # Likewise under the fixed part of a resource URL ("/authors/" of
        # "/authors/<int:id>"): "/authors/abc" is a missing author.
        if any(request.path.startswith(start) for start in self._url_starts(mounts)):
            return (
                e is not routing
                or not isinstance(e, NotFound)
                or self.catch_all_404s
                or find_handler(current_app._get_current_object(), e) is None
            )
        return self._catches_all(mounts)

    def _current_mounts(self) -> list[str]:
        """The URL prefixes the API is mounted under in the current app."""
        mounts = [""] if self._is_on_app() else []
        return mounts + self._mounts.get(current_app._get_current_object(), [])

    def _catches_all(self, mounts: list[str]) -> bool:
        # On the app, catch_all_404s means every URL, as in Flask-RESTful; on
        # a blueprint mounted under a prefix, only the URLs under it: the rest
        # of the app keeps its own error pages.
        if not self.catch_all_404s:
            return False
        return self._is_on_app() or any(not _join(mount, self.prefix) for mount in mounts)

    def _is_on_app(self) -> bool:
        # ``self.app`` is also the blueprint given to ``Api(bp)``, as in Flask-RESTful.
        return self.app is not None and not isinstance(self.app, Blueprint)

    def _url_starts(self, mounts: list[str]) -> list[str]:
        starts = [rule[: rule.index("<")] for rule in self.urls if "<" in rule]
        found: list[str] = []
        for mount in mounts:
            prefix = _join(mount, self.prefix)
            if prefix:
                found.append(prefix + "/")
            found.extend(_join(mount, start) for start in starts if start.strip("/"))
        return found

    def handle_error(self, e: Exception) -> Any:
        """The JSON response for an error raised in one of this API's resources."""
        name = type(e).__name__
        if not isinstance(e, HTTPException) and name not in self.errors:
            # Unexpected errors propagate in tests and debug, as without an API.
            propagate = current_app.config["PROPAGATE_EXCEPTIONS"]
            if propagate is None:
                propagate = current_app.testing or current_app.debug
            if propagate:
                raise e
        if isinstance(e, HTTPException) and has_own_response(e):
            # A response the raiser built (a challenge, a custom body) is the
            # answer as it is, as in Flask-RESTful.
            return e.get_response()
        code, data, headers = self._error_answer(e, name)
        if code >= 500 and not is_logged(e):
            if signals.got_request_exception.receivers:
                signals.got_request_exception.send(current_app._get_current_object(), exception=e)
            current_app.log_exception((type(e), e, e.__traceback__))
        if code == 404:
            _add_404_help(data)
        response = self.make_response(
            data, code, headers, fallback_mediatype=self._error_fallback_mediatype()
        )
        if isinstance(e, NotAcceptable):
            # Refused for the client's Accept, which another client's passes.
            add_vary(response.headers, "Accept")
        if code == 401:
            response = self.unauthorized(response)
        return response

    def _error_fallback_mediatype(self) -> str | None:
        """The media type of an error whose request accepts none the API has.

        With a ``default_mediatype``, that one. Without, JSON while the API
        has its JSON representation; otherwise the API's first representation,
        or plain text when it has none, as Flask-RESTful answers its 406: an
        API that replaced its representations would else fall through to the
        app's HTML page.
        """
        if self.default_mediatype is not None:
            return None
        if "application/json" in self.representations:
            return "application/json"
        return next(iter(self.representations), "text/plain")

    def _error_answer(self, e: Exception, name: str) -> tuple[int, Any, Any]:
        """The status, body and extra headers :meth:`handle_error` answers ``e`` with."""
        headers: Any = {}
        if isinstance(e, HTTPException) or name in self.errors:
            data = error_data(e)
        else:
            # An unexpected error's own ``data`` may be anything internal (a
            # library's payload, the input it choked on): a 500 says no more
            # than its reason phrase unless ``errors=`` names the class.
            data = {"message": http_status_message(500)}
        code = 500
        if isinstance(e, HTTPException):
            code = e.code or 500
            headers = [
                (key, value)
                for key, value in e.get_headers()
                if key.lower() not in ("content-type", "content-length")
            ]
        if name in self.errors:
            custom = dict(self.errors[name])
            # As in Flask-RESTful: without "status" the answer is a 500.
            code = int(custom.get("status", 500))
            # The entry's keys win over the exception's data. Data that is no
            # object (a list of messages) cannot take keys: it stays the body,
            # answered with the entry's status.
            if isinstance(data, dict):
                data.update(custom)
        return code, data, headers

    def unauthorized(self, response: Any) -> Any:
        """Add a ``WWW-Authenticate`` challenge when ``serve_challenge_on_401`` is set."""
        if self.serve_challenge_on_401:
            realm = current_app.config.get("HTTP_BASIC_AUTH_REALM", "flask-restful")
            response.headers["WWW-Authenticate"] = f'Basic realm="{realm}"'
        return response


def _endpoint_for_other_method(e: MethodNotAllowed) -> str | None:
    """The endpoint a 405'd URL has under one of its allowed methods."""
    if not e.valid_methods:
        return None
    adapter = current_app.create_url_adapter(request)
    if adapter is None:
        return None
    try:
        rule, _args = adapter.match(method=next(iter(e.valid_methods)), return_rule=True)
    except HTTPException:
        return None
    return str(rule.endpoint)


def _join(mount: str, rule: str) -> str:
    """``rule`` under a blueprint's ``url_prefix``, joined as the blueprint joins it."""
    if not mount:
        return rule.rstrip("/")
    return "/".join((mount.rstrip("/"), rule.lstrip("/"))).rstrip("/")


def _add_404_help(data: Any) -> None:
    """Suggest close routes in a 404's ``message`` when ``ERROR_404_HELP`` is true.

    Off unless set, debug included: Flask-RESTful 0.3.10 no longer suggests
    routes (its earlier releases did, unless the setting was false), and a
    suggestion tells any client the API's URL layout. A body that is no
    object (a list given as the exception's ``data``) has no message to
    extend.
    """
    if current_app.config.get("ERROR_404_HELP") and isinstance(data, dict):
        data["message"] = _did_you_mean(data.get("message", ""))


def _did_you_mean(message: Any) -> Any:
    if not isinstance(message, str):
        return message
    rules = [rule.rule for rule in current_app.url_map.iter_rules()]
    close = difflib.get_close_matches(request.path, rules)
    if not close:
        return message
    suggestions = " or ".join(close)
    return (
        f"{message.rstrip('.')}. You have requested this URI [{request.path}]"
        f" but did you mean {suggestions} ?"
    )


def _resource_view_hooks(resource: type[Resource]) -> list[Callable[..., Any]]:
    """What the resource's method decorators ask to put on its whole view.

    A decorator whose work must happen before a method is chosen (a CORS
    preflight, the cross-origin check: ``crossdomain``) carries an
    ``on_resource_view(resource, view)`` hook; a method decorator runs too
    late for it, on each request.
    """
    declared = resource.method_decorators
    if isinstance(declared, Mapping):
        decorators = [d for ds in declared.values() for d in ds]
    else:
        decorators = list(declared)
    hooks = (getattr(decorator, "on_resource_view", None) for decorator in decorators)
    return [hook for hook in hooks if hook is not None]
