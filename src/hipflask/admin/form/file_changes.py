"""Upload fields' file changes, kept or undone with the record they belong to.

An upload field writes its file while the form fills the record, before the
backend saves it. Flask-Admin also removes the replaced file there, so a
save the database then refuses (a unique column, a lost connection) leaves
the record naming a file that is gone, and the new file behind with no
record. A model view opens :func:`saving_files` around ``create_model`` and
``update_model``; inside it the fields record what they did instead:

* a file written where none was is removed if the save fails;
* a file written over another (``allow_overwrite`` and the same name) keeps
  the old one under a hidden name, put back if the save fails;
* a file to delete is deleted only once the save succeeded.

Each step acts only on the file it recorded (compared by device and inode):
another save of the same name (another worker, another admin) may write it
anew meanwhile and commit, and its file is not this save's to remove or
overwrite. Nor does a save delete, as one field's old file, a file another
of its fields just wrote under that name. A recorded file is held open until
the save is settled: a file system gives a freed inode number to the next
new file (ext4 at once), and another save's file could otherwise pass for
this save's own.

Outside a model view's save (a form of the app's own), the fields act at
once, as Flask-Admin's do.
"""

from __future__ import annotations

import contextlib
import logging
import os
import os.path as op
import secrets
import shutil
from collections.abc import Callable
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TypeVar

__all__ = ["FileChanges", "files_saved", "open_changes", "save_with_files", "saving_files"]

T = TypeVar("T")

#: A file's identity, ``(st_dev, st_ino)``: what a name points to, whoever wrote it last.
_FileId = tuple[int, int]


class FileChanges:
    """What the upload fields of one save did, settled by :meth:`settle`."""

    __slots__ = ("_doomed", "_held", "_writes", "saved")

    def __init__(self) -> None:
        #: Set by the view when the backend reports the record saved.
        self.saved = False
        #: Every write in the order it happened: its path, the hidden copy of
        #: the old file (``None`` where there was none) and the file written.
        self._writes: list[tuple[str, str | None, _FileId | None]] = []
        self._doomed: list[tuple[str, _FileId]] = []
        #: Descriptors of the recorded files, closed once the save is settled.
        self._held: list[int] = []

    def created(self, path: str, source: str | None = None) -> None:
        """``path`` was written where no file was: removed on undo, if still this file.

        ``source``: a name of the same file (the temporary name linked to
        ``path``), to identify it by: ``path`` itself may already name
        another save's file by the time it is looked at.
        """
        self._writes.append((path, None, self._identify(source or path)))

    def keep_for_undo(self, path: str, replacement: str | None = None) -> None:
        """Just before ``replacement`` is moved over ``path``: keep the old content for undo.

        The old file stays reachable through a hidden hard link beside it, so
        nothing is copied, unless the link is refused; a name with no file yet
        counts as :meth:`created`. Undo puts the old content back (or removes
        a created file) only while ``path`` is still ``replacement``'s file;
        given no ``replacement``, whatever is there then.
        """
        ours = self._identify(replacement) if replacement is not None else None
        if not op.isfile(path):
            self._writes.append((path, None, ours))
            return
        backup = op.join(op.dirname(path), f".{secrets.token_hex(8)}.old")
        if _keep_old_content(path, backup):
            self._writes.append((path, backup, ours))

    def delete_later(self, path: str) -> None:
        """Delete ``path`` once the record is saved, not before, if still the same file."""
        doomed = self._identify(path)
        if doomed is not None:  # gone already: nothing to delete
            self._doomed.append((path, doomed))

    def settle(self) -> None:
        """Keep the new files and delete the doomed ones, or undo every write.

        Writes are undone last first: where two fields of the save wrote one
        name, the second write's undo puts back the first field's file, and
        only the first's then leaves the name as it was before the save.
        Each step is tried whatever the others did: one file that cannot be
        removed or put back (its folder made read-only meanwhile) is logged,
        and does not leave the rest of the save half undone.
        """
        try:
            self._settle()
        finally:
            for fd in self._held:
                os.close(fd)
            self._held.clear()

    def _identify(self, path: str) -> _FileId | None:
        """``path``'s identity, kept unique by holding the file open until :meth:`settle`.

        Not on Windows, where a file held open could not be replaced or removed.
        """
        if os.name == "nt":  # pragma: no cover - Windows
            return _file_id(path)
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return None
        self._held.append(fd)
        status = os.fstat(fd)
        return status.st_dev, status.st_ino

    def _settle(self) -> None:
        if self.saved:
            written = {ours for _path, _backup, ours in self._writes}
            for path, doomed in self._doomed:
                if doomed not in written and _file_id(path) == doomed:
                    _attempt(os.remove, path)
            for _path, backup, _ours in self._writes:
                if backup is not None:
                    _attempt(os.remove, backup)
            return
        for path, backup, ours in reversed(self._writes):
            if backup is None:
                if _is_still(path, ours):
                    _attempt(os.remove, path)
            elif _is_still(path, ours):
                _attempt(os.replace, backup, path)
            else:
                _attempt(os.remove, backup)  # another save's file is there now: it stays


