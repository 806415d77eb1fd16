"""Sweeping the file store's directory, so that it does not grow without bound.

An expired entry is invisible to readers, but its file stays until removed,
and most are never read again (every visitor who does not come back, every
bot). A sweep removes them, with the files that a process killed midway left
behind: temporary files of a write, lock files, tombs (below).

Why a sweep never loses a live value
------------------------------------
The race to avoid: the sweep reads "expired", a writer replaces the file
with a fresh value, the sweep unlinks the fresh file. Writes never change a
file in place: each writes a new file and renames it over the entry, so an
entry's content is fixed for the life of its file (its inode). The sweep:

1. reads the entry's expiry without any lock, and leaves a live entry at
   once (most are live: they cost the sweep one small read, and writers
   never wait for it). A file with an entry's name whose "expiry" is
   earlier than its own modification time was not written by this store
   (a cachelib cache sharing the directory) and is left alone too;
2. takes the entry's lock without waiting (an entry being written is left
   for the next sweep). Every writer (``set``, ``add``,
   ``compare_and_set``, ``touch``) holds this lock, so none can replace the
   file while the sweep holds it;
3. opens the entry again and reads its expiry through that descriptor,
   since a write may have landed between steps 1 and 2. The descriptor
   stays open to the end, which pins the file (its inode): its number
   cannot be handed to another file meanwhile;
4. renames the entry to a unique tomb name. The rename is atomic: it moves
   the file that is at the name at that instant, and a later write lands
   under the entry's name as a new file, untouched by the sweep;
5. deletes the tomb only if it is the very file checked in step 3 (same
   device and inode). Writes never change a file in place (each writes a
   new file and renames it over the entry), so that file's content is the
   expired one read in step 3: nothing live is deleted;
6. otherwise (possible only if the lock was broken as stale, or a writer
   gave up waiting for it and wrote anyway), puts the tomb back with
   ``os.link``, which fails rather than replace a file written under the
   name since. A newer write wins; an older value never overwrites it.

Steps 2 and 3 make step 6 unreachable in normal operation; steps 4 to 6
keep the guarantee when the lock fails (a writer stalled for longer than
:data:`~hipflask.stores.filelock.STALE_LOCK` has its lock broken). Then,
for the microseconds between steps 4 and 6, a reader finds the entry
missing and a ``delete`` finds nothing to delete. A sweep killed between
steps 4 and 6 leaves a tomb; a later sweep puts a live one back (without
replacing a newer file, as in step 6) and deletes an expired one.

When sweeps run
---------------
A write asks :class:`SweepSchedule` whether one is due. Time is cut into
periods of ``interval`` seconds; the first write of a period in any process
creates the period's claim file with ``O_EXCL``, and only the process that
succeeds sweeps, in a background daemon thread, so no request waits for a
scan of a large directory. Between periods a process asks nothing of the
disk: it remembers when the next period starts. A background sweep also
holds ``.sweep.lock`` while it runs, and one that finds it taken does
nothing: a sweep slower than the interval is not joined by another every
period. Two sweeps at once (a manual :func:`sweep_directory`, a sweeper's
lock broken as stale) only repeat work: each removal is safe on its own.
"""

from __future__ import annotations

import dataclasses
import errno
import logging
import os
import re
import secrets
import struct
import threading
import time

from .filelock import STALE_LOCK
from .filelock import TOMB_PREFIX
from .filelock import break_stale_lock
from .filelock import check_regular
from .filelock import open_regular
from .filelock import put_back
from .filelock import release_lock
from .filelock import remove_if_unchanged
from .filelock import take_lock

logger = logging.getLogger(__name__)

# Expiry in milliseconds since the epoch, 0 for "never".
HEADER = struct.Struct(">Q")

#: The prefix of a write's temporary file.
TEMP_PREFIX = ".tmp-"

#: The default time between two sweeps of a directory, in seconds.
SWEEP_INTERVAL = 900.0

