"""``SESSION_TYPE = "cachelib"``: the hipflask store that stands in for the app's cache.

Flask-Session recommends ``SESSION_CACHELIB = FileSystemCache(...)`` in place
of its deprecated ``filesystem`` type, so many apps name a cachelib cache.
Sessions are not run on the cache's ``get``/``set``: a save here is a
compare-and-set on the record its request loaded (two tabs keep both their
changes, :mod:`hipflask.sessions.merge`), which no cachelib cache offers. The
cache says where the sessions go, and hipflask's store for that place keeps
them there:

* ``FileSystemCache`` -> the filesystem store, in the cache's directory;
* ``RedisCache`` (and ``ValkeyCache``) -> the Redis store, on the cache's
  server, under the cache's ``key_prefix`` followed by ``SESSION_KEY_PREFIX``
  (where Flask-Session puts them);
* ``SimpleCache`` and ``NullCache`` -> the in-process memory store;
* no ``SESSION_CACHELIB`` -> the filesystem store in ``./flask_session``,
  the ``FileSystemCache`` Flask-Session creates then;
* any other cache -> :class:`~hipflask.errors.ConfigurationError` at
  ``Session(app)``, saying why and which type to use.

Only cachelib's public attributes are read. What a cache keeps private (a
``FileSystemCache``'s directory, a ``RedisCache``'s connection) comes from the
hipflask setting for it (``SESSION_FILE_DIR``, ``SESSION_REDIS``); without it
init fails naming that setting, rather than guess and keep sessions in a place
the app did not choose. A ``SESSION_FILE_DIR`` that does not exist is refused
too: the cache created its directory when it was made, so that is elsewhere.
A cache's ``default_timeout`` is not used: a record lives
``PERMANENT_SESSION_LIFETIME``, as Flask-Session sets it on every write.
A ``threshold`` is not used either: past it, cachelib deletes entries that have
not expired, which for sessions would log visitors out at random.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING
from typing import Any

from ..errors import ConfigurationError
from ..stores import create_store
from .interfaces import FileSystemSessionInterface
from .interfaces import MemorySessionInterface
from .interfaces import RedisSessionInterface
from .unsupported import refuse

if TYPE_CHECKING:
    from types import ModuleType

    from ..stores import Store
    from .server import ServerSideSessionInterface

_Choice = tuple["Store", type["ServerSideSessionInterface"]]

# Flask-Session's cache when SESSION_CACHELIB is not set, relative to the
# working directory as there.
_DEFAULT_DIRECTORY = "flask_session"

# cachelib class name -> Flask-Session type whose refusal reason applies.
_REFUSED = {
    "MemcachedCache": "memcached",
    "MongoDbCache": "mongodb",
    "DynamoDbCache": "dynamodb",
    "UWSGICache": "uwsgi",
}


def cachelib_store(app: Any, prefix: str) -> _Choice:
    """The store and interface for ``SESSION_CACHELIB``; refuses what cannot keep sessions."""
    cache = app.config.get("SESSION_CACHELIB")
    if cache is None:
        return _filesystem(app, prefix, app.config.get("SESSION_FILE_DIR") or _DEFAULT_DIRECTORY)
    cachelib = _cachelib()
    if cachelib is None or not isinstance(cache, cachelib.BaseCache):
        raise ConfigurationError(
            f"SESSION_CACHELIB must be a cachelib cache (FileSystemCache, RedisCache,"
            f" SimpleCache), not {type(cache).__name__!r}; or drop it and set SESSION_TYPE"
            " to 'filesystem', 'redis' or 'sqlalchemy'. For a store of your own, subclass"
            " SessionInterface and assign it to app.session_interface."
        )
    name = type(cache).__name__
    if isinstance(cache, cachelib.FileSystemCache):
        return _file_system_cache(app, prefix)
    if isinstance(cache, _redis_classes(cachelib)):
        return _redis_cache(app, prefix, cache)
    if isinstance(cache, (cachelib.SimpleCache, cachelib.NullCache)):
        return create_store("memory://", prefix=prefix), MemorySessionInterface
    for refused, kind in _REFUSED.items():
        if isinstance(cache, getattr(cachelib, refused, ())):
            raise refuse(f"SESSION_CACHELIB = {refused}(...)", kind)
    raise ConfigurationError(
        f"SESSION_CACHELIB is a {name}, which hipflask cannot keep sessions in: saves need"
        " an atomic compare-and-set (two tabs keep both their changes) that a cache's get"
        " and set cannot give. Use FileSystemCache, RedisCache or SimpleCache, or set"
        " SESSION_TYPE to 'filesystem', 'redis' or 'sqlalchemy' instead."
    )


def _cachelib() -> ModuleType | None:
    # Installed whenever SESSION_CACHELIB holds one of its caches; hipflask
    # itself does not depend on it.
    try:
        return importlib.import_module("cachelib")
    except ImportError:
        return None


def _redis_classes(cachelib: ModuleType) -> tuple[type, ...]:
    # ValkeyCache came later than RedisCache; both speak the Redis protocol.
    names = ("RedisCache", "ValkeyCache")
    return tuple(getattr(cachelib, name) for name in names if hasattr(cachelib, name))


def _filesystem(app: Any, prefix: str, directory: str) -> _Choice:
    from ..stores.filesystem import FileSystemStore

    mode = int(app.config.get("SESSION_FILE_MODE", 0o600))
    store = FileSystemStore(
        os.fspath(directory),
        prefix=prefix,
        mode=mode,
        sweep_interval=app.config["SESSION_FILE_SWEEP_INTERVAL"],
    )
    return store, FileSystemSessionInterface


def _file_system_cache(app: Any, prefix: str) -> _Choice:
    directory = app.config.get("SESSION_FILE_DIR")
    if not directory:
        raise ConfigurationError(
            "SESSION_CACHELIB is a FileSystemCache: hipflask keeps these sessions in its"
            " filesystem store, in the same directory, because saves need an atomic"
            " compare-and-set that the cache's get and set cannot give. cachelib keeps the"
            " cache's directory private, so name it: set SESSION_FILE_DIR to the cache_dir"
            " the cache was given (FileSystemCache(cache_dir='flask_session') needs"
            " SESSION_FILE_DIR = 'flask_session')."
        )
    if not os.path.isdir(directory):
        # cachelib creates its directory when the cache is made, before
        # Session(app): a missing one is another place (a typo, a relative
        # path taken from another working directory). Creating it would keep
        # the sessions somewhere the app never chose, without a word.
        raise ConfigurationError(
            f"SESSION_FILE_DIR is {os.fspath(directory)!r}, which does not exist, so it is"
            " not the FileSystemCache's directory (the cache creates its cache_dir when"
            " made). Set SESSION_FILE_DIR to the cache_dir the cache was given; a relative"
            " path is taken from the working directory."
        )
    return _filesystem(app, prefix, directory)


def _redis_cache(app: Any, prefix: str, cache: Any) -> _Choice:
    from ..stores.redis import RedisStore

    name = type(cache).__name__
    server = app.config.get("SESSION_REDIS")
    if server is None:
        raise ConfigurationError(
            f"SESSION_CACHELIB is a {name}: hipflask keeps these sessions in its Redis"
            " store, on the same server, because saves need an atomic compare-and-set that"
            " the cache's get and set cannot give. cachelib keeps the cache's connection"
            " private, so name the server: set SESSION_REDIS to a redis.Redis client or a"
            " URL for the host, port and db the cache was given (for example"
            " 'redis://localhost:6379/0'). Keys keep the cache's key_prefix."
        )
    cache_prefix = cache.key_prefix
    if not isinstance(cache_prefix, str):
        raise ConfigurationError(
            f"The {name}'s key_prefix is a function; session keys need a fixed prefix."
            " Give the cache a string key_prefix, or put the prefix in SESSION_KEY_PREFIX."
        )
    full_prefix = cache_prefix + prefix
    if isinstance(server, str):
        return RedisStore(url=server, prefix=full_prefix), RedisSessionInterface
    return RedisStore(server, prefix=full_prefix), RedisSessionInterface


__all__ = ["cachelib_store"]
