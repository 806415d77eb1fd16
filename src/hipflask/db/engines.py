"""From the ``SQLALCHEMY_*`` settings to one engine per bind.

What this adds to ``create_engine`` is what a Flask app expects:

* no URI at all means an SQLite file in the instance folder, so a new app
  has a database with nothing to install or start;
* a relative SQLite path is relative to the instance folder (created if
  missing), not to whatever directory the server was started in;
* in-memory SQLite is one connection shared by every thread, so the tables
  that ``create_all`` made are the ones the requests see;
* MySQL/MariaDB get ``utf8mb4`` and recycle connections before the server's
  idle timeout closes them;
* a URL without a driver uses an installed one (:mod:`hipflask.stores.urls`).
"""

from __future__ import annotations

import os
import re
import weakref
from typing import Any
from urllib.parse import unquote

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.exc import NoSuchModuleError
from sqlalchemy.pool import StaticPool

from ..errors import ConfigurationError
from ..errors import MissingExtraError
from ..stores.urls import async_database_url
from ..stores.urls import driver_extra
from ..stores.urls import sync_database_url
from ..stores.urls import url_driver

DEFAULT_SQLITE_NAME = "app.db"


def bind_settings(
    app: Any, engine_options: dict[str, Any] | None = None
) -> dict[str | None, dict[str, Any]]:
    """Each bind key with its ``url`` and engine options, from the config.

    ``engine_options`` (``SQLAlchemy(engine_options=...)``) are defaults for
    every engine, and a bind's own dict overrides them for that bind. The
    default engine (key ``None``) is configured, lowest first, by those
    defaults, ``SQLALCHEMY_BINDS[None]``, ``SQLALCHEMY_ENGINE_OPTIONS`` and
    ``SQLALCHEMY_DATABASE_URI``, as Flask-SQLAlchemy documents it: a ``url``
    among the options is a default database too. ``SQLALCHEMY_ECHO`` is the
    ``echo`` and ``echo_pool`` of every engine that does not set them, as
    given (``"debug"`` logs the rows too).
    """
    config = app.config
    defaults = dict(engine_options or {})
    echo = config.get("SQLALCHEMY_ECHO", False)
    configured = dict(config.get("SQLALCHEMY_BINDS") or {})
    binds: dict[str | None, dict[str, Any]] = {}
    for key, value in configured.items():
        if key is not None:
            binds[key] = {**defaults, **_as_options(value)}
            _require_url(binds[key], f"SQLALCHEMY_BINDS[{key!r}]")
    default = {
        **defaults,
        **_as_options(configured.get(None, {})),
        **(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}),
    }
    uri = config.get("SQLALCHEMY_DATABASE_URI")
    if uri is not None:
        default["url"] = uri
    elif "url" not in default and not binds:
        default["url"] = "sqlite:///" + os.path.join(app.instance_path, DEFAULT_SQLITE_NAME)
    if None in configured:
        _require_url(default, "SQLALCHEMY_BINDS[None]")
    if "url" in default:
        binds[None] = default
    for options in binds.values():
        options.setdefault("echo", echo)
        options.setdefault("echo_pool", echo)
    return binds


def _as_options(value: Any) -> dict[str, Any]:
    """A bind's setting as engine options: a dict as it is, a URL as ``{"url": ...}``."""
    return dict(value) if isinstance(value, dict) else {"url": value}


def _require_url(options: dict[str, Any], setting: str) -> None:
    if "url" not in options:
        raise ConfigurationError(
            f"{setting} has no 'url'. Give a database URL, or a dict with 'url' and engine options."
        )


