"""What the app and blueprints share: registering routes, hooks and error handlers.

Registrations are stored per blueprint name (``None`` for the app) and
flattened into per-chain lists once, at the first request that needs them;
see :mod:`hipflask.core.pipeline`.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar

from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import default_exceptions
from werkzeug.utils import cached_property

from ..errors import HipflaskError
from ..typing import AfterRequestCallable
from ..typing import BeforeRequestCallable
from ..typing import ErrorHandlerCallable
from ..typing import RouteCallable
from ..typing import TeardownCallable
from ..typing import TemplateContextProcessorCallable
from ..typing import URLDefaultCallable
from ..typing import URLValuePreprocessorCallable

if TYPE_CHECKING:
    from jinja2 import BaseLoader

F = TypeVar("F", bound=Callable[..., Any])
T_route = TypeVar("T_route", bound=RouteCallable)

_sentinel: Any = object()
T_before = TypeVar("T_before", bound=BeforeRequestCallable)
T_after = TypeVar("T_after", bound=AfterRequestCallable)
T_teardown = TypeVar("T_teardown", bound=TeardownCallable)
T_ctx = TypeVar("T_ctx", bound=TemplateContextProcessorCallable)
T_pre = TypeVar("T_pre", bound=URLValuePreprocessorCallable)
T_def = TypeVar("T_def", bound=URLDefaultCallable)


class SetupFinishedError(HipflaskError, AssertionError):
    """A route or hook was added after the app started handling requests.

    Registration after the first request would change behaviour for some
    workers and not others; do all setup before serving.
    """


def get_root_path(import_name: str) -> str:
    """Find the folder of a module or package, for templates and static files."""
    module = sys.modules.get(import_name)
    filename: str | None = getattr(module, "__file__", None)
    if filename:
        return os.path.dirname(os.path.abspath(filename))
    try:
        spec = importlib.util.find_spec(import_name)
    except (ImportError, ValueError):
        spec = None
    origin = spec.origin if spec is not None else None
    if origin is None or origin == "namespace":
        return os.getcwd()
    return os.path.dirname(os.path.abspath(origin))


def registering(add: Callable[..., None], name: str | None) -> Callable[[F], F]:
    """The decorator form of an ``add_*(f, name=...)`` registration method."""

    def decorator(f: F) -> F:
        add(f, name=name)
        return f

    return decorator


def setupmethod(f: F) -> F:
    """Mark a registration method: it refuses to run once requests are served."""
    name = f.__name__

    def wrapper(self: Scaffold, *args: Any, **kwargs: Any) -> Any:
        self._check_setup_finished(name)
        return f(self, *args, **kwargs)

    wrapper.__name__ = f.__name__
    wrapper.__doc__ = f.__doc__
    wrapper.__qualname__ = f.__qualname__
    wrapper.__wrapped__ = f  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


class Scaffold:
    """Common behaviour of :class:`~hipflask.Hipflask` and :class:`~hipflask.Blueprint`."""

    name: str
    _static_folder: str | None = None
    _static_url_path: str | None = None

    def __init__(
        self,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        root_path: str | None = None,
    ) -> None:
        self.import_name = import_name
        # The setter takes path-likes, the getter gives str; older mypy
        # versions do not understand such asymmetric properties.
        self.static_folder = static_folder  # type: ignore[assignment, unused-ignore]
        self.static_url_path = static_url_path
        self.template_folder = template_folder
        self.root_path = root_path if root_path is not None else get_root_path(import_name)
        self.view_functions: dict[str, RouteCallable] = {}
        self.error_handler_spec: dict[
            str | None,
            dict[int | None, dict[type[BaseException], ErrorHandlerCallable]],
        ] = defaultdict(lambda: defaultdict(dict))
        self.before_request_funcs: dict[str | None, list[BeforeRequestCallable]] = defaultdict(list)
        self.after_request_funcs: dict[str | None, list[AfterRequestCallable]] = defaultdict(list)
        self.teardown_request_funcs: dict[str | None, list[TeardownCallable]] = defaultdict(list)
        self.template_context_processors: dict[
            str | None, list[TemplateContextProcessorCallable]
        ] = defaultdict(list)
        self.url_value_preprocessors: dict[str | None, list[URLValuePreprocessorCallable]] = (
            defaultdict(list)
        )
        self.url_default_functions: dict[str | None, list[URLDefaultCallable]] = defaultdict(list)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    @cached_property
    def jinja_loader(self) -> BaseLoader | None:
        """The loader of this app's or blueprint's ``template_folder`` (``None`` without one).

        Assign another loader (a ``PackageLoader``, a ``ChoiceLoader``) to
        load its templates from elsewhere.
        """
        from ..templating.loaders import folder_loader

        return folder_loader(self)

    def _check_setup_finished(self, f_name: str) -> None:
        """Refuse a setup method once serving began; the app and blueprints say when."""
        raise NotImplementedError

    # -- static files ----------------------------------------------------

    @property
    def static_folder(self) -> str | None:
        """Absolute path of the static folder, or ``None``."""
        if self._static_folder is not None:
            return os.path.join(self.root_path, self._static_folder)
        return None

    @static_folder.setter
    def static_folder(self, value: str | os.PathLike[str] | None) -> None:
        if value is not None:
            value = os.fspath(value).rstrip(r"\/")
        self._static_folder = value

    @property
    def has_static_folder(self) -> bool:
        """Whether a static folder is configured."""
        return self.static_folder is not None

    @property
    def static_url_path(self) -> str | None:
        """URL prefix of the static route; defaults to the folder's name."""
        if self._static_url_path is not None:
            return self._static_url_path
        if self.static_folder is not None:
            basename = os.path.basename(self.static_folder)
            return f"/{basename}".rstrip("/")
        return None

    @static_url_path.setter
    def static_url_path(self, value: str | None) -> None:
        if value is not None:
            value = value.rstrip("/")
        self._static_url_path = value

    def open_resource(self, resource: str, mode: str = "rb", encoding: str | None = None) -> Any:
        """Open a file relative to :attr:`root_path` for reading.

        ``encoding`` applies in text mode; the app's default (``None``, the
        locale's) and a blueprint's (UTF-8) are Flask 3.1's.
        """
        if mode not in {"r", "rt", "rb"}:
            raise ValueError("Resources can only be opened for reading.")
        path = os.path.join(self.root_path, resource)
        if mode == "rb":
            return open(path, mode)
        return open(path, mode, encoding=encoding)

    # -- routes ----------------------------------------------------------

    def _method_route(
        self, method: str, rule: str, options: dict[str, Any]
    ) -> Callable[[T_route], T_route]:
        if "methods" in options:
            raise TypeError("Use the 'route' decorator to use the 'methods' argument.")
        return self.route(rule, methods=[method], **options)

    def get(self, rule: str, **options: Any) -> Callable[[T_route], T_route]:
        """Shortcut for ``route(rule, methods=["GET"])``."""
        return self._method_route("GET", rule, options)

    def post(self, rule: str, **options: Any) -> Callable[[T_route], T_route]:
        """Shortcut for ``route(rule, methods=["POST"])``."""
        return self._method_route("POST", rule, options)

    def put(self, rule: str, **options: Any) -> Callable[[T_route], T_route]:
        """Shortcut for ``route(rule, methods=["PUT"])``."""
        return self._method_route("PUT", rule, options)

    def delete(self, rule: str, **options: Any) -> Callable[[T_route], T_route]:
        """Shortcut for ``route(rule, methods=["DELETE"])``."""
        return self._method_route("DELETE", rule, options)

    def patch(self, rule: str, **options: Any) -> Callable[[T_route], T_route]:
        """Shortcut for ``route(rule, methods=["PATCH"])``."""
        return self._method_route("PATCH", rule, options)

    @setupmethod
    def route(self, rule: str, **options: Any) -> Callable[[T_route], T_route]:
        """Register the decorated view for a URL rule.

        ``endpoint`` defaults to the function's name; other options
        (``methods``, ``defaults``, ``strict_slashes``, ``host``,
        ``subdomain`` …) go to the rule.
        """

        def decorator(f: T_route) -> T_route:
            endpoint = options.pop("endpoint", None)
            self.add_url_rule(rule, endpoint, f, **options)
            return f

        return decorator

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: RouteCallable | None = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        """Register a rule; the app and blueprints implement it."""
        raise NotImplementedError

    @setupmethod
    def endpoint(self, endpoint: str) -> Callable[[F], F]:
        """Register the decorated function as the view for an existing endpoint."""

        def decorator(f: F) -> F:
            self.view_functions[endpoint] = f
            return f

        return decorator

    # -- hooks -----------------------------------------------------------

    @setupmethod
    def before_request(self, f: T_before) -> T_before:
        """Run ``f()`` before each view; a non-``None`` return is the response."""
        self.before_request_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def after_request(self, f: T_after) -> T_after:
        """Run ``f(response)`` after each view; it returns the response to send."""
        self.after_request_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def teardown_request(self, f: T_teardown) -> T_teardown:
        """Run ``f(exc)`` when the request context ends, even after an error."""
        self.teardown_request_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def context_processor(self, f: T_ctx) -> T_ctx:
        """Add variables to every template rendered for this app or blueprint."""
        self.template_context_processors[None].append(f)
        return f

    @setupmethod
    def url_value_preprocessor(self, f: T_pre) -> T_pre:
        """Run ``f(endpoint, values)`` before the view, to pop URL values into ``g``."""
        self.url_value_preprocessors[None].append(f)
        return f

    @setupmethod
    def url_defaults(self, f: T_def) -> T_def:
        """Run ``f(endpoint, values)`` when building URLs, to fill in values."""
        self.url_default_functions[None].append(f)
        return f

    @setupmethod
    def errorhandler(self, code_or_exception: type[BaseException] | int) -> Callable[[F], F]:
        """Handle an HTTP status code or an exception class with the decorated function."""

        def decorator(f: F) -> F:
            self.register_error_handler(code_or_exception, f)
            return f

        return decorator

    @setupmethod
    def register_error_handler(
        self, code_or_exception: type[BaseException] | int, f: ErrorHandlerCallable
    ) -> None:
        """Non-decorator form of :meth:`errorhandler`."""
        exc_class, code = self._get_exc_class_and_code(code_or_exception)
        self.error_handler_spec[None][code][exc_class] = f

    @staticmethod
    def _get_exc_class_and_code(
        exc_class_or_code: type[BaseException] | int,
    ) -> tuple[type[BaseException], int | None]:
        exc_class: type[BaseException]
        if isinstance(exc_class_or_code, int):
            try:
                exc_class = default_exceptions[exc_class_or_code]
            except KeyError:
                raise ValueError(
                    f"'{exc_class_or_code}' is not a recognized HTTP error code. Use a"
                    " subclass of HTTPException with that code instead."
                ) from None
        else:
            exc_class = exc_class_or_code
        if isinstance(exc_class, Exception):
            raise TypeError(
                f"{exc_class!r} is an instance, not a class. Handlers can only be"
                " registered for Exception classes or HTTP error codes."
            )
        if not isinstance(exc_class, type):
            # A string, None ...: Flask's issubclass() raises TypeError here too.
            raise TypeError(
                f"{exc_class!r} is not an exception class or an HTTP error code. Handlers"
                " can only be registered for Exception classes or HTTP error codes."
            )
        if not issubclass(exc_class, Exception):
            raise ValueError(
                f"'{exc_class.__name__}' is not a subclass of Exception. Handlers can only"
                " be registered for Exception classes or HTTP error codes."
            )
        if issubclass(exc_class, HTTPException):
            return exc_class, exc_class.code
        return exc_class, None


def endpoint_from_view_func(view_func: Callable[..., Any]) -> str:
    """The default endpoint name: the view function's ``__name__``."""
    if view_func is None:
        raise TypeError("Expected a view function when no endpoint is given.")
    return view_func.__name__
