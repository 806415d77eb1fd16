"""The application's configuration: a dict with loaders, and the built-in settings.

:class:`Config` behaves like Flask's: uppercase keys are settings, and the
``from_*`` loaders fill it from Python objects and files, data files, mappings
and the environment. :data:`DEFAULT_CONFIG` lists every setting the framework
itself reads, with hipflask's secure defaults; :class:`ConfigAttribute` mirrors a
setting as an attribute of the app (``app.secret_key``, ``app.debug``).
"""

from __future__ import annotations

import errno
import inspect
import json
import os
import types
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import MutableMapping
from datetime import timedelta
from typing import IO
from typing import TYPE_CHECKING
from typing import Any
from typing import Generic
from typing import Protocol
from typing import TypeVar
from typing import overload

from ..errors import ConfigurationError

if TYPE_CHECKING:
    from _typeshed import StrPath

T = TypeVar("T")

#: Every setting the framework reads, with its default. An app's :class:`Config`
#: starts from a copy of this; change the app's config, never this dict.
DEFAULT_CONFIG: dict[str, Any] = {
    "DEBUG": None,
    "TESTING": False,
    "PROPAGATE_EXCEPTIONS": None,
    "SECRET_KEY": None,
    "SECRET_KEY_FALLBACKS": None,
    "PERMANENT_SESSION_LIFETIME": timedelta(days=31),
    "USE_X_SENDFILE": False,
    "TRUSTED_HOSTS": None,
    "SERVER_NAME": None,
    "APPLICATION_ROOT": "/",
    "SESSION_COOKIE_NAME": "session",
    "SESSION_COOKIE_DOMAIN": None,
    "SESSION_COOKIE_PATH": None,
    "SESSION_COOKIE_HTTPONLY": True,
    # None: Secure whenever the request came over HTTPS, directly or through a
    # trusted proxy, so HTTPS sites get Secure cookies without a setting while
    # plain-HTTP development still keeps its session.
    "SESSION_COOKIE_SECURE": None,
    "SESSION_COOKIE_PARTITIONED": False,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_REFRESH_EACH_REQUEST": True,
    # Bounded by default (Flask: None) so an upload cannot exhaust memory or disk.
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "MAX_FORM_MEMORY_SIZE": 500_000,
    "MAX_FORM_PARTS": 1_000,
    "SEND_FILE_MAX_AGE_DEFAULT": None,
    "TRAP_BAD_REQUEST_ERRORS": None,
    "TRAP_HTTP_EXCEPTIONS": False,
    "EXPLAIN_TEMPLATE_LOADING": False,
    "PREFERRED_URL_SCHEME": "http",
    "TEMPLATES_AUTO_RELOAD": None,
    "MAX_COOKIE_SIZE": 4093,
    "PROVIDE_AUTOMATIC_OPTIONS": True,
    "TRUSTED_ORIGINS": [],
    "CROSS_ORIGIN_PROTECTION": True,
    "SECURITY_HEADERS": True,
    "CONTENT_SECURITY_POLICY": None,
    # One year: the minimum hstspreload.org accepts, long enough to defeat SSL
    # stripping on return visits.
    "HSTS_MAX_AGE": 31_536_000,
    "HSTS_INCLUDE_SUBDOMAINS": False,
    "HSTS_PRELOAD": False,
    "PROXY_FIX": None,
    "ASGI_THREAD_POOL_SIZE": 40,
    # A body must keep arriving: seconds to wait for its next piece (also the
    # grace period), then an average of at least this many bytes a second.
    "BODY_READ_TIMEOUT": 10,
    "BODY_MIN_RATE": 1024,
    "RESPONSE_SEND_TIMEOUT": 60,
    "ASGI_SYNC_ON_LOOP": False,
}

# A missing file, or a path that is a folder or runs through a file, is what
# "silent" forgives; a permission or disk error is a real problem and still raises.
_SILENT_ERRNOS = frozenset({errno.ENOENT, errno.EISDIR, errno.ENOTDIR})


class UnsetEnvironmentVariableError(ConfigurationError, RuntimeError):
    """:meth:`Config.from_envvar` was pointed at a variable that is not set.

    It is also a :class:`RuntimeError`, which is what Flask raises here, so
    code ported from Flask that catches that keeps working.
    """


class ConfigTypeError(ConfigurationError, TypeError):
    """A setting, or what a configuration source holds, has the wrong type.

    Also a :class:`TypeError`, which is what Flask raises in the same places
    (a string ``PERMANENT_SESSION_LIFETIME``, a nested environment key
    reaching through a string), so code ported from Flask that catches that
    keeps working.
    """


class ConfigValueError(ConfigurationError, ValueError):
    """A setting, or what a configuration source holds, has a wrong value.

    Also a :class:`ValueError`, for the same reason as :class:`ConfigTypeError`.
    """


