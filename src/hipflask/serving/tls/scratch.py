"""Private temporary folders for throwaway keys, and the ones a killed server left.

``--cert adhoc`` writes its certificate and private key into a temporary
folder, since granian's workers read them by path, and removes it when the
server stops. A server stopped with ``SIGKILL`` (or the machine's OOM
killer) cannot remove it, and a private key stays in the temporary
directory for good. So each folder is marked as in use by a lock that its
process holds for as long as the folder is needed (``flock``: the kernel
lets go of it when every process holding it has exited, however it ended),
and making a new folder removes this user's folders whose lock nobody
holds any more.

A lock rather than a process id: a process id may be reused, and means
nothing to a server in another PID namespace sharing the temporary
directory (two containers with one ``/tmp``), whose live folder must never
look abandoned. Workers forked by the server inherit the lock, so a folder
whose main process was killed is kept while its orphaned workers still run.
Where ``flock`` does not exist, or the file system refuses it, folders are
made and removed as before and nothing is swept.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

__all__ = ["PREFIX", "make_private_folder", "remove_private_folder", "sweep_abandoned"]

#: What every such folder's name starts with, in the temporary directory.
PREFIX = "hipflask-adhoc-"

#: The file in each folder whose lock marks it in use.
_LOCK_NAME = ".in-use"

#: Open lock files of the folders this process made, by folder.
_held: dict[Path, int] = {}


def make_private_folder() -> Path:
    """A new owner-only folder, marked in use until :func:`remove_private_folder`.

    Abandoned folders (see the module docstring) are removed first.
    """
    sweep_abandoned()
    folder = Path(tempfile.mkdtemp(prefix=PREFIX))
    fd = _lock(folder) if fcntl is not None else None
    if fd is not None:
        _held[folder] = fd
    return folder


def _lock(folder: Path) -> int | None:
    """Mark the new ``folder`` in use; the open lock file, or ``None`` without ``flock``.

    A file system that refuses ``flock`` (NFS mounted without a lock
    manager, some FUSE and SMB mounts) gets an unlocked folder, as where
    ``flock`` does not exist: never swept, removed at shutdown.
    """
    locking = folder / ".locking"
    fd = os.open(locking, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        os.unlink(locking)
        return None
    # Locked under another name, then renamed: a sweep never sees the
    # lock file before its lock is held.
    os.rename(locking, folder / _LOCK_NAME)
    return fd


def remove_private_folder(folder: Path) -> None:
    """Delete ``folder`` and everything in it, and let go of its lock."""
    shutil.rmtree(folder, ignore_errors=True)
    fd = _held.pop(folder, None)
    if fd is not None:
        os.close(fd)


def sweep_abandoned(root: Path | None = None) -> list[Path]:
    """Remove this user's folders in ``root`` (the temporary directory) nobody uses.

    A folder is abandoned when its lock file exists and no process holds
    its lock. Anything else is left alone: another user's folder, a folder
    without a lock file (made by an older version, or where ``flock`` is
    refused), a symbolic link, a folder in use. Nothing is
    swept from a ``root`` where another user may rename entries (see
    :func:`_is_private_to`), since the folder checked is not always the one
    removed there.
    """
    removed: list[Path] = []
    if fcntl is None:  # pragma: no cover - not POSIX
        return removed
    root = Path(os.path.realpath(tempfile.gettempdir() if root is None else root))
    uid = os.geteuid()
    if not _is_private_to(root, uid):
        return removed
    held = {Path(os.path.realpath(folder)) for folder in _held}
    try:
        entries = [entry for entry in os.scandir(root) if entry.name.startswith(PREFIX)]
    except OSError:
        return removed
    for entry in entries:
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != uid:
            continue
        folder = Path(entry.path)
        if folder in held or not _abandoned(folder):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _abandoned(folder: Path) -> bool:
    """Whether ``folder``'s lock file exists and nobody holds its lock."""
    try:
        # O_NOFOLLOW: the lock file itself must not be a link planted elsewhere.
        fd = os.open(folder / _LOCK_NAME, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    finally:
        # Closing lets go of the lock taken just now, if it was.
        os.close(fd)
    return True


def _is_private_to(root: Path, uid: int) -> bool:
    """Whether only ``uid`` and root may rename entries of ``root`` and of each folder above it.

    Elsewhere (a temporary directory writable by all without the sticky
    bit, one owned by another user or inside such a folder) that user may
    swap one of ours for another folder of ours between the check and the
    removal, and the sweep deletes a folder it never checked.
    """
    for directory in (root, *root.parents):
        try:
            info = os.lstat(directory)
        except OSError:
            return False
        writable_by_others = info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
        if info.st_uid not in (uid, 0) or (writable_by_others and not info.st_mode & stat.S_ISVTX):
            return False
    return True
