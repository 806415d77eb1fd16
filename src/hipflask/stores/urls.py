"""Which SQLAlchemy driver a database URL runs on, sync and async.

Tutorials write ``postgresql://`` and ``mysql://`` URLs, which SQLAlchemy
maps to psycopg2 and mysqlclient: C extensions that need a compiler. When
the URL names no driver and those are not installed, the pure-Python or
binary-wheel drivers this project installs (psycopg 3, PyMySQL) are used
instead, so a URL copied from a tutorial works. An async driver is picked
for the same database for code running on the event loop.
"""

from __future__ import annotations

import importlib.util

_ASYNC_DRIVERS = {
    "sqlite": ("aiosqlite", {"aiosqlite"}),
    "postgresql": ("psycopg", {"psycopg", "psycopg_async", "asyncpg"}),
    "mysql": ("asyncmy", {"aiomysql", "asyncmy"}),
    "mariadb": ("asyncmy", {"aiomysql", "asyncmy"}),
}
_SYNC_DEFAULTS = {
    # backend: (driver SQLAlchemy assumes, its module, the fallback driver)
    "postgresql": ("psycopg2", "psycopg2", "psycopg"),
    "mysql": ("mysqldb", "MySQLdb", "pymysql"),
    "mariadb": ("mysqldb", "MySQLdb", "pymysql"),
}
_ASYNC_ONLY = {"aiosqlite", "asyncpg", "psycopg_async", "aiomysql", "asyncmy"}


def _split(url: str) -> tuple[str, str | None, str]:
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url, None, ""
    backend, _, driver = scheme.partition("+")
    backend = "postgresql" if backend == "postgres" else backend
    return backend, driver or None, rest


def sync_database_url(url: str) -> str:
    """``url`` with a sync driver that is installed.

    A URL that names an async driver (``+aiosqlite``, ``+asyncpg``) gets the
    sync driver of the same database, so one setting serves both engines.
    """
    backend, driver, rest = _split(url)
    if not rest and driver is None and "://" not in url:
        return url
    if driver in _ASYNC_ONLY:
        driver = {"sqlite": None, "postgresql": "psycopg"}.get(backend, "pymysql")
    elif driver is None and backend in _SYNC_DEFAULTS:
        _assumed, module, fallback = _SYNC_DEFAULTS[backend]
        if importlib.util.find_spec(module) is None:
            driver = fallback
    return f"{backend}{'+' + driver if driver else ''}://{rest}"


def async_database_url(url: str, prefer: str | None = None) -> str | None:
    """``url`` with an async driver for the same database, or ``None`` if unknown.

    ``prefer``: the driver the settings named (``asyncpg`` in a
    ``postgresql+asyncpg://`` URL, whose sync engine runs on psycopg), used
    when it is one of the database's async drivers.
    """
    backend, driver, rest = _split(url)
    if backend not in _ASYNC_DRIVERS:
        return None
    default, accepted = _ASYNC_DRIVERS[backend]
    if prefer in accepted:
        driver = prefer
    elif driver not in accepted:
        driver = default
    return f"{backend}+{driver}://{rest}"


def url_driver(url: object) -> str | None:
    """The driver a database URL (text or a SQLAlchemy URL) names, if any."""
    drivername = getattr(url, "drivername", None)
    text = f"{drivername}://" if isinstance(drivername, str) else str(url)
    return _split(text)[1]


def driver_extra(url: str) -> str:
    """The extra that installs the drivers for ``url``'s database."""
    backend, _, _ = _split(url)
    return {"postgresql": "postgresql", "mysql": "mysql", "mariadb": "mysql"}.get(backend, "db")


__all__ = ["async_database_url", "driver_extra", "sync_database_url", "url_driver"]
