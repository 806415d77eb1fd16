"""Checking a password without telling whether the account exists.

A login form that answers faster for an unknown user name than for a wrong
password lets an attacker list accounts by timing. :func:`verify_login`
always runs one password hash check: against the user's hash, or, for an
unknown user, against a dummy hash made with the same method and cost.
Give both failures the same message and status in the view.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from werkzeug.security import generate_password_hash as _werkzeug_hash

from ..security.passwords import check_password_hash
from ..security.passwords import generate_password_hash

#: hipflask's own hashes (argon2id, with its cost parameters in the hash).
_ARGON2 = "argon2"

# One dummy hash per method: "argon2" for hipflask's hashes, Werkzeug's
# prefix ("scrypt:32768:8:1", "pbkdf2:sha256:...") for older ones.
_dummies: dict[str, str] = {}
_last_method: list[str] = []


def _dummy_for(method: str | None) -> str:
    if method is None:
        method = _last_method[0] if _last_method else _ARGON2
    dummy = _dummies.get(method)
    if dummy is None:
        secret = secrets.token_hex(16)
        if method == _ARGON2:
            dummy = generate_password_hash(secret)
        else:
            dummy = _werkzeug_hash(secret, method=method)
        _dummies[method] = dummy
    return dummy


def _method_of(stored: str) -> str | None:
    if stored.startswith("$argon2"):
        return _ARGON2
    method, sep, _rest = stored.partition("$")
    return method if sep and method else None


def verify_login(
    user: Any,
    password: str,
    *,
    hash_attribute: str = "password_hash",
    check: Callable[[str, str], bool] = check_password_hash,
) -> bool:
    """Whether ``user`` exists and ``password`` is theirs, in the same time either way.

    :param user: the user found by name, or ``None``.
    :param hash_attribute: the user's attribute holding the password hash.
    :param check: ``check(stored_hash, password)``; by default
        :func:`hipflask.security.check_password_hash`, which verifies
        hipflask's argon2id hashes and Werkzeug's. The dummy hash for an
        unknown user is made with the method of the last real hash seen
        (argon2id before any), so both paths cost one check of that method.
    """
    stored = getattr(user, hash_attribute, None) if user is not None else None
    if not isinstance(stored, str) or not stored:
        check(_dummy_for(None), password)
        return False
    method = _method_of(stored)
    if method is not None and method not in _last_method:
        _last_method[:] = [method]
        _dummy_for(method)
    return bool(check(stored, password))


__all__ = ["verify_login"]
