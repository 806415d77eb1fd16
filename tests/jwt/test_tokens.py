from __future__ import annotations

import time
import uuid
from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from typing import Any

import jwt as pyjwt
import pytest
from tests.conftest import SECRET

from hipflask import Hipflask
from hipflask.json.provider import DefaultJSONProvider
from hipflask.jwt import JWTManager
from hipflask.jwt import create_access_token
from hipflask.jwt import create_refresh_token
from hipflask.jwt import decode_token
from hipflask.jwt import get_csrf_token
from hipflask.jwt.exceptions import ExpiredSignatureError
from hipflask.jwt.exceptions import JWTDecodeError
from hipflask.jwt.exceptions import JWTExtendedException
from hipflask.jwt.exceptions import PyJWTRefusal

from .conftest import NOT_PYJWTS
from .conftest import REFUSALS
from .conftest import hand_token
from .conftest import pem_pair
from .conftest import pyjwt_classes_of
from .conftest import refusal_app
from .conftest import unsigned_token


def make_app(**config: Any) -> Hipflask:
    app = Hipflask("tokens")
    app.config.update({"SECRET_KEY": SECRET, **config})
    JWTManager(app)
    return app


def claims_of(app: Hipflask, token: str, **kwargs: Any) -> dict[str, Any]:
    with app.app_context():
        return decode_token(token, **kwargs)


def status_of(error: BaseException) -> int:
    """The status of the manager's default answer to a refusal PyJWT raised."""
    assert isinstance(error, PyJWTRefusal)
    return error.status


def test_access_token_carries_flask_jwt_extended_claims() -> None:
    app = make_app()
    with app.test_request_context():
        token = create_access_token("alice", fresh=True)
        claims = decode_token(token)
    assert claims["sub"] == "alice"
    assert claims["type"] == "access"
    assert claims["fresh"] is True
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert {"jti", "nbf", "fam"} <= set(claims)
    # JWT_COOKIE_CSRF_PROTECT is on by default: every token carries the
    # value, even when JWT_TOKEN_LOCATION lists only headers.
    assert isinstance(claims["csrf"], str)


def test_csrf_claim_follows_the_protect_setting_only() -> None:
    protected = make_app(JWT_TOKEN_LOCATION=["headers"])
    with protected.app_context():
        token = create_access_token("a")
        assert get_csrf_token(token) == decode_token(token)["csrf"]
    unprotected = make_app(JWT_TOKEN_LOCATION=["cookies"], JWT_COOKIE_CSRF_PROTECT=False)
    with unprotected.app_context():
        token = create_refresh_token("a")
        assert "csrf" not in decode_token(token)
        with pytest.raises(KeyError, match="csrf"):
            get_csrf_token(token)


def test_refresh_token_lives_thirty_days_and_freshness_can_last() -> None:
    app = make_app(JWT_ENCODE_NBF=False)
    with app.app_context():
        refresh = decode_token(create_refresh_token("a"))
        fresh_for = decode_token(create_access_token("a", fresh=timedelta(minutes=2)))
    assert refresh["exp"] - refresh["iat"] == 30 * 86400
    assert "nbf" not in refresh
    assert "fam" not in refresh  # no request, no login family
    # A float, the exact moment, as Flask-JWT-Extended writes it (``iat`` is
    # whole seconds, cut down by PyJWT).
    assert isinstance(fresh_for["fresh"], float)
    assert 120 <= fresh_for["fresh"] - fresh_for["iat"] < 121


def test_expires_delta_overrides_and_false_never_expires() -> None:
    app = make_app()
    with app.app_context():
        short = decode_token(create_access_token("a", expires_delta=timedelta(seconds=30)))
        forever = decode_token(create_access_token("a", expires_delta=False))
    assert short["exp"] - short["iat"] == 30
    assert "exp" not in forever


