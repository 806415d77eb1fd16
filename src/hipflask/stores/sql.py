"""The SQL store: a table with an expiry column, in any SQLAlchemy database.

For apps that already run PostgreSQL or MySQL/MariaDB and do not want Redis
too, or that want shared state in the SQLite file they already have. Every
operation is a short list of Core statements built once
(:meth:`SQLStore._plan`) and run in one transaction by the sync engine or,
on the event loop, by an async engine (aiosqlite, psycopg's async mode,
asyncpg or asyncmy), so the loop never waits on the database.

Expired rows are skipped when read and swept now and then on writes; nothing
needs a cron job.

Each statement carries a value once, and on MySQL/MariaDB as base64 that the
server decodes. There a statement must fit the server's
``max_allowed_packet`` (16 MiB by default) and PyMySQL writes bytes into the
SQL as a hex literal, twice their size: an upsert naming the value twice in
hex would stop near 4 MiB. A compare-and-set there compares a SHA-256 of the
row's value rather than sending the expected value too. Values up to
:data:`~hipflask.stores.base.MAX_VALUE_SIZE` then fit the default packet,
as on every other backend; a server configured with a smaller one refuses a
value it cannot take with :class:`~hipflask.stores.base.ValueTooLargeError`
naming the setting, before anything is sent.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import random
import threading
import time
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any

from .._extras import require
from .base import MAX_VALUE_SIZE
from .base import OperationStore
from .base import ValueTooLargeError
from .base import check_ttl
from .base import check_value
from .base import expiry_timestamp
from .base import now_milliseconds

require("sqlalchemy", extra="db")

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.dialects import mysql  # noqa: E402
from sqlalchemy.dialects import postgresql  # noqa: E402
from sqlalchemy.dialects import sqlite  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.exc import DatabaseError  # noqa: E402
from sqlalchemy.exc import DBAPIError  # noqa: E402
from sqlalchemy.exc import IntegrityError  # noqa: E402
from sqlalchemy.pool import StaticPool  # noqa: E402

from ..errors import MissingExtraError  # noqa: E402
from .urls import async_database_url  # noqa: E402
from .urls import driver_extra  # noqa: E402
from .urls import sync_database_url  # noqa: E402

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.ext.asyncio import AsyncEngine
    from sqlalchemy.sql import Executable

#: Writes between two sweeps of expired rows.
_SWEEP_EVERY = 500

_MYSQL = ("mysql", "mariadb")
# What a MySQL statement holds besides its base64 value: the SQL, a key of up
# to 255 four-byte characters, the expiry. Generous, so the check errs safe.
_STATEMENT_OVERHEAD = 4096

_Outcome = tuple[int, Sequence[Any] | None]

# A transaction the database rolled back as a deadlock is run again, up to
# this many times in all, after a random wait of up to _CONFLICT_BACKOFF
# seconds times the attempt (so the transactions that collided spread out).
_CONFLICT_TRIES = 5
_CONFLICT_BACKOFF = 0.005
# MySQL/MariaDB's ER_LOCK_DEADLOCK; PostgreSQL's deadlock_detected and
# serialization_failure.
_MYSQL_DEADLOCK = 1213
_CONFLICT_STATES = frozenset({"40P01", "40001"})


def store_table(name: str, metadata: sa.MetaData | None = None) -> sa.Table:
    """The table layout: a key, its bytes, and when it expires (ms since epoch)."""
    return sa.Table(
        name,
        metadata if metadata is not None else sa.MetaData(),
        # 255 characters fit an InnoDB index in utf8mb4; keys are ids and prefixes.
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column(
            "value",
            sa.LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.BigInteger, nullable=True, index=True),
    )


class SQLStore(OperationStore):
    """A :class:`~hipflask.stores.Store` in one SQL table (created on first use).

    Pass engines you already have (``hipflask.db`` passes its own), or use
    :meth:`from_url`. Without an async engine, the async methods run the sync
    statements in a worker thread: still nothing blocks the event loop.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        async_url: str | None = None,
        table: str | sa.Table = "hipflask_store",
        prefix: str = "",
        serialize: bool = False,
    ) -> None:
        super().__init__(prefix)
        self.engine = engine
        # One shared connection (in-memory SQLite) cannot hold two transactions
        # at once: statements of concurrent operations would interleave in it.
        self._serial: contextlib.AbstractContextManager[Any] = (
            threading.Lock() if serialize else contextlib.nullcontext()
        )
        self.async_url = async_url
        url = engine.url
        #: An in-memory SQLite database lives in this process only.
        self.process_local = url.get_backend_name() == "sqlite" and url.database in (
            None,
            "",
            ":memory:",
        )
        self.table = table if isinstance(table, sa.Table) else store_table(table)
        self._table_ready = False
        #: MySQL/MariaDB's ``max_allowed_packet``, read when the table is made.
        self._packet_limit: int | None = None
        self._create_lock = threading.Lock()
        self._writes = 0
        self._async_engines: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncEngine] = (
            weakref.WeakKeyDictionary()
        )

    @classmethod
    def from_url(
        cls, url: str, *, prefix: str = "", table: str = "hipflask_store", **engine_options: Any
    ) -> SQLStore:
        """A store in the database ``url`` names, with engines of its own.

        An in-memory SQLite database (``sqlite://``) lives in one connection
        shared by all threads; it has no async engine, since a second engine
        would see a different, empty database.
        """
        parsed = make_url(sync_database_url(url))
        async_url: str | None = None
        serialize = False
        if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
            engine_options.setdefault("poolclass", StaticPool)
            engine_options.setdefault("connect_args", {"check_same_thread": False})
            serialize = True
        else:
            async_url = async_database_url(url)
        try:
            engine = sa.create_engine(parsed, **engine_options)
        except ImportError as exc:
            raise MissingExtraError(parsed.drivername, driver_extra(url)) from exc
        return cls(engine, async_url=async_url, table=table, prefix=prefix, serialize=serialize)

    # -- the logic, once -----------------------------------------------------

    def _live(self, now: int) -> sa.ColumnElement[bool]:
        expires = self.table.c.expires_at
        return sa.or_(expires.is_(None), expires > now)

    def _upsert(self, dialect: str, row: dict[str, Any]) -> Executable:
        """Insert or replace a row, naming the value once.

        The update takes the value the insert would have written
        (``excluded``, ``VALUES()``) rather than binding it a second time: a
        statement twice the size of its value meets MariaDB's packet limit at
        half the size.
        """
        t = self.table
        if dialect in ("sqlite", "postgresql"):
            module: Any = sqlite if dialect == "sqlite" else postgresql
            insert = module.insert(t).values(row)
            changes = {"value": insert.excluded.value, "expires_at": insert.excluded.expires_at}
            upsert: Executable = insert.on_conflict_do_update(
                index_elements=[t.c.key], set_=changes
            )
            return upsert
        if dialect in _MYSQL:
            insert = mysql.insert(t).values(row)
            return insert.on_duplicate_key_update(
                value=insert.inserted.value, expires_at=insert.inserted.expires_at
            )
        raise NotImplementedError(dialect)

    def _bound(self, dialect: str, value: bytes) -> Any:
        """``value`` as a statement sends it: bytes, or on MySQL/MariaDB base64.

        PyMySQL writes bytes into the SQL as a hex literal and asyncmy as an
        escaped string, up to twice their size; base64 is 4/3 and needs no
        escaping, so the statement's size is known before it is sent. One the
        server's ``max_allowed_packet`` cannot take is refused here, naming
        the setting, instead of failing as a dropped connection.
        """
        value = check_value(value)
        if dialect not in _MYSQL:
            return value
        encoded = base64.b64encode(value).decode("ascii")
        needed = len(encoded) + _STATEMENT_OVERHEAD
        if self._packet_limit is not None and needed > self._packet_limit:
            limit = (self._packet_limit - _STATEMENT_OVERHEAD) * 3 // 4
            raise ValueTooLargeError(
                len(value),
                limit,
                f"A store value of {len(value):,} bytes is over the {limit:,} bytes this"
                f" server's max_allowed_packet ({self._packet_limit:,}) lets a statement"
                f" carry. Set max_allowed_packet to at least {_packet_for(MAX_VALUE_SIZE):,}"
                " (MariaDB's default, 16 MiB, is enough) for values up to the limit of"
                f" {MAX_VALUE_SIZE:,} bytes every store has.",
            )
        return sa.func.from_base64(sa.literal(encoded, sa.Text()))

    def _unchanged(self, dialect: str, expected: bytes) -> sa.ColumnElement[bool]:
        """The row still holds ``expected``; on MySQL/MariaDB, compared by SHA-256.

        Sending the expected value beside the new one would double the
        statement again; a SHA-256 of it says the same (a collision is out of
        reach, so a different value never passes for the expected one).
        """
        value = self.table.c.value
        if dialect in _MYSQL:
            return sa.func.sha2(value, 256) == hashlib.sha256(bytes(expected)).hexdigest()
        return value == bytes(expected)

    def _plan(self, operation: str, dialect: str, key: str, *args: Any) -> list[Executable]:
        """The statements of one operation, run in order in one transaction."""
        t = self.table
        full_key = self.make_key(key)
        now = now_milliseconds()
        this = t.c.key == full_key
        if operation == "get":
            return [sa.select(t.c.value).where(this, self._live(now))]
        if operation == "delete":
            return [sa.delete(t).where(this, self._live(now)), sa.delete(t).where(this)]
        if operation == "touch":
            expires = expiry_timestamp(check_ttl(args[0]))
            return [sa.update(t).where(this, self._live(now)).values(expires_at=expires)]
        if operation == "compare_and_set":
            expected, value, ttl = args
            expires = expiry_timestamp(check_ttl(ttl))
            still = self._unchanged(dialect, expected)
            changes = {"value": self._bound(dialect, value), "expires_at": expires}
            return [sa.update(t).where(this, still, self._live(now)).values(changes)]
        value, ttl = args
        row = {
            "key": full_key,
            "value": self._bound(dialect, value),
            "expires_at": expiry_timestamp(check_ttl(ttl)),
        }
        if operation == "add":
            # An expired row still holds the key; clear it, then let the primary
            # key decide which of two racing writers wins.
            expired = sa.delete(t).where(this, t.c.expires_at <= now)
            return [expired, sa.insert(t).values(row)]
        statements: list[Executable] = []
        try:
            statements.append(self._upsert(dialect, row))
        except NotImplementedError:
            statements += [sa.delete(t).where(this), sa.insert(t).values(row)]
        self._writes += 1
        if self._writes % _SWEEP_EVERY == 0:
            statements.append(sa.delete(t).where(t.c.expires_at <= now))
        return statements

    @staticmethod
    def _result(operation: str, outcomes: list[_Outcome]) -> Any:
        if operation == "get":
            rows = outcomes[0][1] or ()
            return bytes(rows[0][0]) if rows else None
        if operation == "set":
            return None
        return outcomes[0][0] > 0 if operation != "add" else True

    # -- sync driver ---------------------------------------------------------

    def create_table(self) -> None:
        """Create the table if it is missing (done on first use anyway)."""
        with self._create_lock:
            if self._table_ready:
                return
            try:
                self.table.create(self.engine, checkfirst=True)
            except DatabaseError:
                # Another process created it between the check and the CREATE
                # (PostgreSQL reports that race as a unique violation).
                if not sa.inspect(self.engine).has_table(self.table.name):
                    raise
            if self.engine.dialect.name in _MYSQL:
                with self.engine.connect() as conn:
                    packet = conn.execute(sa.text("SELECT @@max_allowed_packet")).scalar()
                self._packet_limit = int(packet) if packet else None
            self._table_ready = True

    def _run(self, operation: str, key: str, *args: Any) -> Any:
        if not self._table_ready:
            self.create_table()
        attempt = 0
        while True:
            attempt += 1
            plan = self._plan(operation, self.engine.dialect.name, key, *args)
            try:
                with self._serial, self.engine.begin() as conn:
                    outcomes = [_outcome(conn.execute(stmt)) for stmt in plan]
            except IntegrityError:
                if operation == "add":
                    return False
                raise
            except DBAPIError as exc:
                delay = _conflict_delay(exc, attempt)
                if delay is None:
                    raise
                time.sleep(delay)
                continue
            return self._result(operation, outcomes)

    def close(self) -> None:
        self.engine.dispose()

    # -- async driver --------------------------------------------------------

    async def _async_engine(self) -> AsyncEngine | None:
        if self.async_url is None:
            return None
        loop = asyncio.get_running_loop()
        engine = self._async_engines.get(loop)
        if engine is None:
            asyncio_sa = require("sqlalchemy.ext.asyncio", extra="db")
            options: dict[str, Any] = {}
            if self.async_url.startswith("sqlite"):
                # Opening an SQLite file is cheap, and a pooled aiosqlite
                # connection would keep a thread (and the loop) referenced.
                options["poolclass"] = sa.pool.NullPool
            engine = asyncio_sa.create_async_engine(self.async_url, **options)
            self._async_engines[loop] = engine
        return engine

    async def _arun(self, operation: str, key: str, *args: Any) -> Any:
        engine = await self._async_engine()
        if engine is None:
            return await asyncio.to_thread(self._run, operation, key, *args)
        if not self._table_ready:
            await asyncio.to_thread(self.create_table)
        attempt = 0
        while True:
            attempt += 1
            plan = self._plan(operation, engine.dialect.name, key, *args)
            try:
                async with engine.begin() as conn:
                    outcomes = [_outcome(await conn.execute(stmt)) for stmt in plan]
            except IntegrityError:
                if operation == "add":
                    return False
                raise
            except DBAPIError as exc:
                delay = _conflict_delay(exc, attempt)
                if delay is None:
                    raise
                await asyncio.sleep(delay)
                continue
            return self._result(operation, outcomes)

    async def aclose(self) -> None:
        engine = self._async_engines.pop(asyncio.get_running_loop(), None)
        if engine is not None:
            await engine.dispose()


