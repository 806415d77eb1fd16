"""Why a request's token was refused; each maps to one of the manager's loaders.

Every class carries the HTTP status of its default answer: 422 when the token
or its header cannot even be parsed, 401 for everything else (missing,
expired, bad signature, wrong algorithm, wrong type, revoked, not fresh).
:class:`~hipflask.jwt.JWTManager` registers its error handler for
:class:`JWTExtendedException` (and PyJWT's classes), so none of these ever
becomes a 500::

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

A token PyJWT refuses is also an instance of the PyJWT class it raised
(:func:`from_pyjwt`): a bad signature is a :class:`JWTDecodeError` *and* a
``jwt.InvalidSignatureError``, a ``sub`` that is not a string a
``jwt.InvalidSubjectError``, so ``except jwt.InvalidSignatureError`` around
``decode_token`` works as with Flask-JWT-Extended, which lets PyJWT's errors
through. In these classes PyJWT's class comes *before*
:class:`JWTExtendedException` in the method resolution order, because Flask
picks an error handler by walking the MRO: an app's
``@app.errorhandler(jwt.ExpiredSignatureError)`` must be found before the
manager's handler for :class:`JWTExtendedException`.
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


class JWTDecodeError(pyjwt.DecodeError, JWTExtendedException):
    """The token did not verify; ``status`` is 422 when it is not even a JWT."""

    def __init__(self, msg: str, status: int = 401) -> None:
        JWTExtendedException.__init__(self, msg)
        self.status = status


class ExpiredSignatureError(pyjwt.ExpiredSignatureError, _WithToken):
    """The token's ``exp`` has passed.

    Its message is PyJWT's ("Signature has expired"); the manager's default
    answer stays Flask-JWT-Extended's "Token has expired".
    """

    def __init__(self, message: str, jwt_header: dict[str, Any], jwt_data: dict[str, Any]) -> None:
        _WithToken.__init__(self, message, jwt_header, jwt_data)


#: One subclass of (PyJWT's class, JWTDecodeError) per PyJWT class met.
_DECODE_CLASSES: dict[type[pyjwt.PyJWTError], type[JWTDecodeError]] = {}


def decode_error_class(pyjwt_class: type[pyjwt.PyJWTError]) -> type[JWTDecodeError]:
    """The :class:`JWTDecodeError` that is also an instance of ``pyjwt_class``.

    Made once per class and kept, so ``type(error)`` is stable and the
    classes PyJWT adds in later versions need nothing here.
    """
    if issubclass(JWTDecodeError, pyjwt_class):
        # DecodeError, InvalidTokenError, PyJWTError: JWTDecodeError already is one.
        return JWTDecodeError
    cls = _DECODE_CLASSES.get(pyjwt_class)
    if cls is None:
        # PyJWT's class comes first in the MRO, so its own ``__init__`` and
        # ``__str__`` (MissingRequiredClaimError takes the claim) would win;
        # JWTDecodeError's are the ones every refusal is built with.
        cls = type(
            pyjwt_class.__name__,
            (pyjwt_class, JWTDecodeError),
            {
                "__module__": __name__,
                "__doc__": f"PyJWT's {pyjwt_class.__name__}, refused.",
                "__init__": JWTDecodeError.__init__,
                "__str__": JWTExtendedException.__str__,
            },
        )
        _DECODE_CLASSES[pyjwt_class] = cls
    return cls


def from_pyjwt(
    error: pyjwt.PyJWTError,
    jwt_header: dict[str, Any] | None = None,
    jwt_data: dict[str, Any] | None = None,
) -> JWTExtendedException:
    """PyJWT's refusal as this package's exception, keeping PyJWT's class and message.

    Only input that is not a token at all is a 422 (hipflask answers a bad
    signature or a failed claim check with 401, as an authentication failure).
    """
    if isinstance(error, JWTExtendedException):
        return error
    message = str(error) or type(error).__name__
    if isinstance(error, pyjwt.ExpiredSignatureError):
        header = jwt_header if jwt_header is not None else getattr(error, "jwt_header", {})
        data = jwt_data if jwt_data is not None else getattr(error, "jwt_data", {})
        return ExpiredSignatureError(message, header or {}, data or {})
    malformed = isinstance(error, pyjwt.DecodeError) and not isinstance(
        error, pyjwt.InvalidSignatureError
    )
    refusal = decode_error_class(type(error))(message, status=422 if malformed else 401)
    # PyJWT's own attributes (``claim`` of MissingRequiredClaimError) stay readable.
    for name, value in vars(error).items():
        vars(refusal).setdefault(name, value)
    return refusal


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
    "decode_error_class",
    "from_pyjwt",
]
