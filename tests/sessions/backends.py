"""Apps with server-side sessions on each store backend, real servers included.

Each app gets a database (or a Redis key prefix) of its own, named after the
suite, dropped (or deleted) afterwards; the real servers skip, or fail in CI,
when they are not running (:mod:`tests.real_servers`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.conftest import SECRET
from tests.real_servers import mariadb_database
from tests.real_servers import postgresql_database
from tests.real_servers import redis_prefix
from tests.real_servers import redis_url

from hipflask import Hipflask
from hipflask.db import SQLAlchemy
from hipflask.sessions import Session

BACKENDS = ["memory", "redis", "postgresql", "mariadb"]


@contextlib.contextmanager
def session_app(
    backend: str, tmp_path: Path, *, suite: str, connections: int = 5
) -> Iterator[Hipflask]:
    """An app (no views yet) whose sessions live in ``backend``.

    ``connections`` sizes the SQL connection pool: a test whose threads all
    save at once needs one each, or the pool is what serializes them.
    """
    app = Hipflask(f"{suite}_app", instance_path=str(tmp_path / "instance"))
    app.config.update(TESTING=True, SECRET_KEY=SECRET)
    if backend == "memory":
        Session(app)
        yield app
    elif backend == "redis":
        with redis_prefix(suite) as prefix:
            app.config.update(
                SESSION_TYPE="redis", SESSION_REDIS=redis_url(), SESSION_KEY_PREFIX=prefix
            )
            Session(app)
            try:
                yield app
            finally:
                app.session_interface.store.close()
                # redis_prefix deletes them only after a test that passed.
                _delete_keys(prefix)
    else:
        database = postgresql_database if backend == "postgresql" else mariadb_database
        with database(suite) as url:
            app.config.update(
                SESSION_TYPE="sqlalchemy",
                SQLALCHEMY_DATABASE_URI=url,
                SQLALCHEMY_ENGINE_OPTIONS={"pool_size": connections},
            )
            db = SQLAlchemy(app)
            Session(app)
            try:
                yield app
            finally:
                with app.app_context():
                    for engine in db.engines.values():
                        engine.dispose()


def _delete_keys(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url())
    try:
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def close_clients(app: Hipflask, clients: list[Any]) -> None:
    """Close the store's async connections on each test client's event loop, then the loop.

    A server closes them at lifespan shutdown; each ASGI test client has an
    event loop of its own, which ends with the client.
    """
    store = app.session_interface.store
    for client in clients:
        shim = getattr(client, "_shim", None)
        if shim is not None and shim._loop is not None and not shim._loop.is_closed():
            shim._run(store.aclose())
            shim.close()


def entries(directory: Path) -> list[Path]:
    """The file store's entries in ``directory``, without its dot-files.

    The store keeps its sweep's claim files (and, briefly, temporary files)
    beside the entries, all named with a leading dot.
    """
    return [path for path in directory.iterdir() if not path.name.startswith(".")]
