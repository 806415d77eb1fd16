from __future__ import annotations

import pytest

from hipflask.errors import ConfigurationError
from hipflask.errors import MissingExtraError
from hipflask.stores import MemoryStore
from hipflask.stores import Store
from hipflask.stores import create_store
from hipflask.stores.redis import RedisStore
from hipflask.stores.sql import SQLStore


def test_memory_url_gives_an_in_process_store() -> None:
    store = create_store("memory://", prefix="p:")
    assert isinstance(store, MemoryStore)
    assert store.make_key("k") == "p:k"


def test_redis_urls_give_a_redis_store() -> None:
    for url in ("redis://127.0.0.1:6379/0", "rediss://127.0.0.1:6380/1"):
        store = create_store(url)
        assert isinstance(store, RedisStore)
        store.close()


def test_database_urls_give_an_sql_store() -> None:
    store = create_store("sqlite://")
    assert isinstance(store, SQLStore)
    store.close()


def test_an_unknown_scheme_is_a_configuration_error_naming_the_choices() -> None:
    with pytest.raises(ConfigurationError, match="memory://") as info:
        create_store("memcached://secret-password@127.0.0.1")
    assert "secret-password" not in str(info.value)


def test_a_missing_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "redis", None)
    with pytest.raises(MissingExtraError, match=r"hipflask\[redis\]"):
        create_store("redis://127.0.0.1:6379/0")


def test_a_missing_database_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(MissingExtraError, match=r"hipflask\[postgresql\]"):
        create_store("postgresql+psycopg://u@127.0.0.1/db")
    monkeypatch.setitem(sys.modules, "pymysql", None)
    with pytest.raises(MissingExtraError, match=r"hipflask\[mysql\]"):
        create_store("mysql+pymysql://root@127.0.0.1/db")


def test_a_store_is_abstract() -> None:
    with pytest.raises(TypeError):
        Store()  # type: ignore[abstract]


def test_repr_names_the_prefix() -> None:
    assert "p:" in repr(MemoryStore(prefix="p:"))
