"""``Session(app)``: Flask-Session's setup, from its settings to a session interface.

``SESSION_TYPE`` picks the store:

* ``"memory"`` (the default): this process only, nothing to install;
* ``"filesystem"``: files in ``SESSION_FILE_DIR`` (the instance folder's
  ``sessions`` directory by default), shared by the processes of one machine;
  expired ones are swept every ``SESSION_FILE_SWEEP_INTERVAL`` seconds;
* ``"redis"``: ``SESSION_REDIS``, a redis-py client or a URL;
* ``"sqlalchemy"``: a table in the app's ``hipflask.db`` database
  (``SESSION_SQLALCHEMY``, ``SESSION_SQLALCHEMY_TABLE``,
  ``SESSION_SQLALCHEMY_BIND_KEY``);
* ``"cachelib"``: the store above that keeps the data where the cachelib
  cache in ``SESSION_CACHELIB`` would (:mod:`hipflask.sessions.cachelib_stores`).

Flask-Session's ``memcached``, ``mongodb`` and ``dynamodb`` types are refused
here, with the reason (:mod:`hipflask.sessions.unsupported`), not at the
first request.
"""

from __future__ import annotations

import os
from collections import ChainMap
from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any

from ..errors import ConfigurationError
from ..stores import create_store
from ..stores.filesweep import SWEEP_INTERVAL
from ..stores.filesystem import check_interval
from .cachelib_stores import cachelib_store
from .interfaces import CacheLibSession
from .interfaces import FileSystemSessionInterface
from .interfaces import MemorySessionInterface
from .interfaces import RedisSessionInterface
from .interfaces import SqlAlchemySessionInterface
from .server import ServerSideSessionInterface
from .unsupported import REASONS
from .unsupported import refuse

if TYPE_CHECKING:
    from ..stores import Store

_TYPES = ("memory", "filesystem", "redis", "sqlalchemy", "cachelib")
# Flask-Session's record formats. Records here are tagged JSON whichever is
# named, but a name Flask-Session refuses is refused here too.
_FORMATS = ("msgpack", "json")


class SessionConfigError(ConfigurationError, ValueError):
    """A ``SESSION_*`` setting that names nothing or is not a number.

    An unknown ``SESSION_TYPE`` or ``SESSION_SERIALIZATION_FORMAT``, or a
    ``SESSION_ID_LENGTH`` that is not a number. Also a :class:`ValueError`,
    which Flask-Session raises for the first two, so code that catches it
    around ``Session(app)`` keeps working.
    """


class Session:
    """Keep the app's sessions on the server, as Flask-Session does.

    ::

        app.config["SESSION_TYPE"] = "redis"
        app.config["SESSION_REDIS"] = "redis://127.0.0.1:6379/0"
        Session(app)
    """

    def __init__(self, app: Any = None) -> None:
        self.app = app
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Any) -> None:
        """Read the ``SESSION_*`` settings and install the session interface."""
        interface = self._get_interface(app)
        app.session_interface = interface
        # A server's loop ends with the lifespan shutdown: close the store's
        # async connections on it, before the loop goes away.
        app.after_serving(interface.store.aclose)
        if isinstance(interface, SqlAlchemySessionInterface):
            from .cleanup import register_cleanup_command

            register_cleanup_command(app, interface.store)

    def _get_interface(self, app: Any) -> ServerSideSessionInterface:
        config = app.config
        for key, value in _DEFAULTS.items():
            config.setdefault(key, value)
        kind = _check(config)
        prefix = str(config["SESSION_KEY_PREFIX"])
        store, interface_class = _STORES[kind](app, prefix)
        interface = interface_class(
            store,
            key_prefix=prefix,
            use_signer=config["SESSION_USE_SIGNER"],
            permanent=bool(config["SESSION_PERMANENT"]),
            sid_length=int(config["SESSION_ID_LENGTH"]),
        )
        if kind == "cachelib":
            # The interface is that of the store the cache maps to, but the
            # session is Flask-Session's for the type the app asked for, so
            # isinstance(session, CacheLibSession) holds as it did.
            interface.session_class = CacheLibSession
        return interface


_DEFAULTS: dict[str, Any] = {
    "SESSION_TYPE": "memory",
    "SESSION_PERMANENT": True,
    "SESSION_USE_SIGNER": None,
    "SESSION_KEY_PREFIX": "session:",
    "SESSION_ID_LENGTH": 32,
    "SESSION_REDIS": None,
    "SESSION_SQLALCHEMY": None,
    "SESSION_SQLALCHEMY_TABLE": "hipflask_sessions",
    "SESSION_SQLALCHEMY_BIND_KEY": None,
    "SESSION_CACHELIB": None,
    "SESSION_FILE_SWEEP_INTERVAL": SWEEP_INTERVAL,
    "SESSION_SERIALIZATION_FORMAT": "msgpack",
}


