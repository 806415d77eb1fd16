"""Making and reading tokens, with the algorithm pinned and the key picked by ``kid``.

Decoding refuses before PyJWT is even asked when the token names an
algorithm outside the pinned list (``alg: none``, HS256 against an RS256
app): the message then says so, instead of a generic signature failure.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from typing import TYPE_CHECKING
from typing import Any

import jwt as pyjwt

from .config import seconds
from .config import setting
from .exceptions import JWTDecodeError
from .exceptions import decode_error_class
from .exceptions import from_pyjwt

if TYPE_CHECKING:
    from .jwt_manager import JWTManager

#: Claim naming the refresh-token family (every token descended from one login).
FAMILY_CLAIM = "fam"


def _lifetime(config: Mapping[str, Any], token_type: str, override: Any) -> float | None:
    if override is not None:
        return seconds(override, "expires_delta")
    is_access = token_type == "access"  # noqa: S105  (a token kind, not a password)
    name = "JWT_ACCESS_TOKEN_EXPIRES" if is_access else "JWT_REFRESH_TOKEN_EXPIRES"
    return seconds(setting(config, name), name)


def encode(
    manager: JWTManager,
    config: Mapping[str, Any],
    identity: Any,
    token_type: str,
    *,
    fresh: Any = False,
    expires_delta: Any = None,
    additional_claims: Mapping[str, Any] | None = None,
    additional_headers: Mapping[str, Any] | None = None,
    family: str | None = None,
) -> str:
    """Build and sign one token; see ``create_access_token`` for the arguments."""
    now = datetime.now(timezone.utc)
    claims: dict[str, Any] = {
        "fresh": fresh,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "type": token_type,
        setting(config, "JWT_IDENTITY_CLAIM"): manager._user_identity(identity),
    }
    if isinstance(fresh, timedelta):
        claims["fresh"] = int((now + fresh).timestamp())
    if setting(config, "JWT_ENCODE_NBF"):
        claims["nbf"] = now
    lifetime = _lifetime(config, token_type, expires_delta)
    if lifetime is not None:
        claims["exp"] = now + timedelta(seconds=lifetime)
    if family is not None:
        claims[FAMILY_CLAIM] = family
    for name, claim in (("JWT_ENCODE_AUDIENCE", "aud"), ("JWT_ENCODE_ISSUER", "iss")):
        if setting(config, name):
            claims[claim] = setting(config, name)
    if _csrf_protected(config):
        claims["csrf"] = secrets.token_urlsafe(24)
    claims.update(manager._additional_claims(identity))
    claims.update(additional_claims or {})
    ring = manager.key_ring(config)
    headers = {"kid": ring.signing_kid}
    headers.update(manager._additional_headers(identity))
    headers.update(additional_headers or {})
    key = ring.signing_key if manager._encode_key is None else manager._encode_key(identity)
    return pyjwt.encode(claims, key, algorithm=ring.algorithm, headers=headers)


def _csrf_protected(config: Mapping[str, Any]) -> bool:
    # Whatever JWT_TOKEN_LOCATION says, as Flask-JWT-Extended does: a view
    # may read cookies with ``jwt_required(locations=["cookies"])`` while the
    # app-wide setting lists only headers, and its tokens need the value.
    return bool(setting(config, "JWT_COOKIE_CSRF_PROTECT"))


def unverified_header(token: str) -> dict[str, Any]:
    """The JOSE header, read without verifying anything.

    :raises JWTDecodeError: (422) the token is not a JWT.
    """
    try:
        return pyjwt.get_unverified_header(token)
    except pyjwt.PyJWTError as error:
        # Not only undecodable tokens: PyJWT also refuses a header it can
        # read (a ``kid`` that is not a string, a ``crit`` it does not
        # support) with a bare ``InvalidTokenError``. Either is the client's
        # malformed token, not a server error.
        raise decode_error_class(type(error))(str(error), status=422) from None


def _unverified_claims(token: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = pyjwt.decode(
            token, options={"verify_signature": False, "verify_exp": False}
        )
    except pyjwt.InvalidTokenError:
        return {}
    return claims


def decode(
    manager: JWTManager,
    config: Mapping[str, Any],
    token: str,
    *,
    allow_expired: bool = False,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify a token and return its header and claims.

    :raises JWTDecodeError: malformed (422), refused algorithm, unknown key
        or bad signature (401); also an instance of the PyJWT class for the
        case (``jwt.InvalidSignatureError``, ``jwt.InvalidSubjectError`` ...).
    :raises ExpiredSignatureError: past ``exp`` and ``allow_expired`` is false
        (also ``jwt.ExpiredSignatureError``, with PyJWT's message).
    """
    header = unverified_header(token)
    ring = manager.key_ring(config)
    algorithm = header.get("alg")
    if algorithm not in ring.algorithms:
        # PyJWT's class for it, so handlers and ``except`` clauses see what
        # PyJWT itself would have raised.
        refused = decode_error_class(pyjwt.InvalidAlgorithmError)
        raise refused(f"The token's algorithm {algorithm!r} is not allowed")
    if manager._decode_key is not None:
        keys = [manager._decode_key(header, _unverified_claims(token))]
    else:
        keys = ring.verifying_keys(header.get("kid"))
        if not keys:
            # With one key and no ``kid`` check this is a bad signature.
            raise _bad_signature("The token was signed with an unknown key")
    options = {"verify_aud": setting(config, "JWT_DECODE_AUDIENCE") is not None}
    if not setting(config, "JWT_VERIFY_SUB"):
        options["verify_sub"] = False
    if allow_expired:
        options["verify_exp"] = False
    identity_claim = setting(config, "JWT_IDENTITY_CLAIM")
    kwargs: dict[str, Any] = {
        "algorithms": list(ring.algorithms),
        "audience": setting(config, "JWT_DECODE_AUDIENCE"),
        "issuer": setting(config, "JWT_DECODE_ISSUER"),
        "leeway": setting(config, "JWT_DECODE_LEEWAY"),
        "options": {**options, "require": ["type", "jti", identity_claim]},
    }
    for key in keys:
        try:
            claims: dict[str, Any] = pyjwt.decode(token, key, **kwargs)
        except pyjwt.InvalidSignatureError:
            continue
        except pyjwt.ExpiredSignatureError as error:
            raise from_pyjwt(error, header, _unverified_claims(token)) from None
        except pyjwt.PyJWTError as error:
            # Not a JWT (422); wrong audience or issuer, not yet valid, a
            # missing claim, a ``sub`` that is not a string (401). Each
            # keeps PyJWT's class and message (see ``from_pyjwt``).
            raise from_pyjwt(error) from None
        except (ValueError, TypeError) as error:
            # A key of the wrong kind for the algorithm: PyJWT raises plain
            # errors for those, which must not become a 500.
            raise JWTDecodeError(str(error) or type(error).__name__) from None
        return header, claims
    raise _bad_signature("Signature verification failed")


def _bad_signature(message: str) -> JWTDecodeError:
    return decode_error_class(pyjwt.InvalidSignatureError)(message)


__all__ = ["FAMILY_CLAIM", "decode", "encode", "unverified_header"]
