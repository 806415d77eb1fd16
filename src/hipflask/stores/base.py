"""The key-value store with expiry that suites share, and how one is chosen.

Server-side sessions, the login registry and the token blocklist all need the
same few operations: read a value, write it with a lifetime, write it only if
absent, delete it, renew its lifetime. :class:`Store` names them once, with an
``a``-prefixed async twin for each, so code running on the ASGI event loop
awaits the store instead of blocking the loop on a network round trip.

Each backend keeps its logic in one place (the key, the lifetime, the
statement or command) and only the final call differs between its sync and
async driver. :func:`create_store` picks the backend from a URL, so the same
setting moves an app from the in-process store to Redis or SQL.

Every backend takes values up to :data:`MAX_VALUE_SIZE` and refuses larger
ones with :class:`ValueTooLargeError` before anything is sent: an app that
works on the memory store keeps working on MariaDB, and a value too large
fails with a message that says so, never with a lost connection.
"""

from __future__ import annotations

import math
import time
from abc import ABC
from abc import abstractmethod
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConfigurationError

_SQL_SCHEMES = ("sqlite", "postgresql", "postgres", "mysql", "mariadb")

#: The largest value a store takes, in bytes, whatever the backend (8 MiB).
#: Set by the tightest backend: a MariaDB statement is bounded by the server's
#: ``max_allowed_packet``, 16 MiB by default, and carries the value as base64
#: (4/3 of its size) plus the SQL around it. Redis, PostgreSQL and SQLite take
#: far more, but one limit for all means moving an app between backends never
#: turns a working save into a failing one.
MAX_VALUE_SIZE = 8 * 1024 * 1024


class ValueTooLargeError(ValueError):
    """A value over the store's limit, refused before anything was written.

    A :class:`ValueError`: the caller passed a value the store cannot take.
    :attr:`size` and :attr:`limit` are in bytes.
    """

    def __init__(self, size: int, limit: int = MAX_VALUE_SIZE, message: str | None = None) -> None:
        self.size = size
        self.limit = limit
        super().__init__(
            message
            or f"A store value of {size:,} bytes is over the limit of {limit:,} bytes every"
            " store has; keep large data in a database table or a file and store its id."
        )


