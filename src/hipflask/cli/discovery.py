"""Finding the application the command line works on.

``--app`` (or ``HIPFLASK_APP``, or ``FLASK_APP`` for projects moving over)
names it the way Flask's command line does:

``hello``, ``hello.web``, ``src/hello.py``
    a module or file; the app is found in it (below).
``hello:app2``
    the Hipflask instance ``app2`` in ``hello``.
``hello:create_app`` or ``'hello:create_app("dev", debug=True)'``
    a factory, called with no arguments or with the given ones, which must be
    Python literals (parsed with :func:`ast.literal_eval`, never evaluated, so
    an environment variable cannot smuggle code into the command line).

Inside a module the search is: an instance named ``app`` or ``application``;
else the only instance in the module (several is an error naming them); else a
factory named ``create_app`` or ``make_app`` called without arguments. With no
``--app`` at all, ``wsgi.py`` and then ``app.py`` in the working directory are
tried.

:class:`ScriptInfo` is the object the command line keeps in click's
``ctx.obj``: commands registered on ``app.cli`` call its :meth:`~ScriptInfo.load_app`.
It also remembers *where* the app was found (:attr:`ScriptInfo.import_target`),
which ``hipflask serve`` hands to the production server so every worker process
imports the same app again.
"""

from __future__ import annotations

import ast
import inspect
import os
import re
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING
from typing import Any

import click

from ..core.commands import use_script_info
from ..errors import HipflaskError

if TYPE_CHECKING:
    from ..core.app import Hipflask

__all__ = [
    "DEFAULT_FILES",
    "FACTORY_NAMES",
    "INSTANCE_NAMES",
    "NoAppException",
    "ScriptInfo",
    "debug_from_environment",
    "find_app_and_name",
    "find_app_by_string",
    "find_best_app",
    "load_target",
    "locate_app",
    "locate_app_and_name",
    "pass_script_info",
    "prepare_import",
    "prepare_import_path",
    "split_import_path",
]

#: Attribute names tried first for an app instance.
INSTANCE_NAMES: tuple[str, ...] = ("app", "application")

#: Factory names tried when a module holds no instance.
FACTORY_NAMES: tuple[str, ...] = ("create_app", "make_app")

#: Files tried, in the working directory, when no app is named.
DEFAULT_FILES: tuple[str, ...] = ("wsgi.py", "app.py")

# A colon followed by a slash or backslash is a Windows drive ("C:\\src\\app.py"),
# not the separator between the module and the app.
_SEPARATOR = re.compile(r":(?![\\/])")

_NO_APP_HINT = (
    "Use the 'hipflask --app' option or the 'HIPFLASK_APP' environment variable,"
    " or add a 'wsgi.py' or 'app.py' file to the current directory."
)


class NoAppException(click.UsageError, HipflaskError):
    """The app could not be imported or found; the message says what to pass instead."""


def _hipflask_class() -> type[Hipflask]:
    from ..core.app import Hipflask

    return Hipflask


def split_import_path(path: str) -> tuple[str, str | None]:
    """Split ``module:expression`` into its parts (the expression may be missing)."""
    parts = _SEPARATOR.split(path, maxsplit=1)
    if len(parts) == 1:
        return parts[0], None
    return parts[0], parts[1].strip() or None


def _is_file_path(path: str) -> bool:
    return path.endswith(".py") or "/" in path or os.sep in path


def prepare_import_path(path: str) -> tuple[str, str]:
    """Turn ``path`` into ``(module_name, sys_path_entry)`` and make it importable.

    A file path is walked up past every folder holding ``__init__.py``, so
    ``src/pkg/web.py`` imports as ``pkg.web`` with ``src`` on :data:`sys.path`;
    a dotted name is imported relative to the working directory. The entry is
    put first on :data:`sys.path` (once), because a console script's own folder
    is there instead of the working directory.
    """
    if _is_file_path(path):
        location = Path(path).resolve()
        if location.suffix == ".py":
            location = location.with_suffix("")
        if location.name == "__init__":
            location = location.parent
        names = [location.name]
        directory = location.parent
        while (directory / "__init__.py").is_file():
            names.append(directory.name)
            directory = directory.parent
        module_name = ".".join(reversed(names))
        entry = str(directory)
    else:
        module_name = path
        entry = os.getcwd()
    add_to_sys_path(entry)
    return module_name, entry


