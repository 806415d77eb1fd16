from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.real_servers import mariadb_database
from tests.real_servers import postgresql_database

import hipflask.stores.sql as sql_module
from hipflask.stores import Store
from hipflask.stores import create_store
from hipflask.stores.sql import SQLStore

from .contract import StoreContract
from .contract import run_async


@pytest.fixture(params=["sqlite-file", "sqlite-memory", "postgresql", "mariadb"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite-file":
        yield f"sqlite:///{tmp_path / 'store.db'}"
    elif request.param == "sqlite-memory":
        yield "sqlite://"
    elif request.param == "postgresql":
        with postgresql_database("stores") as url:
            yield url
    else:
        with mariadb_database("stores") as url:
            yield url


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = create_store(database_url, prefix="a:")
    yield store
    store.close()


@pytest.fixture
def other(store: SQLStore) -> Iterator[Store]:
    # The same table (and for in-memory SQLite the same connection).
    other = SQLStore(store.engine, prefix="b:")
    yield other


class TestSQLStore(StoreContract):
    def test_the_table_is_created_on_first_use(self, store: SQLStore) -> None:
        assert not sa.inspect(store.engine).has_table("hipflask_store")
        store.set("k", b"v")
        assert sa.inspect(store.engine).has_table("hipflask_store")

    def test_the_async_driver_creates_the_table_too(self, store: SQLStore) -> None:
        run_async(store, lambda: store.aset("k", b"v"))
        assert store.get("k") == b"v"

    def test_a_large_value_round_trips(self, store: Store) -> None:
        value = bytes(range(256)) * 1024  # past a MySQL BLOB's 64 KiB
        store.set("big", value)
        assert store.get("big") == value
        assert run_async(store, lambda: store.aget("big")) == value

    def test_an_injection_payload_in_a_key_is_data(self, store: SQLStore) -> None:
        store.set("x", b"keep")
        payload = "x'; DROP TABLE hipflask_store; --"
        store.set(payload, b"v")
        assert store.get(payload) == b"v"
        assert store.get("x") == b"keep"

    def test_expired_rows_are_swept_on_writes(
        self, store: SQLStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(sql_module, "_SWEEP_EVERY", 2)
        store.set("old", b"v", ttl=0.001)
        import time

        time.sleep(0.01)
        store.set("a", b"1")
        with store.engine.connect() as conn:
            keys = conn.execute(sa.select(store.table.c.key)).scalars().all()
        assert "a:old" not in keys


def test_a_table_name_of_your_choice(tmp_path: Path) -> None:
    store = create_store(f"sqlite:///{tmp_path / 's.db'}", table="my_sessions")
    store.set("k", b"v")
    assert sa.inspect(store.engine).has_table("my_sessions")
    store.close()


def test_two_stores_on_one_database_create_the_table_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    first, second = create_store(url), create_store(url)
    first.set("k", b"v")
    second.set("k2", b"v2")
    assert second.get("k") == b"v"
    first.close()
    second.close()


def test_in_memory_sqlite_serves_async_calls_from_a_thread() -> None:
    store = SQLStore.from_url("sqlite://")
    store.set("k", b"v")
    assert store.async_url is None
    assert run_async(store, lambda: store.aget("k")) == b"v"
    store.close()
