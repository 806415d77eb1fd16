"""An API with JWT login, refresh, cookies and revocation, for the jwt tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

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