def add_to_sys_path(entry: str) -> None:
    """Put ``entry`` first on :data:`sys.path` unless it already is."""
    if not sys.path or sys.path[0] != entry:
        sys.path.insert(0, entry)


def _is_missing_module(exc: ImportError, module_name: str) -> bool:
    """Whether ``exc`` says ``module_name`` itself (or a parent package) does not exist.

    An ``ImportError`` raised *inside* the module, for something it imports,
    is a bug in the app whose traceback the user needs; only a missing module
    is "not found".
    """
    if not isinstance(exc, ModuleNotFoundError) or exc.name is None:
        return False
    parts = module_name.split(".")
    return exc.name in {".".join(parts[:i]) for i in range(1, len(parts) + 1)}


def _import(module_name: str, raise_if_not_found: bool) -> ModuleType | None:
    try:
        __import__(module_name)
    except ImportError as exc:
        if not _is_missing_module(exc, module_name):
            raise _import_failed(module_name, exc) from None
        if raise_if_not_found:
            raise NoAppException(f"Could not import {module_name!r}. {_NO_APP_HINT}") from None
        return None
    except Exception as exc:
        raise _import_failed(module_name, exc) from None
    return sys.modules[module_name]


def _import_failed(module_name: str, exc: BaseException) -> NoAppException:
    trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return NoAppException(
        f"While importing {module_name!r}, an error was raised:\n\n{trace.rstrip()}"
    )


def _call_factory(
    factory: Callable[..., Any],
    args: list[Any],
    kwargs: dict[str, Any],
    module_name: str,
    name: str,
) -> Any:
    """Call an app factory, telling wrong arguments apart from errors inside it.

    The arguments are checked against the signature before the call: a
    ``TypeError`` raised by the factory's own code is then the app's bug and
    propagates with its traceback instead of being mistaken for bad input.
    The hint uses ``name``, the module attribute ``--app`` can name, which is
    not the function's own name when the factory is an alias or a wrapper.
    """
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        signature = None
    if signature is not None:
        try:
            signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise NoAppException(
                f"The factory {name!r} in module {module_name!r} cannot be called with"
                f" these arguments ({exc}). Pass them in the app path, for example"
                f" --app '{module_name}:{name}(\"dev\")'."
            ) from None
    return factory(*args, **kwargs)


def find_app_and_name(module: ModuleType) -> tuple[Hipflask, str]:
    """Find the app in a module; return it with the expression that finds it again."""
    hipflask = _hipflask_class()
    for name in INSTANCE_NAMES:
        candidate = getattr(module, name, None)
        if isinstance(candidate, hipflask):
            return candidate, name
    found = {id(v): (k, v) for k, v in vars(module).items() if isinstance(v, hipflask)}
    if len(found) == 1:
        name, app = next(iter(found.values()))
        return app, name
    if len(found) > 1:
        names = ", ".join(sorted(name for name, _app in found.values()))
        raise NoAppException(
            f"Detected several Hipflask applications in module {module.__name__!r}"
            f" ({names}). Pick one with '--app {module.__name__}:name'."
        )
    for name in FACTORY_NAMES:
        factory = getattr(module, name, None)
        if inspect.isfunction(factory):
            app = _call_factory(factory, [], {}, module.__name__, name)
            if isinstance(app, hipflask):
                return app, f"{name}()"
            raise NoAppException(
                f"The factory {name!r} in module {module.__name__!r} returned"
                f" {type(app).__name__}, not a Hipflask application."
            )
    raise NoAppException(
        f"Failed to find a Hipflask application or factory in module {module.__name__!r}."
        f" Name one with '--app {module.__name__}:name'."
    )


