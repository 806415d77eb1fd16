"""Sessions: ``session``, the interface that stores it, and the cookie store.

The names a Flask app imports from ``flask.sessions`` live here::

    from hipflask.sessions import SecureCookieSessionInterface
    from hipflask.sessions import SessionInterface

Server-side sessions, as Flask-Session sets them up::

    from hipflask.sessions import Session

    app.config["SESSION_TYPE"] = "redis"
    Session(app)
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from .base import NullSession as NullSession
from .base import SecureCookieSession as SecureCookieSession
from .base import SessionInterface as SessionInterface
from .base import SessionMixin as SessionMixin
from .base import SessionUnavailableError as SessionUnavailableError
from .cookie import SecureCookieSessionInterface as SecureCookieSessionInterface
from .cookie import session_json_serializer as session_json_serializer
from .tag import JSONTag as JSONTag
from .tag import TaggedJSONSerializer as TaggedJSONSerializer

if TYPE_CHECKING:
    from .extension import Session as Session
    from .interfaces import FileSystemSessionInterface as FileSystemSessionInterface
    from .interfaces import MemorySessionInterface as MemorySessionInterface
    from .interfaces import RedisSessionInterface as RedisSessionInterface
    from .interfaces import SqlAlchemySessionInterface as SqlAlchemySessionInterface
    from .server import ServerSideSession as ServerSideSession
    from .server import ServerSideSessionInterface as ServerSideSessionInterface

# Server-side sessions (Flask-Session's names) are loaded on first use: an app
# on signed-cookie sessions never imports them or the stores behind them.
_SERVER_SIDE = {
    "Session": ".extension",
    "FileSystemSessionInterface": ".interfaces",
    "MemorySessionInterface": ".interfaces",
    "RedisSessionInterface": ".interfaces",
    "ServerSideSession": ".server",
    "ServerSideSessionInterface": ".server",
    "SqlAlchemySessionInterface": ".interfaces",
}


__all__ = [
    "JSONTag",
    "NullSession",
    "SecureCookieSession",
    "SecureCookieSessionInterface",
    "SessionInterface",
    "SessionMixin",
    "SessionUnavailableError",
    "TaggedJSONSerializer",
    "session_json_serializer",
    *_SERVER_SIDE,
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        # Flask-Session names its release; here it is hipflask's, read on use
        # as the package sets it after importing its modules. Read from the
        # loaded package, not imported: the sessions layer sits below the
        # package's top, which imports the core.
        import sys

        return sys.modules[__name__.partition(".")[0]].__version__
    if name not in _SERVER_SIDE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_SERVER_SIDE[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_SERVER_SIDE})
