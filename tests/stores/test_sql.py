from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.real_servers import empty_database_on

import hipflask.stores.sql as sql_module
from hipflask.stores import Store
from hipflask.stores import create_store
from hipflask.stores.base import MAX_VALUE_SIZE
from hipflask.stores.base import ValueTooLargeError
from hipflask.stores.sql import SQLStore

from .contract import StoreContract
from .contract import run_async


@pytest.fixture(params=["sqlite-file", "sqlite-memory", "postgresql", "mariadb"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite-file":
        yield f"sqlite:///{tmp_path / 'store.db'}"
    elif request.param == "sqlite-memory":
        yield "sqlite://"
    else:
        with empty_database_on(request, request.param) as url:
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

    def test_a_write_sends_its_value_once(self, store: SQLStore) -> None:
        # An upsert that named the value twice (insert and update) doubled
        # the statement: on MariaDB, in hex, past max_allowed_packet at 4 MiB.
        value = b"v" * 100_000
        with sent_sizes(store) as sizes:
            store.set("k", value)  # inserted
            store.set("k", value)  # replaced
        assert max(sizes) <= len(value) * 4 // 3 + 1024  # base64 on MySQL/MariaDB

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


@contextlib.contextmanager
def sent_sizes(store: SQLStore) -> Iterator[list[int]]:
    """The bytes of string and binary parameters each statement sends, as it runs."""
    sizes: list[int] = []

    def record(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        values = parameters.values() if isinstance(parameters, dict) else parameters
        sizes.append(sum(_size(value) for value in values))

    sa.event.listen(store.engine, "before_cursor_execute", record)
    try:
        yield sizes
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", record)


def _size(parameter: Any) -> int:
    """The bytes a string or binary parameter holds, as each driver wraps it."""
    parameter = getattr(parameter, "obj", parameter)  # psycopg's Binary
    if isinstance(parameter, str):
        return len(parameter)
    if isinstance(parameter, (bytes, bytearray, memoryview)):  # sqlite3 takes memoryviews
        return memoryview(parameter).nbytes
    return 0


@pytest.fixture
def mariadb_store(request: pytest.FixtureRequest) -> Iterator[SQLStore]:
    with empty_database_on(request, "mariadb") as url:
        store = SQLStore.from_url(url, prefix="a:")
        yield store
        store.close()


def test_on_mariadb_a_compare_and_set_sends_only_the_new_value(mariadb_store: SQLStore) -> None:
    old, new = b"o" * 100_000, b"n" * 100_000
    mariadb_store.set("k", old)
    with sent_sizes(mariadb_store) as sizes:
        assert mariadb_store.compare_and_set("k", old, new) is True
        assert mariadb_store.compare_and_set("k", old, new) is False  # compared, by digest
    assert max(sizes) <= len(new) * 4 // 3 + 1024
    assert mariadb_store.get("k") == new


def test_a_value_the_mariadb_packet_cannot_carry_is_refused_naming_the_setting(
    mariadb_store: SQLStore,
) -> None:
    mariadb_store.set("k", b"kept")  # creates the table, reads max_allowed_packet
    server_packet = mariadb_store._packet_limit
    assert server_packet is not None
    assert server_packet >= 16 * 1024 * 1024  # the default every value fits in
    # As on a server whose max_allowed_packet was set to 1 MiB (MySQL 5.7 had 4).
    mariadb_store._packet_limit = 1024 * 1024
    with pytest.raises(ValueTooLargeError, match="max_allowed_packet") as refused:
        mariadb_store.set("k", b"x" * 800_000)
    assert refused.value.limit < 800_000 < MAX_VALUE_SIZE
    assert "11,188,908" in str(refused.value)  # the setting the largest value needs
    with pytest.raises(ValueTooLargeError, match="max_allowed_packet"):
        run_async(mariadb_store, lambda: mariadb_store.aset("k", b"x" * 800_000))
    assert mariadb_store.get("k") == b"kept"
    mariadb_store.set("k", b"x" * 700_000)  # within what that packet carries
    assert mariadb_store.get("k") == b"x" * 700_000
