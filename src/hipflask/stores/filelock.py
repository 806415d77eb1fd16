"""Lock files for the file store, and removing a file only if it is unchanged.

A lock is a file created with ``O_EXCL``, which the operating system makes
atomic between processes. Its weakness is the process that dies holding
one: the lock stays. So a lock older than :data:`STALE_LOCK` counts as
abandoned and may be broken. A holder that was merely slow (stopped,
swapped out) then checks with :func:`holds_lock` before it writes, and
gives up rather than overwrite what the breaker wrote meanwhile; its
:func:`release_lock` leaves the breaker's lock in place.

Breaking it (and every removal the sweep makes) goes through
:func:`remove_if_unchanged`: a plain ``unlink`` after a check removes
whatever is at the name *now*, which may be a fresh lock or a fresh entry
that another process put there between the check and the ``unlink``. Instead
the file is renamed to a unique name (atomic: whatever is at the name moves,
and a later write creates a new file under the old name), and only if the
file that moved is the very one that was checked is it deleted. The checked
file is kept open meanwhile, so its inode number cannot be handed to a new
file and make a different file look like the same one. Anything else that
moved is put back with ``os.link``, which refuses to replace a file that
appeared under the name since: a newer write always wins.

Anyone who can write to the directory can plant a symlink, a FIFO or a
directory under a name the store uses. Files are therefore opened with
:func:`open_regular`, which never follows a symlink (the target may be any
file of the app's user, outside the directory), never blocks (opening a FIFO
for reading waits for a writer, forever), and refuses all but regular files
(``os.rename`` moves a directory as readily as a file).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
import time

#: How long a lock may be held before a waiter treats it as abandoned, in
#: seconds. A holder keeps it for one read and one write of a small file.
STALE_LOCK = 10.0

# About a second of waiting in all before a caller gives up on a lock.
_LOCK_TRIES = 150

#: The prefix of the names :func:`remove_if_unchanged` moves files to.
TOMB_PREFIX = ".tomb-"


# Where the platform lacks a flag, its attack does not exist there either.
_READ_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


class NotARegularFile(OSError):
    """A name the store uses holds a symlink, FIFO, socket, device or directory.

    The store never writes one, so someone else put it there: it is left
    alone, and reads as no entry.
    """


def open_regular(path: str) -> int:
    """Open the regular file at ``path`` for reading, or raise.

    Raises :class:`NotARegularFile` for anything else at the name (see the
    module's docstring for why), ``FileNotFoundError`` if nothing is there.
    """
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # a symlink, refused by O_NOFOLLOW
            raise NotARegularFile(errno.ELOOP, "A symlink, not followed", path) from exc
        raise
    try:
        check_regular(os.fstat(fd), path)
    except BaseException:
        os.close(fd)
        raise
    return fd


def check_regular(seen: os.stat_result, path: str) -> None:
    """Raise :class:`NotARegularFile` unless ``seen`` is a regular file's."""
    if not stat.S_ISREG(seen.st_mode):
        raise NotARegularFile(errno.EINVAL, "Not a regular file", path)


def take_lock(path: str, *, wait: bool = True) -> int | None:
    """Take the lock of the entry at ``path``; ``None`` if it stays taken.

    With ``wait`` it retries for about a second and breaks a lock older than
    :data:`STALE_LOCK`; without, it tries once (the sweep's way: an entry
    someone is writing is left for the next sweep).
    """
    lock = path + ".lock"
    for attempt in range(_LOCK_TRIES if wait else 1):
        try:
            return os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            pass
        if not wait:
            return None
        # A writer that died holding the lock must not block the key forever.
        if break_stale_lock(lock, STALE_LOCK):
            continue
        time.sleep(min(0.01, 0.0005 * (attempt + 1)))
    return None


def release_lock(path: str, fd: int) -> None:
    """Give back the lock taken by :func:`take_lock`.

    Only the lock file this holder created is removed: if it was broken as
    stale meanwhile and someone else holds a new one, that one stays.
    """
    lock = path + ".lock"
    try:
        mine = os.fstat(fd)
        with contextlib.suppress(FileNotFoundError):
            if os.path.samestat(mine, os.lstat(lock)):
                os.unlink(lock)
    finally:
        os.close(fd)


def holds_lock(path: str, fd: int) -> bool:
    """Whether the lock taken by :func:`take_lock` as ``fd`` is still in place.

    False once it was broken as stale (its holder stalled): checked just
    before a write that must not land on a decision made before the stall.
    """
    try:
        return os.path.samestat(os.fstat(fd), os.lstat(path + ".lock"))
    except FileNotFoundError:
        return False


def break_stale_lock(lock: str, age: float) -> bool:
    """Remove the lock file ``lock`` if it is older than ``age`` seconds.

    Returns whether it is gone (removed, or found missing), so that the
    caller may try to take it again. Something other than a lock file under
    the name (see :func:`open_regular`) is not removed: the caller gives up.
    """
    try:
        fd = open_regular(lock)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    try:
        seen = os.fstat(fd)
        if time.time() - seen.st_mtime <= age:
            return False
        remove_if_unchanged(lock, seen)
        return True
    finally:
        os.close(fd)


def tomb_path(path: str) -> str:
    """A name no other process or thread uses, beside ``path``.

    It carries the original name and the time, so a tomb left by a process
    killed midway can be put back or removed later.
    """
    directory, name = os.path.split(path)
    unique = f"{TOMB_PREFIX}{name}-{time.time_ns()}-{secrets.token_hex(6)}"
    return os.path.join(directory, unique)


def remove_if_unchanged(path: str, seen: os.stat_result) -> bool:
    """Delete the file at ``path`` only if it is still the file ``seen``.

    ``seen`` must come from ``os.fstat`` on a descriptor the caller keeps
    open until this returns (see the module's docstring). Returns whether
    the file was removed; a different file found there is put back.
    """
    tomb = tomb_path(path)
    try:
        os.rename(path, tomb)
    except FileNotFoundError:
        return False
    if os.path.samestat(seen, os.lstat(tomb)):
        os.unlink(tomb)
        return True
    put_back(tomb, path)
    return False


def put_back(tomb: str, path: str) -> None:
    """Move ``tomb`` back to ``path`` unless a newer file is there now."""
    try:
        # Not following: a planted symlink tomb must not hard-link its
        # target (any file of the app's user) into the directory.
        os.link(tomb, path, follow_symlinks=False)
    except FileExistsError:
        pass  # written since the file was moved away: the newer write wins
    except OSError:
        # No hard links on this file system: a rename is the best left, and
        # a name taken meanwhile is still left alone.
        if not os.path.exists(path):
            os.rename(tomb, path)
            return
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tomb)


__all__ = [
    "STALE_LOCK",
    "TOMB_PREFIX",
    "NotARegularFile",
    "break_stale_lock",
    "check_regular",
    "holds_lock",
    "open_regular",
    "put_back",
    "release_lock",
    "remove_if_unchanged",
    "take_lock",
    "tomb_path",
]
