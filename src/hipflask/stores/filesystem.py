"""The file store: entries as files in a directory, shared by local processes.

For an app served by several worker processes on one machine without Redis
(Flask-Session's ``filesystem`` type). Each entry is one file named by a
hash of its key, holding its expiry and its value; a write goes to a
temporary file first and replaces the entry atomically, so a reader never
sees half a value. Every write holds the entry's lock file, created
exclusively (``O_EXCL``, atomic between processes): ``add`` and
``compare_and_set`` need it to be atomic, ``touch`` so that it never writes
back a value replaced since it read it, ``delete`` so that no write that
read the entry before it puts the entry back after it (a logged-out session
living again), and all of them so that the sweep never removes an entry
while it is being replaced.

Reads never delete: an expired entry reads as missing, and its file is
removed by the sweep (:mod:`hipflask.stores.filesweep`), which writes start
at most once per interval per directory, in the background. Deleting on
read would race with a writer renewing the entry (read "expired", the
writer replaces the file, the reader unlinks the fresh one); the sweep is
built to avoid exactly that.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import math
import os
import stat
import time
from collections.abc import Iterator
from typing import Any

from ..errors import ConfigurationError
from .base import Store
from .base import check_ttl
from .base import check_value
from .filelock import NotARegularFile
from .filelock import holds_lock
from .filelock import open_regular
from .filelock import release_lock
from .filelock import take_lock
from .filesweep import HEADER
from .filesweep import SWEEP_INTERVAL
from .filesweep import SweepResult
from .filesweep import SweepSchedule
from .filesweep import create_temporary
from .filesweep import is_expired
from .filesweep import sweep_directory


class FileSystemStore(Store):
    """A :class:`~hipflask.stores.Store` in a directory.

    The async methods run the file operations in a worker thread: disk I/O
    can stall, and the event loop must not.

    :param sweep_interval: seconds between two sweeps of the directory for
        expired entries and leftovers, shared by every process using it;
        ``None`` or ``0`` turns automatic sweeps off (call :meth:`sweep`).
    """

    def __init__(
        self,
        directory: str,
        *,
        prefix: str = "",
        mode: int = 0o600,
        sweep_interval: float | None = SWEEP_INTERVAL,
    ) -> None:
        super().__init__(prefix)
        self.directory = os.path.abspath(directory)
        self.mode = mode
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        check_directory(self.directory)
        self._schedule = SweepSchedule(self.directory, check_interval(sweep_interval))

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "", **options: Any) -> FileSystemStore:
        """A store in the directory of a ``file:///path/to/dir`` URL."""
        return cls(url.split("://", 1)[1] or ".", prefix=prefix, **options)

    def sweep(self) -> SweepResult:
        """Remove expired entries and what killed processes left, now.

        Writes run this in the background once per ``sweep_interval``; call
        it from a scheduled job instead when automatic sweeps are off. Safe
        to run while other threads and processes use the store.
        """
        return sweep_directory(self.directory)

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
            # A symlink, FIFO or directory planted under the name reads as
            # no entry: never followed, never waited on.
            with os.fdopen(open_regular(path), "rb") as file:
                raw = file.read()
        except (FileNotFoundError, NotARegularFile):
            return None
        if len(raw) < HEADER.size:
            return None
        (deadline,) = HEADER.unpack_from(raw)
        if is_expired(deadline):
            return None  # removed by the sweep, which can do it safely
        return raw[HEADER.size :], deadline

    def _write(self, path: str, value: bytes, deadline: int, lock: int | None = None) -> bool:
        """Replace the entry at ``path``; with ``lock``, only while it is still held.

        A holder stalled past :data:`~hipflask.stores.filelock.STALE_LOCK`
        (stopped, swapped out) has its lock broken, and another process may
        have written since its read: ``add`` and ``compare_and_set`` then
        report failure instead of overwriting that write with a decision
        taken on a stale read. Returns whether the entry was written.
        """
        self._schedule.due()
        fd, temporary = create_temporary(self.directory)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(HEADER.pack(deadline) + bytes(value))
                _set_mode(file.fileno(), temporary, self.mode)
            if lock is not None and not holds_lock(path, lock):
                os.unlink(temporary)
                return False
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        return True

    def get(self, key: str) -> bytes | None:
        entry = self._read(self._path(key))
        return None if entry is None else entry[0]

    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        value = check_value(value)
        deadline = self._deadline(ttl)
        path = self._path(key)
        with self._writing(path):
            self._write(path, value, deadline)

    @contextlib.contextmanager
    def _writing(self, path: str) -> Iterator[int | None]:
        """Hold the entry's lock; yields its descriptor, ``None`` if not taken.

        It is held for one read and one write of a small file, so a short
        wait nearly always gets it; giving up after about a second keeps a
        stuck lock from hanging the caller. Then ``add`` and
        ``compare_and_set`` report failure, while ``set``, ``touch`` and
        ``delete`` go ahead anyway: a plain write or removal is what their
        callers asked for, and the sweep stays safe without the lock (see
        :mod:`hipflask.stores.filesweep`).
        """
        fd = take_lock(path)
        if fd is None:
            yield None
            return
        try:
            yield fd
        finally:
            release_lock(path, fd)

    def add(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        value = check_value(value)
        deadline = self._deadline(ttl)
        path = self._path(key)
        with self._writing(path) as lock:
            if lock is None or self._read(path) is not None:
                return False
            return self._write(path, value, deadline, lock)

    def compare_and_set(
        self, key: str, expected: bytes, value: bytes, ttl: float | None = None
    ) -> bool:
        value = check_value(value)
        deadline = self._deadline(ttl)
        path = self._path(key)
        # Not locked: the caller reads again and retries.
        with self._writing(path) as lock:
            entry = None if lock is None else self._read(path)
            if entry is None or entry[0] != expected:
                return False
            return self._write(path, value, deadline, lock)

    def delete(self, key: str) -> bool:
        path = self._path(key)
        # Under the entry's lock: a touch or compare_and_set that read the
        # entry just before would otherwise write it back just after, and a
        # session ended by a logout would live again. A lock that stays
        # taken does not stop the delete (see _writing).
        with self._writing(path):
            live = self._read(path) is not None
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
        return live

    def touch(self, key: str, ttl: float | None) -> bool:
        deadline = self._deadline(ttl)
        path = self._path(key)
        with self._writing(path) as lock:
            entry = self._read(path)
            if entry is None:
                return False
            # With the lock held, only while it still is: a delete that broke
            # it after a stall must not be undone.
            return self._write(path, entry[0], deadline, lock)

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


def _set_mode(fd: int, path: str, mode: int) -> None:
    # Through the descriptor: a chmod by name would follow a symlink that a
    # group member swapped in for the file meanwhile.
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)
    else:  # pragma: no cover - Windows before Python 3.13: no POSIX modes
        os.chmod(path, mode)


