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

from .base import NullSession as NullSession
from .base import SecureCookieSession as SecureCookieSession
from .base import SessionInterface as SessionInterface
from .base import SessionMixin as SessionMixin
from .base import SessionUnavailableError as SessionUnavailableError
from .cookie import SecureCookieSessionInterface as SecureCookieSessionInterface
from .cookie import session_json_serializer as session_json_serializer
from .extension import Session as Session
from .server import FileSystemSessionInterface as FileSystemSessionInterface
from .server import MemorySessionInterface as MemorySessionInterface
from .server import RedisSessionInterface as RedisSessionInterface
from .server import ServerSideSession as ServerSideSession
from .server import ServerSideSessionInterface as ServerSideSessionInterface
from .server import SqlAlchemySessionInterface as SqlAlchemySessionInterface
from .tag import JSONTag as JSONTag
from .tag import TaggedJSONSerializer as TaggedJSONSerializer