def _parse_expression(expression: str) -> tuple[str, list[Any], dict[str, Any], bool]:
    """Parse ``name`` or ``name(literal, key=literal)`` without evaluating code."""
    try:
        node = ast.parse(expression.strip(), mode="eval").body
    except SyntaxError:
        raise NoAppException(
            f"Failed to parse {expression!r} as an attribute name or a function call."
        ) from None
    if isinstance(node, ast.Name):
        return node.id, [], {}, False
    if not isinstance(node, ast.Call):
        raise NoAppException(
            f"Failed to parse {expression!r} as an attribute name or a function call."
        )
    if not isinstance(node.func, ast.Name):
        raise NoAppException(f"Function reference must be a simple name: {expression!r}.")
    try:
        args = [ast.literal_eval(arg) for arg in node.args]
        kwargs = {}
        for keyword in node.keywords:
            if keyword.arg is None:
                raise ValueError("**kwargs")
            kwargs[keyword.arg] = ast.literal_eval(keyword.value)
    except ValueError:
        raise NoAppException(
            f"Failed to parse the arguments of {expression!r} as literal values"
            " (strings need quotes; names and expressions are not allowed)."
        ) from None
    return node.func.id, args, kwargs, True


def find_app_by_string(module: ModuleType, app_name: str) -> Hipflask:
    """Find the app ``app_name`` names (an attribute or a factory call) in a module."""
    return _find_app_and_expression(module, app_name)[0]


def _find_app_and_expression(module: ModuleType, expression: str) -> tuple[Hipflask, str]:
    """The app ``expression`` names, with the expression that finds it again.

    Parentheses after an app instance (``hello:app()``) are ignored, as Flask
    ignores them: environments written for Flask may say so. The expression
    returned then names the instance alone.
    """
    name, args, kwargs, is_call = _parse_expression(expression)
    try:
        attribute = getattr(module, name)
    except AttributeError:
        raise NoAppException(
            f"Failed to find attribute {name!r} in module {module.__name__!r}."
        ) from None
    found = expression
    if inspect.isfunction(attribute):
        app = _call_factory(attribute, args, kwargs, module.__name__, name)
    elif is_call and not isinstance(attribute, _hipflask_class()):
        raise NoAppException(
            f"{name!r} in module {module.__name__!r} is not a function, so it cannot be"
            " called with arguments."
        )
    else:
        app, found = attribute, name
    if isinstance(app, _hipflask_class()):
        return app, found
    raise NoAppException(
        f"A Hipflask application was not obtained from '{module.__name__}:{expression}'"
        f" (got {type(app).__name__})."
    )


def locate_app_and_name(
    module_name: str, expression: str | None, raise_if_not_found: bool = True
) -> tuple[Hipflask, str] | None:
    """Import ``module_name`` and find the app; return it with its expression.

    Returns ``None`` when the module does not exist and ``raise_if_not_found``
    is false (how the default files are probed). An error raised while the
    module runs always becomes a :class:`NoAppException` showing its traceback.
    """
    module = _import(module_name, raise_if_not_found)
    if module is None:
        return None
    if expression is None:
        return find_app_and_name(module)
    return _find_app_and_expression(module, expression)


# -- Flask's signatures -----------------------------------------------------------------


def prepare_import(path: str | os.PathLike[str]) -> str:
    """Make ``path`` (a file or a dotted name) importable and return its module name.

    A :class:`pathlib.Path` is taken as a file path, as Flask takes one.
    """
    return prepare_import_path(os.fspath(path))[0]


def find_best_app(module: ModuleType) -> Hipflask:
    """The app in ``module``: ``app`` or ``application``, the only app, or a factory's."""
    return find_app_and_name(module)[0]


def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: bool = True
) -> Hipflask | None:
    """Import ``module_name`` and find the app ``app_name`` names, or the best one."""
    located = locate_app_and_name(module_name, app_name, raise_if_not_found)
    return None if located is None else located[0]


