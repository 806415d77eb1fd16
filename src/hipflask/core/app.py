"""The application object: :class:`Hipflask` (also importable as ``Flask``).

One object serves both protocols: called with ``(environ, start_response)``
it is a WSGI app, called with ``(scope, receive, send)`` an ASGI app. Both
adapters build the same neutral request and run the same pipeline
(:mod:`hipflask.core.pipeline`); this class holds the registrations and the
Flask-compatible methods around them.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import threading
import warnings
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from datetime import timedelta
from inspect import isawaitable
from inspect import iscoroutinefunction
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar

from werkzeug.exceptions import Aborter
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BuildError
from werkzeug.routing import MapAdapter
from werkzeug.utils import cached_property

from .. import signals as _signals
from ..contexts.ctx import AppContext
from ..contexts.ctx import RequestContext
from ..contexts.ctx import _AppCtxGlobals
from ..contexts.globals import _current_app_or_none
from ..contexts.globals import _cv_app
from ..contexts.globals import _cv_request
from ..json.provider import DefaultJSONProvider
from ..json.provider import JSONProvider
from ..routing.matcher import Matcher
from ..routing.rules import Map
from ..routing.rules import Rule
from ..routing.rules import route_methods
from ..routing.urls import build_url
from ..security.gate import SecurityGate
from ..security.hosts import check_external_url
from ..security.proxies import ProxyTrust
from ..templating.environment import Environment
from ..wrappers.coerce import make_response as _coerce
from ..wrappers.lazy import lazy_attribute
from ..wrappers.request import Request
from ..wrappers.response import Response
from . import asgi as _asgi
from . import bridge
from . import pipeline
from . import serve
from . import typed as _typed
from . import wsgi as _wsgi
from . import wsgi_direct as _wsgi_direct
from .config import DEFAULT_CONFIG
from .config import Config
from .config import ConfigAttribute
from .config import _to_timedelta
from .debughelpers import FormDataRoutingRedirect
from .debughelpers import loses_form_data
from .erroring import ErrorMethods
from .erroring import current_environ as _current_environ
from .logging import create_logger
from .methods import PipelineMethods
from .methods import overridable
from .packages import instance_path_for
from .scaffold import Scaffold
from .scaffold import SetupFinishedError
from .scaffold import registering
from .scaffold import setupmethod

if TYPE_CHECKING:
    from ..typing import RouteCallable
    from ..typing import ShellContextProcessorCallable
    from ..typing import TeardownCallable
    from .blueprints import Blueprint
    from .commands import AppGroup
    from .handoff import ThreadRunner

F = TypeVar("F", bound=Callable[..., Any])


#: Stands for an argument ``__call__`` was not given (``None`` is a valid one).
_NO_ARGUMENT: Any = object()


class Hipflask(ErrorMethods, PipelineMethods, Scaffold):
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
    test_client_class: type[Any] | None = None
    test_cli_runner_class: type[Any] | None = None
    default_config = DEFAULT_CONFIG
    jinja_options: dict[str, Any] = {}  # noqa: RUF012 - Flask's documented class attribute
    #: The class of ``jinja_env``; a subclass may name its own.
    jinja_environment: type[Environment] = Environment
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
        self._first_request_lock = threading.Lock()
        self._matcher: Matcher | None = None
        self._chains: dict[str | None, pipeline.Chain] = {}
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
            if bool(static_host) != host_matching:
                raise ValueError("Invalid static_host/host_matching combination")
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
        defaults["DEBUG"] = _env_debug()
        return self.config_class(root_path, defaults)

    def auto_find_instance_path(self) -> str:
        """The instance folder: ``<project>/instance`` or ``<prefix>/var/<name>-instance``.

        See :mod:`hipflask.core.packages` for which applies when.
        """
        return instance_path_for(self.import_name, self.name)

    def open_instance_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = "utf-8"
    ) -> Any:
        """Open a file in the instance folder, for reading or writing.

        Text is UTF-8 by default, as in Flask 3.1, whatever the machine's locale.
        """
        path = os.path.join(self.instance_path, resource)
        return open(path, mode) if "b" in mode else open(path, mode, encoding=encoding)

    @functools.cached_property
    def _threads(self) -> ThreadRunner:
        # Created on first use, not in __init__: ASGI_THREAD_POOL_SIZE is
        # usually set after the app is created (from_object, from_prefixed_env).
        from .handoff import ThreadRunner

        return ThreadRunner(int(self.config["ASGI_THREAD_POOL_SIZE"]))

    @property
    def session_interface(self) -> Any:
        """How sessions are opened and saved; signed cookies by default."""
        if self._session_interface is None:
            from ..sessions.cookie import SecureCookieSessionInterface

            self._session_interface = SecureCookieSessionInterface()
        return self._session_interface

    @session_interface.setter
    def session_interface(self, value: Any) -> None:
        self._session_interface = value
        # An interface with async I/O is opened eagerly and awaited (the
        # ``session`` proxy cannot await); decided here, not per request.
        self._async_sessions = _is_async_interface(value)
        self._coroutine_sessions = value is not None and (
            iscoroutinefunction(getattr(value, "open_session", None))
            or iscoroutinefunction(getattr(value, "save_session", None))
        )
        self._session_io = value is not None and pipeline.session_io(value)

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
                raise TypeError("add_url_rule needs an endpoint or a view function.")
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

    @setupmethod
    def before_first_request(self, f: F) -> F:
        """Run ``f()`` once, before the first request (thread-safe).

        Kept for the code tutorials still teach; prefer doing setup in the app
        factory, which runs before the server accepts connections.
        """
        self.before_first_request_funcs.append(f)
        return f

    @setupmethod
    def before_serving(self, f: F) -> F:
        """Run ``f()`` (sync or async) when the server starts, in an app context.

        Under ASGI this is the lifespan startup; under WSGI, where servers
        send no such event, it runs before the first request.
        """
        self.before_serving_funcs.append(f)
        return f

    @setupmethod
    def after_serving(self, f: F) -> F:
        """Run ``f()`` when the server shuts down (ASGI lifespan shutdown)."""
        self.after_serving_funcs.append(f)
        return f

    async def _serving_hooks(self, starting: bool) -> None:
        funcs = self.before_serving_funcs if starting else self.after_serving_funcs
        with self.app_context():
            await bridge.drive_async(pipeline.run_hooks(funcs))
        if starting:
            self._served_startup = True

    def _unrouted_on_loop(self) -> bool:
        """Whether a request that matched no route (404, 405) may run on the ASGI loop.

        It can when the app has no ``before_request`` functions or URL value
        preprocessors of its own (the only hooks such a request runs before
        its error handler), or when every view but the static files' is
        ``async def``: such an app already runs its sync hooks and error
        handlers on the loop, around each of those views, so a 404 blocks it
        no more, and a scanner's 404s cost no thread hand-off. An app with
        ``def`` views may have hooks and handlers that block like them (a
        database lookup), and its unrouted requests run in the thread pool.
        """
        known = self._unrouted_loop
        if known is not None:
            return known
        known = not (
            any(self.before_request_funcs.values()) or any(self.url_value_preprocessors.values())
        ) or all(
            is_async_view(view) or _serves_static_files(view)
            for view in self.view_functions.values()
        )
        # Kept once setup methods refuse, as the hook chains are.
        if self._got_first_request:
            self._unrouted_loop = known
        return known

    def _run_first_request_hooks(self, ctx: RequestContext) -> pipeline.Step:
        lock = self._first_request_lock
        if ctx.state.on_loop:
            # This thread runs the event loop, and the request running the
            # hooks may be suspended on this very loop: blocking here would
            # stop it for good. Wait in the thread pool instead, without taking
            # the lock there, so that a cancelled wait cannot leave it taken.
            while not lock.acquire(blocking=False):
                yield self._threads.run(_wait_until_free, lock)
        else:
            lock.acquire()
        try:
            if not self._got_first_request:
                if not self._served_startup:
                    yield from pipeline.run_hooks(self.before_serving_funcs)
                yield from pipeline.run_hooks(self.before_first_request_funcs)
                self._got_first_request = True
        finally:
            self._first_request_lock.release()

    # -- templates (registration; rendering lives in hipflask.templating) ---

    @lazy_attribute
    def jinja_env(self) -> Any:
        """The Jinja environment, created on first use (then a plain attribute read)."""
        return self.create_jinja_environment()

    @overridable
    def select_jinja_autoescape(self, filename: str | None) -> bool:
        """Whether a template is autoescaped: by default ``.html``, ``.htm``, ``.xml``,
        ``.xhtml`` and ``.svg`` files, and templates rendered from strings."""
        from ..templating.environment import select_jinja_autoescape

        return select_jinja_autoescape(filename)

    @overridable
    def update_template_context(self, context: dict[str, Any]) -> None:
        """Add ``request``, ``g`` and the context processors' values to ``context``.

        Values already in ``context`` are kept. Override it to change what
        every template sees; rendering calls the override.
        """
        from ..templating.render import update_template_context

        update_template_context(self, context)

    def create_jinja_environment(self) -> Any:
        """Create the Jinja environment with the app's loader, globals and filters."""
        from ..templating.environment import create_environment
        from .flashing import get_flashed_messages

        env = create_environment(self)
        # Flashing lives in the core, a layer above templating, so the core
        # adds its template global rather than templating reaching up for it.
        env.globals["get_flashed_messages"] = get_flashed_messages
        return env

    def create_global_jinja_loader(self) -> Any:
        """The loader of ``jinja_env``: the app's templates, then each blueprint's.

        Override it to load every template from elsewhere; to change only the
        app's own folder, set ``jinja_loader`` instead.
        """
        from ..templating.loaders import DispatchingJinjaLoader

        return DispatchingJinjaLoader(self)

    @setupmethod
    def template_filter(self, name: str | None = None) -> Callable[[F], F]:
        """Register a template filter: ``@app.template_filter()``."""
        return registering(self.add_template_filter, name)

    @setupmethod
    def add_template_filter(self, f: Callable[..., Any], name: str | None = None) -> None:
        """Non-decorator form of :meth:`template_filter`."""
        self.jinja_env.filters[name or f.__name__] = f

    @setupmethod
    def template_test(self, name: str | None = None) -> Callable[[F], F]:
        """Register a template test: ``@app.template_test()``."""
        return registering(self.add_template_test, name)

    @setupmethod
    def add_template_test(self, f: Callable[..., bool], name: str | None = None) -> None:
        """Non-decorator form of :meth:`template_test`."""
        self.jinja_env.tests[name or f.__name__] = f

    @setupmethod
    def template_global(self, name: str | None = None) -> Callable[[F], F]:
        """Register a template global: ``@app.template_global()``."""
        return registering(self.add_template_global, name)

    @setupmethod
    def add_template_global(self, f: Callable[..., Any], name: str | None = None) -> None:
        """Non-decorator form of :meth:`template_global`."""
        self.jinja_env.globals[name or f.__name__] = f

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

    def test_request_context(self, *args: Any, **kwargs: Any) -> RequestContext:
        """A request context built from ``EnvironBuilder`` arguments, for tests.

        Arguments that cannot make a request (a malformed base URL, a query
        string given twice) raise the builder's ``ValueError``, as in Flask:
        the mistake is in the test, not in anything a client sent.
        """
        builder = self._environ_builder(*args, **kwargs)
        try:
            return self.request_context(builder.get_environ())
        finally:
            builder.close()

    def _environ_builder(self, *args: Any, **kwargs: Any) -> Any:
        """An ``EnvironBuilder`` whose base URL follows ``SERVER_NAME`` and friends."""
        from ..testing.environ import EnvironBuilder

        return EnvironBuilder(self, *args, **kwargs)

    def test_client(self, use_cookies: bool = True, **kwargs: Any) -> Any:
        """A test client driving this app through the real adapter path.

        ``protocol="asgi"`` drives the ASGI adapter instead of WSGI.
        """
        cls = self.test_client_class
        if cls is None:
            from ..testing.client import HipflaskClient

            cls = HipflaskClient
        return cls(self, self.response_class, use_cookies=use_cookies, **kwargs)

    def test_cli_runner(self, **kwargs: Any) -> Any:
        """A click test runner that invokes commands with this app loaded."""
        cls = self.test_cli_runner_class
        if cls is None:
            from ..testing.runner import HipflaskCliRunner

            cls = HipflaskCliRunner
        return cls(self, **kwargs)

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
        if type(rv) is self.response_class:
            return rv
        if isinstance(rv, HTTPException):
            return self._exception_response(rv)
        if rv is None or (type(rv) is tuple and rv and rv[0] is None):
            raise TypeError(_none_returned_message())
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

    # -- proxies ----------------------------------------------------------------

    # -- routing ----------------------------------------------------------------

    def _match(self, request: Request) -> None:
        """Route a request outside the adapters (``request_context``)."""
        serve.prepare(self, request, None)

    def _is_async_view(self, request: Request) -> bool:
        rule = request.url_rule
        if rule is None:
            return False
        view = self.view_functions.get(rule.endpoint)
        try:
            return self._async_views[view]
        except KeyError:
            result = self._async_views[view] = is_async_view(view)
            return result

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
        raise request.routing_exception  # type: ignore[misc]

    def url_for(
        self,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: Any,
    ) -> str:
        """Build a URL for an endpoint; see :func:`hipflask.url_for`."""
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

    async def _teardown_appcontext_async(self, exc: BaseException | None) -> None:
        """``teardown_appcontext`` functions, awaited (``async with app.app_context()``)."""
        if pipeline.has_appcontext_teardown(self):
            await bridge.drive_async(pipeline.teardown_appcontext(self, exc))

    async def _teardown_stream(
        self, ctx: RequestContext, owns_app_context: bool, error: BaseException | None = None
    ) -> None:
        """Tear down a request whose async streamed body has just ended.

        Its context was popped when the view returned, so whether it pushed
        its own app context is told by the stream, which saw it then.
        ``error`` is what ended the stream early, if anything.
        """
        try:
            if pipeline.has_teardown(self, ctx):
                await bridge.drive_async(pipeline.teardown(self, ctx, error))
        finally:
            # Even when a teardown_request function raised, as
            # RequestContext.pop runs them.
            if owns_app_context and pipeline.has_appcontext_teardown(self):
                await bridge.drive_async(pipeline.teardown_appcontext(self, error))

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

    def _open_session(self, request: Request) -> Any:
        interface = self.session_interface
        session = interface.open_session(self, request)
        # A plain dict-based session is never awaitable: the test is only
        # made for other objects (the ABC check is a Python-level call).
        if not isinstance(session, dict) and isawaitable(session):
            # An ``async def open_session`` opened lazily, off the event loop
            # (WSGI, or a sync view's thread under ASGI).
            session = bridge.run_coroutine(session)
        if session is None:
            session = interface.make_null_session(self)
        return session

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
                return _asgi.handle(self, first, second, third)
            return self.asgi_app(first, second, third)
        if second is _NO_ARGUMENT and isinstance(first, dict):
            return functools.partial(self.asgi_app, first)
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
        await _asgi.handle(self, scope, receive, send)

    def run(
        self,
        host: str | None = None,
        port: int | None = None,
        debug: bool | None = None,
        load_dotenv: bool = True,
        **options: Any,
    ) -> None:
        """Serve the app with the development server (see :mod:`hipflask.serving`)."""
        from ..serving.devserver import run_app

        run_app(self, host=host, port=port, debug=debug, load_dotenv=load_dotenv, **options)