# A temporary file this old belongs to a writer that died: a live one is
# written and renamed within milliseconds, and written to as it grows.
_STALE_TEMP = 600.0
# Lock files the request path has not broken (their key is never used again)
# are removed by the sweep once well past the age at which waiters break them.
_SWEEP_STALE_LOCK = 6 * STALE_LOCK
# A tomb this old was left by a sweep that died between its steps.
_STALE_TOMB = 60.0
# A write computes the expiry a moment before the file gets its modification
# time; a clock stepped back between the two moves them apart too.
_CLOCK_SLACK_MS = 60_000

# Held by a background sweep while it runs (as ``.sweep.lock``): a sweep
# slower than the interval (a huge directory, a short interval) must not be
# joined by one more from another process every period, each reading every
# file. One left by a sweeper killed midway is broken once this old; a live
# sweep this long (tens of millions of files) is merely joined by a second.
_RUNNING = ".sweep"
_RUNNING_STALE = 600.0

_CLAIM_PREFIX = ".sweep-"
# The interval in milliseconds, then the period's number.
_CLAIM = re.compile(re.escape(_CLAIM_PREFIX) + r"(?P<interval>\d+)-(?P<period>\d+)")
_CLAIM_FLAGS = os.O_CREAT | os.O_EXCL | os.O_WRONLY
_ENTRY = re.compile(r"[0-9a-f]{64}")
# Only names of this exact form are the store's temporary files: a directory
# shared by mistake may hold someone else's ".tmp-" files.
_TEMPORARY = re.compile(re.escape(TEMP_PREFIX) + r"[0-9a-f]{16}")
_TEMPORARY_FLAGS = (
    os.O_CREAT
    | os.O_EXCL
    | os.O_WRONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
)
_TOMB = re.compile(re.escape(TOMB_PREFIX) + r"(?P<name>.+)-(?P<ns>\d+)-[0-9a-f]{12}")


def now_ms() -> float:
    """The time as entry headers count it (milliseconds since the epoch)."""
    return time.time() * 1000


def is_temporary_name(name: str) -> bool:
    """Whether ``name`` is one :func:`create_temporary` gives."""
    return _TEMPORARY.fullmatch(name) is not None


def create_temporary(directory: str) -> tuple[int, str]:
    """Create a write's temporary file, owner-only; its descriptor and path.

    Named here, not by :mod:`tempfile`, so that the sweep recognises exactly
    the names the store writes and nothing else.
    """
    while True:
        path = os.path.join(directory, TEMP_PREFIX + secrets.token_hex(8))
        try:
            return os.open(path, _TEMPORARY_FLAGS, 0o600), path
        except FileExistsError:
            continue  # 64 random bits taken: next name


def is_expired(deadline: int) -> bool:
    """Whether an entry with this header expiry has expired (0 never does)."""
    return bool(deadline) and deadline <= now_ms()


@dataclasses.dataclass
class SweepResult:
    """What one sweep removed (and put back), by kind of file."""

    expired: int = 0
    temporary: int = 0
    locks: int = 0
    tombs: int = 0
    restored: int = 0
    #: Files that could not be examined or removed (logged as a warning).
    failed: int = 0
    #: Whether the directory could not be listed to the end: gone, replaced
    #: by a file, unreadable (logged as a warning). What is left is for a
    #: later sweep.
    incomplete: bool = False


def sweep_directory(directory: str) -> SweepResult:
    """Remove the expired entries and the stale leftovers in ``directory``.

    Only names the store writes are considered: entries (64 hex digits),
    their ``.lock`` files, temporary files, tombs and sweep claims. Anything
    else in the directory is left alone.

    Never raises for the file system: a file that cannot be examined is
    counted in ``failed``, a directory that is gone (or cannot be listed)
    sets ``incomplete``, and either is logged as a warning. A sweep is
    housekeeping; the next one finds what this one left.
    """
    result = SweepResult()
    now = time.time()
    try:
        with os.scandir(directory) as entries:
            for item in entries:
                try:
                    _sweep_one(directory, item.name, item.path, now, result)
                except FileNotFoundError:
                    pass  # removed meanwhile by a reader's delete or another sweep
                except OSError as exc:
                    # One unreadable file (a directory under an entry's name, a
                    # file of another user) must not keep the rest from being swept.
                    result.failed += 1
                    logger.debug("Not swept: %s (%s)", item.path, exc)
    except OSError as exc:
        _incomplete(directory, result, exc)
        return result
    if not os.path.isdir(directory):
        # Gone while it was listed: its files' errors say nothing about them.
        _incomplete(directory, result, FileNotFoundError(errno.ENOENT, "gone meanwhile"))
    elif result.failed:
        logger.warning(
            "Sweeping %s: %d files could not be examined or removed; check their type and"
            " ownership.",
            directory,
            result.failed,
        )
    return result


