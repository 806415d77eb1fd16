"""Storage of the file manager, at Flask-Admin's names (``LocalFileStorage``).

The view decides *whether* an operation is allowed and *which* path it
touches (:mod:`.paths`); a storage only carries it out. Writes never leave a
half-written file under a real name: an upload or an edit goes to a
temporary file beside its target first, and takes the target's name only
once complete, so a failed or cut-off request leaves the folder as it was.
"""

from __future__ import annotations

import errno
import os
import platform
import posixpath
import secrets
import shutil
import stat
from collections.abc import Callable
from typing import IO
from typing import TYPE_CHECKING

from ....core.files import send_file
from ....core.helpers import abort
from .paths import is_inside

if TYPE_CHECKING:
    from werkzeug.datastructures import FileStorage

    from ....wrappers.response import Response

__all__ = ["BaseFileStorage", "LocalFileStorage"]

#: One listed entry: name, path relative to the base, is a directory, size in
#: bytes, modification time in seconds since the epoch.
FileEntry = tuple[str, str, bool, int, float]

_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
#: What ``os.link`` fails with where the file system has no hard links
#: (EINVAL is Windows' answer on FAT).
_NO_HARD_LINKS = frozenset(
    {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL}
)


class BaseFileStorage:
    """What a file manager's storage is asked for; subclass it for another backend.

    :param on_windows: whether the stored paths are Windows paths; Flask-Admin's
        argument, which decides how paths are normalised.
    """

    separator = "/"

    def __init__(self, on_windows: bool) -> None:
        self.on_windows = on_windows

    def normpath(self, path: str) -> str:
        """``path`` normalised the way the storage's platform does it."""
        return os.path.normpath(path) if self.on_windows else posixpath.normpath(path)

    def get_base_path(self) -> str:
        """The managed folder."""
        raise NotImplementedError(f"{type(self).__name__}.get_base_path is not implemented.")

    def make_dir(self, path: str, directory: str) -> None:
        """Create ``directory`` in the folder ``path``."""
        raise NotImplementedError(f"{type(self).__name__}.make_dir is not implemented.")

    def get_files(self, path: str, directory: str) -> list[FileEntry]:
        """The entries of ``directory``, with paths relative to the base (``path``)."""
        raise NotImplementedError(f"{type(self).__name__}.get_files is not implemented.")

    def delete_tree(self, directory: str) -> None:
        """Delete ``directory`` and all it holds."""
        raise NotImplementedError(f"{type(self).__name__}.delete_tree is not implemented.")

    def delete_file(self, file_path: str) -> None:
        """Delete the file ``file_path``."""
        raise NotImplementedError(f"{type(self).__name__}.delete_file is not implemented.")

    def path_exists(self, path: str) -> bool:
        """Whether ``path`` exists."""
        raise NotImplementedError(f"{type(self).__name__}.path_exists is not implemented.")

    def rename_path(self, src: str, dst: str) -> None:
        """Rename ``src`` to ``dst``; must fail if ``dst`` exists."""
        raise NotImplementedError(f"{type(self).__name__}.rename_path is not implemented.")

    def is_dir(self, path: str) -> bool:
        """Whether ``path`` is a directory."""
        raise NotImplementedError(f"{type(self).__name__}.is_dir is not implemented.")

    def send_file(self, file_path: str) -> Response:
        """A response downloading ``file_path`` (as an attachment)."""
        raise NotImplementedError(f"{type(self).__name__}.send_file is not implemented.")

    def read_file(self, path: str) -> bytes:
        """The bytes of the file ``path``."""
        raise NotImplementedError(f"{type(self).__name__}.read_file is not implemented.")

    def file_size(self, path: str) -> int | None:
        """The size of the file ``path`` in bytes, or ``None`` when unknown.

        Not Flask-Admin's: the edit page asks it before :meth:`read_file`, so
        that a file too large to edit is refused without being read into
        memory. A storage that cannot tell answers ``None`` and the file is
        read, then measured.
        """
        return None

    def write_file(self, path: str, content: str) -> int:
        """Replace the file ``path`` with ``content``."""
        raise NotImplementedError(f"{type(self).__name__}.write_file is not implemented.")

    def save_file(self, path: str, file_data: FileStorage) -> None:
        """Store an upload at ``path``; must fail with ``FileExistsError`` if it exists."""
        raise NotImplementedError(f"{type(self).__name__}.save_file is not implemented.")