# The password of a URL string: from ``user:`` to the last ``@`` (a password
# may hold an ``@``; masking too much is harmless, too little is not).
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,30}(?=://)")


def _scheme_of(url: Any) -> str | None:
    """The scheme of a URL given as text, the one part of it safe to show.

    Anything else may hold the password, in places no pattern can know: a
    libpq ``key=value`` string, a query parameter, a URL missing its scheme.
    """
    found = _SCHEME.match(str(url))
    return found.group() if found else None


def _sync_url(url: Any) -> sa.URL:
    """``url`` (a string or a :class:`~sqlalchemy.engine.URL`) on an installed sync driver.

    A URL object is kept as it is but for its driver: ``str(url)`` would mask
    its password as ``***`` and the engine could not log in.
    """
    if isinstance(url, sa.URL):
        drivername = make_url(sync_database_url(f"{url.drivername}://")).drivername
        return url.set(drivername=drivername)
    return make_url(sync_database_url(str(url)))


def engine_arguments(app: Any, options: dict[str, Any]) -> tuple[sa.URL, dict[str, Any]]:
    """The URL and keyword arguments to create one bind's engine with."""
    options = dict(options)
    raw_url = options.pop("url")
    try:
        url = _sync_url(raw_url)
    except (ArgumentError, ValueError):
        # The text given is not repeated (it may hold the password where no
        # mask could find it), nor the parser's error chained.
        scheme = _scheme_of(raw_url)
        given = f" (its scheme is {scheme!r})" if scheme else ""
        raise ConfigurationError(
            f"A database URL could not be parsed{given}. Use a URL such as"
            " 'sqlite:///app.db', 'postgresql://user@host/db' or 'mysql://user@host/db'."
        ) from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        url, options = _sqlite_arguments(app, url, options)
    elif backend in ("mysql", "mariadb"):
        if "charset" not in url.query:
            url = url.update_query_dict({"charset": "utf8mb4"})
        options.setdefault("pool_recycle", 7200)
    return url, options


def _sqlite_arguments(
    app: Any, url: sa.URL, options: dict[str, Any]
) -> tuple[sa.URL, dict[str, Any]]:
    path = url.database or ""
    is_uri = path.startswith("file:") and _is_uri_url(url)
    if is_uri:
        path = path[len("file:") :]
    if path in ("", ":memory:") or url.query.get("mode") == "memory":
        options.setdefault("poolclass", StaticPool)
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("check_same_thread", False)
        options["connect_args"] = connect_args
        return url, options
    # A driver-level URI (``sqlite:///file:name.db?uri=true``) names its file
    # after ``file:``; a relative one is under the instance folder too, as in
    # Flask-SQLAlchemy, not wherever the process happens to be started.
    if not os.path.isabs(path):
        path = os.path.join(app.instance_path, path)
        url = url.set(database=f"file:{path}" if is_uri else path)
    file_path = _uri_file_path(path) if is_uri else path
    if file_path is not None:
        os.makedirs(os.path.dirname(file_path) or ".", exist_ok=True)
        _create_private(file_path)
    return url, options


def _is_uri_url(url: sa.URL) -> bool:
    """Whether SQLite reads the database of ``url`` as a URI (``?uri=true``)."""
    value = url.query.get("uri")
    if isinstance(value, tuple):
        value = value[-1] if value else None
    return str(value).lower() in {"true", "1", "yes", "on"}


def _uri_file_path(path: str) -> str | None:
    """The file a ``file:`` URI's path names, or ``None`` for a remote host.

    ``file:///srv/app.db`` and ``file://localhost/srv/app.db`` are
    ``/srv/app.db``; percent escapes are decoded, as SQLite decodes them.
    """
    if path.startswith("//"):
        host, _, rest = path[2:].partition("/")
        if host not in ("", "localhost"):
            return None
        path = "/" + rest
    return unquote(path)


def _create_private(path: str) -> None:
    """Create a new database file readable by its owner alone.

    It will hold password hashes and session data; SQLite would create it
    with the process's umask (usually world-readable), and its journal files
    take the database file's permissions. An existing file is left as it is.
    """
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError:
        return  # a read-only folder: SQLite reports what it cannot do itself
    os.close(descriptor)


def create_engines(
    app: Any, engine_options: dict[str, Any] | None = None
) -> dict[str | None, sa.Engine]:
    """One engine per bind, as the app's settings (and ``engine_options``) describe them.

    The options go through :func:`sqlalchemy.engine_from_config`, which
    reads text as the number or flag an option takes (``"5"`` for
    ``pool_size``, ``"false"`` for ``echo``): settings often come from
    environment variables.
    """
    engines: dict[str | None, sa.Engine] = {}
    for key, options in bind_settings(app, engine_options).items():
        url, kwargs = engine_arguments(app, options)
        try:
            engine = engines[key] = sa.engine_from_config({**kwargs, "url": url}, prefix="")
        except ImportError as exc:
            raise MissingExtraError(url.drivername, driver_extra(url.drivername + "://")) from exc
        except (ArgumentError, NoSuchModuleError) as exc:
            setting = "SQLALCHEMY_DATABASE_URI" if key is None else f"SQLALCHEMY_BINDS[{key!r}]"
            raise ConfigurationError(
                f"{setting} names no database SQLAlchemy knows ({exc}). Use a URL such as"
                " 'sqlite:///app.db', 'postgresql://user@host/db' or 'mysql://user@host/db'."
            ) from exc
        named = url_driver(options["url"])
        if named is not None and named != url.get_driver_name():
            # An async driver the settings named (postgresql+asyncpg://): the
            # sync engine runs on another, the async one on this.
            _NAMED_DRIVERS[engine] = named
    return engines


#: The driver the settings named for an engine, when it runs on another one.
_NAMED_DRIVERS: weakref.WeakKeyDictionary[sa.Engine, str] = weakref.WeakKeyDictionary()


def async_engine_arguments(app: Any, engine: sa.Engine) -> tuple[str, dict[str, Any]] | None:
    """The URL and options of an async engine on ``engine``'s database.

    ``SQLALCHEMY_ASYNC_ENGINE_OPTIONS`` adds to them (a test suite whose test
    clients each run their own event loop sets ``poolclass`` to ``NullPool``,
    so no pooled connection outlives its loop). ``None`` for in-memory
    SQLite: a second engine would open a second, empty database.
    """
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    async_url = async_database_url(
        url.render_as_string(hide_password=False), prefer=_NAMED_DRIVERS.get(engine)
    )
    if async_url is None:
        return None
    options: dict[str, Any] = {"echo": engine.echo}
    if url.get_backend_name() in ("mysql", "mariadb"):
        options["pool_recycle"] = 7200
    options.update(app.config.get("SQLALCHEMY_ASYNC_ENGINE_OPTIONS") or {})
    return async_url, options


__all__ = [
    "async_engine_arguments",
    "bind_settings",
    "create_engines",
    "engine_arguments",
]
