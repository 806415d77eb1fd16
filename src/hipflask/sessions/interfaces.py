"""Flask-Session's interface classes, one per store type.

``Session(app)`` makes them from the ``SESSION_*`` settings. They can also
be made directly with Flask-Session's arguments, as its API documents::

    app.session_interface = RedisSessionInterface(app, client=redis.Redis())

The arguments then stand in for the settings of the same name
(``client`` for ``SESSION_REDIS``, ``SESSION_SQLALCHEMY`` or
``SESSION_CACHELIB``, ``cache_dir`` for ``SESSION_FILE_DIR``, ...), and are
checked as ``Session(app)`` checks those. Arguments that mean nothing for
hipflask's stores (``threshold``, ``sequence``, ``schema``,
``cleanup_n_requests``) are accepted and not used, as their settings are.
"""

from __future__ import annotations

from typing import Any

from ..stores import Store
from .server import ServerSideSession
from .server import ServerSideSessionInterface


# Flask-Session gives each store type its own session class, and ported code
# names them: ``isinstance(session, RedisSession)``, or a subclass set as an
# interface's ``session_class``. They add nothing to the shared session.
class RedisSession(ServerSideSession):
    """The session :class:`RedisSessionInterface` opens."""


class FileSystemSession(ServerSideSession):
    """The session :class:`FileSystemSessionInterface` opens."""


class CacheLibSession(ServerSideSession):
    """The session of ``SESSION_TYPE = "cachelib"``.

    :class:`CacheLibSessionInterface` opens it, and so does the interface
    ``Session(app)`` picks for the cache's store (a
    :class:`FileSystemSessionInterface` for a ``FileSystemCache``): the class
    follows the type the app asked for, as in Flask-Session.
    """


class SqlAlchemySession(ServerSideSession):
    """The session :class:`SqlAlchemySessionInterface` opens."""


class _Common:
    """The arguments every Flask-Session interface takes, in its order."""

    def __init__(
        self,
        key_prefix: str,
        use_signer: bool | None,
        permanent: bool,
        sid_length: int,
        serialization_format: str,
    ) -> None:
        self.key_prefix = key_prefix
        self.use_signer = use_signer
        self.permanent = permanent
        self.sid_length = sid_length
        self.serialization_format = serialization_format


def _setup(
    interface: ServerSideSessionInterface,
    kind: str,
    app: Any,
    common: _Common,
    settings: dict[str, Any],
) -> None:
    """Give ``interface`` its store: the one passed, or one made from Flask-Session's arguments."""
    if isinstance(app, Store):
        # Session(app) made the store from the settings and passes it here.
        store = app
    else:
        from .extension import direct_store

        settings = {
            "SESSION_KEY_PREFIX": common.key_prefix,
            "SESSION_ID_LENGTH": common.sid_length,
            "SESSION_SERIALIZATION_FORMAT": common.serialization_format,
            **settings,
        }
        store = direct_store(kind, app, settings)
    ServerSideSessionInterface.__init__(
        interface,
        store,
        key_prefix=str(common.key_prefix),
        use_signer=common.use_signer,
        permanent=bool(common.permanent),
        sid_length=int(common.sid_length),
    )


class RedisSessionInterface(ServerSideSessionInterface):
    """Sessions in Redis (``SESSION_TYPE = "redis"``).

    ``client`` is a ``redis.Redis`` client or a URL; without one, Redis on
    ``127.0.0.1:6379``.
    """

    session_class: type[ServerSideSession] = RedisSession

    def __init__(
        self,
        app: Any = None,
        client: Any = None,
        key_prefix: str = "session:",
        use_signer: bool | None = None,
        permanent: bool = True,
        sid_length: int = 32,
        serialization_format: str = "msgpack",
    ) -> None:
        common = _Common(key_prefix, use_signer, permanent, sid_length, serialization_format)
        _setup(self, "redis", app, common, {"SESSION_REDIS": client})


