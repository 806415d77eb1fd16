from __future__ import annotations

import pytest

from hipflask.errors import ConfigurationError
from hipflask.security.revocation import open_store
from hipflask.stores import MemoryStore


def test_url_opens_a_store_with_the_prefix() -> None:
    store = open_store("memory://", "p:", "X")
    assert isinstance(store, MemoryStore)
    assert store.prefix == "p:"


def test_off_given_store_and_bad_settings() -> None:
    assert open_store(None, "p:", "X") is None
    assert open_store(False, "p:", "X") is None
    given = MemoryStore(prefix="mine:")
    assert open_store(given, "q:", "X") is given
    with pytest.raises(ConfigurationError, match="SETTING must be"):
        open_store(42, "p:", "SETTING")
    with pytest.raises(ConfigurationError, match="No store"):
        open_store("ftp://x", "p:", "SETTING")
