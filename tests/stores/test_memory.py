from __future__ import annotations

import pytest

from hipflask.stores import MemoryStore
from hipflask.stores import Store

from .contract import StoreContract


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore(prefix="test:")


@pytest.fixture
def other() -> Store:
    return MemoryStore(prefix="other:")


class TestMemoryStore(StoreContract):
    def test_clear_drops_every_entry(self, store: MemoryStore) -> None:
        store.set("a", b"1")
        store.set("b", b"2", ttl=10)
        store.clear()
        assert store.get("a") is None
        assert store.get("b") is None


def test_stores_do_not_share_entries_between_instances() -> None:
    first, second = MemoryStore(), MemoryStore()
    first.set("k", b"v")
    assert second.get("k") is None


def test_expired_entries_are_swept_on_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    import hipflask.stores.memory as memory

    monkeypatch.setattr(memory, "_SWEEP_EVERY", 2)
    store = MemoryStore()
    store.set("old", b"v", ttl=0.001)
    import time

    time.sleep(0.01)
    store.set("a", b"1")
    store.set("b", b"2")
    assert "old" not in store._entries