_log = logging.getLogger("hipflask.admin")

_changes: ContextVar[FileChanges | None] = ContextVar("hipflask_admin_file_changes", default=None)


def open_changes() -> FileChanges | None:
    """The file changes of the save in progress, or ``None`` outside one."""
    return _changes.get()


def files_saved() -> None:
    """Called by a backend once the record is committed: its files stay.

    A view marks the save done when the backend reports it; a backend that
    says so at its commit keeps the files even if a hook after the commit
    (``after_model_change``) then raises.
    """
    changes = _changes.get()
    if changes is not None:
        changes.saved = True


@contextlib.contextmanager
def saving_files() -> Iterator[FileChanges]:
    """Around a backend's save: the caller sets ``saved``; the files follow it.

    An exception leaves ``saved`` false, so the files are undone and the
    exception goes on.
    """
    changes = FileChanges()
    token = _changes.set(changes)
    try:
        yield changes
    finally:
        _changes.reset(token)
        changes.settle()


def save_with_files(save: Callable[[], T]) -> T:
    """``save()`` (a backend's ``create_model`` or ``update_model``), with the files following it.

    The files stay unless it returns ``None`` or ``False`` or raises: a
    committed record can itself be falsy (a ``__len__`` of 0), and its files
    must stay with it.
    """
    with saving_files() as files:
        result = save()
        if result is not None and result is not False:
            files.saved = True
    return result


def _keep_old_content(path: str, backup: str) -> bool:
    """Make ``backup`` hold ``path``'s content: a hard link, else a copy.

    Writing over ``path`` needs only the folder's permission, a hard link
    more: the kernel refuses one to a file of another owner
    (``fs.protected_hardlinks``), and some file systems have none. Without
    either, the upload still goes ahead, as it did before undo existed, and
    a refused save leaves the new content in place (logged).
    """
    with contextlib.suppress(OSError):
        os.link(path, backup)
        return True
    try:
        shutil.copy2(path, backup)
    except OSError:
        _log.exception("Could not keep %s to put back if the save fails", path)
        with contextlib.suppress(OSError):
            os.remove(backup)
        return False
    return True


def _file_id(path: str) -> _FileId | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_dev, status.st_ino


def _is_still(path: str, recorded: _FileId | None) -> bool:
    """Whether ``path`` is still the file recorded (an unknown one: whatever is there)."""
    return recorded is None or _file_id(path) == recorded


def _attempt(step: Callable[..., None], *paths: str) -> None:
    try:
        step(*paths)
    except FileNotFoundError:
        pass  # removed by someone else: nothing left to do
    except OSError:
        _log.exception("Could not settle an uploaded file: %s %s", step.__name__, paths)
