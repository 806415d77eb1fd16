"""Who may have written the local CA: the checks behind ``LocalCA.check_permissions``.

A CA certificate someone else can replace before it is trusted, or a key
someone else can read after, lets them impersonate any local site to this
user. These helpers look at owners and modes (POSIX only) and say, in the
refusal, the command that fixes what they found.
"""

from __future__ import annotations

import os
import shlex
import stat
from pathlib import Path

from ...errors import ConfigurationError

__all__ = [
    "check_ancestor",
    "check_owner",
    "existing_ancestors",
    "file_mode",
    "trusted_owners",
]


def file_mode(path: Path) -> str:
    """A file's permission bits as ``chmod`` writes them, such as ``0644``."""
    return f"{stat.S_IMODE(path.stat().st_mode):04o}"


def trusted_owners() -> frozenset[int]:
    """The users whose files the CA may be made of: this one, and sudo's caller.

    ``sudo hipflask certs trust --install`` runs as root on the invoking user's
    CA (``SUDO_UID``); root already trusts that user by running their command.
    """
    uid = os.geteuid()
    owners = {uid}
    sudo_uid = os.environ.get("SUDO_UID", "")
    if uid == 0 and sudo_uid.isdigit():
        owners.add(int(sudo_uid))
    return frozenset(owners)


def _user_name(uid: int) -> str:
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return f"uid {uid}"


def check_owner(path: Path, owners: frozenset[int]) -> None:
    owner = path.stat().st_uid
    if owner not in owners:
        raise ConfigurationError(
            f"{path} belongs to {_user_name(owner)}, not to you"
            f" ({_user_name(os.geteuid())}): that user could replace the local CA or"
            " read its key. Keep your own CA: set HIPFLASK_CA_DIR to a directory you"
            f" own, or take the files over: chown -R {_user_name(os.geteuid())}"
            f" {shlex.quote(str(path))}"
        )


def existing_ancestors(path: Path) -> list[Path]:
    """The directories above ``path`` (symlinks resolved) that exist, up to ``/``."""
    return [parent for parent in path.resolve().parents if parent.exists()]


def check_ancestor(directory: Path, owners: frozenset[int]) -> None:
    """Refuse a directory above the CA that another user could rearrange.

    Write access to a parent lets one rename the CA directory away and put
    their own in its place; the sticky bit (``/tmp``) forbids renaming
    another user's entries, so a sticky shared directory is safe.
    """
    status = directory.stat()
    if status.st_uid != 0 and status.st_uid not in owners:
        raise ConfigurationError(
            f"{directory}, above the local CA directory, belongs to"
            f" {_user_name(status.st_uid)}, who could replace the CA in it. Keep the CA"
            " in a directory of your own: set HIPFLASK_CA_DIR."
        )
    if status.st_mode & 0o022 and not status.st_mode & stat.S_ISVTX:
        raise ConfigurationError(
            f"{directory}, above the local CA directory, is writable by other users"
            f" (mode {stat.S_IMODE(status.st_mode):04o}), who could move the CA"
            " directory away and put their own CA in its place. Fix it with:"
            f" chmod go-w {shlex.quote(str(directory))} (or chmod +t for a shared"
            " directory like /tmp), or set HIPFLASK_CA_DIR to a private directory."
        )
