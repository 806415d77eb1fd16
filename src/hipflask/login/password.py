"""Ending a user's other logins when their password changes.

At login the session (and the remember-me cookie) keeps a fingerprint of
the user's password hash: an HMAC of it with a key derived from
``SECRET_KEY``, so the cookie reveals nothing about the hash. When the user
is loaded and the hash no longer matches, the password was changed since
this login (perhaps by the owner locking out a thief): the login ends.

The browser that changed the password stays logged in when the view calls
``logout_everywhere(user, keep_current=True)`` (or ``login_user`` again),
which records the new fingerprint. ``LOGIN_PASSWORD_ATTRIBUTE`` names the
user attribute holding the hash; ``None`` turns the check off.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from ..security.keys import fallback_keys

_PURPOSE = b"hipflask.login.password"


def _keys(config: Mapping[str, Any]) -> list[bytes]:
    secrets = [config.get("SECRET_KEY"), *fallback_keys(config)]
    keys = []
    for secret in secrets:
        if secret:
            raw = secret.encode() if isinstance(secret, str) else secret
            keys.append(hmac.new(raw, _PURPOSE, hashlib.sha256).digest())
    return keys


def _digest(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


def _stored_hash(config: Mapping[str, Any], user: Any) -> str | None:
    attribute = config.get("LOGIN_PASSWORD_ATTRIBUTE")
    value = getattr(user, attribute, None) if attribute else None
    return value if isinstance(value, str) and value else None


def password_fingerprint(config: Mapping[str, Any], user: Any) -> str | None:
    """The fingerprint to keep with a login, ``None`` when there is nothing to watch."""
    value = _stored_hash(config, user)
    keys = _keys(config)
    if value is None or not keys:
        return None
    return _digest(keys[0], value)


def password_unchanged(config: Mapping[str, Any], user: Any, kept: Any) -> bool:
    """Whether ``user``'s password is the one the login was made with."""
    if not isinstance(kept, str):
        return True  # a login made without a fingerprint (or before the check)
    value = _stored_hash(config, user)
    if value is None:
        return True
    return any(hmac.compare_digest(_digest(key, value), kept) for key in _keys(config))


__all__ = ["password_fingerprint", "password_unchanged"]