class FileSystemSessionInterface(ServerSideSessionInterface):
    """Sessions in files (``SESSION_TYPE = "filesystem"``).

    ``cache_dir`` is the directory (the instance folder's ``sessions`` by
    default); ``mode`` the files' mode.
    """

    session_class: type[ServerSideSession] = FileSystemSession

    def __init__(
        self,
        app: Any = None,
        key_prefix: str = "session:",
        use_signer: bool | None = None,
        permanent: bool = True,
        sid_length: int = 32,
        serialization_format: str = "msgpack",
        cache_dir: str | None = None,
        threshold: int = 500,
        mode: int = 0o600,
    ) -> None:
        common = _Common(key_prefix, use_signer, permanent, sid_length, serialization_format)
        settings: dict[str, Any] = {"SESSION_FILE_MODE": mode}
        if cache_dir is not None:
            settings["SESSION_FILE_DIR"] = cache_dir
        _setup(self, "filesystem", app, common, settings)


class CacheLibSessionInterface(ServerSideSessionInterface):
    """Sessions where the cachelib cache ``client`` keeps its entries (``"cachelib"``).

    The store for that place keeps them, as with ``SESSION_CACHELIB`` (see
    :mod:`hipflask.sessions.cachelib_stores`): a ``FileSystemCache`` needs
    ``SESSION_FILE_DIR`` and a ``RedisCache`` ``SESSION_REDIS`` in the app's
    config. ``Session(app)`` gives the interface of that store's type.
    """

    session_class: type[ServerSideSession] = CacheLibSession

    def __init__(
        self,
        app: Any = None,
        client: Any = None,
        key_prefix: str = "session:",
        use_signer: bool | None = None,
        permanent: bool = True,
        sid_length: int = 32,
        serialization_format: str = "msgpack",
    ) -> None:
        common = _Common(key_prefix, use_signer, permanent, sid_length, serialization_format)
        _setup(self, "cachelib", app, common, {"SESSION_CACHELIB": client})


class SqlAlchemySessionInterface(ServerSideSessionInterface):
    """Sessions in an SQL table (``SESSION_TYPE = "sqlalchemy"``).

    ``client`` is the ``hipflask.db.SQLAlchemy`` object (the app's by
    default).
    """

    session_class: type[ServerSideSession] = SqlAlchemySession

    def __init__(
        self,
        app: Any = None,
        client: Any = None,
        key_prefix: str = "session:",
        use_signer: bool | None = None,
        permanent: bool = True,
        sid_length: int = 32,
        serialization_format: str = "msgpack",
        table: str = "hipflask_sessions",
        sequence: str | None = None,
        schema: str | None = None,
        bind_key: str | None = None,
        cleanup_n_requests: int | None = None,
    ) -> None:
        common = _Common(key_prefix, use_signer, permanent, sid_length, serialization_format)
        settings = {
            "SESSION_SQLALCHEMY": client,
            "SESSION_SQLALCHEMY_TABLE": table,
            "SESSION_SQLALCHEMY_BIND_KEY": bind_key,
        }
        _setup(self, "sqlalchemy", app, common, settings)


class MemorySessionInterface(ServerSideSessionInterface):
    """Sessions in this process (``SESSION_TYPE = "memory"``)."""

    def __init__(
        self,
        app: Any = None,
        key_prefix: str = "session:",
        use_signer: bool | None = None,
        permanent: bool = True,
        sid_length: int = 32,
        serialization_format: str = "msgpack",
    ) -> None:
        common = _Common(key_prefix, use_signer, permanent, sid_length, serialization_format)
        _setup(self, "memory", app, common, {})


__all__ = [
    "CacheLibSession",
    "CacheLibSessionInterface",
    "FileSystemSession",
    "FileSystemSessionInterface",
    "MemorySessionInterface",
    "RedisSession",
    "RedisSessionInterface",
    "SqlAlchemySession",
    "SqlAlchemySessionInterface",
]
