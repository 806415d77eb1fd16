from __future__ import annotations

import jwt as pyjwt

from hipflask.jwt import exceptions


def test_unparseable_input_defaults_to_422_and_the_rest_to_401() -> None:
    assert exceptions.InvalidHeaderError("x").status == 422
    assert exceptions.InvalidQueryParamError("x").status == 422
    assert exceptions.JWTDecodeError("x", status=422).status == 422
    assert exceptions.JWTDecodeError("x").status == 401
    assert exceptions.NoAuthorizationError("x").status == 401
    assert exceptions.UserClaimsVerificationError("x", {}, {}).status == 400


def test_message_is_the_string_and_token_parts_are_kept() -> None:
    error = exceptions.RevokedTokenError({"alg": "HS256"}, {"a": 1})
    assert str(error) == "Token has been revoked"
    assert error.jwt_header == {"alg": "HS256"}
    assert error.jwt_data == {"a": 1}


def test_pyjwt_handlers_still_catch_the_matching_errors() -> None:
    assert isinstance(exceptions.ExpiredSignatureError("e", {}, {}), pyjwt.ExpiredSignatureError)
    assert isinstance(exceptions.JWTDecodeError("d"), pyjwt.DecodeError)