class Store(ABC):
    """A key-value store with per-key expiry, driven sync or async.

    Keys are strings; :attr:`prefix` is prepended to every key, so several
    features (or several apps) can share one Redis database or one table
    without seeing each other's entries. Values are bytes: what they mean is
    the caller's business. A value over :data:`MAX_VALUE_SIZE` raises
    :class:`ValueTooLargeError` from ``set``, ``add`` and ``compare_and_set``
    (and their async twins) before the store is asked anything. A ``ttl`` is
    a lifetime in seconds; ``None`` keeps the entry until it is deleted. An
    expired entry is never returned.
    """

    #: Whether only this process sees the entries (``memory://``). Features
    #: whose state must agree across worker processes (the login registry)
    #: read it to behave sensibly when an app on such a store is served by
    #: several processes anyway.
    process_local: bool = False

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix

    def make_key(self, key: str) -> str:
        """The key as stored: the prefix followed by ``key``."""
        return self.prefix + key

    # -- sync ----------------------------------------------------------------

    @abstractmethod
    def get(self, key: str) -> bytes | None:
        """The value stored under ``key``, or ``None`` if absent or expired."""

    @abstractmethod
    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        """Store ``value`` under ``key``, replacing what was there."""

    @abstractmethod
    def add(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        """Store ``value`` only if ``key`` is absent (or expired); atomic.

        Returns whether it was stored. Two processes racing to add the same
        key never both succeed, which is what makes it usable as a lock or
        for one-time tokens.
        """

    @abstractmethod
    def compare_and_set(
        self, key: str, expected: bytes, value: bytes, ttl: float | None = None
    ) -> bool:
        """Replace the value of ``key`` only if it is still ``expected``; atomic.

        Returns whether it was replaced. A read-modify-write built on it
        (read, change, ``compare_and_set``, and on ``False`` read again and
        redo) never overwrites a write that landed in between, which is how
        server-side sessions keep two parallel requests' changes.
        """

    @abstractmethod
    def delete(self, key: str) -> bool:
        """Remove ``key``; returns whether a live entry was there."""

    @abstractmethod
    def touch(self, key: str, ttl: float | None) -> bool:
        """Give a live entry a new lifetime; returns whether it was there."""

    def close(self) -> None:
        """Release connections held by the sync driver."""
        return None

    # -- async ---------------------------------------------------------------

    @abstractmethod
    async def aget(self, key: str) -> bytes | None:
        """Async :meth:`get`."""

    @abstractmethod
    async def aset(self, key: str, value: bytes, ttl: float | None = None) -> None:
        """Async :meth:`set`."""

    @abstractmethod
    async def aadd(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        """Async :meth:`add`."""

    @abstractmethod
    async def acompare_and_set(
        self, key: str, expected: bytes, value: bytes, ttl: float | None = None
    ) -> bool:
        """Async :meth:`compare_and_set`."""

    @abstractmethod
    async def adelete(self, key: str) -> bool:
        """Async :meth:`delete`."""

    @abstractmethod
    async def atouch(self, key: str, ttl: float | None) -> bool:
        """Async :meth:`touch`."""

    async def aclose(self) -> None:
        """Release connections held by the async driver on this event loop."""
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} prefix={self.prefix!r}>"


class OperationStore(Store):
    """A store whose backend runs named operations, once per driver.

    Redis and SQL express each operation (``get``, ``set``, ``add``,
    ``compare_and_set``, ``delete``, ``touch``) as one command or statement
    built in one place; :meth:`_run` sends it with the blocking client and
    :meth:`_arun` with the asyncio one. The public methods are written here
    once, for every such backend.
    """

    @abstractmethod
    def _run(self, operation: str, key: str, *args: Any) -> Any:
        """Run ``operation`` on ``key`` with the blocking driver."""

    @abstractmethod
    async def _arun(self, operation: str, key: str, *args: Any) -> Any:
        """Run ``operation`` on ``key`` with the asyncio driver."""

    def get(self, key: str) -> bytes | None:
        result: bytes | None = self._run("get", key)
        return result

    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        self._run("set", key, value, ttl)

    def add(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        return bool(self._run("add", key, value, ttl))

    def compare_and_set(
        self, key: str, expected: bytes, value: bytes, ttl: float | None = None
    ) -> bool:
        return bool(self._run("compare_and_set", key, expected, value, ttl))

    def delete(self, key: str) -> bool:
        return bool(self._run("delete", key))

    def touch(self, key: str, ttl: float | None) -> bool:
        return bool(self._run("touch", key, ttl))

    async def aget(self, key: str) -> bytes | None:
        result: bytes | None = await self._arun("get", key)
        return result

    async def aset(self, key: str, value: bytes, ttl: float | None = None) -> None:
        await self._arun("set", key, value, ttl)

    async def aadd(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        return bool(await self._arun("add", key, value, ttl))

    async def acompare_and_set(
        self, key: str, expected: bytes, value: bytes, ttl: float | None = None
    ) -> bool:
        return bool(await self._arun("compare_and_set", key, expected, value, ttl))

    async def adelete(self, key: str) -> bool:
        return bool(await self._arun("delete", key))

    async def atouch(self, key: str, ttl: float | None) -> bool:
        return bool(await self._arun("touch", key, ttl))


def check_ttl(ttl: float | None) -> float | None:
    """Refuse a lifetime that is not a positive number of seconds.

    A zero or negative lifetime would store an entry that is already dead; in
    a session or a blocklist that is a configuration mistake worth an error,
    not a silent no-op.
    """
    if ttl is None:
        return None
    ttl = float(ttl)
    if not ttl > 0 or math.isinf(ttl):
        raise ValueError(
            f"A store entry's ttl must be a positive, finite number of seconds, not {ttl!r};"
            " pass None for an entry that does not expire."
        )
    return ttl


def check_value(value: bytes) -> bytes:
    """``value`` as ``bytes``, or :class:`ValueTooLargeError` if it is over the limit.

    Every backend calls it before sending anything, so an over-limit value
    fails the same way everywhere, with nothing written (a half-done upsert
    or a dropped database connection would be worse than the refusal).
    Only bytes-like values are taken: ``bytes(5)`` is five NUL bytes and
    ``bytes(10**12)`` a terabyte, and ``bytes("text")`` fails with a message
    that does not say to encode it.
    """
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError(
            f"Store values are bytes, not {type(value).__name__}: encode text first"
            " (value.encode()), and serialise other data (json.dumps(data).encode())."
        )
    value = bytes(value)
    if len(value) > MAX_VALUE_SIZE:
        raise ValueTooLargeError(len(value))
    return value


def ttl_milliseconds(ttl: float) -> int:
    """A lifetime in whole milliseconds, at least one (Redis' ``PX`` unit)."""
    return max(1, math.ceil(ttl * 1000))


def expiry_timestamp(ttl: float | None) -> int | None:
    """When an entry with lifetime ``ttl`` expires, in milliseconds since the epoch."""
    if ttl is None:
        return None
    return int(time.time() * 1000) + ttl_milliseconds(ttl)


def now_milliseconds() -> int:
    """The wall clock in milliseconds since the epoch (what SQL rows store)."""
    return int(time.time() * 1000)


def _backend(url: str) -> str:
    """The store backend a URL names: its scheme, without a ``+driver`` part."""
    return urlsplit(url).scheme.lower().split("+", 1)[0]


def is_process_local_url(url: str) -> bool:
    """Whether the store ``url`` names keeps its entries in this process only.

    ``memory://``, and an in-memory SQLite database (``sqlite://``,
    ``sqlite:///:memory:``), without opening it: what
    :attr:`Store.process_local` says of the store :func:`create_store` opens.
    """
    backend = _backend(url)
    if backend == "memory":
        return True
    return backend == "sqlite" and urlsplit(url).path in ("", "/", "/:memory:")


def create_store(url: str, *, prefix: str = "", **options: Any) -> Store:
    """Open the store a URL names.

    * ``memory://``: in this process only (the embedded default);
    * ``file:///path/to/dir``: files in a directory, shared by the processes
      of one machine;
    * ``redis://``, ``rediss://``, ``unix://``: Redis, through redis-py
      (extra ``redis``);
    * an SQLAlchemy URL (``sqlite:///sessions.db``,
      ``postgresql+psycopg://...``, ``mysql+pymysql://...``): a table in
      that database (extra ``db``).

    ``options`` go to the backend's constructor (for SQL, ``table=``).
    """
    backend = _backend(url)
    if backend == "memory":
        from .memory import MemoryStore

        return MemoryStore(prefix=prefix, **options)
    if backend in ("redis", "rediss", "unix"):
        from .redis import RedisStore

        return RedisStore.from_url(url, prefix=prefix, **options)
    if backend == "file":
        from .filesystem import FileSystemStore

        return FileSystemStore.from_url(url, prefix=prefix, **options)
    if backend in _SQL_SCHEMES:
        from .sql import SQLStore

        return SQLStore.from_url(url, prefix=prefix, **options)
    raise ConfigurationError(
        f"No store for the URL scheme {urlsplit(url).scheme.lower()!r}. Use 'memory://',"
        " a Redis URL ('redis://127.0.0.1:6379/0') or an SQLAlchemy database URL"
        " ('sqlite:///store.db', 'postgresql+psycopg://...', 'mysql+pymysql://...')."
    )


__all__ = [
    "MAX_VALUE_SIZE",
    "Store",
    "ValueTooLargeError",
    "create_store",
    "is_process_local_url",
]
