"""The real Redis on loopback, for tests of features that share state through it.

In CI a missing server fails the test; elsewhere it skips, naming the server.
Every test uses its own key prefix and deletes only keys under it.
"""

from __future__ import annotations

import asyncio
import gc
import os
import socket
import uuid
import warnings
from collections.abc import Callable
from collections.abc import Coroutine
from collections.abc import Iterator
from typing import Any

import pytest

REDIS_HOST = "127.0.0.1"
REDIS_PORT = 6379
REDIS_URI = f"redis://{REDIS_HOST}:{REDIS_PORT}"


def require_redis() -> None:
    """Skip (or, in CI, fail) when Redis does not answer on 127.0.0.1:6379."""
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1):
            return
    except OSError:
        message = f"Redis is not reachable on {REDIS_HOST}:{REDIS_PORT}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    require_redis()
    prefix = f"hipflask-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    delete_keys_holding(prefix)


def delete_keys_holding(prefix: str) -> None:
    """Delete every key with ``prefix`` in it: a library may put words of its own first.

    ``prefix`` is a test's own (random), so no other key holds it.
    """
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT)
    try:
        keys = list(client.scan_iter(match=f"*{prefix}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def closed_port() -> int:
    """A loopback port nothing listens on: a store that is down."""
    with socket.socket() as sock:
        sock.bind((REDIS_HOST, 0))
        return int(sock.getsockname()[1])


def connections_named(name: str) -> int:
    """How many connections to Redis carry the client name ``name`` (``?client_name=``)."""
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT)
    try:
        return sum(1 for entry in client.client_list() if entry.get("name") == name)
    finally:
        client.close()


def statuses_with_connections_closed(
    run: Callable[[], Coroutine[Any, Any, tuple[list[int], int]]], name: str
) -> list[int]:
    """Run ``run`` (its statuses and the connections named ``name`` it saw open).

    The connections it opened must all be closed once it returns (its
    lifespan's shutdown closed them), without a ``ResourceWarning``.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        statuses, opened = asyncio.run(run())
        gc.collect()
    assert opened >= 1
    assert connections_named(name) == 0
    return statuses
