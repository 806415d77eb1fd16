"""Password hashing: argon2id for new hashes, Werkzeug's hashes still verified.

Stored passwords leak (a backup, an SQL injection); what protects users then
is how expensive each guess is. Argon2id, the winner of the Password Hashing
Competition and OWASP's first choice, is memory-hard, so guessing on GPUs
costs what it costs on a server. The parameters are OWASP's recommended
minimum for argon2id (19 MiB of memory, 2 passes, 1 lane); they are in the
hash itself, so raising them later only marks old hashes for an upgrade.

An app ported from Flask has hashes made by Werkzeug (``pbkdf2:sha256:…``,
``scrypt:…``). :func:`check_password_hash` verifies them too, and
:func:`password_needs_rehash` says when to replace one, after a successful
login, while the plain password is at hand::

    if user and check_password_hash(user.password_hash, password):
        if password_needs_rehash(user.password_hash):
            user.password_hash = generate_password_hash(password)

``from werkzeug.security import generate_password_hash`` keeps working in
ported code; it makes Werkzeug's hashes, which these functions accept.
Needs the ``passwords`` extra (argon2-cffi) for argon2 hashes.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from werkzeug import security as _werkzeug_security

from .._extras import require

__all__ = [
    "ARGON2_MEMORY_COST",
    "ARGON2_PARALLELISM",
    "ARGON2_TIME_COST",
    "check_password_hash",
    "generate_password_hash",
    "password_needs_rehash",
]

#: KiB of memory per hash (OWASP: 19 MiB with 2 passes and 1 lane).
ARGON2_MEMORY_COST = 19 * 1024
#: Passes over the memory.
ARGON2_TIME_COST = 2
#: Lanes.
ARGON2_PARALLELISM = 1

_ARGON2_PREFIX = "$argon2"
_WERKZEUG_PREFIXES = ("pbkdf2:", "scrypt:")


@lru_cache(maxsize=1)
def _hasher() -> Any:
    argon2 = require("argon2", extra="passwords")
    return argon2.PasswordHasher(
        time_cost=ARGON2_TIME_COST,
        memory_cost=ARGON2_MEMORY_COST,
        parallelism=ARGON2_PARALLELISM,
        hash_len=32,
        salt_len=16,
        type=argon2.Type.ID,
    )


def generate_password_hash(password: str, method: str = "argon2id", salt_length: int = 16) -> str:
    """Hash a password for storage: an argon2id PHC string (``$argon2id$v=19$…``).

    ``method`` and ``salt_length`` are Werkzeug's arguments: any method other
    than ``argon2id`` (``"scrypt"``, ``"pbkdf2:sha256:600000"``) is passed to
    Werkzeug, for code that must keep producing its hashes.
    """
    if method == "argon2id":
        hashed: str = _hasher().hash(password)
        return hashed
    return _werkzeug_security.generate_password_hash(password, method, salt_length)


def check_password_hash(pwhash: str, password: str) -> bool:
    """Whether ``password`` matches ``pwhash`` (argon2, or Werkzeug's pbkdf2/scrypt).

    A malformed or unknown hash is a mismatch, never an error: the hash
    column may hold anything (an empty string for accounts that sign in by
    other means, a legacy format), and a login must not become a 500.
    """
    if not isinstance(pwhash, str) or not isinstance(password, str):
        return False
    if pwhash.startswith(_ARGON2_PREFIX):
        argon2_exceptions = require("argon2.exceptions", extra="passwords")
        try:
            return bool(_hasher().verify(pwhash, password))
        except (argon2_exceptions.VerificationError, argon2_exceptions.InvalidHashError):
            return False
    if pwhash.startswith(_WERKZEUG_PREFIXES):
        try:
            return _werkzeug_security.check_password_hash(pwhash, password)
        except (ValueError, TypeError):
            # An unknown digest name or malformed cost field.
            return False
    return False


def password_needs_rehash(pwhash: str) -> bool:
    """Whether a stored hash should be replaced by a new :func:`generate_password_hash`.

    True for Werkzeug's hashes and for argon2 hashes made with other
    parameters than today's; call it after a successful check, when the
    plain password is known.
    """
    if isinstance(pwhash, str) and pwhash.startswith(_ARGON2_PREFIX):
        argon2_exceptions = require("argon2.exceptions", extra="passwords")
        try:
            return bool(_hasher().check_needs_rehash(pwhash))
        except (argon2_exceptions.InvalidHashError, ValueError):
            return True
    return True
