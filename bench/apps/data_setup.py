"""What the data rows share: a fresh SQLite file of users, and a Redis key prefix.

Every data row gets its own database file (in a temporary folder, removed at
exit) holding the same ``USER_COUNT`` users, and its own Redis key prefix
whose keys are deleted at exit, so no row reads another's state.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sqlite3
import tempfile

from common import REDIS_URL
from common import USER_COUNT


def user_database(row: str) -> str:
    """An SQLite file with the ``user`` table filled in; returns its SQLAlchemy URL."""
    folder = tempfile.mkdtemp(prefix=f"bench-{row}-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = os.path.join(folder, "bench.db")
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("CREATE TABLE user (id INTEGER PRIMARY KEY, name VARCHAR(80))")
        connection.executemany(
            "INSERT INTO user (id, name) VALUES (?, ?)",
            [(n, f"user{n}") for n in range(1, USER_COUNT + 1)],
        )
    connection.close()
    return f"sqlite:///{path}"


def session_prefix(row: str) -> str:
    """A Redis key prefix for this row and process; its keys go at exit."""
    prefix = f"bench:{row}:{os.getpid()}:"

    def clean() -> None:
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        try:
            keys = list(client.scan_iter(match=prefix + "*"))
            if keys:
                client.delete(*keys)
        except redis.RedisError:
            pass
        finally:
            client.close()

    atexit.register(clean)
    return prefix