@pytest.mark.parametrize("lifetime", [0, timedelta(0)])
def test_a_zero_lifetime_expires_at_once_rather_than_never(lifetime: Any) -> None:
    # Flask-JWT-Extended takes an empty lifetime for none and writes no exp:
    # a token meant to be short-lived would never expire. Only False does.
    app = make_app(JWT_ACCESS_TOKEN_EXPIRES=lifetime)
    with app.app_context():
        token = create_access_token("a")
        with pytest.raises(pyjwt.ExpiredSignatureError):
            decode_token(token)
        assert decode_token(token, allow_expired=True)["exp"]


class _Days:
    """A lifetime that adds to a datetime, as ``dateutil.relativedelta`` does."""

    def __init__(self, days: int) -> None:
        self.days = days

    def __radd__(self, other: datetime) -> datetime:
        return other + timedelta(days=self.days)


def test_relativedelta_style_lifetimes_set_the_expiry() -> None:
    app = make_app(JWT_ACCESS_TOKEN_EXPIRES=_Days(2), JWT_REFRESH_TOKEN_EXPIRES=_Days(60))
    with app.app_context():
        access = decode_token(create_access_token("a"))
        refresh = decode_token(create_refresh_token("a"))
        overridden = decode_token(create_access_token("a", expires_delta=_Days(1)))
    assert access["exp"] - access["iat"] == 2 * 86400
    assert refresh["exp"] - refresh["iat"] == 60 * 86400
    assert overridden["exp"] - overridden["iat"] == 86400


def test_additional_claims_headers_audience_and_issuer_are_encoded() -> None:
    app = make_app(JWT_ENCODE_AUDIENCE="api", JWT_DECODE_AUDIENCE="api", JWT_ENCODE_ISSUER="me")
    with app.app_context():
        token = create_access_token(
            "a", additional_claims={"role": "admin"}, additional_headers={"x": "1"}
        )
        claims = decode_token(token)
    assert claims["role"] == "admin"
    assert (claims["aud"], claims["iss"]) == ("api", "me")
    assert pyjwt.get_unverified_header(token)["x"] == "1"


class _Point:
    def __init__(self, x: int, y: int) -> None:
        self.x, self.y = x, y


class _PointProvider(DefaultJSONProvider):
    """An app's own JSON provider, teaching ``jsonify`` one more type."""

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, _Point):
            return [o.x, o.y]
        return DefaultJSONProvider.default(o)