def load_target(target: str, sys_path_entry: str | None = None) -> Hipflask:
    """Load the app from an import target recorded by :attr:`ScriptInfo.import_target`.

    This is how production worker processes import the app again: the same
    search, from the same folder, without the working directory's guesswork.
    """
    if sys_path_entry is not None:
        add_to_sys_path(sys_path_entry)
    module_name, expression = split_import_path(target)
    located = locate_app_and_name(module_name, expression)
    if located is None:  # pragma: no cover - raise_if_not_found is true
        raise NoAppException(f"Could not import {module_name!r}.")
    return located[0]


def debug_from_environment() -> bool | None:
    """``HIPFLASK_DEBUG`` (or ``FLASK_DEBUG``) read as a flag; ``None`` when unset."""
    value = os.environ.get("HIPFLASK_DEBUG") or os.environ.get("FLASK_DEBUG")
    if not value:
        return None
    return value.lower() not in {"0", "false", "no", "off"}


class ScriptInfo:
    """What the command line knows about the app, kept in click's ``ctx.obj``.

    :param app_import_path: the ``--app`` value; ``None`` tries the default files.
    :param create_app: a callable returning the app, used instead of an
        import (the test runner and custom command lines pass one).
    :param set_debug_flag: apply ``HIPFLASK_DEBUG`` (set by ``--debug``) to the
        loaded app; debug already set in the app's code is kept otherwise.
    :param load_dotenv_defaults: whether ``.env`` files are loaded on start.
    """

    def __init__(
        self,
        app_import_path: str | None = None,
        create_app: Callable[..., Hipflask] | None = None,
        set_debug_flag: bool = True,
        load_dotenv_defaults: bool = True,
    ) -> None:
        self.app_import_path = app_import_path
        self.create_app = create_app
        self.set_debug_flag = set_debug_flag
        self.load_dotenv_defaults = load_dotenv_defaults
        #: Free space for command-line extensions, as in Flask.
        self.data: dict[Any, Any] = {}
        #: ``module:expression`` that finds the app again, once it is loaded
        #: from an import; ``None`` when it came from ``create_app``.
        self.import_target: str | None = None
        #: The folder the module was imported from (put on ``sys.path``).
        self.sys_path_entry: str | None = None
        self._loaded_app: Hipflask | None = None

    def load_app(self) -> Hipflask:
        """Import (once) and return the app; see the module docstring for the search."""
        if self._loaded_app is not None:
            return self._loaded_app
        if self.create_app is not None:
            app = self.create_app()
        elif self.app_import_path:
            app = self._load_from_path(self.app_import_path)
        else:
            app = self._load_default()
        if self.set_debug_flag:
            debug = debug_from_environment()
            if debug is not None:
                app.debug = debug
        self._loaded_app = app
        return app

    def _load_from_path(self, import_path: str) -> Hipflask:
        path, expression = split_import_path(import_path)
        module_name, entry = prepare_import_path(path)
        located = locate_app_and_name(module_name, expression)
        if located is None:  # pragma: no cover - raise_if_not_found is true
            raise NoAppException(f"Could not import {module_name!r}.")
        app, found = located
        self.import_target = f"{module_name}:{found}"
        self.sys_path_entry = entry
        return app

    def _load_default(self) -> Hipflask:
        for filename in DEFAULT_FILES:
            stem = filename[: -len(".py")]
            if not (Path(filename).is_file() or Path(stem, "__init__.py").is_file()):
                continue
            module_name, entry = prepare_import_path(filename)
            located = locate_app_and_name(module_name, None, raise_if_not_found=False)
            if located is not None:
                app, found = located
                self.import_target = f"{module_name}:{found}"
                self.sys_path_entry = entry
                return app
        raise NoAppException(f"Could not locate a Hipflask application. {_NO_APP_HINT}")


#: Decorator passing the :class:`ScriptInfo` to a command (created if missing).
pass_script_info = click.make_pass_decorator(ScriptInfo, ensure=True)

use_script_info(ScriptInfo)