def _incomplete(directory: str, result: SweepResult, exc: OSError) -> None:
    result.incomplete = True
    logger.warning(
        "Sweeping %s stopped: the directory could not be listed (%s: %s); a later"
        " sweep tries again.",
        directory,
        type(exc).__name__,
        exc.strerror or exc,
    )


def _sweep_one(directory: str, name: str, path: str, now: float, result: SweepResult) -> None:
    if _ENTRY.fullmatch(name):
        result.expired += _remove_if_expired(path)
    elif name.endswith(".lock") and _ENTRY.fullmatch(name[:-5]):
        result.locks += _remove_stale_lock(path)
    elif is_temporary_name(name):
        result.temporary += _remove_if_older(path, now, _STALE_TEMP)
    elif name.startswith(TOMB_PREFIX):
        _settle_tomb(directory, path, name, now, result)
    elif name.startswith(_CLAIM_PREFIX) and _is_past_claim(name, now):
        # One claim file per period otherwise, forever.
        os.unlink(path)


def _remove_if_expired(path: str) -> bool:
    # Most entries are live: read without the lock first, so that they cost
    # the sweep one small read and writers never wait for it.
    fd = open_regular(path)
    try:
        if not _is_expired_entry(fd):
            return False
    finally:
        os.close(fd)
    lock = take_lock(path, wait=False)
    if lock is None:
        return False  # being written: the next sweep looks again
    try:
        # Read again under the lock: a write may have landed since.
        fd = open_regular(path)
        try:
            if not _is_expired_entry(fd):
                return False
            return remove_if_unchanged(path, os.fstat(fd))
        finally:
            os.close(fd)
    finally:
        release_lock(path, lock)


def _is_expired_entry(fd: int) -> bool:
    """Whether the open file is an entry of this store, expired.

    The name alone does not say so: a cachelib ``FileSystemCache`` names
    its files by SHA-256 too, and may share the directory. Its header (an
    expiry in seconds, little-endian, then a pickle) read as this store's
    reads as a time in 1970 or far in the future. An expiry of this store
    is never earlier than the file's own write, so a file whose "expiry"
    predates its modification time is left alone as someone else's.
    """
    raw = os.read(fd, HEADER.size)  # each caller's descriptor is fresh: offset 0
    if len(raw) < HEADER.size:
        return False
    (deadline,) = HEADER.unpack(raw)
    written = os.fstat(fd).st_mtime * 1000
    return is_expired(deadline) and deadline >= written - _CLOCK_SLACK_MS


def _remove_stale_lock(path: str) -> bool:
    seen = os.lstat(path)
    check_regular(seen, path)  # counted as a failure, not silently kept
    if time.time() - seen.st_mtime <= _SWEEP_STALE_LOCK:
        return False
    return break_stale_lock(path, _SWEEP_STALE_LOCK)


def _remove_if_older(path: str, now: float, age: float) -> bool:
    fd = open_regular(path)
    try:
        seen = os.fstat(fd)
        if now - seen.st_mtime <= age:
            return False
        return remove_if_unchanged(path, seen)
    finally:
        os.close(fd)


def _settle_tomb(directory: str, path: str, name: str, now: float, result: SweepResult) -> None:
    match = _TOMB.fullmatch(name)
    if match is None or now - int(match["ns"]) / 1e9 <= _STALE_TOMB:
        return
    # Only an entry can hold a value worth putting back; a lock, temporary
    # or claim file was moved away because it was stale.
    if _ENTRY.fullmatch(match["name"]) and _is_live(path):
        put_back(path, os.path.join(directory, match["name"]))
        result.restored += 1
        return
    os.unlink(path)
    result.tombs += 1