def check_directory(directory: str) -> None:
    """Refuse a directory that users other than the app's may write to.

    Entries are trusted as written: whoever can create a file there can
    plant one under the name of a key they know (a session of their own,
    holding an admin's data) or a symlink for the store to trip over. A
    sticky bit (``/tmp``) does not help, since the file is new. A group may
    write (processes of several users sharing a directory on purpose); the
    rest of the world may not.
    """
    if os.name == "nt":
        return  # no POSIX permission bits; the directory's ACL decides
    mode = os.stat(directory).st_mode
    if mode & stat.S_IWOTH:
        raise ConfigurationError(
            f"The file store's directory {directory} is writable by other users (mode"
            f" {stat.S_IMODE(mode):o}): anyone on this machine could plant entries in it,"
            " such as a session of their choosing. Give the store a directory of the"
            " app's own (a missing one is created with mode 0700), or remove the"
            " write permission for others (chmod o-w)."
        )


def check_interval(
    interval: float | None, *, name: str = "The file store's sweep interval"
) -> float | None:
    """The sweep interval, or ``None`` for none; refused at startup if it is not
    a number of seconds, at least one (a typo must not turn the sweeps off
    unnoticed, nor make every write start one).
    """
    if interval is None or interval == 0:
        return None
    if (
        isinstance(interval, bool)
        or not isinstance(interval, (int, float))
        or not 1 <= interval < math.inf
    ):
        raise ConfigurationError(
            f"{name} must be a number of seconds, at least 1 (or None to sweep only when"
            f" asked), not {interval!r}."
        )
    return float(interval)


__all__ = ["FileSystemStore", "check_directory", "check_interval"]
