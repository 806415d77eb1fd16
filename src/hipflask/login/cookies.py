"""Flask-Login's cookie helpers, ``encode_cookie`` and ``decode_cookie``.

Flask-Login exposes them for apps that sign a value of their own the way
its remember-me cookie is signed: ``payload|HMAC-SHA512``. They are kept
with Flask-Login's signatures and format (an explicit ``key`` is used as
Flask-Login uses it), with two differences that close holes: without an
explicit ``key`` the HMAC key is derived from ``SECRET_KEY`` for this
purpose only (so the digest is never a bare
``HMAC(SECRET_KEY, ...)`` that another feature could be tricked into
producing), and ``SECRET_KEY_FALLBACKS`` still verify. hipflask's own
remember-me cookie does not use them (see :mod:`hipflask.login.remember`).
"""

from __future__ import annotations

import hashlib
import hmac

from ..contexts.globals import current_app
from ..security.keys import key_ring

_PURPOSE = b"hipflask.login.cookie"


def _as_bytes(key: str | bytes) -> bytes:
    return key.encode("utf-8") if isinstance(key, str) else key


def _digest(key: str | bytes, payload: str) -> str:
    return hmac.new(_as_bytes(key), payload.encode("utf-8"), hashlib.sha512).hexdigest()


def _keys(key: str | bytes | None) -> tuple[bytes, ...]:
    """The HMAC keys that verify, the signing key last.

    An explicit ``key`` is used as it is, as Flask-Login uses it, so values
    signed with it before the port (or by another service holding it) still
    verify. The app's own keys are first derived for this purpose.
    """
    if key is not None:
        return (_as_bytes(key),)
    return tuple(
        hmac.new(_as_bytes(secret), _PURPOSE, hashlib.sha512).digest()
        for secret in key_ring(current_app.config, "encode_cookie")
    )


def encode_cookie(payload: str, key: str | bytes | None = None) -> str:
    """``payload`` with a keyed digest appended: ``payload|digest``."""
    return f"{payload}|{_digest(_keys(key)[-1], payload)}"


def decode_cookie(cookie: str, key: str | bytes | None = None) -> str | None:
    """The payload of a value :func:`encode_cookie` made, ``None`` if the digest is wrong."""
    payload, sep, digest = cookie.rpartition("|")
    if not sep or not digest.isascii():
        # The client's value: hmac.compare_digest raises on text that is not
        # ASCII, and no digest made here is anything else.
        return None
    for candidate in _keys(key):
        if hmac.compare_digest(_digest(candidate, payload), digest):
            return payload
    return None


__all__ = ["decode_cookie", "encode_cookie"]
