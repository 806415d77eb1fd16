"""``db.async_session``: the ORM without blocking the event loop.

An ``async def`` view served under ASGI runs on the event loop; a blocking
database call there stalls every request of the process. This module gives
those views an :class:`~sqlalchemy.ext.asyncio.AsyncSession` on an async
driver for the same database (aiosqlite, psycopg's async mode, asyncpg,
asyncmy), scoped to the app context like ``db.session`` and closed at
teardown::

    @app.get("/users/<int:user_id>")
    async def show_user(user_id):
        user = await db.async_session.get(User, user_id)
        ...

Async drivers bind their connections to the loop that opened them, so each
event loop gets its own async engine per bind.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import TYPE_CHECKING
from typing import Any

from .._extras import require
from .session import Session
from .session import UnknownBindError
from .session import bind_key_of

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from .extension import SQLAlchemy


class AsyncBindSession(Session):
    """The sync half of an async session: routes to the async engines' binds."""

    def get_bind(
        self, mapper: Any = None, clause: Any = None, bind: Any = None, **kwargs: Any
    ) -> Any:
        if bind is not None:
            return bind
        found, key = bind_key_of(mapper, clause)
        engines = self._db.engines
        if found and key not in engines:
            # A bind key typo, or a default-database model when only
            # SQLALCHEMY_BINDS is set: the same error as db.session's.
            raise UnknownBindError(key)
        if not (found and key in engines):
            key = None
        return self._db.get_async_engine(key).sync_engine


class AsyncEngines:
    """The async engines of one app: per event loop, per bind key."""

    def __init__(self) -> None:
        self._by_loop: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, dict[str | None, AsyncEngine]
        ] = weakref.WeakKeyDictionary()

    def get(self, app: Any, db: SQLAlchemy, key: str | None) -> AsyncEngine:
        from .engines import async_engine_arguments
        from .refusals import refuse_nul_in_requests
        from .refusals import refuse_out_of_range_in_requests

        engines = self._by_loop.setdefault(asyncio.get_running_loop(), {})
        engine = engines.get(key)
        if engine is None:
            sync_engine = db.get_engine(key)
            arguments = async_engine_arguments(app, sync_engine)
            if arguments is None:
                from ..errors import ConfigurationError

                raise ConfigurationError(
                    f"The database {sync_engine.url.render_as_string()!r} has no async"
                    " driver (in-memory SQLite is one connection that an async engine"
                    " cannot share). Use an SQLite file, PostgreSQL or MySQL/MariaDB,"
                    " or use db.session in a sync view."
                )
            asyncio_sa = require("sqlalchemy.ext.asyncio", extra="db")
            url, options = arguments
            try:
                engine = asyncio_sa.create_async_engine(url, **options)
            except ImportError as exc:
                from ..errors import ConfigurationError
                from ..stores.urls import url_driver

                # A driver the settings named (postgresql+asyncpg://) that is
                # not installed; the ones hipflask picks itself come with it.
                raise ConfigurationError(
                    f"The database URL names the async driver {url_driver(url)!r}, which"
                    f" is not installed ({exc}). Install it, or name no driver to use"
                    " the one hipflask installs."
                ) from exc
            refuse_nul_in_requests(engine.sync_engine)
            refuse_out_of_range_in_requests(engine.sync_engine)
            engines[key] = engine
        return engine

    async def dispose(self) -> None:
        """Close the current loop's async engines (at shutdown or in tests)."""
        engines = self._by_loop.pop(asyncio.get_running_loop(), {})
        for engine in engines.values():
            await engine.dispose()


def make_async_scoped_session(db: SQLAlchemy, scopefunc: Any, options: dict[str, Any]) -> Any:
    """The ``db.async_session`` registry: one AsyncSession per app context."""
    asyncio_sa = require("sqlalchemy.ext.asyncio", extra="db")
    options = {"expire_on_commit": False, **options}
    options.pop("class_", None)
    options.pop("query_cls", None)
    # A class of this db's own: session events set on it (modification
    # tracking) must not reach the async sessions of another db.
    sync_class = type(AsyncBindSession.__name__, (AsyncBindSession,), {})
    factory = asyncio_sa.async_sessionmaker(sync_session_class=sync_class, db=db, **options)
    return asyncio_sa.async_scoped_session(factory, scopefunc=scopefunc)


def sync_session_class(registry: Any) -> type[AsyncBindSession]:
    """The class of the sync sessions inside ``db.async_session``'s sessions."""
    cls: type[AsyncBindSession] = registry.session_factory.kw["sync_session_class"]
    return cls


__all__ = [
    "AsyncBindSession",
    "AsyncEngines",
    "make_async_scoped_session",
    "sync_session_class",
]
