"""An API with JWT login, refresh, cookies and revocation, for the jwt tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from typing import NamedTuple

import pytest
from tests.conftest import SECRET
from tests.store_backends import store_url  # noqa: F401  (a fixture for the tests here)

from hipflask import Hipflask
from hipflask import jsonify
from hipflask import request
from hipflask.jwt import JWTManager
from hipflask.jwt import create_access_token
from hipflask.jwt import create_refresh_token
from hipflask.jwt import get_jwt
from hipflask.jwt import get_jwt_identity
from hipflask.jwt import jwt_required
from hipflask.jwt import revoke_token
from hipflask.jwt import set_access_cookies
from hipflask.jwt import set_refresh_cookies
from hipflask.jwt import unset_jwt_cookies


def build_app(**config: Any) -> Hipflask:
    """The test API; ``config`` is applied before the manager reads it."""
    app = Hipflask("jwt_tests")
    app.config.update({"TESTING": True, "SECRET_KEY": SECRET, **config})
    app.extensions["test_jwt"] = JWTManager(app)
    _token_routes(app)
    _cookie_routes(app)
    return app


def _token_routes(app: Hipflask) -> None:

    @app.post("/login")
    def login() -> Any:
        name = (request.get_json(silent=True) or {}).get("username", "alice")
        return jsonify(
            access_token=create_access_token(name, fresh=True),
            refresh_token=create_refresh_token(name),
        )

    @app.get("/protected")
    @jwt_required()
    def protected() -> Any:
        return jsonify(identity=get_jwt_identity(), claims=get_jwt())

    @app.get("/async-protected")
    @jwt_required()
    async def async_protected() -> Any:
        return jsonify(identity=get_jwt_identity())

    @app.get("/optional")
    @jwt_required(optional=True)
    def optional() -> Any:
        return jsonify(identity=get_jwt_identity())

    @app.get("/fresh")
    @jwt_required(fresh=True)
    def fresh() -> Any:
        return jsonify(identity=get_jwt_identity())

    @app.post("/refresh")
    @jwt_required(refresh=True)
    def refresh() -> Any:
        identity = get_jwt_identity()
        return jsonify(
            access_token=create_access_token(identity),
            refresh_token=create_refresh_token(identity),
        )

    @app.post("/async-refresh")
    @jwt_required(refresh=True)
    async def async_refresh() -> Any:
        return jsonify(access_token=create_access_token(get_jwt_identity()))

    @app.post("/refresh-access-only")
    @jwt_required(refresh=True)
    def refresh_access_only() -> Any:
        return jsonify(access_token=create_access_token(get_jwt_identity()))

    @app.delete("/logout")
    @jwt_required()
    def logout() -> Any:
        revoke_token(family=request.args.get("everywhere") == "1")
        return jsonify(msg="revoked")

    @app.delete("/async-logout")
    @jwt_required()
    async def async_logout() -> Any:
        revoke_token(family=True)
        return jsonify(msg="revoked")


def _cookie_routes(app: Hipflask) -> None:
    @app.post("/cookie-login")
    def cookie_login() -> Any:
        response = jsonify(msg="ok")
        set_access_cookies(response, create_access_token("carol"))
        set_refresh_cookies(response, create_refresh_token("carol"))
        return response

    @app.post("/cookie-logout")
    def cookie_logout() -> Any:
        response = jsonify(msg="bye")
        unset_jwt_cookies(response)
        return response

    @app.route("/cookie-protected", methods=["GET", "POST"])
    @jwt_required(locations=["cookies"])
    def cookie_protected() -> Any:
        return jsonify(identity=get_jwt_identity())


@pytest.fixture
def app() -> Hipflask:
    return build_app(
        JWT_TOKEN_LOCATION=["headers", "cookies"], JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=5)
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def pem_pair(kind: str = "rsa") -> tuple[bytes, bytes]:
    """A fresh (private PEM, public PEM) pair: ``rsa``, ``ec`` or ``ed25519``."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from cryptography.hazmat.primitives.asymmetric import rsa

    key: Any
    if kind == "rsa":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    elif kind == "ec":
        key = ec.generate_private_key(ec.SECP256R1())
    else:
        key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


