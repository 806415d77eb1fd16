"""The application object: :class:`Hipflask` (also importable as ``Flask``).

One object serves both protocols: called with ``(environ, start_response)``
it is a WSGI app, called with ``(scope, receive, send)`` an ASGI app. Both
adapters build the same neutral request and run the same pipeline
(:mod:`hipflask.core.pipeline`); this class holds the registrations and the
Flask-compatible methods around them.

Groups of those methods live in mixins of their own, one module each:
error handling (:mod:`~hipflask.core.erroring`), the pipeline's override
points (:mod:`~hipflask.core.methods`), the serving lifecycle
(:mod:`~hipflask.core.lifecycle`), the session interface
(:mod:`~hipflask.core.session_interface`), templates
(:mod:`~hipflask.core.templates`), URL binding and building
(:mod:`~hipflask.core.urls`) and the development server and test client
(:mod:`~hipflask.core.development`).
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import threading
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from datetime import timedelta
from inspect import iscoroutinefunction
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.exceptions import Aborter
from werkzeug.exceptions import HTTPException
from werkzeug.utils import cached_property

from .. import signals as _signals
from ..contexts import globals as _globals
from ..contexts.ctx import AppContext
from ..contexts.ctx import RequestContext
from ..contexts.ctx import _AppCtxGlobals
from ..contexts.globals import _current_app_or_none
from ..json.provider import DefaultJSONProvider
from ..json.provider import JSONProvider
from ..routing.matcher import Matcher
from ..routing.rules import Map
from ..routing.rules import Rule
from ..routing.rules import route_methods
from ..security.gate import SecurityGate
from ..security.proxies import ProxyTrust
from ..wrappers.coerce import make_response as _coerce
from ..wrappers.coerce import text_response as _text_response
from ..wrappers.request import Request
from ..wrappers.response import Response
from . import bridge
from . import pipeline
from . import serve
from . import targets as _targets
from . import typed as _typed
from . import wsgi as _wsgi
from . import wsgi_direct as _wsgi_direct
from .config import DEFAULT_CONFIG
from .config import Config
from .config import ConfigAttribute
from .config import _to_timedelta
from .config import adopt_class_settings
from .config import debug_from_environment
from .development import DevelopmentMethods
from .erroring import ErrorMethods
from .erroring import current_environ as _current_environ
from .erroring import none_returned_message
from .lifecycle import LifecycleMethods
from .logging import create_logger
from .methods import PipelineMethods
from .packages import instance_path_for
from .scaffold import Scaffold
from .scaffold import SetupFinishedError
from .scaffold import setupmethod
from .session_interface import SessionMethods
from .templates import TemplateMethods
from .urls import RoutingFailure
from .urls import URLMethods
from .urls import check_static_host

if TYPE_CHECKING:
    from ..typing import RouteCallable
    from ..typing import ShellContextProcessorCallable
    from ..typing import TeardownCallable
    from .blueprints import Blueprint
    from .commands import AppGroup
    from .wsgi_front import BufferedWSGI

# Plain names, not ``from`` imports, so that their method calls compile as
# method calls (see hipflask.contexts.globals).
_cv_app = _globals._cv_app
_cv_request = _globals._cv_request


#: Stands for an argument ``__call__`` was not given (``None`` is a valid one).
_NO_ARGUMENT: Any = object()


class Hipflask(
    ErrorMethods,
    PipelineMethods,
    LifecycleMethods,
    SessionMethods,
    TemplateMethods,
    URLMethods,
    DevelopmentMethods,
    Scaffold,
):
    """A web application: routes, hooks, configuration, served as WSGI and ASGI.

    ``import_name`` locates the app's folder (templates, static files,
    instance folder); pass ``__name__``.
    """

    request_class: type[Request] = Request
    response_class: type[Response] = Response
    json_provider_class: type[JSONProvider] = DefaultJSONProvider
    app_ctx_globals_class = _AppCtxGlobals
    config_class = Config
    url_rule_class = Rule
    url_map_class = Map
    default_config = DEFAULT_CONFIG
    #: What :meth:`make_aborter` makes: ``abort(code)`` calls it.
    aborter_class: type[Aborter] = Aborter

    secret_key = ConfigAttribute["str | bytes | None"]("SECRET_KEY")
    testing = ConfigAttribute[bool]("TESTING")
    permanent_session_lifetime = ConfigAttribute[timedelta](
        "PERMANENT_SESSION_LIFETIME", get_converter=_to_timedelta
    )

    def __init__(
        self,
        import_name: str,
        static_url_path: str | None = None,
        static_folder: str | os.PathLike[str] | None = "static",
        static_host: str | None = None,
        host_matching: bool = False,
        subdomain_matching: bool = False,
        template_folder: str | os.PathLike[str] | None = "templates",
        instance_path: str | None = None,
        instance_relative_config: bool = False,
        root_path: str | None = None,
    ) -> None:
        super().__init__(
            import_name=import_name,
            static_folder=static_folder,
            static_url_path=static_url_path,
            template_folder=template_folder,
            root_path=root_path,
        )
        if instance_path is None:
            instance_path = self.auto_find_instance_path()
        elif not os.path.isabs(instance_path):
            raise ValueError(
                "If an instance path is provided it must be absolute."
                " A relative path was given instead."
            )
        self.instance_path = instance_path
        self.config = self.make_config(instance_relative_config)
        adopt_class_settings(self)
        self.json: JSONProvider = self.json_provider_class(self)
        self.url_map = self.url_map_class(host_matching=host_matching)
        self.subdomain_matching = subdomain_matching
        self.blueprints: dict[str, Blueprint] = {}
        self.extensions: dict[str, Any] = {}
        #: Called by :func:`~hipflask.abort`; give it a ``mapping`` of your
        #: own codes (or replace it) to abort with them.
        self.aborter = self.make_aborter()
        self.teardown_appcontext_funcs: list[TeardownCallable] = []
        self.shell_context_processors: list[ShellContextProcessorCallable] = []
        self.before_first_request_funcs: list[Callable[[], Any]] = []
        self.before_serving_funcs: list[Callable[[], Any]] = []
        self.after_serving_funcs: list[Callable[[], Any]] = []
        self._served_startup = False
        self.url_build_error_handlers: list[Callable[[Exception, str, dict[str, Any]], str]] = []
        self._got_first_request = False
        self._proxy_cache: tuple[Any, ProxyTrust | None] | None = None
        # The wsgi_app last seen under ASGI, the front serving ASGI requests
        # through it (None: the native path), and whether PROXY_FIX was set
        # then; see wsgi_middleware.
        self._wsgi_front: tuple[Any, BufferedWSGI | None, bool] | None = None
        self._first_request_lock = threading.Lock()
        self._matcher: Matcher | None = None
        self._chains: dict[str | None, pipeline.Chain] = {}
        # The same chains by endpoint (see direct.endpoint_chain).
        self._endpoint_chains: dict[str, pipeline.Chain] = {}
        self._async_views: dict[Any, bool] = {}
        # Whether a request that matched no route runs on the ASGI loop;
        # worked out once serving has begun (see _unrouted_on_loop).
        self._unrouted_loop: bool | None = None
        self._signals = _signals
        #: The security gate: ordered checks before every view and finishers
        #: on every response; suites register theirs (see hipflask.security.gate).
        self.gate = SecurityGate(self)
        self._overrides: frozenset[str] | None = None
        self._custom_url_adapter = False
        self._async_sessions = False
        # Whether opening or saving a session can only be awaited (its
        # open_session or save_session is ``async def``).
        self._coroutine_sessions = False
        # Whether the session interface may wait on I/O (the default does not).
        self._session_io = False
        self._session_interface: Any = None
        if self.has_static_folder:
            check_static_host(static_host, host_matching)
            self.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                endpoint="static",
                host=static_host,
                view_func=self.send_static_file,
            )

    # -- identity and settings -------------------------------------------

    @cached_property
    def name(self) -> str:
        """The app's name: the import name, or the script's name for ``__main__``."""
        if self.import_name == "__main__":
            fn: str | None = getattr(sys.modules["__main__"], "__file__", None)
            if fn is None:
                return "__main__"
            return os.path.splitext(os.path.basename(fn))[0]
        return self.import_name

    @cached_property
    def cli(self) -> AppGroup:
        """The click group of this app's commands (``hipflask <command>``).

        Made on first use, so that click is loaded only by the command line and
        by apps that register commands, never by a server worker.
        """
        from .commands import AppGroup

        group = AppGroup()
        group.name = self.name
        return group

    @cached_property
    def logger(self) -> logging.Logger:
        """The app's :mod:`logging` logger, named after the app."""
        return create_logger(self)

    @property
    def debug(self) -> bool:
        """Debug mode (``DEBUG``): tracebacks propagate and templates reload."""
        return bool(self.config["DEBUG"])

    @debug.setter
    def debug(self, value: bool) -> None:
        self.config["DEBUG"] = value
        if self.config["TEMPLATES_AUTO_RELOAD"] is None and "jinja_env" in self.__dict__:
            self.jinja_env.auto_reload = value

    def make_config(self, instance_relative: bool = False) -> Config:
        """Create ``app.config`` with the defaults; relative to the instance folder if asked."""
        root_path = self.instance_path if instance_relative else self.root_path
        defaults = dict(self.default_config)
        defaults["DEBUG"] = debug_from_environment()
        return self.config_class(root_path, defaults)

    def auto_find_instance_path(self) -> str:
        """The instance folder, as :mod:`hipflask.core.packages` finds it."""
        return instance_path_for(self.import_name, self.name)

    def open_instance_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = "utf-8"
    ) -> Any:
        """Open a file in the instance folder, for reading or writing.

        Text is UTF-8 by default, as in Flask 3.1, whatever the machine's locale.
        """
        path = os.path.join(self.instance_path, resource)
        return open(path, mode) if "b" in mode else open(path, mode, encoding=encoding)

    # -- setup -------------------------------------------------------------

    def _check_setup_finished(self, f_name: str) -> None:
        if self._got_first_request:
            raise SetupFinishedError(
                f"The setup method '{f_name}' can no longer be called on the application."
                " It has already handled its first request, any changes will not be"
                " applied consistently. Make sure all imports, decorators, functions,"
                " etc. needed to set up the application are done before running it."
            )

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: RouteCallable | None = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        """Register a URL rule; see :meth:`route` for the options.

        A view function with an ``on_add_url_rule(app, endpoint)`` attribute
        has it called here, so a suite's decorator can set the app up before
        the first request without the core importing the suite.
        """
        if endpoint is None:
            if view_func is None:
                raise TypeError("expected view func if endpoint is not provided.")
            endpoint = view_func.__name__
        options["endpoint"] = endpoint
        methods, automatic = route_methods(
            view_func,
            options.pop("methods", None),
            provide_automatic_options,
            bool(self.config["PROVIDE_AUTOMATIC_OPTIONS"]),
        )
        rule_obj = self.url_rule_class(rule, methods=methods, **options)
        rule_obj.provide_automatic_options = automatic  # type: ignore[attr-defined]
        self.url_map.add(rule_obj)
        if view_func is not None:
            # Typed views are wrapped here, once; a plain view comes back as is.
            view_func = _typed.adapt(view_func)
            old_func = self.view_functions.get(endpoint)
            if old_func is not None and old_func != view_func:
                raise AssertionError(
                    "View function mapping is overwriting an existing"
                    f" endpoint function: {endpoint}"
                )
            self.view_functions[endpoint] = view_func
            # A decorator that must reach the app before the first request
            # (``cross_origin`` registering its gate check) leaves a hook.
            on_add = getattr(view_func, "on_add_url_rule", None)
            if on_add is not None:
                on_add(self, endpoint)
        self._matcher = None

    @setupmethod
    def register_blueprint(self, blueprint: Blueprint, **options: Any) -> None:
        """Register a blueprint; options override its ``url_prefix``, ``name`` …"""
        blueprint.register(self, options)
        self._chains.clear()
        self._endpoint_chains.clear()

    def iter_blueprints(self) -> Iterator[Blueprint]:
        """Registered blueprints, in registration order."""
        return iter(self.blueprints.values())

    @setupmethod
    def teardown_appcontext(self, f: TeardownCallable) -> TeardownCallable:
        """Run ``f(exc)`` when the app context ends (after each request, and CLI)."""
        self.teardown_appcontext_funcs.append(f)
        return f

    @setupmethod
    def shell_context_processor(
        self, f: ShellContextProcessorCallable
    ) -> ShellContextProcessorCallable:
        """Add names to ``hipflask shell``'s namespace."""
        self.shell_context_processors.append(f)
        return f

    def make_shell_context(self) -> dict[str, Any]:
        """The namespace of ``hipflask shell``: ``app``, ``g`` and processors' names."""
        rv: dict[str, Any] = {
            "app": self,
            "g": _cv_app.get().g if _cv_app.get(None) else None,
        }
        for processor in self.shell_context_processors:
            rv.update(processor())
        return rv

    # -- redirects, aborts, errors ----------------------------------------

    def make_aborter(self) -> Aborter:
        """The object :func:`~hipflask.abort` calls: an ``aborter_class`` instance."""
        return self.aborter_class()

    def redirect(self, location: str, code: int = 302) -> Response:
        """A redirect response of the app's response class (what :func:`~hipflask.redirect` makes).

        Override it to change every redirect the app makes; control
        characters and non-ASCII in ``location`` are percent-encoded.
        """
        from .helpers import redirect

        return redirect(location, code, Response=self.response_class)

    def should_ignore_error(self, error: BaseException | None) -> bool:
        """Whether teardown functions see ``error`` as ``None``; override to hide some."""
        return False

    # -- static files -------------------------------------------------------

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        """Cache lifetime for static files (``SEND_FILE_MAX_AGE_DEFAULT``)."""
        from .files import configured_max_age

        return configured_max_age(self.config)

    def send_static_file(self, filename: str) -> Response:
        """Serve a file from the static folder (the ``static`` endpoint)."""
        from .files import send_from_directory

        if self.static_folder is None:
            from werkzeug.exceptions import NotFound

            raise NotFound()
        return send_from_directory(
            self.static_folder, filename, max_age=self.get_send_file_max_age(filename)
        )

    # -- contexts -----------------------------------------------------------

    def app_context(self) -> AppContext:
        """An application context, for ``with app.app_context():``."""
        return AppContext(self)

    def request_context(self, environ: dict[str, Any]) -> RequestContext:
        """A request context for a WSGI environ (used by tests and tools)."""
        request = _wsgi.make_request(self, environ)
        self._match(request)
        return RequestContext(self, request)

    # -- sync/async ---------------------------------------------------------

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """``func`` itself if sync; if async, :meth:`async_to_sync` of it.

        For code that calls app functions itself (an extension's decorator).
        The app runs its own async views and hooks natively, awaiting them on
        the server's loop under ASGI, so overriding this does not change how
        they run.
        """
        if iscoroutinefunction(func):
            return self.async_to_sync(func)
        return func

    def async_to_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Wrap an async function for sync callers (per-thread event loop)."""
        return bridge.async_to_sync(func)

    # -- responses ------------------------------------------------------------

    def make_response(self, rv: Any) -> Response:
        """Turn a view's return value into a response; see :mod:`hipflask.wrappers.coerce`."""
        if type(rv) is str:
            return _text_response(rv, self.response_class)
        if type(rv) is self.response_class:
            return rv
        if isinstance(rv, HTTPException):
            return self._exception_response(rv)
        if rv is None or (type(rv) is tuple and rv and rv[0] is None):
            raise TypeError(none_returned_message())
        return _coerce(rv, self.response_class, self.json, _current_environ)

    def make_default_options_response(self) -> Response:
        """The automatic ``OPTIONS`` answer: an empty 200 with ``Allow``.

        A bare ``response_class()``, as Flask makes it: a response hook sees
        no body and no ``Content-Length`` yet (the adapter sends ``0``).
        """
        request = _cv_request.get().request
        adapter = self.create_url_adapter(request)
        methods = adapter.allowed_methods() if adapter is not None else []
        response = self.response_class()
        response.allow.update(methods)
        return response

    # -- routing ----------------------------------------------------------------

    def _match(self, request: Request) -> None:
        """Route a request outside the adapters (``request_context``).

        A converter failing with an error that is no HTTP error is raised
        here, as Flask's request context raises it: no request is being
        served whose error handlers could answer it.
        """
        serve.prepare(self, request, None)
        failure = request.routing_exception
        if isinstance(failure, RoutingFailure) and failure.original_exception is not None:
            raise failure.original_exception

    def _chain(self, blueprint: str | None) -> pipeline.Chain:
        chain = self._chains.get(blueprint)
        if chain is None:
            chain = pipeline.Chain(self, blueprint)
            # Kept only once serving has begun and setup methods refuse: a
            # chain built earlier (a test_request_context, say) would hide
            # hooks registered after it.
            if self._got_first_request:
                self._chains[blueprint] = chain
        return chain

    # -- serving ------------------------------------------------------------------------

    def __call__(
        self, first: Any = _NO_ARGUMENT, second: Any = _NO_ARGUMENT, third: Any = _NO_ARGUMENT,
        *more: Any,
    ) -> Any:  # fmt: skip
        """WSGI with two arguments, ASGI 3 with three, ASGI 2 with one.

        The one-argument form (``app(scope)`` returning a coroutine function
        of ``(receive, send)``) is there because servers that guess the
        protocol from ``__call__`` take a plain method for ASGI 2: with it,
        ``uvicorn myapp:app`` works with no ``--interface`` flag.
        """
        # Through wsgi_app / asgi_app, so that middleware installed the Flask
        # way (``app.wsgi_app = ProxyFix(app.wsgi_app)``) sees every request.
        # Named parameters rather than ``*args``: no tuple and no len() call
        # on every request.
        if third is _NO_ARGUMENT and second is not _NO_ARGUMENT:
            if "wsgi_app" not in self.__dict__ and type(self).wsgi_app is _WSGI_APP:
                # Not wrapped: straight to the adapter, a frame less.
                return _wsgi_direct.handle(self, first, second)
            return self.wsgi_app(first, second)
        if third is not _NO_ARGUMENT and not more:
            if "asgi_app" not in self.__dict__ and type(self).asgi_app is _ASGI_APP:
                # Not wrapped: straight to the adapter, a coroutine frame less.
                if first["type"] == "http":
                    return _asgi_direct.http(self, first, second, third)
                return _asgi_direct.handle(self, first, second, third)
            return self.asgi_app(_targets.routed_scope(first), second, third)
        if second is _NO_ARGUMENT and isinstance(first, dict):
            return functools.partial(self.asgi_app, _targets.routed_scope(first))
        given = sum(arg is not _NO_ARGUMENT for arg in (first, second, third)) + len(more)
        raise TypeError(
            "A Hipflask app is called as WSGI (environ, start_response) or"
            f" ASGI (scope, receive, send), not with {given} arguments."
        )

    def wsgi_app(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        """The WSGI application; wrap this (not the app) with WSGI middleware."""
        return _wsgi_direct.handle(self, environ, start_response)

    async def asgi_app(self, scope: Any, receive: Any, send: Any) -> None:
        """The ASGI 3 application (``lifespan`` and ``http``)."""
        await _asgi_direct.handle(self, scope, receive, send)


class _ASGIOnFirstUse:
    """Stands for :mod:`hipflask.core.asgi_direct` until the app is first called as ASGI.

    The ASGI adapter and what only it uses (the scope reader, the worker
    threads of sync views, the disconnect watch, the WSGI-middleware front)
    are a few hundred KiB of a worker's memory that a WSGI server's workers never
    use. The first attribute read (the ``lifespan`` or first ``http`` call)
    imports the module and puts it in this one's place, so later requests
    find the module itself, at no cost per request.
    """

    def __getattr__(self, name: str) -> Any:
        global _asgi_direct
        from . import asgi_direct

        _asgi_direct = asgi_direct
        return getattr(asgi_direct, name)


if TYPE_CHECKING:
    # The calls in __call__ are checked against the module's signatures.
    from . import asgi_direct as _asgi_direct
else:
    _asgi_direct = _ASGIOnFirstUse()

#: The stock ``asgi_app`` and ``wsgi_app``, which ``__call__`` may skip (see there).
_ASGI_APP = Hipflask.asgi_app
_WSGI_APP = Hipflask.wsgi_app


def log_from_app(logger: logging.Logger, level: int, message: str, *args: Any, **kw: Any) -> None:
    """Write one of the framework's lines on the app's logger, from this module.

    Flask writes its own lines (``Exception on ...``) from its ``app``
    module, and the default format names the module: written here, they read
    ``ERROR in app:`` too, so alerts and greps made for Flask's log still match.
    """
    logger.log(level, message, *args, **kw)


def _request_is_secure() -> bool:
    ctx = _cv_request.get(None)
    return ctx is not None and ctx.request.is_secure


# Cookies set without ``secure=`` are Secure when the current request came
# over HTTPS; the response layer cannot see the request context, so the hook
# is installed here.
def _configured_max_cookie_size() -> int | None:
    app = _current_app_or_none()
    return None if app is None else app.config["MAX_COOKIE_SIZE"]


Response.is_request_secure = staticmethod(_request_is_secure)
Response.configured_max_cookie_size = staticmethod(_configured_max_cookie_size)

#: Flask's name, bound here: type checkers do not export an ``import X as Y`` rename.
Flask = Hipflask