class LocalFileStorage(BaseFileStorage):
    """A folder on this machine's disk.

    Refuses to start on a folder that does not exist, as Flask-Admin does: a
    typo in the path would otherwise show an empty manager that fails on
    every write.
    """

    def __init__(self, base_path: str | bytes | os.PathLike[str]) -> None:
        super().__init__(on_windows=platform.system() == "Windows")
        raw = os.fsdecode(base_path)
        self.base_path = raw
        self.separator = os.sep
        if not os.path.isdir(raw):
            raise OSError(
                f"FileAdmin path {raw!r} does not exist or is not a directory;"
                " create it, or give the folder the file manager should manage."
            )

    def get_base_path(self) -> str:
        """The managed folder, normalised."""
        return os.path.normpath(self.base_path)

    def make_dir(self, path: str, directory: str) -> None:
        """Create ``directory`` in the folder ``path``; fails if it exists."""
        os.mkdir(os.path.join(path, directory))

    def get_files(self, path: str, directory: str) -> list[FileEntry]:
        """The entries of ``directory`` (shown as ``path``), without escaping links.

        A symbolic link that leads out of the managed folder, or nowhere, is
        left out: listing it would show what lies outside (its size and
        date), and following it is refused anyway.
        """
        root = os.path.realpath(self.get_base_path())
        entries: list[FileEntry] = []
        with os.scandir(directory) as found:
            for entry in found:
                if entry.is_symlink() and not self._is_link_inside(root, entry.path):
                    continue
                try:
                    stat = entry.stat()
                except OSError:  # vanished since the scan, or unreadable
                    continue
                rel_path = posixpath.join(path, entry.name) if path else entry.name
                is_dir = entry.is_dir()
                entries.append((entry.name, rel_path, is_dir, stat.st_size, stat.st_mtime))
        return entries

    @staticmethod
    def _is_link_inside(root: str, path: str) -> bool:
        real = os.path.realpath(path)
        return os.path.exists(real) and is_inside(root, real)

    def delete_tree(self, directory: str) -> None:
        """Delete ``directory`` and all it holds; a link to a directory loses only the link."""
        if os.path.islink(directory):
            os.unlink(directory)
        else:
            shutil.rmtree(directory)

    def delete_file(self, file_path: str) -> None:
        """Delete the file ``file_path``."""
        os.remove(file_path)

    def path_exists(self, path: str) -> bool:
        """Whether ``path`` exists."""
        return os.path.exists(path)

    def rename_path(self, src: str, dst: str) -> None:
        """Rename ``src`` to ``dst``, refusing to replace what ``dst`` names.

        ``os.rename`` would silently replace an existing file (Flask-Admin's
        behaviour): renaming ``notes.txt`` to ``report.pdf`` must not destroy
        the report. A file (or a link) takes its new name with a hard link,
        which fails if the name exists, then loses the old one: two renames
        racing for one name cannot both win. A directory, or a file on a file
        system without hard links, is checked and then renamed.
        """
        taken = f'"{os.path.basename(dst)}" already exists.'
        if not os.path.isdir(src) or os.path.islink(src):
            try:
                os.link(src, dst, follow_symlinks=False)
            except FileExistsError:
                raise FileExistsError(taken) from None
            except OSError as exc:
                if exc.errno not in _NO_HARD_LINKS:
                    raise
            else:
                os.unlink(src)
                return
        if os.path.lexists(dst):
            raise FileExistsError(taken)
        os.rename(src, dst)

    def is_dir(self, path: str) -> bool:
        """Whether ``path`` is a directory."""
        return os.path.isdir(path)

    def send_file(self, file_path: str) -> Response:
        """Send the file as a download, never as a page of the app's origin.

        An uploaded ``.html`` or ``.svg`` shown inline would run its script
        with the admin's cookies (stored cross-site scripting); as an
        attachment the browser saves it instead. Anything but a regular
        file (a named pipe would hold the worker until someone writes to
        it) is a 404.
        """
        if not os.path.isfile(file_path):
            abort(404)
        return send_file(file_path, as_attachment=True, download_name=os.path.basename(file_path))

    def file_size(self, path: str) -> int | None:
        """The size of the regular file ``path``; ``None`` for anything else."""
        try:
            info = os.stat(path)
        except OSError:
            return None
        return info.st_size if stat.S_ISREG(info.st_mode) else None

    def read_file(self, path: str) -> bytes:
        """The bytes of the regular file ``path`` (a named pipe would block the read)."""
        if not os.path.isfile(path):
            raise IsADirectoryError(errno.EISDIR, "Not a regular file")
        with open(path, "rb") as f:
            return f.read()

    def write_file(self, path: str, content: str) -> int:
        """Replace the file ``path`` with ``content`` (UTF-8), all at once.

        The new file keeps the old one's permission bits: a ``0600`` secret
        edited here must not come back readable by every local user. Only a
        regular file is replaced; a named pipe or a device keeps its place
        (``IsADirectoryError``, as reading it fails).
        """
        mode: int | None = None
        try:
            found = os.stat(path)
        except FileNotFoundError:
            pass
        else:
            if not stat.S_ISREG(found.st_mode):
                raise IsADirectoryError(errno.EISDIR, "Not a regular file")
            mode = stat.S_IMODE(found.st_mode)
        data = content.encode("utf-8")
        self._write_beside(path, lambda out: out.write(data), replace=True, mode=mode)
        return len(content)

    def save_file(self, path: str, file_data: FileStorage) -> None:
        """Store an upload at ``path``; fails with ``FileExistsError`` if the name is taken.

        The name is taken with a hard link from the complete temporary file,
        which fails if the name exists: two uploads racing for one name cannot
        both win, and none replaces a file already there (see
        :func:`_take_new_name` for file systems without hard links).
        """
        self._write_beside(path, lambda out: shutil.copyfileobj(file_data.stream, out))

    @staticmethod
    def _write_beside(
        path: str,
        write: Callable[[IO[bytes]], object],
        replace: bool = False,
        mode: int | None = None,
    ) -> None:
        # The temporary name does not repeat the target's: a name close to
        # the file system's limit (255 bytes) must still be writable.
        temp = os.path.join(os.path.dirname(path), f".{secrets.token_hex(8)}.part")
        try:
            with os.fdopen(os.open(temp, _TEMP_FLAGS, 0o644), "wb") as out:
                write(out)
            if mode is not None:
                os.chmod(temp, mode)
            if replace:
                os.replace(temp, path)
            else:
                _take_new_name(temp, path)
        finally:
            if os.path.lexists(temp):
                os.remove(temp)


def _take_new_name(temp: str, path: str) -> None:
    """Give the complete file ``temp`` the name ``path``; ``FileExistsError`` if taken.

    A hard link does it in one step. A file system without hard links (FAT,
    exFAT, some network shares) refuses the link; there the name is first
    taken by an empty file created exclusively, which the complete file
    then replaces: for that moment the name is an empty file, but never the
    file of another upload, and never an existing file replaced.
    """
    try:
        os.link(temp, path)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
        os.close(os.open(path, _TEMP_FLAGS, 0o644))
        os.replace(temp, path)
