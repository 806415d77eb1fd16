"""The in-process store: the embedded default, nothing to install or start.

Entries live in a dict guarded by a lock, so threads of one process share
them safely. Nothing is shared between processes: an app served by several
worker processes needs Redis or SQL for state every worker must see.
"""

from __future__ import annotations

import threading
import time

from .base import Store
from .base import check_ttl
from .base import check_value

# An expired entry is dropped when read; the whole dict is swept every so many
# writes so that keys written once and never read again do not pile up.
_SWEEP_EVERY = 1000


class MemoryStore(Store):
    """A :class:`~hipflask.stores.Store` in this process's memory.

    The async methods call the sync ones directly: there is no I/O to wait
    for, and the lock is only ever held for a dict operation.
    """

    #: Entries are seen by this process only (see :attr:`Store.process_local`).
    process_local = True

    def __init__(self, prefix: str = "") -> None:
        super().__init__(prefix)
        self._entries: dict[str, tuple[bytes, float | None]] = {}
        self._lock = threading.Lock()
        self._writes = 0

    @staticmethod
    def _deadline(ttl: float | None) -> float | None:
        ttl = check_ttl(ttl)
        return None if ttl is None else time.monotonic() + ttl

    def _live(self, key: str, now: float) -> tuple[bytes, float | None] | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[1] is not None and entry[1] <= now:
            del self._entries[key]
            return None
        return entry

    def _wrote(self, now: float) -> None:
        self._writes += 1
        if self._writes % _SWEEP_EVERY == 0:
            expired = [
                k for k, (_, deadline) in self._entries.items() if deadline and deadline <= now
            ]
            for k in expired:
                del self._entries[k]

    def get(self, key: str) -> bytes | None:
        with self._lock:
            entry = self._live(self.make_key(key), time.monotonic())
        return None if entry is None else entry[0]

    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        value = check_value(value)
        deadline = self._deadline(ttl)
        with self._lock:
            self._entries[self.make_key(key)] = (value, deadline)
            self._wrote(time.monotonic())

    def add(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        value = check_value(value)
        deadline = self._deadline(ttl)
        full_key = self.make_key(key)
        with self._lock:
            now = time.monotonic()
            if self._live(full_key, now) is not None:
                return False
            self._entries[full_key] = (value, deadline)
            self._wrote(now)
            return True

    def compare_and_set(
        self, key: str, expected: bytes, value: bytes, ttl: float | None = None
    ) -> bool:
        value = check_value(value)
        deadline = self._deadline(ttl)
        full_key = self.make_key(key)
        with self._lock:
            now = time.monotonic()
            entry = self._live(full_key, now)
            if entry is None or entry[0] != expected:
                return False
            self._entries[full_key] = (value, deadline)
            self._wrote(now)
            return True

    def delete(self, key: str) -> bool:
        with self._lock:
            full_key = self.make_key(key)
            entry = self._live(full_key, time.monotonic())
            self._entries.pop(full_key, None)
        return entry is not None

    def touch(self, key: str, ttl: float | None) -> bool:
        deadline = self._deadline(ttl)
        full_key = self.make_key(key)
        with self._lock:
            entry = self._live(full_key, time.monotonic())
            if entry is None:
                return False
            self._entries[full_key] = (entry[0], deadline)
            return True

    def clear(self) -> None:
        """Drop every entry under this store's prefix (for tests and resets)."""
        with self._lock:
            for key in [k for k in self._entries if k.startswith(self.prefix)]:
                del self._entries[key]

    async def aget(self, key: str) -> bytes | None:
        return self.get(key)

    async def aset(self, key: str, value: bytes, ttl: float | None = None) -> None:
        self.set(key, value, ttl)

    async def aadd(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        return self.add(key, value, ttl)

    async def acompare_and_set(
        self, key: str, expected: bytes, value: bytes, ttl: float | None = None
    ) -> bool:
        return self.compare_and_set(key, expected, value, ttl)

    async def adelete(self, key: str) -> bool:
        return self.delete(key)

    async def atouch(self, key: str, ttl: float | None) -> bool:
        return self.touch(key, ttl)


__all__ = ["MemoryStore"]