def _conflict_delay(exc: DBAPIError, attempt: int) -> float | None:
    """Seconds to wait before running a transaction the database rolled back
    as a deadlock again, or ``None`` to let ``exc`` stand.

    InnoDB locks the gap where a missing key would go: two ``add`` calls
    racing for one key (a one-time mark claimed by two requests at once)
    each clear an expired row there, then each insert into the gap the other
    locked, and the server kills one of them with a deadlock, asking for the
    transaction to be run again. Run again, it sees the winner's row and
    answers False, as a loser of the race should, instead of failing the
    request. PostgreSQL's deadlock and serialization failures are the same
    request. Other errors, and a conflict that outlasts the tries, stand.
    """
    if attempt >= _CONFLICT_TRIES or not _is_conflict(exc):
        return None
    return random.uniform(0, _CONFLICT_BACKOFF * attempt)  # noqa: S311 - jitter, not a secret


def _is_conflict(exc: DBAPIError) -> bool:
    """Whether the database rolled the transaction back to break a lock conflict."""
    cause = exc.orig
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if state in _CONFLICT_STATES:
        return True
    code = getattr(cause, "args", (None,))[:1]
    return code == (_MYSQL_DEADLOCK,)


def _packet_for(size: int) -> int:
    """The ``max_allowed_packet`` a statement carrying a value of ``size`` bytes needs."""
    return -(-size // 3) * 4 + _STATEMENT_OVERHEAD


def _outcome(result: Any) -> _Outcome:
    """What the logic needs of a result, read while the connection is open."""
    rows = result.all() if result.returns_rows else None
    return result.rowcount, rows


__all__ = ["SQLStore", "store_table"]
