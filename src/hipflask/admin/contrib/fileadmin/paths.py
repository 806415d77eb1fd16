"""Where a path named by a request lands: inside the managed folder, or nowhere.

Every path a file manager page receives (a URL segment, a hidden form
field, a bulk action's row ids) is attacker-controlled. It is resolved here,
once, before any file operation: a refusal is ``None`` and the pages answer
404, the same as a missing file, so a probe learns nothing about what exists
outside the folder.
"""

from __future__ import annotations

import os
import posixpath

from werkzeug.security import safe_join

__all__ = ["can_be_named", "is_inside", "real_relative_name", "relative_name", "resolve_inside"]


def is_inside(root: str, path: str) -> bool:
    """Whether ``path`` is ``root`` or lies under it; both are real paths."""
    try:
        return os.path.commonpath((root, path)) == root
    except ValueError:  # different drives on Windows
        return False


def can_be_named(path: str) -> bool:
    """Whether a request can name ``path``, a relative path found on disk.

    Listing an entry no request can name would show links that all answer
    404, or worse: a name written in another encoding (``café.txt`` in
    Latin-1, unpacked from an old archive) reaches Python with a lone
    surrogate, which no URL can carry and no page can be encoded with, so
    the whole folder's page would be a 500. Such entries, and names that
    :func:`relative_name` refuses (a backslash, legal on POSIX), are left
    out of the listing.
    """
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return relative_name(path) == path


def relative_name(requested: str | None) -> str | None:
    """``requested`` normalised to a POSIX path under the root (``""`` for the root itself).

    ``None`` for names that are refused before any join: a NUL byte truncates
    paths in C calls (and makes Python raise), a backslash is a separator on
    Windows (``..\\`` climbs there), and ``safe_join`` turns down ``..``
    segments that climb out, absolute paths and drive letters.
    """
    if not requested:
        return ""
    if "\x00" in requested or "\\" in requested:
        return None
    if safe_join("/", requested) is None:
        return None
    normal = posixpath.normpath(requested)
    return "" if normal == "." else normal


def resolve_inside(root: str, requested: str | None) -> tuple[str, str] | None:
    """``(absolute path, relative name)`` of ``requested`` under ``root``, or ``None``.

    The absolute path is the joined one, not the resolved one, so a link
    inside the folder that points elsewhere inside it keeps its own name
    (deleting it removes the link, not its target). A symbolic link whose
    target lies outside the folder (planted by a careless deploy, or by a
    process sharing the folder) is refused, as is anything under it: the
    file manager never reads, writes or lists through it.
    """
    relative = relative_name(requested)
    if relative is None:
        return None
    joined = safe_join(root, relative) if relative else root
    if joined is None:
        return None
    real_root = os.path.realpath(root)
    if not is_inside(real_root, os.path.realpath(joined)):
        return None
    return os.path.normpath(joined), relative


def real_relative_name(root: str, relative: str) -> str | None:
    """``relative`` with the links on its way followed, as a POSIX path under ``root``.

    The name ``is_accessible_path`` must also accept: a link inside the
    folder gives a second name to what it points at. ``None`` if the links
    lead out of the folder.
    """
    real_root = os.path.realpath(root)
    real = os.path.realpath(os.path.join(root, relative)) if relative else real_root
    if not is_inside(real_root, real):
        return None
    name = os.path.relpath(real, real_root)
    return "" if name == "." else name.replace(os.sep, "/")
