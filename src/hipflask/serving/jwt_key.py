"""The production check on ``JWT_SECRET_KEY``: ``SECRET_KEY``'s rules for the key that signs tokens.

An app using :mod:`hipflask.jwt` with an HMAC algorithm (``HS256``, the
default) signs its tokens with a key derived from ``SECRET_KEY``, which
:mod:`hipflask.serving.secret_key` checks, unless it sets ``JWT_SECRET_KEY``:
that key then signs every token itself. Whoever holds it can make an access
token for any identity, fresh and with any claims, so a key copied from an
example (Flask-JWT-Extended's use ``"super-secret"``) or one short enough to
be found by trying keys offline against a single token is no better than
none, and ``hipflask serve`` stops before anything listens, as it does for a
weak ``SECRET_KEY``.

The rules, applied only when the app has a :class:`~hipflask.jwt.JWTManager`,
signs with an HMAC algorithm and sets ``JWT_SECRET_KEY`` (left unset, the
derived key is used and nothing more is needed):

* ``JWT_SECRET_KEY`` is a ``str`` or ``bytes``, not a well-known example
  (:func:`~hipflask.serving.secret_key.is_well_known_key`), and at least
  :data:`~hipflask.serving.secret_key.MIN_SECRET_KEY_LENGTH` long.
* ``JWT_SECRET_KEY_FALLBACKS`` still verify tokens, so the setting is a list
  and each entry a non-empty ``str`` or ``bytes`` that is not well known. As
  for ``SECRET_KEY_FALLBACKS``, a fallback's length is not checked: an old
  short key moved behind a new long one keeps the tokens it signed valid
  until they expire.

With a public-key algorithm (``RS256``, ``ES256`` ...) ``JWT_SECRET_KEY`` is
never used, and nothing is checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any

from ..errors import ConfigurationError
from .secret_key import MIN_SECRET_KEY_LENGTH
from .secret_key import check_fallback_list
from .secret_key import is_well_known_key

if TYPE_CHECKING:
    from ..core.app import Hipflask

__all__ = [
    "JWT_FALLBACKS_NOT_A_LIST",
    "JWT_FALLBACK_NOT_A_KEY",
    "JWT_FALLBACK_REFUSED",
    "JWT_SECRET_KEY_NOT_A_KEY",
    "JWT_SECRET_KEY_SHORT",
    "JWT_SECRET_KEY_WELL_KNOWN",
    "check_jwt_secret_key",
]

#: The key :class:`~hipflask.jwt.JWTManager` registers itself under in
#: ``app.extensions`` (Flask-JWT-Extended's), read here without importing
#: the suite, whose dependencies an app without it may not have.
_MANAGER_KEY = "flask-jwt-extended"

_FIX = (
    " Generate a key with python -c 'import secrets; print(secrets.token_hex(32))'"
    " and keep it out of the code, or leave JWT_SECRET_KEY unset: tokens are then"
    " signed with a key derived from SECRET_KEY."
)

#: Not a str or bytes, usually a value from_prefixed_env() parsed as JSON.
JWT_SECRET_KEY_NOT_A_KEY = (
    "Refusing to serve with a JWT_SECRET_KEY of type {type}: it must be a str or bytes." + _FIX
)

#: A key from an example: anyone can make a token the app accepts.
JWT_SECRET_KEY_WELL_KNOWN = (
    "Refusing to serve with a well-known JWT_SECRET_KEY (an example value from"
    " tutorials and docs): anyone can sign an access token with it and be taken"
    " for any user. Tokens it signed must stop verifying, so do not keep it in"
    " JWT_SECRET_KEY_FALLBACKS." + _FIX
)

#: A key short enough to find by trying keys offline against one token.
JWT_SECRET_KEY_SHORT = (
    "Refusing to serve with a {length}-{unit} JWT_SECRET_KEY: a short key can be"
    " found by trying keys offline against a single token, after which any token"
    " can be forged. Use at least {minimum} {unit}s; the old key may stay in"
    " JWT_SECRET_KEY_FALLBACKS until the tokens it signed have expired." + _FIX
)

#: A single string would be read as a list of one-character keys.
JWT_FALLBACKS_NOT_A_LIST = (
    "Refusing to serve with JWT_SECRET_KEY_FALLBACKS of type {type}: it must be a"
    " list of old keys that still verify tokens, as in"
    " JWT_SECRET_KEY_FALLBACKS = [old_key], or left unset."
)

#: A fallback entry that is not a key at all.
JWT_FALLBACK_NOT_A_KEY = (
    "Refusing to serve with JWT_SECRET_KEY_FALLBACKS[{index}] of type {type}: each"
    " entry is an old JWT_SECRET_KEY, a str or bytes."
)

#: A fallback anyone can sign with: it still verifies tokens.
JWT_FALLBACK_REFUSED = (
    "Refusing to serve: JWT_SECRET_KEY_FALLBACKS[{index}] is {problem}. Fallbacks"
    " still verify tokens, so anyone could sign one the app accepts. Remove it"
    " from the list; the tokens signed with it stop verifying, as they must once"
    " a key is known."
)


def _signs_with_hmac(config: Mapping[str, Any]) -> bool:
    algorithm = config.get("JWT_ALGORITHM", "HS256")
    return isinstance(algorithm, str) and algorithm.upper().startswith("HS")


def _check_current(key: object) -> None:
    if not isinstance(key, (str, bytes)):
        raise ConfigurationError(JWT_SECRET_KEY_NOT_A_KEY.format(type=type(key).__name__))
    if is_well_known_key(key):
        raise ConfigurationError(JWT_SECRET_KEY_WELL_KNOWN)
    if len(key) < MIN_SECRET_KEY_LENGTH:
        unit = "byte" if isinstance(key, bytes) else "character"
        raise ConfigurationError(
            JWT_SECRET_KEY_SHORT.format(length=len(key), unit=unit, minimum=MIN_SECRET_KEY_LENGTH)
        )


def check_jwt_secret_key(app: Hipflask) -> None:
    """Refuse a weak ``JWT_SECRET_KEY`` or fallback of an app that signs tokens with it.

    :func:`~hipflask.serving.production.check_deployment` calls it before
    anything listens; under another server, call it from the app factory,
    after ``JWTManager(app)``, for the same refusal. See the module for the
    rules.

    :raises ConfigurationError: the message names the setting and the fix.
    """
    config = app.config
    if _MANAGER_KEY not in app.extensions or not _signs_with_hmac(config):
        return
    key = config.get("JWT_SECRET_KEY")
    if key is None or (isinstance(key, (str, bytes)) and not key):
        # Unset: tokens are signed with the key derived from SECRET_KEY.
        return
    _check_current(key)
    check_fallback_list(
        config.get("JWT_SECRET_KEY_FALLBACKS"),
        JWT_FALLBACKS_NOT_A_LIST,
        JWT_FALLBACK_NOT_A_KEY,
        JWT_FALLBACK_REFUSED,
    )
