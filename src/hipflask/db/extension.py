"""``SQLAlchemy``: the ``db`` object of a Flask-SQLAlchemy app.

It carries the declarative base (``db.Model``), one ORM session per app
context (``db.session``), one engine per configured database (``db.engine``,
``db.engines``) and every SQLAlchemy name (``db.Column``, ``db.select``), so
code written for Flask-SQLAlchemy runs unchanged. Engines belong to an app:
one ``db`` can be initialised on several apps, and each uses its own
databases.

The session is removed when the app context ends: whatever a request left
uncommitted (because it failed half way, say) is rolled back then, and the
connection goes back to the pool.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy import orm

from ..contexts import globals as _globals
from ..core.helpers import abort
from ..errors import ConfigurationError
from .async_session import AsyncEngines
from .async_session import make_async_scoped_session
from .async_session import sync_session_class
from .cli import add_models_to_shell
from .engines import create_engines
from .keys import key_cannot_exist
from .model import Model
from .model import make_model_base
from .pagination import Pagination
from .pagination import SelectPagination
from .query import Query
from .record_queries import record_on
from .refusals import refuse_nul_in_requests
from .refusals import refuse_out_of_range_in_requests
from .session import Session
from .session import UnknownBindError
from .track_modifications import track

# Plain names, not ``from`` imports, so that their method calls compile as
# method calls (see hipflask.contexts.globals).
_cv_app = _globals._cv_app

_O = TypeVar("_O")

_NO_APP_CONTEXT = (
    "hipflask.db needs an app context to know which app's database to use. Wrap the"
    " call in 'with app.app_context():' (requests, CLI commands and the shell have"
    " one already)."
)


class DatabaseContextError(ConfigurationError, RuntimeError):
    """The database was used outside an app context, or on an app it was not set up on.

    Also a :class:`RuntimeError`, as Flask-SQLAlchemy raises there.
    """


class UnknownEngineError(ConfigurationError, KeyError):
    """``db.get_engine(key)`` for a bind key the app has no engine for.

    Also a :class:`KeyError`, as Flask-SQLAlchemy raises there (and as
    ``db.engines[key]`` does).
    """

    def __str__(self) -> str:
        # KeyError's str() would show the message quoted, as a key.
        return str(self.args[0]) if self.args else ""


class AlreadyRegisteredError(ConfigurationError, RuntimeError):
    """A second ``SQLAlchemy`` object was set up on an app that has one.

    Its models would be in a metadata and a session the app's other code does
    not see. Also a :class:`RuntimeError`, as Flask-SQLAlchemy raises there.
    """


_ENDED_CONTEXT = (
    "This code runs after its request ended: the app context it inherited (a task"
    " started from a view with asyncio.create_task, say) was torn down, and a session"
    " opened now would never be closed, holding a database connection. Open a context"
    " of its own around the work, whose end closes the session: 'async with"
    " app.app_context():' in a coroutine, 'with app.app_context():' in a thread (take"
    " the app from current_app._get_current_object() while the request runs)."
)

#: ``db.get_engine(bind=...)`` not given (``None`` is the default database).
_NO_BIND: Any = object()

#: App contexts whose teardown has run (the sessions were closed). One still
#: current though no longer pushed is a context a task or thread inherited.
_ENDED: weakref.WeakSet[Any] = weakref.WeakSet()


def _scope() -> int:
    ctx = _cv_app.get(None)
    if ctx is None:
        raise DatabaseContextError(_NO_APP_CONTEXT)
    if not ctx._tokens and ctx in _ENDED:
        # Pushed again (a test client's kept context), it is live once more.
        raise DatabaseContextError(_ENDED_CONTEXT)
    return id(ctx)


def _on_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class SQLAlchemy:
    """Flask-SQLAlchemy's ``db``: models, session and engines for an app."""

    def __init__(
        self,
        app: Any = None,
        *,
        metadata: sa.MetaData | None = None,
        session_options: dict[str, Any] | None = None,
        query_class: type[Query] = Query,
        model_class: Any = Model,
        engine_options: dict[str, Any] | None = None,
        add_models_to_shell: bool = True,
        disable_autonaming: bool = False,
    ) -> None:
        self.Query = query_class
        self.session_options = dict(session_options or {})
        self._engine_options = dict(engine_options or {})
        self._add_models_to_shell = add_models_to_shell
        self.metadatas: dict[str | None, sa.MetaData] = {}
        if metadata is None and isinstance(model_class, type):
            metadata = getattr(model_class, "metadata", None)
            if not isinstance(metadata, sa.MetaData):
                metadata = None
        self._make_metadata(None, metadata)
        self.Model: Any = make_model_base(self, model_class, self.metadatas[None])
        if disable_autonaming:
            self.Model.__hipflask_autonaming__ = False
        self.session: orm.scoped_session[Session] = self._make_scoped_session()
        # Made on first use: sync-only apps never import SQLAlchemy's asyncio
        # support (and its greenlet dependency).
        self._async_session: Any = None
        self._is_tracking = False
        self._app_engines: weakref.WeakKeyDictionary[Any, dict[str | None, sa.Engine]] = (
            weakref.WeakKeyDictionary()
        )
        self._app_async_engines: weakref.WeakKeyDictionary[Any, AsyncEngines] = (
            weakref.WeakKeyDictionary()
        )
        if app is not None:
            self.init_app(app)

    def __repr__(self) -> str:
        app = _cv_app.get(None)
        if app is None or app.app not in self._app_engines:
            return f"<{type(self).__name__}>"
        engines = self._app_engines[app.app]
        engine = engines.get(None)
        # render_as_string() masks the password: a repr ends up in logs.
        url = engine.url.render_as_string() if engine is not None else "no default engine"
        extra = len(engines) - (engine is not None)
        more = f" +{extra}" if extra and engine is not None else ""
        return f"<{type(self).__name__} {url}{more}>"

    # -- setup ---------------------------------------------------------------

    def init_app(self, app: Any) -> None:
        """Read the app's ``SQLALCHEMY_*`` settings and create its engines.

        Calling it again for the same app keeps the engines it has; another
        ``SQLAlchemy`` object on the same app raises
        :class:`AlreadyRegisteredError`.
        """
        registered = app.extensions.get("sqlalchemy")
        if registered is not None and registered is not self:
            raise AlreadyRegisteredError(
                "A 'SQLAlchemy' instance has already been registered on this Flask app."
                " Import and use that instance instead."
            )
        config = app.config
        config.setdefault("SQLALCHEMY_DATABASE_URI", None)
        config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        config.setdefault("SQLALCHEMY_ECHO", False)
        config.setdefault("SQLALCHEMY_BINDS", {})
        config.setdefault("SQLALCHEMY_RECORD_QUERIES", False)
        config.setdefault("SQLALCHEMY_MAX_PER_PAGE", 100)
        config.setdefault("SQLALCHEMY_ASYNC_ENGINE_OPTIONS", {})
        config.setdefault("SQLALCHEMY_TRACK_MODIFICATIONS", False)
        app.extensions["sqlalchemy"] = self
        if config["SQLALCHEMY_TRACK_MODIFICATIONS"]:
            self._track_modifications()
        if app in self._app_engines:
            return
        engines = create_engines(app, self._engine_options)
        for key in engines:
            self._make_metadata(key)
            refuse_nul_in_requests(engines[key])
            refuse_out_of_range_in_requests(engines[key])
            if config["SQLALCHEMY_RECORD_QUERIES"]:
                record_on(engines[key])
        self._app_engines[app] = engines
        self._app_async_engines[app] = AsyncEngines()
        app.teardown_appcontext(self._teardown_session)
        app.after_serving(self._close_async_engines)
        if self._add_models_to_shell:
            app.shell_context_processor(add_models_to_shell)

    def _make_metadata(
        self, bind_key: str | None, metadata: sa.MetaData | None = None
    ) -> sa.MetaData:
        """The metadata of ``bind_key``: every bind has its own."""
        existing = self.metadatas.get(bind_key)
        if existing is not None:
            return existing
        if metadata is None:
            default = self.metadatas.get(None)
            conventions = default.naming_convention if default is not None else None
            metadata = sa.MetaData(naming_convention=conventions)
        metadata.info["bind_key"] = bind_key
        self.metadatas[bind_key] = metadata
        return metadata

    def _make_scoped_session(self) -> orm.scoped_session[Session]:
        options = dict(self.session_options)
        scopefunc = options.pop("scopefunc", _scope)
        options.setdefault("class_", Session)
        options.setdefault("query_cls", self.Query)
        factory = orm.sessionmaker(db=self, **options)
        return orm.scoped_session(factory, scopefunc=scopefunc)

    def _track_modifications(self) -> None:
        """Listen for model changes on this object's sessions, sync and async.

        Each listener checks the current app's setting, so an app without it
        shares the sessions yet sends nothing.
        """
        self._is_tracking = True
        track(self.session)
        if self._async_session is not None:
            track(sync_session_class(self._async_session))

    @property
    def async_session(self) -> Any:
        """An :class:`~sqlalchemy.ext.asyncio.AsyncSession` per app context, for async views.

        Its commits send the modification signals too (``SQLALCHEMY_TRACK_MODIFICATIONS``).
        """
        if self._async_session is None:
            options = {k: v for k, v in self.session_options.items() if k != "scopefunc"}
            self._async_session = make_async_scoped_session(self, _scope, options)
            if self._is_tracking:
                track(sync_session_class(self._async_session))
        return self._async_session

    def _teardown_session(self, exc: BaseException | None) -> Any:
        """Close the app context's sessions; uncommitted work is rolled back."""
        ctx = _cv_app.get(None)
        if ctx is not None:
            _ENDED.add(ctx)
        has_sync = self.session.registry.has()
        has_async = self._async_session is not None and self._async_session.registry.has()
        if not (has_sync or has_async):
            return None
        if not has_async and not _on_loop():
            self.session.remove()
            return None
        return self._ateardown(has_sync, has_async)

    async def _ateardown(self, has_sync: bool, has_async: bool) -> None:
        if has_async:
            await self.async_session.remove()
        if has_sync:
            # Returning the connection rolls back: a round trip to the server
            # that must not hold up the event loop.
            await asyncio.to_thread(self.session.remove)

    # -- engines -------------------------------------------------------------

    def _current_app(self) -> Any:
        ctx = _cv_app.get(None)
        if ctx is None:
            raise DatabaseContextError(_NO_APP_CONTEXT)
        if ctx.app not in self._app_engines:
            raise DatabaseContextError(
                f"The app {ctx.app.name!r} is not set up with this SQLAlchemy object."
                " Call db.init_app(app) (or pass the app to SQLAlchemy(app))."
            )
        return ctx.app

    @property
    def engines(self) -> dict[str | None, sa.Engine]:
        """The current app's engines by bind key (``None`` is the default)."""
        return self._app_engines[self._current_app()]

    @property
    def engine(self) -> sa.Engine:
        """The current app's default engine (``SQLALCHEMY_DATABASE_URI``)."""
        return self.get_engine(None)

    def get_engine(self, bind_key: str | None = None, *, bind: Any = _NO_BIND) -> sa.Engine:
        """The current app's engine for ``bind_key``.

        ``bind`` is the same key under the name older Flask-SQLAlchemy code
        (a Flask-Migrate ``env.py``, say) passes it by. An unknown key raises
        :class:`UnknownEngineError`, a :class:`KeyError` as ``db.engines[key]``
        and Flask-SQLAlchemy raise.
        """
        if bind is not _NO_BIND:
            bind_key = bind
        engines = self.engines
        if bind_key not in engines:
            known = ", ".join(repr(k) for k in engines) or "none"
            raise UnknownEngineError(
                f"No database bind {bind_key!r}; configured binds: {known}. Add it to"
                " SQLALCHEMY_BINDS (or set SQLALCHEMY_DATABASE_URI for the default)."
            )
        return engines[bind_key]

    def get_async_engine(self, bind_key: str | None = None) -> Any:
        """The current app's async engine for ``bind_key`` on the running loop."""
        app = self._current_app()
        return self._app_async_engines[app].get(app, self, bind_key)

    @property
    def async_engine(self) -> Any:
        """The default async engine of the current app on the running loop."""
        return self.get_async_engine(None)

    async def _close_async_engines(self) -> None:
        """At server shutdown: close the pooled async connections on this loop."""
        for engines in list(self._app_async_engines.values()):
            await engines.dispose()

    async def dispose_async_engines(self) -> None:
        """Close the current app's async engines on the running loop."""
        await self._app_async_engines[self._current_app()].dispose()

    # -- schema --------------------------------------------------------------

    def _bind_keys(self, bind_key: str | list[str | None] | None) -> list[str | None]:
        if bind_key == "__all__":
            return list(self.metadatas)
        if isinstance(bind_key, (list, tuple)):
            return list(bind_key)
        return [bind_key]

    def _each_bind(self, operation: str, bind_key: Any, **kwargs: Any) -> None:
        """Run a metadata ``operation`` on each bind ``bind_key`` names.

        A key the app has no engine for raises :class:`UnknownBindError`, the
        default one (``None``, part of ``"__all__"``) included when only
        ``SQLALCHEMY_BINDS`` is set, as in Flask-SQLAlchemy: skipping it would
        leave the default models without tables, to fail at the first query.
        Every key is checked before the first statement, so a refused call
        has changed no database.
        """
        engines = self.engines
        keys = self._bind_keys(bind_key)
        for key in keys:
            if key not in engines:
                raise UnknownBindError(key)
        for key in keys:
            getattr(self._make_metadata(key), operation)(bind=engines[key], **kwargs)

    def create_all(self, bind_key: str | list[str | None] | None = "__all__") -> None:
        """Create the tables of every model that are missing (needs an app context).

        ``bind_key`` is one key, a list of them, or ``"__all__"``: every bind
        and the default database, which must then be set. With only
        ``SQLALCHEMY_BINDS`` configured, name the binds (``bind_key=["a"]``):
        the default raises :class:`~hipflask.db.session.UnknownBindError`, as
        in Flask-SQLAlchemy, rather than leaving its models without tables.
        ``drop_all`` and ``reflect`` take ``bind_key`` the same way.
        """
        self._each_bind("create_all", bind_key)

    def drop_all(self, bind_key: str | list[str | None] | None = "__all__") -> None:
        """Drop the tables of every model (needs an app context)."""
        self._each_bind("drop_all", bind_key)

    def reflect(self, bind_key: str | list[str | None] | None = "__all__") -> None:
        """Load the tables that exist in the databases into ``db.metadatas``."""
        self._each_bind("reflect", bind_key)

    @property
    def metadata(self) -> sa.MetaData:
        """The default bind's metadata (``db.Model.metadata``)."""
        return self.metadatas[None]

    @property
    def Table(self) -> Any:
        """``db.Table(name, *columns, bind_key=None)``: a table in a bind's metadata."""
        return self._table

    def _table(self, name: str, *args: Any, bind_key: str | None = None, **kwargs: Any) -> sa.Table:
        if args and isinstance(args[0], sa.MetaData):
            return sa.Table(name, *args, **kwargs)
        return sa.Table(name, self._make_metadata(bind_key), *args, **kwargs)

    # -- queries -------------------------------------------------------------

    def _with_query_class(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """``kwargs`` with :attr:`Query` for the relationship and a backref given as a tuple.

        ``backref=("posts", {"lazy": "dynamic"})`` declares the other side
        in a dict, which gets the query class too, so its dynamic queries
        have ``paginate`` and ``first_or_404`` as well. A ``db.backref(...)``
        has it already; a plain name makes no dynamic query.
        """
        kwargs.setdefault("query_class", self.Query)
        backref = kwargs.get("backref")
        if isinstance(backref, tuple) and len(backref) == 2 and isinstance(backref[1], dict):
            name, options = backref
            kwargs["backref"] = (name, {"query_class": self.Query, **options})
        return kwargs

    def relationship(self, *args: Any, **kwargs: Any) -> Any:
        """:func:`sqlalchemy.orm.relationship`, with ``lazy="dynamic"`` giving :class:`Query`.

        A backref given as ``(name, options)`` gets :class:`Query` too.
        """
        return orm.relationship(*args, **self._with_query_class(kwargs))

    def relation(self, *args: Any, **kwargs: Any) -> Any:
        """:meth:`relationship` by its older name, which older tutorials use.

        SQLAlchemy 2 dropped ``orm.relation``; Flask-SQLAlchemy keeps ``db.relation``.
        """
        return self.relationship(*args, **kwargs)

    def dynamic_loader(self, argument: Any, **kwargs: Any) -> Any:
        """:func:`sqlalchemy.orm.dynamic_loader`, querying as :meth:`relationship` does."""
        return orm.dynamic_loader(argument, **self._with_query_class(kwargs))

    def backref(self, name: str, **kwargs: Any) -> Any:
        kwargs.setdefault("query_class", self.Query)
        return orm.backref(name, **kwargs)

    def get_or_404(
        self, entity: type[_O], ident: Any, *, description: str | None = None, **kwargs: Any
    ) -> _O:
        """``db.session.get(entity, ident, **kwargs)``, or a 404 when there is no such row.

        Keyword arguments (``options=[selectinload(...)]``, ``with_for_update=True``,
        ``populate_existing=True``) go to ``session.get``, as Flask-SQLAlchemy 3.1
        passes them: loading a row with its relationships, or locking it, is
        what a view fetching one object by id often needs. An integer key
        its column cannot store (``/users/2147483648`` on PostgreSQL) is a
        404 without a query (see :mod:`hipflask.db.keys`).
        """
        if key_cannot_exist(self.session, entity, ident):
            abort(404, description=description)
        rv = self.session.get(entity, ident, **kwargs)
        if rv is None:
            abort(404, description=description)
        return rv

    def first_or_404(self, statement: Any, *, description: str | None = None) -> Any:
        """The first result of ``statement``, or a 404 when there is none."""
        rv = self.session.execute(statement).scalar()
        if rv is None:
            abort(404, description=description)
        return rv

    def one_or_404(self, statement: Any, *, description: str | None = None) -> Any:
        """The one result of ``statement``; none or several is a 404."""
        try:
            return self.session.execute(statement).scalar_one()
        except (sa_exc.NoResultFound, sa_exc.MultipleResultsFound):
            pass
        abort(404, description=description)

    def paginate(
        self,
        select: sa.Select[Any],
        *,
        page: int | None = None,
        per_page: int | None = None,
        max_per_page: int | None = None,
        error_out: bool = True,
        count: bool = True,
    ) -> Pagination:
        """One page of ``select``'s results; see :class:`~hipflask.db.pagination.Pagination`."""
        return SelectPagination(
            select=select,
            session=self.session(),
            page=page,
            per_page=per_page,
            max_per_page=max_per_page,
            error_out=error_out,
            count=count,
        )

    def __getattr__(self, name: str) -> Any:
        # db.Column, db.String, db.select, db.Mapped...: SQLAlchemy's names, as
        # Flask-SQLAlchemy offers them, without copying each one here.
        if name.startswith("_"):
            raise AttributeError(name)
        for module in (sa, orm):
            if hasattr(module, name):
                return getattr(module, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


__all__ = [
    "AlreadyRegisteredError",
    "DatabaseContextError",
    "SQLAlchemy",
    "UnknownEngineError",
]
