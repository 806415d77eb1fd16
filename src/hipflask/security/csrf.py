"""CSRF tokens: a per-session secret, handed to pages signed and timestamped.

Cross-site request forgery makes a victim's browser send a state-changing
request the victim never meant to send; the browser attaches the victim's
cookies, so the request looks genuine. A token defeats it because the
attacker's page cannot read it: the token is embedded in this site's pages
and checked on every unsafe request.

How a token is made and checked:

* The session holds a random secret (under the token key, ``csrf_token``
  by default), created the first time a page asks for a token. The secret
  never leaves the server in clear form, except inside the signed session
  cookie, which only this site can read or write.
* A page gets the secret *masked* with a fresh random pad (XOR, the pad
  alongside), then *signed* with the app's key ring under its own salt
  (:mod:`hipflask.security.keys`) and a timestamp: a forged token fails the
  signature, an old one fails the time limit. The mask makes every token
  different, so a compressed page that also reflects attacker input leaks
  nothing about the secret through its size (BREACH).
* A submitted token must carry a valid signature, be younger than the time
  limit and contain *this* session's secret (compared in constant time).
  A token lifted from another session (the attacker's own, the classic
  login-CSRF set-up) has a good signature but the wrong secret, and fails.

Each refusal has a named reason; they are the messages Flask-WTF uses, so
code and tests ported from it that look for them keep working.

This module knows no request and no framework object: the form suite
(:mod:`hipflask.forms.csrf`) finds the token in the request and turns a
:class:`CSRFTokenError` into a 400.
"""

from __future__ import annotations

import hmac
import secrets
from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import urlsplit

from itsdangerous import BadData
from itsdangerous import SignatureExpired

from .keys import timed_serializer

if TYPE_CHECKING:
    from collections.abc import Mapping
    from collections.abc import MutableMapping

__all__ = [
    "CSRF_SALT",
    "DEFAULT_TOKEN_KEY",
    "REASON_BAD_REFERRER",
    "REASON_EXPIRED",
    "REASON_INVALID",
    "REASON_MISMATCH",
    "REASON_MISSING",
    "REASON_NO_REFERRER",
    "REASON_SESSION_MISSING",
    "CSRFTokenError",
    "check_referrer",
    "issue_token",
    "rotate_csrf_secret",
    "verify_token",
]

#: The purpose CSRF tokens are signed for: no other signature of the key
#: ring (a session cookie, a remember-me cookie) verifies as a token.
CSRF_SALT = "hipflask.csrf-token"

REASON_MISSING = "The CSRF token is missing."
REASON_SESSION_MISSING = "The CSRF session token is missing."
REASON_EXPIRED = "The CSRF token has expired."
REASON_INVALID = "The CSRF token is invalid."
REASON_MISMATCH = "The CSRF tokens do not match."
REASON_NO_REFERRER = "The referrer header is missing."
REASON_BAD_REFERRER = "The referrer does not match the host."

#: The session key holding the secret (Flask-WTF's ``WTF_CSRF_FIELD_NAME`` default).
DEFAULT_TOKEN_KEY = "csrf_token"  # noqa: S105 - a key name, not a secret

# 160 bits of randomness, as hex: no guessing, and safe in any session store.
_SECRET_BYTES = 20
# A signed token is the hex secret (40 characters) plus timestamp and
# signature, about 90 characters. Anything far longer is not a token, and
# is refused before any decoding work.
_MAX_TOKEN_LENGTH = 512


