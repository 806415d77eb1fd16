"""Reach the real Redis, PostgreSQL and MariaDB servers the store tests run against.

In CI (``CI=true``) a server that does not answer fails the test: a green run
must mean the code ran against it. Elsewhere the test is skipped with a
message naming the server. Tests create their own database (or key prefix)
named after the suite and this process, and drop only that.

A test that needs only an empty database, not one of its own, takes
:func:`empty_database_on`: each test process creates one database per server
for all such tests and empties it before and after each of them, far quicker
than creating and dropping a database per test.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import socket
import uuid
from collections.abc import Iterator
from types import ModuleType

import pytest

REDIS_URL = "redis://127.0.0.1:6379/0"
_SERVERS = {
    "Redis": ("127.0.0.1", 6379),
    "PostgreSQL": ("127.0.0.1", 5432),
    "MariaDB": ("127.0.0.1", 3306),
}


def require_server(name: str) -> None:
    """Skip (or, in CI, fail) unless the server ``name`` accepts connections."""
    host, port = _SERVERS[name]
    try:
        with socket.create_connection((host, port), timeout=1):
            return
    except OSError as exc:
        message = f"{name} is not running on {host}:{port} ({exc})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}; CI must run the store tests against it.")
    pytest.skip(message)


def require_driver(module: str) -> ModuleType:
    """Import a database driver the dev extras install; skip (or, in CI, fail) without it.

    A store test that skipped in CI for want of its driver would pass
    without having run, as one whose server is down would.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        message = f"the {module} driver is not installed ({exc})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}; CI installs the dev extras, which name it.")
    pytest.skip(message)


def unique_prefix(suite: str) -> str:
    """A Redis key prefix no other test run uses."""
    return f"hipflask_test:{suite}:{os.getpid()}:{uuid.uuid4().hex[:8]}:"


def redis_url() -> str:
    require_server("Redis")
    return REDIS_URL


@contextlib.contextmanager
def redis_prefix(suite: str) -> Iterator[str]:
    """A fresh key prefix; every key under it is deleted afterwards."""
    import redis

    url = redis_url()
    prefix = unique_prefix(suite)
    try:
        yield prefix
    finally:
        # A failing test must not leave its keys behind either.
        client = redis.Redis.from_url(url)
        try:
            keys = list(client.scan_iter(match=prefix + "*"))
            if keys:
                client.delete(*keys)
        finally:
            client.close()


def _database_name(suite: str) -> str:
    return f"hipflask_test_{suite}_{os.getpid()}"


@contextlib.contextmanager
def postgresql_database(suite: str) -> Iterator[str]:
    """Create a database of our own on the PostgreSQL server; yield its URL."""
    import psycopg

    require_server("PostgreSQL")
    name = _database_name(suite)
    user = _postgresql_user()
    admin = f"postgresql://{user}@127.0.0.1:5432/test"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://{user}@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def empty_database(url: str) -> None:
    """Drop every table of the database at ``url`` (one :func:`postgresql_database` or
    :func:`mariadb_database` made), ending the other connections to it first.

    A test module that shares one database among its tests calls this between
    them: each test starts on an empty database, as with a database of its
    own, without the server's time to create and drop one per test. A
    connection a failed test left in a transaction would hold its tables'
    locks, so it is ended before the drop.
    """
    import sqlalchemy as sa

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
            else:
                others = conn.execute(
                    sa.text(
                        "SELECT id FROM information_schema.processlist"
                        " WHERE db = DATABASE() AND id <> CONNECTION_ID()"
                    )
                ).scalars()
                for thread_id in list(others):
                    with contextlib.suppress(sa.exc.OperationalError):  # gone meanwhile
                        conn.execute(sa.text(f"KILL {int(thread_id)}"))
            tables = sa.MetaData()
            tables.reflect(conn)
            tables.drop_all(conn)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def shared_postgresql_url() -> Iterator[str]:
    """The PostgreSQL database this test process lends to tests (:func:`empty_database_on`)."""
    with postgresql_database("shared") as url:
        yield url


@pytest.fixture(scope="session")
def shared_mariadb_url() -> Iterator[str]:
    """The MariaDB database this test process lends to tests (:func:`empty_database_on`)."""
    with mariadb_database("shared") as url:
        yield url


@contextlib.contextmanager
def empty_database_on(request: pytest.FixtureRequest, server: str) -> Iterator[str]:
    """The URL of an empty database on ``server`` ("postgresql" or "mariadb"), for one test.

    The database is this process's shared one, emptied (:func:`empty_database`)
    before the test and again after it.
    """
    url = str(request.getfixturevalue(f"shared_{server}_url"))
    empty_database(url)
    try:
        yield url
    finally:
        empty_database(url)


def _postgresql_user() -> str:
    import psycopg

    for user in ("postgres", "root"):
        try:
            with psycopg.connect(f"postgresql://{user}@127.0.0.1:5432/test", connect_timeout=3):
                return user
        except psycopg.OperationalError:
            continue
    return "postgres"


@contextlib.contextmanager
def mariadb_database(suite: str) -> Iterator[str]:
    """Create a database of our own on the MariaDB server; yield its URL."""
    import pymysql

    require_server("MariaDB")
    name = _database_name(suite)
    conn = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="")
    try:
        with conn.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
            cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    finally:
        conn.close()
    try:
        yield f"mysql+pymysql://root@127.0.0.1:3306/{name}?charset=utf8mb4"
    finally:
        conn = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="")
        try:
            with conn.cursor() as cursor:
                # As PostgreSQL's WITH (FORCE) above: a connection a failed test
                # left in a transaction on this database would make the drop
                # wait for its tables' locks for ever.
                cursor.execute(
                    "SELECT id FROM information_schema.processlist"
                    " WHERE db = %s AND id <> CONNECTION_ID()",
                    (name,),
                )
                for (thread_id,) in cursor.fetchall():
                    with contextlib.suppress(pymysql.err.OperationalError):  # gone meanwhile
                        cursor.execute(f"KILL {int(thread_id)}")
                cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        finally:
            conn.close()