#: The stock ``asgi_app`` and ``wsgi_app``, which ``__call__`` may skip (see there).
_ASGI_APP = Hipflask.asgi_app
_WSGI_APP = Hipflask.wsgi_app


def _host_from_rule(app: Hipflask, endpoint: str, blueprint: str | None) -> bool:
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


def _is_async_interface(interface: Any) -> bool:
    if interface is None:
        return False
    return (
        hasattr(interface, "open_session_async")
        or hasattr(interface, "save_session_async")
        or iscoroutinefunction(getattr(interface, "open_session", None))
        or iscoroutinefunction(getattr(interface, "save_session", None))
    )


def _wait_until_free(lock: threading.Lock) -> None:
    with lock:
        pass


def is_async_view(view: Any) -> bool:
    """Whether a view function (or a class-based view) is ``async def``."""
    if view is None:
        return False
    if iscoroutinefunction(view):
        return True
    view_class = getattr(view, "view_class", None)
    return bool(view_class is not None and getattr(view_class, "is_async", False))


def _serves_static_files(view: Any) -> bool:
    """Whether ``view`` is an app's or a blueprint's ``send_static_file``."""
    owner = getattr(view, "__self__", None)
    return isinstance(owner, Scaffold) and view.__func__ is getattr(
        type(owner), "send_static_file", None
    )


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
    if host == server_name:
        return ""
    if host.endswith(f".{server_name}"):
        return host[: -len(server_name) - 1]
    # Flask's (Werkzeug's) warning: a wrong SERVER_NAME makes every request
    # a 404, and this is the only hint of why.
    warnings.warn(
        f"Current server name {host!r} doesn't match configured server name {server_name!r}",
        stacklevel=2,
    )
    return "<invalid>"


def _none_returned_message() -> str:
    """Flask's message for a view that returned nothing, naming the view."""
    ctx = _cv_request.get(None)
    endpoint = ctx.request.endpoint if ctx is not None else None
    return (
        f"The view function for {endpoint!r} did not return a valid response. The"
        " function either returned None or ended without a return statement."
    )


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


def _env_debug() -> bool:
    # False when unset, as Flask's config says (templates test it with "is").
    value = os.environ.get("HIPFLASK_DEBUG") or os.environ.get("FLASK_DEBUG")
    if not value:
        return False
    return value.lower() not in {"0", "false", "no"}
