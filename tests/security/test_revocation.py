from __future__ import annotations

import asyncio
import time

import pytest

from hipflask.errors import ConfigurationError
from hipflask.security.revocation import open_store


def test_memory_store_keeps_marks_until_they_expire(monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store("memory://", "p:", "X")
    assert store is not None
    store.set("a", b"1", ttl=30)
    store.set("forever", b"2")
    assert store.get("a") == b"1"
    assert not store.add("a", b"x", ttl=5)
    assert store.add("b", b"3", ttl=5)
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + 60)
    assert store.get("a") is None
    assert store.add("a", b"again")
    assert store.get("forever") == b"2"
    assert store.delete("forever")
    assert not store.delete("forever")


def test_memory_store_async_twins() -> None:
    store = open_store("memory://", "p:", "X")
    assert store is not None

    async def scenario() -> list[object]:
        await store.aset("k", b"v", 10)
        return [await store.aget("k"), await store.aadd("k", b"w"), await store.adelete("k")]

    assert asyncio.run(scenario()) == [b"v", False, True]


def test_off_given_store_and_bad_settings() -> None:
    assert open_store(None, "p:", "X") is None
    assert open_store(False, "p:", "X") is None
    given = open_store("memory://", "p:", "X")
    assert open_store(given, "q:", "X") is given
    with pytest.raises(ConfigurationError, match="SETTING must be"):
        open_store(42, "p:", "SETTING")


def test_shared_store_url_needs_the_store_package(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    def missing(name: str) -> object:
        raise ImportError(name)

    monkeypatch.setattr(importlib, "import_module", missing)
    with pytest.raises(ConfigurationError, match=r"hipflask\.stores"):
        open_store("redis://127.0.0.1:6379/0", "p:", "X")
