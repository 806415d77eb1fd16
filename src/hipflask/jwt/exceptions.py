"""Why a request's token was refused; each maps to one of the manager's loaders.

Every class carries the HTTP status of its default answer: 422 when the token
or its header cannot even be parsed, 401 for everything else (missing,
expired, bad signature, wrong algorithm, wrong type, revoked, not fresh).
:class:`~hipflask.jwt.JWTManager` registers one error handler for
:class:`JWTExtendedException`, so none of these ever becomes a 500::

    JWTExtendedException
     ├── NoAuthorizationError      no token where one was looked for
     ├── CSRFError                 cookie token without the matching CSRF value
     ├── InvalidHeaderError        Authorization header not "Bearer <token>" (422)
     ├── InvalidQueryParamError    query string value without its prefix (422)
     ├── JWTDecodeError            unreadable (422), bad signature, refused algorithm
     ├── ExpiredSignatureError     past ``exp`` (also PyJWT's ExpiredSignatureError)
     ├── WrongTokenError           refresh token where an access token is needed, or back
     ├── RevokedTokenError         on the blocklist, or a reused refresh token
     ├── FreshTokenRequired        a fresh token is needed
     ├── UserLookupError           user_lookup_loader found nobody
     └── UserClaimsVerificationError  token_verification_loader said no
"""

from __future__ import annotations

from typing import Any

import jwt as pyjwt


class JWTExtendedException(Exception):
    """Base class of every refusal; ``status`` is its default HTTP status."""

    status = 401

    def __init__(self, msg: str = "", *args: Any) -> None:
        super().__init__(msg, *args)
        self.msg = msg

    def __str__(self) -> str:
        return self.msg


class _WithToken(JWTExtendedException):
    """A refusal of a token that did decode; the loaders receive its parts."""

    def __init__(self, message: str, jwt_header: dict[str, Any], jwt_data: dict[str, Any]) -> None:
        super().__init__(message)
        self.jwt_header = jwt_header
        self.jwt_data = jwt_data


class NoAuthorizationError(JWTExtendedException):
    """No token in any of the locations looked at."""


class CSRFError(JWTExtendedException):
    """A token from a cookie without the matching double-submit CSRF value."""


class InvalidHeaderError(JWTExtendedException):
    """The header holding the token is not in the expected form."""

    status = 422


class InvalidQueryParamError(JWTExtendedException):
    """The query string value lacks ``JWT_QUERY_STRING_VALUE_PREFIX``."""

    status = 422


class JWTDecodeError(JWTExtendedException, pyjwt.DecodeError):
    """The token did not verify; ``status`` is 422 when it is not even a JWT."""

    def __init__(self, msg: str, status: int = 401) -> None:
        super().__init__(msg)
        self.status = status


class ExpiredSignatureError(_WithToken, pyjwt.ExpiredSignatureError):
    """The token's ``exp`` has passed."""


class WrongTokenError(JWTExtendedException):
    """A refresh token used as an access token, or the other way round."""


class RevokedTokenError(_WithToken):
    """The token was revoked, or is a refresh token used a second time."""

    def __init__(self, jwt_header: dict[str, Any], jwt_data: dict[str, Any]) -> None:
        super().__init__("Token has been revoked", jwt_header, jwt_data)


class FreshTokenRequired(_WithToken):
    """The view needs a fresh token (one made right after a password check)."""


class UserLookupError(_WithToken):
    """``user_lookup_loader`` returned ``None`` for the token's identity."""


class UserClaimsVerificationError(_WithToken):
    """``token_verification_loader`` refused the token's claims."""

    status = 400


__all__ = [
    "CSRFError",
    "ExpiredSignatureError",
    "FreshTokenRequired",
    "InvalidHeaderError",
    "InvalidQueryParamError",
    "JWTDecodeError",
    "JWTExtendedException",
    "NoAuthorizationError",
    "RevokedTokenError",
    "UserClaimsVerificationError",
    "UserLookupError",
    "WrongTokenError",
]
