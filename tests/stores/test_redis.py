from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import redis
from tests.real_servers import redis_prefix
from tests.real_servers import redis_url

from hipflask.stores import Store
from hipflask.stores import create_store
from hipflask.stores.redis import RedisStore

from .contract import StoreContract
from .contract import run_async


@pytest.fixture
def prefix() -> Iterator[str]:
    with redis_prefix("stores") as prefix:
        yield prefix


@pytest.fixture
def store(prefix: str) -> Iterator[Store]:
    store = create_store(redis_url(), prefix=prefix + "a:")
    yield store
    store.close()


@pytest.fixture
def other(prefix: str) -> Iterator[Store]:
    store = create_store(redis_url(), prefix=prefix + "b:")
    yield store
    store.close()


class TestRedisStore(StoreContract):
    def test_expiry_is_redis_own_ttl(self, store: Store, prefix: str) -> None:
        store.set("k", b"v", ttl=100)
        client = redis.Redis.from_url(redis_url())
        try:
            remaining = client.pttl(prefix + "a:k")
        finally:
            client.close()
        assert 99_000 < int(remaining) <= 100_000  # type: ignore[arg-type]


def test_a_given_sync_client_serves_the_async_methods_from_a_thread(prefix: str) -> None:
    client = redis.Redis.from_url(redis_url())
    store = RedisStore(client, prefix=prefix)
    try:
        store.set("k", b"v")
        assert run_async(store, lambda: store.aget("k")) == b"v"
        assert run_async(store, lambda: store.adelete("k")) is True
    finally:
        store.close()


def test_each_event_loop_gets_its_own_async_client(prefix: str) -> None:
    store = RedisStore(url=redis_url(), prefix=prefix)
    store.set("k", b"v")

    async def read() -> bytes | None:
        value = await store.aget("k")
        await store.aclose()
        return value

    # A client bound to a finished loop would fail on the next one.
    assert asyncio.run(read()) == b"v"
    assert asyncio.run(read()) == b"v"
    store.close()


def test_a_given_async_client_is_used_and_closed(prefix: str) -> None:
    import redis.asyncio

    async def main() -> bytes | None:
        store = RedisStore(
            url=redis_url(),
            async_client=redis.asyncio.Redis.from_url(redis_url()),
            prefix=prefix,
        )
        await store.aset("k", b"v", ttl=10)
        value = await store.aget("k")
        await store.aclose()
        store.close()
        return value

    assert asyncio.run(main()) == b"v"