def _is_past_claim(name: str, now: float) -> bool:
    match = _CLAIM.fullmatch(name)
    if match is None or not int(match["interval"]):
        return False
    interval = int(match["interval"]) / 1000
    # A period back as a margin: a process whose clock is a little behind
    # would claim the period again and sweep twice (harmless, but wasted).
    return (int(match["period"]) + 1) * interval < now - interval


def _is_live(path: str) -> bool:
    deadline = _deadline_of(path)
    return deadline is not None and not is_expired(deadline)


def _deadline_of(path: str) -> int | None:
    """The expiry in the header of the file at ``path``; ``None`` if it has none."""
    with os.fdopen(open_regular(path), "rb") as file:
        raw = file.read(HEADER.size)
    return HEADER.unpack(raw)[0] if len(raw) == HEADER.size else None


class SweepSchedule:
    """Starts a sweep of a directory at most once per ``interval`` seconds.

    Shared by every process using the directory through claim files (see
    the module's docstring). :meth:`due` is called on every write and
    costs nothing but a clock read until a new period begins.
    """

    def __init__(self, directory: str, interval: float | None) -> None:
        self.directory = directory
        self.interval = interval
        self._next = 0.0
        self._lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def due(self) -> None:
        """Start a background sweep if this process claims the current period."""
        interval = self.interval
        if not interval or time.time() < self._next:
            return
        with self._lock:
            now = time.time()
            if now < self._next:
                return
            period = int(now // interval)
            self._next = (period + 1) * interval
            if self.thread is not None and self.thread.is_alive():
                return
            if not self._claim(interval, period):
                return
            thread = threading.Thread(target=self._run, name="hipflask-file-sweep", daemon=True)
            try:
                thread.start()
            except RuntimeError:
                # Out of threads: the write that got here must not fail for it.
                logger.warning(
                    "No thread to sweep %s; the next period tries again.", self.directory
                )
                return
            self.thread = thread

    def _claim(self, interval: float, period: int) -> bool:
        name = f"{_CLAIM_PREFIX}{round(interval * 1000)}-{period}"
        try:
            os.close(os.open(os.path.join(self.directory, name), _CLAIM_FLAGS, 0o600))
        except FileExistsError:
            return False  # another process sweeps this period
        except OSError as exc:
            # The write that got here goes on; its own file errors will say
            # what is wrong with the directory, if anything is.
            logger.debug("Could not claim a sweep of %s: %s", self.directory, exc)
            return False
        return True

    def _run(self) -> None:
        """One background sweep; nothing it meets ends the thread with an error.

        Taking and giving back ``.sweep.lock`` are file operations in the
        directory too, so a directory gone (deleted, replaced, unmounted)
        fails them as it fails the sweep: logged, and the next period tries
        again (the schedule starts a new thread then).
        """
        running = os.path.join(self.directory, _RUNNING)
        try:
            lock = take_lock(running, wait=False)
            if lock is None and break_stale_lock(running + ".lock", _RUNNING_STALE):
                lock = take_lock(running, wait=False)
        except OSError as exc:
            logger.warning(
                "Not sweeping %s: its sweep lock could not be taken (%s: %s); the next"
                " period tries again.",
                self.directory,
                type(exc).__name__,
                exc.strerror or exc,
            )
            return
        if lock is None:
            return  # another process's sweep is still at work
        try:
            sweep_directory(self.directory)
        except Exception:
            # A sweep that fails leaves files for the next one; the store's
            # reads and writes do not depend on it, so they go on.
            logger.exception("Sweeping the file store directory %s failed.", self.directory)
        finally:
            try:
                release_lock(running, lock)
            except OSError as exc:
                # The directory went with its lock file; one put back is
                # without it, and a lock left behind is broken once stale.
                logger.debug("Sweep lock of %s not released: %s", self.directory, exc)


__all__ = [
    "HEADER",
    "SWEEP_INTERVAL",
    "TEMP_PREFIX",
    "SweepResult",
    "SweepSchedule",
    "create_temporary",
    "is_expired",
    "is_temporary_name",
    "now_ms",
    "sweep_directory",
]
