from __future__ import annotations

import jwt as pyjwt

from hipflask.jwt import exceptions


def test_unparseable_input_defaults_to_422_and_the_rest_to_401() -> None:
    assert exceptions.InvalidHeaderError("x").status == 422
    assert exceptions.InvalidQueryParamError("x").status == 422
    assert exceptions.JWTDecodeError("x", status=422).status == 422
    assert exceptions.JWTDecodeError("x").status == 401
    assert exceptions.refusal_class(pyjwt.DecodeError)("x", status=422).status == 422
    assert exceptions.refusal_class(pyjwt.InvalidIssuerError)("x").status == 401
    assert exceptions.NoAuthorizationError("x").status == 401
    assert exceptions.UserClaimsVerificationError("x", {}, {}).status == 400


def test_message_is_the_string_and_token_parts_are_kept() -> None:
    error = exceptions.RevokedTokenError({"alg": "HS256"}, {"a": 1})
    assert str(error) == "Token has been revoked"
    assert error.jwt_header == {"alg": "HS256"}
    assert error.jwt_data == {"a": 1}


def test_pyjwt_handlers_still_catch_the_matching_errors() -> None:
    assert isinstance(exceptions.ExpiredSignatureError("e", {}, {}), pyjwt.ExpiredSignatureError)
    assert isinstance(exceptions.refusal_class(pyjwt.DecodeError)("d"), pyjwt.DecodeError)


def test_refusals_of_pyjwt_are_none_of_the_extensions_classes() -> None:
    # As in Flask-JWT-Extended, where PyJWT's errors pass through: its
    # JWTDecodeError is not a jwt.DecodeError, and PyJWT's are not its.
    assert not issubclass(exceptions.JWTDecodeError, pyjwt.PyJWTError)
    for pyjwt_class in (pyjwt.ExpiredSignatureError, pyjwt.InvalidAudienceError):
        cls = exceptions.refusal_class(pyjwt_class)
        assert not issubclass(cls, exceptions.JWTExtendedException)
        assert not issubclass(cls, pyjwt.DecodeError)


def test_pyjwts_class_comes_before_the_managers_in_the_mro() -> None:
    # Flask picks an error handler by walking the MRO: an app's handler for
    # PyJWT's class must be met before the manager's PyJWTRefusal.
    bad_signature = exceptions.refusal_class(pyjwt.InvalidSignatureError)
    for cls in (exceptions.ExpiredSignatureError, bad_signature):
        mro = cls.__mro__
        assert mro.index(pyjwt.PyJWTError) < mro.index(exceptions.PyJWTRefusal)
    assert bad_signature.__mro__.index(pyjwt.InvalidSignatureError) < (
        bad_signature.__mro__.index(pyjwt.DecodeError)
    )
    assert exceptions.refusal_class(pyjwt.InvalidSignatureError) is bad_signature
    assert exceptions.refusal_class(pyjwt.ExpiredSignatureError) is (
        exceptions.ExpiredSignatureError
    )


def test_from_pyjwt_keeps_class_message_and_status() -> None:
    expired = exceptions.from_pyjwt(pyjwt.ExpiredSignatureError("Signature has expired"))
    assert isinstance(expired, exceptions.ExpiredSignatureError)
    assert (str(expired), expired.jwt_header, expired.jwt_data) == ("Signature has expired", {}, {})
    garbage = exceptions.from_pyjwt(pyjwt.DecodeError("Not enough segments"))
    assert isinstance(garbage, pyjwt.DecodeError)
    assert garbage.status == 422
    assert exceptions.from_pyjwt(garbage) is garbage
    audience = exceptions.from_pyjwt(pyjwt.InvalidAudienceError("Audience doesn't match"))
    assert isinstance(audience, pyjwt.InvalidAudienceError)
    assert not isinstance(audience, pyjwt.DecodeError)
    assert audience.status == 401