def _config_error(cause: Exception, message: str) -> ConfigurationError:
    """The configuration error for ``cause``, also of the built-in class Flask lets through."""
    if isinstance(cause, TypeError):
        return ConfigTypeError(message)
    return ConfigValueError(message)


class Config(dict[str, Any]):
    """A dict of settings that can load itself from objects, files and the environment.

    Only uppercase keys are taken from objects, modules and mappings: a
    configuration module can then hold lowercase helpers and imports without
    them leaking into the app's settings.

    :param root_path: folder that relative file names given to
        :meth:`from_pyfile` and :meth:`from_file` are resolved against;
        usually the app's root or instance folder.
    :param defaults: initial settings, usually :data:`DEFAULT_CONFIG`. Lists,
        dicts and sets in it are copied so that changing one app's setting in
        place (``config["TRUSTED_ORIGINS"].append(...)``) cannot leak into the
        defaults or into another app.
    """

    def __init__(
        self,
        root_path: str | os.PathLike[str],
        defaults: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__()
        # Kept as given (a Path stays a Path), as Flask keeps it.
        self.root_path = root_path
        if defaults:
            for key, value in defaults.items():
                self[key] = _copy_container(value)

    def from_envvar(self, variable_name: str, silent: bool = False) -> bool:
        """Load the Python file named by an environment variable.

        Lets a deployment choose its settings file without code changes
        (``HIPFLASK_SETTINGS=/etc/app/prod.py``). The file is loaded with
        :meth:`from_pyfile`.

        :param silent: return ``False`` instead of raising when the variable is
            unset or the file it names does not exist.
        :raises UnsetEnvironmentVariableError: the variable is unset or empty
            (a :class:`RuntimeError`, as in Flask).
        """
        path = os.environ.get(variable_name)
        if not path:
            if silent:
                return False
            raise UnsetEnvironmentVariableError(
                f"The environment variable {variable_name!r} is not set, so no"
                " configuration could be loaded from it. Set it to the path of a"
                " Python configuration file, or pass silent=True to make it optional."
            )
        return self.from_pyfile(path, silent=silent)

    def from_prefixed_env(
        self, prefix: str = "HIPFLASK", *, loads: Callable[[str], Any] = json.loads
    ) -> bool:
        """Load every environment variable that starts with ``PREFIX_``.

        ``HIPFLASK_SECRET_KEY`` sets ``SECRET_KEY``. Each value goes through
        ``loads`` (JSON by default, so ``false``, ``3600`` and ``["a", "b"]``
        arrive typed); a value it cannot parse is kept as the raw string. A
        double underscore reaches into a nested dict, creating dicts as needed:
        ``HIPFLASK_DB__HOST`` sets ``config["DB"]["HOST"]``. Variables are
        applied in sorted order, so ``HIPFLASK_DB`` (a whole dict) is applied
        before ``HIPFLASK_DB__HOST`` refines it.

        With the default prefix, ``FLASK_*`` variables are read too, so an app
        moving over from Flask keeps its environment; where both spellings of
        a key are set, ``HIPFLASK_`` wins. Pass ``prefix="FLASK"`` to read only
        the ``FLASK_*`` ones. A trailing underscore on the prefix is accepted
        and not doubled.

        :raises ConfigTypeError: a nested key runs through a setting that is
            not a dict (a :class:`TypeError`, as in Flask).
        :raises ConfigValueError: a nested key has an empty part
            (``HIPFLASK_DB____HOST``), which Flask would store under ``""``.
        """
        start = prefix.rstrip("_") + "_"
        starts = [start]
        if start == "HIPFLASK_":
            # Listed first, so that HIPFLASK_X replaces FLASK_X below.
            starts.insert(0, "FLASK_")
        found: dict[str, str] = {}
        for candidate in starts:
            for env_key in os.environ:
                if env_key.startswith(candidate) and env_key != candidate:
                    found[env_key[len(candidate) :]] = env_key
        for key in sorted(found):
            env_key = found[key]
            raw = os.environ[env_key]
            try:
                value = loads(raw)
            except Exception:  # any parse failure means "keep the string", by design
                value = raw
            self._set_nested(env_key, key, value)
        return True

    def _set_nested(self, env_key: str, key: str, value: Any) -> None:
        """Store ``value`` under ``key``, walking ``__``-separated parts into dicts."""
        *parents, leaf = key.split("__")
        if not leaf or not all(parents):
            raise ConfigValueError(
                f"Environment variable {env_key} has an empty key part; separate"
                " nested keys with exactly two underscores, as in PREFIX_DB__HOST."
            )
        target: MutableMapping[str, Any] = self
        for depth, part in enumerate(parents):
            child = target.setdefault(part, {})
            if not isinstance(child, MutableMapping):
                path = "__".join(parents[: depth + 1])
                raise ConfigTypeError(
                    f"Environment variable {env_key} sets a key inside {path},"
                    f" but {path} is a {type(child).__name__}, not a dict. Set"
                    f" {path} to a dict first, or rename the variable."
                )
            target = child
        target[leaf] = value

    def from_pyfile(self, filename: StrPath, silent: bool = False) -> bool:
        """Execute a Python file as a module and load its uppercase names.

        The file runs with the full power of Python, which is why settings can
        be computed there; load only files you trust as much as your code.
        A relative ``filename`` is resolved against :attr:`root_path`.

        :param silent: return ``False`` instead of raising when the file does
            not exist.
        :raises OSError: the file cannot be read; the message names the file.
        """
        path = os.path.join(self.root_path, filename)
        module = types.ModuleType("config")
        module.__file__ = path
        try:
            with open(path, "rb") as file:
                source = file.read()
        except OSError as exc:
            if silent and exc.errno in _SILENT_ERRNOS:
                return False
            raise _unable_to_load(exc) from exc
        code = compile(source, path, "exec")
        # Running the file is the point: it is the developer's own settings code.
        exec(code, module.__dict__)  # noqa: S102
        self.from_object(module)
        return True

    def from_object(self, obj: object | str) -> None:
        """Load the uppercase attributes of a module, class or instance.

        A class gives defaults that subclasses override (``class
        ProductionConfig(Config)``); instance properties can compute values.
        A string is an import path, ``"pkg.settings:Production"`` or
        ``"pkg.settings.Production"``, imported first.

        Only uppercase names are read, so helpers and imports in a settings
        module are ignored.
        """
        if isinstance(obj, str):
            # Imported on use: only string paths need it, and this module then
            # loads with the standard library alone.
            from werkzeug.utils import import_string

            obj = import_string(obj)
        for name in dir(obj):
            if name.isupper():
                self[name] = getattr(obj, name)

    def from_file(
        self,
        filename: StrPath,
        load: Callable[[IO[Any]], Mapping[str, Any]],
        silent: bool = False,
        text: bool = True,
    ) -> bool:
        """Load a data file (TOML, JSON, ...) with the given ``load`` function.

        Keeps settings out of executable code. ``load`` receives the open
        file: ``json.load`` with text mode, ``tomllib.load`` with
        ``text=False`` (tomllib reads bytes). Text files are read as UTF-8,
        which both formats require. Only uppercase top-level keys are loaded.
        As in Flask, a file holding nothing (``null``, an empty YAML file)
        loads nothing, and a list of key-value pairs is read as a mapping.

        :param silent: return ``False`` instead of raising when the file does
            not exist.
        :raises OSError: the file cannot be read; the message names the file.
        :raises ConfigurationError: the file's top level is not a mapping;
            also the :class:`TypeError` or :class:`ValueError` Flask raises.
        """
        path = os.path.join(self.root_path, filename)
        try:
            with open(path, "r" if text else "rb", encoding="utf-8" if text else None) as file:
                data = load(file)
        except OSError as exc:
            if silent and exc.errno in _SILENT_ERRNOS:
                return False
            raise _unable_to_load(exc) from exc
        if data is not None and not isinstance(data, Mapping):
            try:
                data = dict(data)
            except (TypeError, ValueError) as exc:
                raise _config_error(
                    exc,
                    f"Configuration file {path!r} holds a {type(data).__name__} at the"
                    " top level; it must hold a table or object of settings.",
                ) from exc
        return self.from_mapping(data)

    def from_mapping(self, mapping: Mapping[str, Any] | None = None, **kwargs: Any) -> bool:
        """Load the uppercase keys of a mapping and of the keyword arguments.

        Keyword arguments win over the mapping. Lowercase keys are ignored, as
        in every other loader.
        """
        merged: dict[str, Any] = {}
        if mapping is not None:
            merged.update(mapping)
        merged.update(kwargs)
        for key, value in merged.items():
            if key.isupper():
                self[key] = value
        return True

    def get_namespace(
        self, namespace: str, lowercase: bool = True, trim_namespace: bool = True
    ) -> dict[str, Any]:
        """Collect the settings that start with ``namespace`` into a new dict.

        Convenient for passing a group of settings as keyword arguments::

            app.config["IMAGE_STORE_TYPE"] = "fs"
            app.config["IMAGE_STORE_PATH"] = "/var/app/images"
            app.config.get_namespace("IMAGE_STORE_")
            # {"type": "fs", "path": "/var/app/images"}

        :param lowercase: lowercase the resulting keys.
        :param trim_namespace: drop the namespace from the resulting keys.
        """
        found: dict[str, Any] = {}
        for key, value in self.items():
            if not key.startswith(namespace):
                continue
            name = key[len(namespace) :] if trim_namespace else key
            found[name.lower() if lowercase else name] = value
        return found

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"


class _HasConfig(Protocol):
    @property
    def config(self) -> MutableMapping[str, Any]: ...


class ConfigAttribute(Generic[T]):
    """Expose a setting as an attribute that reads and writes the app's config.

    ``app.secret_key = "..."`` and ``app.config["SECRET_KEY"] = "..."`` must
    never disagree, so the attribute holds no value of its own::

        class Hipflask:
            secret_key = ConfigAttribute[str | None]("SECRET_KEY")
            permanent_session_lifetime = ConfigAttribute(
                "PERMANENT_SESSION_LIFETIME", get_converter=_to_timedelta
            )

    :param get_converter: applied to the stored value on every read, so a
        setting loaded as a plain number still reads as the richer type. A
        :class:`TypeError` or :class:`ValueError` it raises becomes a
        :class:`ConfigTypeError` or :class:`ConfigValueError` naming the
        setting, still of the class Flask lets through.
    """

    def __init__(self, name: str, get_converter: Callable[[Any], T] | None = None) -> None:
        self.name = name
        self.get_converter = get_converter

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> ConfigAttribute[T]: ...

    @overload
    def __get__(self, obj: _HasConfig, owner: type | None = None) -> T: ...

    def __get__(self, obj: _HasConfig | None, owner: type | None = None) -> ConfigAttribute[T] | T:
        if obj is None:
            return self
        value = obj.config[self.name]
        if self.get_converter is None:
            return value  # type: ignore[no-any-return]  # the declared T is trusted
        try:
            return self.get_converter(value)
        except (TypeError, ValueError) as exc:
            raise _config_error(
                exc,
                f"Setting {self.name} has an invalid value: {exc}. Fix it in the"
                " app's configuration.",
            ) from exc

    def __set__(self, obj: _HasConfig, value: Any) -> None:
        obj.config[self.name] = value


def adopt_class_settings(app: _HasConfig) -> None:
    """Copy settings a subclass gives as plain class attributes into the app's config.

    ``class App(Flask): secret_key = "..."`` replaces the config attribute
    with a value, and Flask, which reads ``app.secret_key``, signs sessions
    with it. hipflask's sessions, CSRF tokens and remember-me cookies read
    ``config["SECRET_KEY"]``: copied there when the app is made, the
    class's value serves them too (``testing`` and
    ``permanent_session_lifetime`` alike), as ``app.secret_key`` answers
    the class's value in Flask whatever the config holds. A property
    (``secret_key`` read from the environment) is read once, here, where
    Flask reads it on every access; one that raises or answers ``None``
    leaves the config as it is. The value is copied when the app is made: a
    config set afterwards wins here, where Flask would keep answering the
    class's value.
    """
    cls = type(app)
    seen: set[str] = set()
    for klass in cls.__mro__:
        for attribute, descriptor in vars(klass).items():
            if attribute in seen or not isinstance(descriptor, ConfigAttribute):
                continue
            seen.add(attribute)
            value = inspect.getattr_static(cls, attribute)
            if isinstance(value, ConfigAttribute):
                continue
            if hasattr(type(value), "__get__"):
                try:
                    value = getattr(app, attribute)
                except Exception:
                    value = None  # a property that cannot answer yet: the config stands
                if value is None:
                    continue
            app.config[descriptor.name] = value


def _to_timedelta(value: object) -> timedelta:
    """Read a duration given as a :class:`~datetime.timedelta` or in seconds.

    Settings arrive as numbers from JSON, TOML and environment variables, which
    have no duration type; a :class:`bool` is refused because ``True`` as "one
    second" is never what was meant.
    """
    if isinstance(value, timedelta):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return timedelta(seconds=value)
    raise TypeError(
        f"expected a timedelta or a number of seconds, got {type(value).__name__} {value!r}"
    )


def _copy_container(value: Any) -> Any:
    """Copy one level of a mutable container; share everything else."""
    if isinstance(value, (list, dict, set)):
        return value.copy()
    return value


def _unable_to_load(exc: OSError) -> OSError:
    """Rebuild an I/O error so its message says a configuration file failed.

    Keeps the subclass (:class:`FileNotFoundError`, ...) and ``errno`` so
    callers can still tell the causes apart.
    """
    return type(exc)(exc.errno, f"Unable to load configuration file ({exc.strerror})", exc.filename)


def debug_from_environment() -> bool:
    """``DEBUG``'s default: ``HIPFLASK_DEBUG``, else ``FLASK_DEBUG``, false when unset.

    False rather than ``None`` when unset, as Flask's config says (templates
    test it with ``is``).
    """
    value = os.environ.get("HIPFLASK_DEBUG") or os.environ.get("FLASK_DEBUG")
    if not value:
        return False
    return value.lower() not in {"0", "false", "no"}
