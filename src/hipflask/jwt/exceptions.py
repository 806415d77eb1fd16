"""Why a request's token was refused; each maps to one of the manager's loaders.

Two families, as in Flask-JWT-Extended, which lets PyJWT's errors through
unchanged. The extension's own refusals::

    JWTExtendedException
     ├── NoAuthorizationError      no token where one was looked for
     ├── CSRFError                 cookie token without the matching CSRF value
     ├── InvalidHeaderError        Authorization header not "Bearer <token>" (422)
     ├── InvalidQueryParamError    query string value without its prefix (422)
     ├── JWTDecodeError            no identity (or csrf) claim, a key PyJWT cannot use
     ├── WrongTokenError           refresh token where an access token is needed, or back
     ├── RevokedTokenError         on the blocklist, or a reused refresh token
     ├── FreshTokenRequired        a fresh token is needed
     ├── UserLookupError           user_lookup_loader found nobody
     └── UserClaimsVerificationError  token_verification_loader said no

and the tokens PyJWT refuses, each an instance of the class PyJWT raised
(``jwt.DecodeError`` for input that is not a token (422),
``jwt.InvalidSignatureError``, ``jwt.ExpiredSignatureError``,
``jwt.InvalidAudienceError``, ``jwt.ImmatureSignatureError``,
``jwt.MissingRequiredClaimError`` ...) and of :class:`PyJWTRefusal`, which
carries the status. They are neither :class:`JWTDecodeError` nor
:class:`JWTExtendedException`, and a ``jwt.DecodeError`` only where PyJWT's
class is one: ``except jwt.DecodeError`` around ``decode_token``, or an
app's ``@app.errorhandler(jwt.DecodeError)``, must not catch a wrong
audience, which Flask-JWT-Extended lets through as
``jwt.InvalidAudienceError``.

PyJWT's class comes before :class:`PyJWTRefusal` in the method resolution
order, because Flask picks an error handler by walking the MRO: an app's
``@app.errorhandler(jwt.InvalidTokenError)`` must be found before the
manager's handler for :class:`PyJWTRefusal`. Every status is 401 except
where noted: a bad signature or a failed claim check is an authentication
failure, and 422 is kept for input that cannot even be parsed.
"""

from __future__ import annotations

from typing import Any

import jwt as pyjwt


class JWTExtendedException(Exception):
    """Base class of the extension's own refusals; ``status`` is its default HTTP status."""

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


class JWTDecodeError(JWTExtendedException):
    """A verified token without its identity claim, or a key PyJWT cannot use at all.

    As in Flask-JWT-Extended, this is not one of PyJWT's classes: the tokens
    PyJWT refuses raise PyJWT's own (see :class:`PyJWTRefusal`).
    """

    def __init__(self, msg: str, status: int = 401) -> None:
        super().__init__(msg)
        self.status = status


class PyJWTRefusal(Exception):
    """A token PyJWT refused; every instance is also of the PyJWT class it raised.

    hipflask's own part of those refusals: the status of the default answer
    and the message, which may be hipflask's (a refused algorithm is named).
    Never raised alone: through :func:`refusal_class`, or as
    :class:`ExpiredSignatureError`.
    """

    status = 401

    def __init__(self, msg: str, status: int = 401) -> None:
        Exception.__init__(self, msg)
        self.msg = msg
        self.status = status

    def __str__(self) -> str:
        return self.msg


class ExpiredSignatureError(pyjwt.ExpiredSignatureError, PyJWTRefusal):
    """The token's ``exp`` has passed; the loaders receive its header and claims.

    Its message is PyJWT's ("Signature has expired"); the manager's default
    answer stays Flask-JWT-Extended's "Token has expired".
    """

    def __init__(self, message: str, jwt_header: dict[str, Any], jwt_data: dict[str, Any]) -> None:
        PyJWTRefusal.__init__(self, message)
        self.jwt_header = jwt_header
        self.jwt_data = jwt_data


#: One subclass of (PyJWT's class, PyJWTRefusal) per PyJWT class met.
_REFUSAL_CLASSES: dict[type[pyjwt.PyJWTError], type[PyJWTRefusal]] = {
    pyjwt.ExpiredSignatureError: ExpiredSignatureError,
}


def refusal_class(pyjwt_class: type[pyjwt.PyJWTError]) -> type[PyJWTRefusal]:
    """The :class:`PyJWTRefusal` subclass that is also ``pyjwt_class``.

    Made once per class and kept, so ``type(error)`` is stable and the
    classes PyJWT adds in later versions need nothing here. It derives from
    ``pyjwt_class`` alone on PyJWT's side: a ``jwt.InvalidAudienceError`` is
    not a ``jwt.DecodeError``, a ``jwt.InvalidSignatureError`` is.
    """
    cls = _REFUSAL_CLASSES.get(pyjwt_class)
    if cls is None:
        # PyJWT's class comes first in the MRO, so its own ``__init__`` and
        # ``__str__`` (MissingRequiredClaimError takes the claim) would win;
        # PyJWTRefusal's are the ones every refusal is built with.
        made: Any = type(
            pyjwt_class.__name__,
            (pyjwt_class, PyJWTRefusal),
            {
                "__module__": __name__,
                "__doc__": f"PyJWT's {pyjwt_class.__name__}, refused.",
                "__init__": PyJWTRefusal.__init__,
                "__str__": PyJWTRefusal.__str__,
            },
        )
        cls = _REFUSAL_CLASSES[pyjwt_class] = made
    return cls


def from_pyjwt(
    error: pyjwt.PyJWTError,
    jwt_header: dict[str, Any] | None = None,
    jwt_data: dict[str, Any] | None = None,
) -> PyJWTRefusal:
    """PyJWT's refusal as this package raises it, keeping PyJWT's class and message.

    Only input that is not a token at all is a 422 (hipflask answers a bad
    signature or a failed claim check with 401, as an authentication failure).
    """
    if isinstance(error, PyJWTRefusal):
        return error
    message = str(error) or type(error).__name__
    if isinstance(error, pyjwt.ExpiredSignatureError):
        header = jwt_header if jwt_header is not None else getattr(error, "jwt_header", {})
        data = jwt_data if jwt_data is not None else getattr(error, "jwt_data", {})
        return ExpiredSignatureError(message, header or {}, data or {})
    malformed = isinstance(error, pyjwt.DecodeError) and not isinstance(
        error, pyjwt.InvalidSignatureError
    )
    refusal = refusal_class(type(error))(message, status=422 if malformed else 401)
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
    "PyJWTRefusal",
    "RevokedTokenError",
    "UserClaimsVerificationError",
    "UserLookupError",
    "WrongTokenError",
    "from_pyjwt",
    "refusal_class",
]
