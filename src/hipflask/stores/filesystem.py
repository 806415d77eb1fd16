"""The file store: entries as files in a directory, shared by local processes.

For an app served by several worker processes on one machine without Redis
(Flask-Session's ``filesystem`` type). Each entry is one file named by a
hash of its key, holding its expiry and its value; a write goes to a
temporary file first and replaces the entry atomically, so a reader never
sees half a value. ``add`` creates a lock file exclusively (``O_EXCL``),
which the operating system makes atomic between processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import struct
import tempfile
import time
from typing import Any

from .base import Store
from .base import check_ttl
from .base import check_value

_LOCK_TRIES = 150
_STALE_LOCK = 10.0

# Expiry in milliseconds since the epoch, 0 for "never".
_HEADER = struct.Struct(">Q")


class FileSystemStore(Store):
    """A :class:`~hipflask.stores.Store` in a directory.

    The async methods run the file operations in a worker thread: disk I/O
    can stall, and the event loop must not.
    """

    def __init__(self, directory: str, *, prefix: str = "", mode: int = 0o600) -> None:
        super().__init__(prefix)
        self.directory = os.path.abspath(directory)
        self.mode = mode
        os.makedirs(self.directory, mode=0o700, exist_ok=True)

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "", **options: Any) -> FileSystemStore:
        """A store in the directory of a ``file:///path/to/dir`` URL."""
        return cls(url.split("://", 1)[1] or ".", prefix=prefix, **options)

    def _path(self, key: str) -> str:
        # Hashing keeps any key (slashes, dots, "..") inside the directory.
        name = hashlib.sha256(self.make_key(key).encode("utf-8")).hexdigest()
        return os.path.join(self.directory, name)

    @staticmethod
    def _deadline(ttl: float | None) -> int:
        ttl = check_ttl(ttl)
        return 0 if ttl is None else int((time.time() + ttl) * 1000)

    def _read(self, path: str) -> tuple[bytes, int] | None:
        try:
            with open(path, "rb") as file:
                raw = file.read()
        except (FileNotFoundError, IsADirectoryError):
            return None
        if len(raw) < _HEADER.size:
            return None
        (deadline,) = _HEADER.unpack_from(raw)
        if deadline and deadline <= time.time() * 1000:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            return None
        return raw[_HEADER.size :], deadline

    def _write(self, path: str, value: bytes, deadline: int) -> None:
        fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(_HEADER.pack(deadline) + bytes(value))
            os.chmod(temporary, self.mode)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise

    def get(self, key: str) -> bytes | None:
        entry = self._read(self._path(key))
        return None if entry is None else entry[0]

    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        self._write(self._path(key), check_value(value), self._deadline(ttl))

    def _locked(self, path: str) -> int | None:
        """Take the entry's lock file, waiting briefly; ``None`` if it stays taken.

        A writer holds it for one read and one write of a small file, so a
        short wait nearly always gets it; giving up (``None``) after about a
        second keeps a stuck lock from hanging the caller.
        """
        lock = path + ".lock"
        for attempt in range(_LOCK_TRIES):
            try:
                return os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            except FileExistsError:
                pass
            # A writer that died holding the lock must not block the key forever.
            try:
                if time.time() - os.path.getmtime(lock) > _STALE_LOCK:
                    os.unlink(lock)
                    continue
            except FileNotFoundError:
                continue
            time.sleep(min(0.01, 0.0005 * (attempt + 1)))
        return None

    @staticmethod
    def _unlock(path: str, fd: int) -> None:
        os.close(fd)
        os.unlink(path + ".lock")

    def add(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        value = check_value(value)
        deadline = self._deadline(ttl)
        path = self._path(key)
        fd = self._locked(path)
        if fd is None:
            return False
        try:
            if self._read(path) is not None:
                return False
            self._write(path, value, deadline)
            return True
        finally:
            self._unlock(path, fd)

    def compare_and_set(
        self, key: str, expected: bytes, value: bytes, ttl: float | None = None
    ) -> bool:
        value = check_value(value)
        deadline = self._deadline(ttl)
        path = self._path(key)
        fd = self._locked(path)
        if fd is None:
            return False  # the caller reads again and retries
        try:
            entry = self._read(path)
            if entry is None or entry[0] != expected:
                return False
            self._write(path, value, deadline)
            return True
        finally:
            self._unlock(path, fd)

    def delete(self, key: str) -> bool:
        path = self._path(key)
        live = self._read(path) is not None
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        return live

    def touch(self, key: str, ttl: float | None) -> bool:
        path = self._path(key)
        entry = self._read(path)
        if entry is None:
            return False
        self._write(path, entry[0], self._deadline(ttl))
        return True

    async def aget(self, key: str) -> bytes | None:
        return await asyncio.to_thread(self.get, key)

    async def aset(self, key: str, value: bytes, ttl: float | None = None) -> None:
        await asyncio.to_thread(self.set, key, value, ttl)

    async def aadd(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        return await asyncio.to_thread(self.add, key, value, ttl)

    async def acompare_and_set(
        self, key: str, expected: bytes, value: bytes, ttl: float | None = None
    ) -> bool:
        return await asyncio.to_thread(self.compare_and_set, key, expected, value, ttl)

    async def adelete(self, key: str) -> bool:
        return await asyncio.to_thread(self.delete, key)

    async def atouch(self, key: str, ttl: float | None) -> bool:
        return await asyncio.to_thread(self.touch, key, ttl)


__all__ = ["FileSystemStore"]