def test_claims_json_lacks_are_written_as_the_apps_jsonify_writes_them(
    app: Hipflask, client: Any
) -> None:
    app.json = _PointProvider(app)
    user_id = uuid.UUID(int=7)

    @app.post("/typed-login")
    def typed_login() -> Any:
        claims = {"since": date(2024, 2, 29), "credit": Decimal("9.99"), "home": _Point(1, 2)}
        return {"token": create_access_token(user_id, additional_claims=claims)}

    token = client.post("/typed-login").json["token"]
    response = client.get("/protected", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json["identity"] == str(user_id)
    claims = response.json["claims"]
    assert claims["since"] == "Thu, 29 Feb 2024 00:00:00 GMT"
    assert (claims["credit"], claims["home"]) == ("9.99", [1, 2])


def test_a_claim_no_json_provider_writes_is_a_type_error() -> None:
    app = make_app()
    with app.app_context(), pytest.raises(TypeError, match="not JSON serializable"):
        create_access_token("a", additional_claims={"x": object()})


def test_wrong_audience_is_refused_with_401() -> None:
    app = make_app(JWT_ENCODE_AUDIENCE="other", JWT_DECODE_AUDIENCE="api")
    with app.app_context():
        token = create_access_token("a")
    with pytest.raises(pyjwt.InvalidAudienceError) as caught:
        claims_of(app, token)
    assert status_of(caught.value) == 401


def test_expired_token_is_refused_unless_allowed() -> None:
    app = make_app()
    with app.app_context():
        token = create_access_token("a", expires_delta=timedelta(seconds=-5))
    with pytest.raises(ExpiredSignatureError) as caught:
        claims_of(app, token)
    assert caught.value.jwt_data["sub"] == "a"
    assert claims_of(app, token, allow_expired=True)["sub"] == "a"


def test_alg_none_is_refused() -> None:
    app = make_app()
    forged = unsigned_token({"sub": "admin", "type": "access", "jti": "x"})
    with pytest.raises(pyjwt.InvalidAlgorithmError, match="algorithm 'none' is not allowed"):
        claims_of(app, forged)


def test_hs256_signed_with_the_public_key_is_refused_by_an_rs256_app() -> None:
    private, public = pem_pair()
    app = make_app(JWT_ALGORITHM="RS256", JWT_PRIVATE_KEY=private)
    claims = {"sub": "admin", "type": "access", "jti": "x"}
    forged = _hmac_token(claims, public)
    with pytest.raises(pyjwt.InvalidAlgorithmError, match="'HS256' is not allowed"):
        claims_of(app, forged)


def _hmac_token(claims: dict[str, Any], key: bytes) -> str:
    import hashlib
    import hmac
    import json

    from .conftest import b64

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    signature = hmac.new(key, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(signature)}"


def test_unlisted_algorithm_is_refused_even_with_the_right_key() -> None:
    app = make_app(JWT_SECRET_KEY="k" * 64)
    token = pyjwt.encode({"sub": "a", "type": "access", "jti": "x"}, "k" * 64, "HS512")
    with pytest.raises(pyjwt.InvalidAlgorithmError, match="'HS512' is not allowed"):
        claims_of(app, token)


def test_token_signed_with_another_key_is_refused() -> None:
    app = make_app()
    other = make_app(SECRET_KEY="another-secret-key-" * 3)
    with other.app_context():
        token = create_access_token("admin")
    with pytest.raises(pyjwt.InvalidSignatureError, match="unknown key"):
        claims_of(app, token)
    no_kid = pyjwt.encode({"sub": "a", "type": "access", "jti": "x"}, "wrong" * 8, "HS256")
    with pytest.raises(pyjwt.InvalidSignatureError, match="Signature verification failed"):
        claims_of(app, no_kid)


def test_tampered_claims_break_the_signature() -> None:
    app = make_app()
    with app.app_context():
        token = create_access_token("alice")
    head, _body, signature = token.split(".")
    forged = unsigned_token({"sub": "admin", "type": "access", "jti": "x"}, alg="HS256")
    tampered = ".".join([head, forged.split(".")[1], signature])
    with pytest.raises(pyjwt.InvalidSignatureError) as caught:
        claims_of(app, tampered)
    assert status_of(caught.value) == 401


@pytest.mark.parametrize("garbage", ["abc", "a.b.c", "....", "eyJhbGciOiJIUzI1NiJ9.!!.x"])
def test_malformed_token_is_a_422(garbage: str) -> None:
    app = make_app()
    with pytest.raises(pyjwt.DecodeError) as caught:
        claims_of(app, garbage)
    assert status_of(caught.value) == 422


def test_token_missing_a_required_claim_is_refused() -> None:
    app = make_app(JWT_SECRET_KEY="k" * 32)
    token = pyjwt.encode({"sub": "a", "jti": "x"}, "k" * 32, "HS256")
    with pytest.raises(pyjwt.MissingRequiredClaimError, match="type"):
        claims_of(app, token)


@pytest.mark.parametrize(
    ("kind", "algorithm"), [("rsa", "PS256"), ("ec", "ES256"), ("ed", "EdDSA")]
)
def test_public_key_algorithms_round_trip_and_old_keys_rotate(kind: str, algorithm: str) -> None:
    old_private, old_public = pem_pair(kind)
    private, _public = pem_pair(kind)
    old = make_app(JWT_ALGORITHM=algorithm, JWT_PRIVATE_KEY=old_private)
    with old.app_context():
        old_token = create_access_token("a")
    new = make_app(
        JWT_ALGORITHM=algorithm, JWT_PRIVATE_KEY=private, JWT_PUBLIC_KEY_FALLBACKS=[old_public]
    )
    with new.app_context():
        assert decode_token(create_access_token("b"))["sub"] == "b"
    assert claims_of(new, old_token)["sub"] == "a"
    retired = make_app(JWT_ALGORITHM=algorithm, JWT_PRIVATE_KEY=private)
    with pytest.raises(pyjwt.InvalidSignatureError, match="unknown key"):
        claims_of(retired, old_token)


def test_key_of_the_wrong_kind_is_a_refusal_not_a_crash() -> None:
    private, _public = pem_pair("ec")
    app = make_app(JWT_ALGORITHM="RS256", JWT_PRIVATE_KEY=pem_pair()[0])
    manager = app.extensions["flask-jwt-extended"]
    manager.decode_key_loader(lambda header, data: private)
    with app.app_context():
        token = create_access_token("a")
    # PyJWT's InvalidKeyError, as Flask-JWT-Extended lets it through (where
    # it is a 500); hipflask answers it as a refused token (see test_jwt_manager).
    with pytest.raises(pyjwt.InvalidKeyError) as caught:
        claims_of(app, token)
    assert status_of(caught.value) == 401
    manager.decode_key_loader(lambda header, data: None)
    with pytest.raises(JWTDecodeError):
        claims_of(app, token)


def test_encode_and_decode_key_loaders_choose_keys_per_token() -> None:
    app = make_app()
    manager = app.extensions["flask-jwt-extended"]
    keys = {"alice": "a" * 32, "bob": "b" * 32}
    manager.encode_key_loader(lambda identity: keys[identity])
    manager.decode_key_loader(lambda header, data: keys[data["sub"]])
    with app.app_context():
        assert decode_token(create_access_token("bob"))["sub"] == "bob"


def test_leeway_accepts_a_token_just_past_expiry() -> None:
    app = make_app(JWT_DECODE_LEEWAY=60)
    with app.app_context():
        token = create_access_token("a", expires_delta=timedelta(seconds=-5))
        assert decode_token(token)["exp"] < time.time()


def test_subject_must_be_a_string_unless_verification_is_off() -> None:
    strict = make_app()
    with strict.app_context():
        token = create_access_token(42)
    with pytest.raises(pyjwt.exceptions.InvalidSubjectError, match="Subject"):
        claims_of(strict, token)
    relaxed = make_app(JWT_VERIFY_SUB=False)
    with relaxed.app_context():
        assert decode_token(create_access_token(42))["sub"] == 42


def test_decode_key_loader_sees_no_claims_when_the_payload_is_garbage() -> None:
    app = make_app()
    seen: list[dict[str, Any]] = []
    manager = app.extensions["flask-jwt-extended"]
    manager.decode_key_loader(lambda header, data: seen.append(data) or "k" * 32)
    garbage = unsigned_token({}, alg="HS256").split(".")[0] + ".bm90LWpzb24.c2ln"
    with pytest.raises(pyjwt.DecodeError):
        claims_of(app, garbage)
    assert seen == [{}]


def test_signed_payload_that_is_not_json_is_a_422() -> None:
    app = make_app(JWT_SECRET_KEY="k" * 32)
    token = pyjwt.PyJWS().encode(b"not json", "k" * 32, algorithm="HS256")
    with pytest.raises(pyjwt.DecodeError) as caught:
        claims_of(app, token)
    assert status_of(caught.value) == 422


def test_decode_token_raises_pyjwts_classes_and_messages() -> None:
    # Flask-JWT-Extended lets PyJWT's errors through: ``except
    # jwt.InvalidSignatureError`` must work, and hipflask's
    # ExpiredSignatureError and the status ride along.
    app = make_app()
    with app.app_context():
        expired = create_access_token("a", expires_delta=timedelta(seconds=-5))
        int_sub = create_access_token(5)
        good = create_access_token("a")
    with pytest.raises(pyjwt.ExpiredSignatureError, match=r"^Signature has expired$") as late:
        claims_of(app, expired)
    assert isinstance(late.value, ExpiredSignatureError)
    assert late.value.jwt_data["sub"] == "a"
    with pytest.raises(
        pyjwt.exceptions.InvalidSubjectError, match="Subject must be a string"
    ) as sub:
        claims_of(app, int_sub)
    assert not isinstance(sub.value, (pyjwt.DecodeError, JWTExtendedException))
    assert status_of(sub.value) == 401
    with pytest.raises(pyjwt.InvalidSignatureError, match="Signature verification failed") as bad:
        claims_of(app, good[:-4] + "AAAA")
    assert not isinstance(bad.value, JWTExtendedException)
    assert status_of(bad.value) == 401
    with pytest.raises(pyjwt.DecodeError, match=r"^Not enough segments$") as garbage:
        claims_of(app, "abc")
    assert not isinstance(garbage.value, JWTDecodeError)
    assert status_of(garbage.value) == 422


def test_missing_claim_keeps_pyjwts_class_and_claim() -> None:
    app = make_app(JWT_SECRET_KEY="k" * 32)
    token = pyjwt.encode({"sub": "a", "jti": "x"}, "k" * 32, "HS256")
    with pytest.raises(pyjwt.MissingRequiredClaimError) as caught:
        claims_of(app, token)
    assert caught.value.claim == "type"
    assert str(caught.value) == 'Token is missing the "type" claim'
    assert not isinstance(caught.value, (pyjwt.DecodeError, JWTDecodeError))


@pytest.mark.parametrize("kind", sorted(REFUSALS))
def test_decode_token_raises_what_flask_jwt_extended_raises(kind: str) -> None:
    # PyJWT's errors pass through Flask-JWT-Extended: a wrong audience is a
    # jwt.InvalidAudienceError and no other PyJWT class (not a
    # jwt.DecodeError), and not the extension's JWTDecodeError, which only a
    # token without its identity claim raises.
    refusal = REFUSALS[kind]
    with (
        refusal_app(kind).app_context(),
        pytest.raises((pyjwt.PyJWTError, JWTExtendedException)) as caught,
    ):
        decode_token(refusal.make_token())
    assert pyjwt_classes_of(caught.value) == refusal.classes
    assert str(caught.value) == refusal.message
    assert isinstance(caught.value, JWTDecodeError) is (kind == NOT_PYJWTS)
    assert isinstance(caught.value, JWTExtendedException) is (kind == NOT_PYJWTS)


def test_null_identity_is_refused_even_without_subject_verification() -> None:
    # Flask-JWT-Extended takes it, and current_user would be looked up for
    # nobody; PyJWT itself refuses a null ``sub`` while JWT_VERIFY_SUB is on.
    app = refusal_app("no identity")
    with app.app_context(), pytest.raises(pyjwt.exceptions.InvalidSubjectError):
        decode_token(hand_token({"sub": None}))
    app.config["JWT_VERIFY_SUB"] = False
    with app.app_context(), pytest.raises(JWTDecodeError, match=r"^Missing claim: sub$"):
        decode_token(hand_token({"sub": None}))
    app.config["JWT_IDENTITY_CLAIM"] = "user"
    with app.app_context(), pytest.raises(JWTDecodeError, match=r"^Missing claim: user$"):
        decode_token(hand_token())


def test_an_expired_token_is_refused_as_expired_whatever_claims_it_lacks() -> None:
    # PyJWT's checks come first, as in Flask-JWT-Extended, which does not
    # require ``type`` and ``jti`` at all.
    app = refusal_app("expired")
    late = hand_token({"exp": int(time.time()) - 10}, drop="jti")
    with app.app_context(), pytest.raises(ExpiredSignatureError):
        decode_token(late)
    with app.app_context(), pytest.raises(pyjwt.MissingRequiredClaimError, match="jti"):
        decode_token(late, allow_expired=True)