class CSRFTokenError(ValueError):
    """A submitted token was refused; ``reason`` is one of the ``REASON_*`` texts."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _session_secret(session: Mapping[str, Any], token_key: str) -> str | None:
    value = session.get(token_key)
    if isinstance(value, str) and len(value) == 2 * _SECRET_BYTES and _is_hex(value):
        return value
    return None


def _is_hex(value: str) -> bool:
    try:
        bytes.fromhex(value)
    except ValueError:
        return False
    return True


def _mask(secret: str) -> str:
    """The secret XOR a fresh random pad, with the pad in front (hex)."""
    raw = bytes.fromhex(secret)
    pad = secrets.token_bytes(len(raw))
    return (pad + bytes(a ^ b for a, b in zip(raw, pad, strict=True))).hex()


def _unmask(value: object) -> bytes | None:
    if not isinstance(value, str) or len(value) != 4 * _SECRET_BYTES or not _is_hex(value):
        return None
    data = bytes.fromhex(value)
    pad, masked = data[:_SECRET_BYTES], data[_SECRET_BYTES:]
    return bytes(a ^ b for a, b in zip(masked, pad, strict=True))


def issue_token(
    config: Mapping[str, Any],
    session: MutableMapping[str, Any],
    *,
    token_key: str = DEFAULT_TOKEN_KEY,
    secret_key: str | bytes | None = None,
) -> str:
    """A signed token for this session, creating the session's secret if needed.

    :param config: the app's configuration (for the key ring).
    :param secret_key: a key to use instead of the key ring
        (``WTF_CSRF_SECRET_KEY``).
    :raises NoSecretKeyError: there is no key to sign with.
    """
    secret = _session_secret(session, token_key)
    if secret is None:
        secret = session[token_key] = secrets.token_hex(_SECRET_BYTES)
    serializer = timed_serializer(config, CSRF_SALT, secret_key)
    token: str = serializer.dumps(_mask(secret))
    return token


def verify_token(
    config: Mapping[str, Any],
    session: Mapping[str, Any],
    token: object,
    *,
    time_limit: float | None = 3600,
    token_key: str = DEFAULT_TOKEN_KEY,
    secret_key: str | bytes | None = None,
) -> None:
    """Accept ``token`` for this session, or raise :class:`CSRFTokenError` saying why.

    :param token: what the request carried, as found: anything that is not
        a non-empty string is a missing token.
    :param time_limit: seconds a token stays valid; ``None`` for as long as
        the session lasts.
    """
    if not isinstance(token, str) or not token:
        raise CSRFTokenError(REASON_MISSING)
    expected = _session_secret(session, token_key)
    if expected is None:
        # No secret in this session: no page of this site ever issued the
        # session a token (a fresh session, or an attacker's request made
        # without the victim's session cookie).
        raise CSRFTokenError(REASON_SESSION_MISSING)
    if len(token) > _MAX_TOKEN_LENGTH:
        raise CSRFTokenError(REASON_INVALID)
    serializer = timed_serializer(config, CSRF_SALT, secret_key)
    max_age = None if time_limit is None else int(time_limit)
    try:
        submitted = serializer.loads(token, max_age=max_age)
    except SignatureExpired:
        raise CSRFTokenError(REASON_EXPIRED) from None
    except BadData:
        # Forged, truncated, signed with a removed key or for another purpose.
        raise CSRFTokenError(REASON_INVALID) from None
    unmasked = _unmask(submitted)
    if unmasked is None:
        # Signed with this key and purpose, yet not a token this module made.
        raise CSRFTokenError(REASON_INVALID)
    if not hmac.compare_digest(unmasked, bytes.fromhex(expected)):
        # Genuine, but issued to another session.
        raise CSRFTokenError(REASON_MISMATCH)


def rotate_csrf_secret(
    session: MutableMapping[str, Any], token_key: str = DEFAULT_TOKEN_KEY
) -> None:
    """Drop the CSRF secret kept in the session; the next token gets a new one.

    Call it on login and logout: a secret planted before authentication
    (login CSRF, session fixation) must not carry over to the new identity.
    """
    session.pop(token_key, None)


def check_referrer(referrer: str | None, host: str) -> str | None:
    """Why an HTTPS request's ``Referer`` is refused, or ``None`` when it is this origin.

    Over HTTPS a man in the middle cannot inject requests, but a page on
    plain HTTP that the attacker controls (a café's captive portal, an
    injected frame) can still post to the HTTPS site; requiring the referrer
    to be this site over HTTPS shuts that door. ``host`` is the request's
    host (with port, if any), as the client asked for it.
    """
    if not referrer:
        return REASON_NO_REFERRER
    try:
        parts = urlsplit(referrer)
        port = parts.port
        expected = urlsplit(f"https://{host}/")
        expected_port = expected.port
    except ValueError:
        return REASON_BAD_REFERRER
    if (
        parts.scheme != "https"
        or parts.hostname is None
        or parts.hostname != expected.hostname
        or (port or 443) != (expected_port or 443)
    ):
        return REASON_BAD_REFERRER
    return None
