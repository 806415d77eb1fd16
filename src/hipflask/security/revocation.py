"""Stores that say "this token or this login no longer counts".

The JWT blocklist and the login registry both keep short-lived marks with
an expiry: a revoked token needs its mark only until the token would have
expired anyway, a live login only until its cookie would. Both live in a
:mod:`hipflask.stores` store, so one setting moves them from process memory
to Redis or SQL when several processes serve the app and a logout in one
must hold in all.

A setting names the store with a URL (``"memory://"``, ``"redis://..."``,
an SQLAlchemy URL) or gives a ready store object; ``None`` turns the feature
off.
"""

from __future__ import annotations

import importlib
import threading
import time
from typing import Any
from typing import Protocol

from ..errors import ConfigurationError


class StoreLike(Protocol):
    """The part of :class:`hipflask.stores.Store` the auth suites use."""

    def get(self, key: str) -> bytes | None: ...
    def set(self, key: str, value: bytes, ttl: float | None = None) -> None: ...
    def add(self, key: str, value: bytes, ttl: float | None = None) -> bool: ...
    def delete(self, key: str) -> bool: ...
    async def aget(self, key: str) -> bytes | None: ...
    async def aset(self, key: str, value: bytes, ttl: float | None = None) -> None: ...
    async def aadd(self, key: str, value: bytes, ttl: float | None = None) -> bool: ...
    async def adelete(self, key: str) -> bool: ...


class _ProcessStore:
    """Marks with expiry in this process's memory.

    Used for ``"memory://"`` when the shared store package is unavailable;
    it keeps the same contract (expired entries are never returned, ``add``
    is atomic) so the suites above cannot tell the difference.
    """

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix
        self._data: dict[str, tuple[bytes, float | None]] = {}
        self._lock = threading.Lock()

    def _live(self, key: str, now: float) -> tuple[bytes, float | None] | None:
        entry = self._data.get(key)
        if entry is not None and entry[1] is not None and entry[1] <= now:
            del self._data[key]
            return None
        return entry

    def get(self, key: str) -> bytes | None:
        with self._lock:
            entry = self._live(self._prefix + key, time.monotonic())
        return None if entry is None else entry[0]

    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        expires = None if ttl is None else time.monotonic() + ttl
        with self._lock:
            self._data[self._prefix + key] = (value, expires)

    def add(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        full = self._prefix + key
        now = time.monotonic()
        with self._lock:
            if self._live(full, now) is not None:
                return False
            self._data[full] = (value, None if ttl is None else now + ttl)
        return True

    def delete(self, key: str) -> bool:
        with self._lock:
            return self._data.pop(self._prefix + key, None) is not None

    async def aget(self, key: str) -> bytes | None:
        return self.get(key)

    async def aset(self, key: str, value: bytes, ttl: float | None = None) -> None:
        self.set(key, value, ttl)

    async def aadd(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        return self.add(key, value, ttl)

    async def adelete(self, key: str) -> bool:
        return self.delete(key)


def open_store(setting: Any, prefix: str, name: str) -> StoreLike | None:
    """The store a setting names, ``None`` when the setting turns it off.

    :param name: the setting's name, for the error message.
    :raises ConfigurationError: the setting is neither a URL nor a store.
    """
    if setting is None or setting is False:
        return None
    if isinstance(setting, str):
        try:
            create_store = importlib.import_module("hipflask.stores").create_store
        except ImportError:
            if setting.startswith("memory://"):
                return _ProcessStore(prefix)
            raise ConfigurationError(
                f"{name} = {setting!r} needs hipflask.stores, which is not available."
            ) from None
        store: StoreLike = create_store(setting, prefix=prefix)
        return store
    if callable(getattr(setting, "get", None)) and callable(getattr(setting, "aget", None)):
        return setting  # type: ignore[no-any-return]
    raise ConfigurationError(
        f"{name} must be a store URL such as 'memory://' or 'redis://127.0.0.1:6379/0',"
        f" a hipflask.stores store, or None to turn it off; got {setting!r}."
    )


__all__ = ["StoreLike", "open_store"]
