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

from .config import ClaimsEncoder
from .config import JWTSetupError
from .config import seconds
from .config import setting
from .exceptions import JWTDecodeError
from .exceptions import PyJWTRefusal
from .exceptions import from_pyjwt
from .exceptions import refusal_class

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
        claims["fresh"] = (now + fresh).timestamp()
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
    # A loader's key has no id here: the token names none, as the extension's.
    headers = {"kid": ring.signing_kid} if ring.signing_kid else {}
    headers.update(manager._additional_headers(identity))
    headers.update(additional_headers or {})
    key = ring.signing_key if manager._encode_key is None else manager._encode_key(identity)
    if key is None:
        raise JWTSetupError(
            f"JWT_ALGORITHM is {ring.algorithm} and no key signs tokens: set JWT_PRIVATE_KEY"
            " (PEM), or register an encode_key_loader, to sign them."
        )
    return pyjwt.encode(
        claims, key, algorithm=ring.algorithm, headers=headers, json_encoder=ClaimsEncoder
    )


def _csrf_protected(config: Mapping[str, Any]) -> bool:
    # Whatever JWT_TOKEN_LOCATION says, as Flask-JWT-Extended does: a view
    # may read cookies with ``jwt_required(locations=["cookies"])`` while the
    # app-wide setting lists only headers, and its tokens need the value.
    return bool(setting(config, "JWT_COOKIE_CSRF_PROTECT"))


def unverified_header(token: str) -> dict[str, Any]:
    """The JOSE header, read without verifying anything.

    :raises jwt.DecodeError: (422) the token is not a JWT; a header PyJWT
        refuses raises its class for it (``jwt.InvalidTokenError``), as
        :func:`decode` does for the rest.
    """
    try:
        return pyjwt.get_unverified_header(token)
    except pyjwt.PyJWTError as error:
        # Not only undecodable tokens: PyJWT also refuses a header it can
        # read (a ``kid`` that is not a string, a ``crit`` it does not
        # support) with a bare ``InvalidTokenError``. Either is the client's
        # malformed token, not a server error.
        raise refusal_class(type(error))(str(error), status=422) from None


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

    A token PyJWT refuses raises PyJWT's class for the case, as
    Flask-JWT-Extended lets it through (see :mod:`hipflask.jwt.exceptions`).

    :raises jwt.DecodeError: malformed (422); ``jwt.InvalidSignatureError``
        for a bad signature or an unknown key (401).
    :raises jwt.InvalidTokenError: a claim that does not check (401):
        ``jwt.InvalidAudienceError``, ``jwt.ImmatureSignatureError``,
        ``jwt.InvalidAlgorithmError`` for a refused algorithm,
        ``jwt.MissingRequiredClaimError`` without ``type`` or ``jti`` ...
    :raises jwt.ExpiredSignatureError: past ``exp`` and ``allow_expired`` is
        false (with PyJWT's message, and the token's parts for the loader).
    :raises JWTDecodeError: no identity claim, as in Flask-JWT-Extended, or a
        ``decode_key_loader`` key PyJWT cannot use at all (401).
    """
    header = unverified_header(token)
    ring = manager.key_ring(config)
    algorithm = header.get("alg")
    if algorithm not in ring.algorithms:
        # PyJWT's class for it, so handlers and ``except`` clauses see what
        # PyJWT itself would have raised.
        refused = refusal_class(pyjwt.InvalidAlgorithmError)
        raise refused(f"The token's algorithm {algorithm!r} is not allowed")
    failure = "Signature verification failed"
    if manager._decode_key is not None:
        keys = [manager._decode_key(header, _unverified_claims(token))]
    else:
        keys = ring.verifying_keys(header.get("kid"))
        if not keys:
            # A ``kid`` the app wrote itself (``additional_headers``, as
            # Flask-JWT-Extended apps may) names no key of the ring: every key
            # is tried, as for a token without one. Only the app's own keys
            # can verify it, so nothing is accepted that would not be anyway.
            keys = ring.verifying_keys(None)
            failure = "The token was signed with an unknown key"
    options = {"verify_aud": setting(config, "JWT_DECODE_AUDIENCE") is not None}
    if not setting(config, "JWT_VERIFY_SUB"):
        options["verify_sub"] = False
    if allow_expired:
        options["verify_exp"] = False
    kwargs: dict[str, Any] = {
        "algorithms": list(ring.algorithms),
        "audience": setting(config, "JWT_DECODE_AUDIENCE"),
        "issuer": setting(config, "JWT_DECODE_ISSUER"),
        "leeway": setting(config, "JWT_DECODE_LEEWAY"),
        "options": options,
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
            # missing ``aud``, a ``sub`` that is not a string, a key of the
            # wrong kind (401). Each keeps PyJWT's class and message (see
            # ``from_pyjwt``); none is a DecodeError unless PyJWT's is.
            raise from_pyjwt(error) from None
        except (ValueError, TypeError) as error:
            # A key PyJWT cannot use at all (``None`` from a
            # ``decode_key_loader``) raises plain errors, which must not
            # become a 500.
            raise JWTDecodeError(str(error) or type(error).__name__) from None
        # An app holding no key to sign with (a public key alone, no
        # encode_key_loader) verifies another issuer's tokens only.
        issuer_only = ring.signing_key is None and manager._encode_key is None
        _check_required_claims(claims, setting(config, "JWT_IDENTITY_CLAIM"), issuer_only)
        return header, claims
    raise _bad_signature(failure)


#: Claims hipflask needs besides the identity: revocation keys on ``jti``,
#: the access/refresh check on ``type``.
_REQUIRED_CLAIMS = ("type", "jti")


def _check_required_claims(claims: dict[str, Any], identity_claim: str, issuer_only: bool) -> None:
    """Refuse a verified token that lacks a claim this package relies on.

    Unless the app cannot sign tokens itself (``issuer_only``): then every
    token it verifies is an identity provider's, which carry neither claim,
    and it is read as Flask-JWT-Extended reads one, an access token (not
    fresh) with no ``jti``, which the built-in blocklist cannot revoke
    alone. None of the app's own tokens can lack them, so no access token
    can pass for a refresh token.

    Checked after PyJWT's own checks, as Flask-JWT-Extended checks the
    identity claim: an expired token is refused as expired whatever it
    lacks, and a missing identity is its ``JWTDecodeError`` ("Missing
    claim: sub"), not one of PyJWT's classes. A null identity is refused
    too (PyJWT refuses a null ``sub`` already, unless ``JWT_VERIFY_SUB`` is
    off): ``current_user`` would be looked up for nobody.
    """
    if claims.get(identity_claim) is None:
        raise JWTDecodeError(f"Missing claim: {identity_claim}")
    if issuer_only:
        if claims.get("type") is None:
            claims["type"] = "access"
        claims.setdefault("fresh", False)
        claims.setdefault("jti", None)
        return
    for claim in _REQUIRED_CLAIMS:
        if claims.get(claim) is None:
            raise from_pyjwt(pyjwt.MissingRequiredClaimError(claim))


def _bad_signature(message: str) -> PyJWTRefusal:
    return refusal_class(pyjwt.InvalidSignatureError)(message)


__all__ = ["FAMILY_CLAIM", "decode", "encode", "unverified_header"]
