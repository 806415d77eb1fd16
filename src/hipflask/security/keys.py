"""One key ring: ``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS``, a derived key per purpose.

Every signature the framework makes (the session cookie, CSRF tokens,
remember-me cookies, HS-signed JWTs) uses the same secret with its own
*salt*. itsdangerous derives a separate HMAC key from secret and salt, so a
value signed for one purpose never verifies for another: a CSRF token cannot
be replayed as a session cookie, or the reverse. Rotating the one setting
rotates every key, and the old secrets listed in ``SECRET_KEY_FALLBACKS``
keep verifying what they signed until they are removed.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import TYPE_CHECKING
from typing import Any

from itsdangerous import URLSafeTimedSerializer

from ..errors import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["NoSecretKeyError", "fallback_keys", "key_ring", "timed_serializer"]


class NoSecretKeyError(ConfigurationError, RuntimeError):
    """A signature was needed, but the app has no ``SECRET_KEY``.

    Also a :class:`RuntimeError`, which is what Flask-WTF's ``generate_csrf``
    raises for it (as Flask does for a session), so code that catches that
    keeps working.
    """


def fallback_keys(config: Mapping[str, Any], name: str = "SECRET_KEY_FALLBACKS") -> tuple[Any, ...]:
    """The old keys a setting lists, for verifying only; one string is refused.

    A string where the list belongs (an environment variable read as it is)
    would be taken a character at a time, and each character would be a key
    that verifies: anyone could sign a session, a remember-me cookie or a
    token with ``"a"``. Every signer reads its fallbacks through here.

    :raises ConfigurationError: the setting is a string (or bytes), not a list.
    """
    value = config.get(name) or ()
    if isinstance(value, (str, bytes)):
        raise ConfigurationError(
            f"{name} is a single string; it must be a list of old keys, for example"
            f" {name} = ['old-key']."
        )
    return tuple(value)


def key_ring(
    config: Mapping[str, Any], purpose: str, override: str | bytes | None = None
) -> tuple[str | bytes, ...]:
    """The app's keys, oldest first, the signing key last (itsdangerous' order).

    ``override`` is a suite's own secret (``WTF_CSRF_SECRET_KEY``); it replaces
    the whole ring, since fallbacks belong to ``SECRET_KEY``.

    :raises NoSecretKeyError: there is no key to sign with.
    :raises ConfigurationError: ``SECRET_KEY_FALLBACKS`` is a string, not a list.
    """
    if override:
        return (override,)
    secret = config.get("SECRET_KEY")
    if not secret:
        raise NoSecretKeyError(
            f"{purpose} needs a SECRET_KEY to sign with. Set SECRET_KEY from the"
            " environment, for example to the output of"
            " python -c 'import secrets; print(secrets.token_hex(32))'."
        )
    return (*fallback_keys(config), secret)


@lru_cache(maxsize=64)
def _serializer(keys: tuple[str | bytes, ...], salt: str) -> URLSafeTimedSerializer:
    # itsdangerous accepts a mixed list of str and bytes keys at run time.
    return URLSafeTimedSerializer(
        list(keys),  # type: ignore[arg-type]
        salt=salt,
        signer_kwargs={"digest_method": hashlib.sha256},
    )


def timed_serializer(
    config: Mapping[str, Any], salt: str, override: str | bytes | None = None
) -> URLSafeTimedSerializer:
    """A timestamped, URL-safe serializer for one purpose, built once per key ring.

    Signatures are HMAC-SHA256 over a key derived from the secret and
    ``salt``. The serializer is cached on the keys themselves, so changing
    ``SECRET_KEY`` at run time (tests do) takes effect on the next call.
    """
    return _serializer(key_ring(config, salt, override), salt)