def _check(config: Mapping[str, Any]) -> str:
    """Refuse what no store can do; the store type to use."""
    kind = str(config["SESSION_TYPE"] or "memory").lower()
    if kind in REASONS:
        raise refuse(f"SESSION_TYPE {config['SESSION_TYPE']!r}", kind)
    if kind not in _TYPES:
        raise SessionConfigError(
            f"SESSION_TYPE {config['SESSION_TYPE']!r} is not supported; use one of"
            f" {', '.join(repr(t) for t in _TYPES)}."
        )
    # Checked for every type, as the type: a typo must fail now.
    serialization = config["SESSION_SERIALIZATION_FORMAT"]
    if serialization not in _FORMATS:
        raise SessionConfigError(
            f"SESSION_SERIALIZATION_FORMAT {serialization!r} is not supported; use"
            " 'msgpack' or 'json' (records are stored as tagged JSON either way)."
        )
    length = config["SESSION_ID_LENGTH"]
    try:
        length = int(length)
    except (TypeError, ValueError):
        raise SessionConfigError(
            f"SESSION_ID_LENGTH must be a number of bytes, not {length!r}; the default is 32."
        ) from None
    if length < 16:
        raise ConfigurationError(
            "SESSION_ID_LENGTH must be at least 16 bytes (128 random bits) so that"
            " session ids cannot be guessed; the default is 32."
        )
    # Checked for every type: a typo must fail now, not when the type changes.
    check_interval(config["SESSION_FILE_SWEEP_INTERVAL"], name="SESSION_FILE_SWEEP_INTERVAL")
    return kind


class _AppWithSettings:
    """The app as a store builder sees it, with an interface's arguments as settings.

    The arguments come first, then the app's config, then the defaults; what
    the builders default (``SESSION_FILE_DIR``) lands among the arguments,
    never in the app's config.
    """

    def __init__(self, app: Any, settings: Mapping[str, Any]) -> None:
        self._app = app
        own = app.config if app is not None else {}
        self.config: ChainMap[str, Any] = ChainMap(dict(settings), own, dict(_DEFAULTS))

    def __getattr__(self, name: str) -> Any:
        if self._app is None:
            raise ConfigurationError(
                "This session interface needs the app to find its store: pass it as the"
                " first argument, as Flask-Session's interfaces take it."
            )
        return getattr(self._app, name)


def direct_store(kind: str, app: Any, settings: Mapping[str, Any]) -> Store:
    """The store for an interface made directly with Flask-Session's arguments.

    ``settings`` are those arguments under their setting names; they are
    checked as ``Session(app)`` checks the settings.
    """
    view = _AppWithSettings(app, {**settings, "SESSION_TYPE": kind})
    _check(view.config)
    store, _ = _STORES[kind](view, str(view.config["SESSION_KEY_PREFIX"]))
    if app is not None:
        app.after_serving(store.aclose)
    return store


def _memory(app: Any, prefix: str) -> tuple[Store, type[ServerSideSessionInterface]]:
    return create_store("memory://", prefix=prefix), MemorySessionInterface


def _filesystem(app: Any, prefix: str) -> tuple[Store, type[ServerSideSessionInterface]]:
    from ..stores.filesystem import FileSystemStore

    # Defaulted here, not for every type: for "cachelib" an unset
    # SESSION_FILE_DIR means "the cache's directory, not named yet".
    app.config.setdefault("SESSION_FILE_DIR", os.path.join(app.instance_path, "sessions"))
    mode = int(app.config.get("SESSION_FILE_MODE", 0o600))
    store = FileSystemStore(
        str(app.config["SESSION_FILE_DIR"]),
        prefix=prefix,
        mode=mode,
        sweep_interval=app.config["SESSION_FILE_SWEEP_INTERVAL"],
    )
    return store, FileSystemSessionInterface


def _redis(app: Any, prefix: str) -> tuple[Store, type[ServerSideSessionInterface]]:
    from ..stores.redis import RedisStore

    client = app.config["SESSION_REDIS"]
    if client is None or isinstance(client, str):
        store = RedisStore(url=client or "redis://127.0.0.1:6379/0", prefix=prefix)
    else:
        store = RedisStore(client, prefix=prefix)
    return store, RedisSessionInterface


def _sqlalchemy(app: Any, prefix: str) -> tuple[Store, type[ServerSideSessionInterface]]:
    from ..stores.sql import store_table
    from ..stores.urls import async_database_url
    from .sqltable import SessionSQLStore
    from .sqltable import check_model_table

    db = app.config["SESSION_SQLALCHEMY"] or app.extensions.get("sqlalchemy")
    if db is None:
        raise ConfigurationError(
            "SESSION_TYPE 'sqlalchemy' needs the database: create 'db = SQLAlchemy(app)'"
            " first, or set SESSION_SQLALCHEMY = db."
        )
    bind_key = app.config["SESSION_SQLALCHEMY_BIND_KEY"]
    with app.app_context():
        engine = db.get_engine(bind_key)
        metadata = db.metadatas.get(bind_key) or db.metadata
    name = str(app.config["SESSION_SQLALCHEMY_TABLE"])
    # In the models' metadata, so create_all makes it and migrations keep it.
    table = metadata.tables.get(name)
    if table is None:
        table = store_table(name, metadata)
    else:
        check_model_table(table)
    url = engine.url
    is_memory = url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")
    async_url = None if is_memory else async_database_url(url.render_as_string(hide_password=False))
    store = SessionSQLStore(
        engine, async_url=async_url, table=table, prefix=prefix, serialize=is_memory
    )
    return store, SqlAlchemySessionInterface


_STORES = {
    "memory": _memory,
    "filesystem": _filesystem,
    "redis": _redis,
    "sqlalchemy": _sqlalchemy,
    "cachelib": cachelib_store,
}


__all__ = ["Session", "SessionConfigError", "direct_store"]