def b64(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned_token(claims: dict[str, Any], alg: str = "none") -> str:
    """An ``alg: none`` token, as an attacker writes it by hand."""
    import json

    header = b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    return f"{header}.{b64(json.dumps(claims).encode())}."


# -- the refusals Flask-JWT-Extended lets through from PyJWT ---------------------

#: Signs the tokens written by hand below, as another service (or a test
#: suite ported from Flask-JWT-Extended) would write them.
HAND_KEY = "hand-written-tokens-" * 4


def hand_token(
    claims: dict[str, Any] | None = None, *, drop: str = "", algorithm: str = "HS256"
) -> str:
    """A token with the claims hipflask needs, changed by ``claims``, without ``drop``."""
    import time

    import jwt as pyjwt

    payload = {"sub": "alice", "type": "access", "jti": "j1", "iat": int(time.time())}
    payload.update(claims or {})
    payload.pop(drop, None)
    return pyjwt.encode(payload, HAND_KEY, algorithm=algorithm)


def _signed_header(header: dict[str, Any]) -> str:
    import hashlib
    import hmac
    import json

    head = b64(json.dumps(header).encode())
    body = b64(json.dumps({"sub": "alice", "type": "access", "jti": "j1"}).encode())
    signature = hmac.new(HAND_KEY.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(signature)}"


class Refusal(NamedTuple):
    """A token Flask-JWT-Extended refuses, and how.

    Observed with Flask-JWT-Extended 4.7.4 and PyJWT 2.15: ``classes`` are
    all the ``jwt.exceptions`` classes its error is an instance of, in
    ``decode_token``, ``verify_jwt_in_request`` and the app's error handlers
    alike, and ``message`` the ``str()`` its ``invalid_token_loader`` gets.
    ``status`` is hipflask's default answer: Flask-JWT-Extended answers 422
    for every one but the expired token (authentication.rst says why).
    """

    make_token: Callable[[], str]
    classes: frozenset[type[Exception]]
    message: str
    status: int = 401
    config: tuple[tuple[str, Any], ...] = ()


def _pyjwt(*names: str) -> frozenset[type[Exception]]:
    import jwt as pyjwt

    return frozenset(getattr(pyjwt.exceptions, name) for name in (*names, "PyJWTError"))


def _in_seconds(delta: int) -> int:
    import time

    return int(time.time()) + delta


REFUSALS: dict[str, Refusal] = {
    "expired": Refusal(
        lambda: hand_token({"exp": _in_seconds(-10)}),
        _pyjwt("ExpiredSignatureError", "InvalidTokenError"),
        "Signature has expired",
    ),
    "bad signature": Refusal(
        lambda: hand_token()[:-4] + "AAAA",
        _pyjwt("InvalidSignatureError", "DecodeError", "InvalidTokenError"),
        "Signature verification failed",
    ),
    "not a token": Refusal(
        lambda: "abc", _pyjwt("DecodeError", "InvalidTokenError"), "Not enough segments", 422
    ),
    "exp not a number": Refusal(
        lambda: hand_token({"exp": "soon"}),
        _pyjwt("DecodeError", "InvalidTokenError"),
        "Expiration Time claim (exp) must be an integer.",
        422,
    ),
    "wrong audience": Refusal(
        lambda: hand_token({"aud": "other"}),
        _pyjwt("InvalidAudienceError", "InvalidTokenError"),
        "Audience doesn't match",
        config=(("JWT_DECODE_AUDIENCE", "api"),),
    ),
    "no audience": Refusal(
        hand_token,
        _pyjwt("MissingRequiredClaimError", "InvalidTokenError"),
        'Token is missing the "aud" claim',
        config=(("JWT_DECODE_AUDIENCE", "api"),),
    ),
    "wrong issuer": Refusal(
        lambda: hand_token({"iss": "elsewhere"}),
        _pyjwt("InvalidIssuerError", "InvalidTokenError"),
        "Invalid issuer",
        config=(("JWT_DECODE_ISSUER", "me"),),
    ),
    "no issuer": Refusal(
        hand_token,
        _pyjwt("MissingRequiredClaimError", "InvalidTokenError"),
        'Token is missing the "iss" claim',
        config=(("JWT_DECODE_ISSUER", "me"),),
    ),
    "not yet valid": Refusal(
        lambda: hand_token({"nbf": _in_seconds(3600)}),
        _pyjwt("ImmatureSignatureError", "InvalidTokenError"),
        "The token is not yet valid (nbf)",
    ),
    "issued in the future": Refusal(
        lambda: hand_token({"iat": _in_seconds(3600)}),
        _pyjwt("ImmatureSignatureError", "InvalidTokenError"),
        "The token is not yet valid (iat)",
    ),
    "iat not a number": Refusal(
        lambda: hand_token({"iat": "yesterday"}),
        _pyjwt("InvalidIssuedAtError", "InvalidTokenError"),
        "Issued At claim (iat) must be an integer.",
    ),
    "sub not a string": Refusal(
        lambda: hand_token({"sub": 42}),
        _pyjwt("InvalidSubjectError", "InvalidTokenError"),
        "Subject must be a string",
    ),
    "jti not a string": Refusal(
        lambda: hand_token({"jti": 42}),
        _pyjwt("InvalidJTIError", "InvalidTokenError"),
        "JWT ID must be a string",
    ),
    "kid not a string": Refusal(
        lambda: _signed_header({"alg": "HS256", "typ": "JWT", "kid": 5}),
        _pyjwt("InvalidTokenError"),
        "Key ID header parameter must be a string",
        422,
    ),
    # Flask-JWT-Extended's message is PyJWT's "The specified alg value is not
    # allowed"; hipflask names the algorithm (authentication.rst).
    "alg none": Refusal(
        lambda: unsigned_token({"sub": "alice", "type": "access", "jti": "j1"}),
        _pyjwt("InvalidAlgorithmError", "InvalidTokenError"),
        "The token's algorithm 'none' is not allowed",
    ),
    # Not PyJWT's: the extension's JWTDecodeError (see NOT_PYJWTS).
    "no identity": Refusal(lambda: hand_token(drop="sub"), frozenset(), "Missing claim: sub"),
}

#: The refusal that is the extension's own class rather than one of PyJWT's.
NOT_PYJWTS = "no identity"


def refusal_app(kind: str) -> Hipflask:
    """The test API, set up to verify hand-written tokens and refuse ``kind``'s way."""
    return build_app(JWT_SECRET_KEY=HAND_KEY, **dict(REFUSALS[kind].config))


def pyjwt_classes_of(error: BaseException) -> frozenset[type[Exception]]:
    """Every class of ``jwt.exceptions`` that ``error`` is an instance of."""
    import jwt as pyjwt

    return frozenset(
        cls
        for cls in vars(pyjwt.exceptions).values()
        if isinstance(cls, type) and issubclass(cls, Exception) and isinstance(error, cls)
    )
