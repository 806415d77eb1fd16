"""Tokens of an identity provider, verified by an app that holds only its public key.

Such tokens (Auth0, Cognito, Keycloak...) carry no ``type`` and often no
``jti``. Flask-JWT-Extended reads them as access tokens that cannot be
revoked one by one; hipflask does too, but only where the app cannot sign
tokens itself, so none of its own tokens can lack the claims.
"""

from __future__ import annotations

import time
from typing import Any

import jwt as pyjwt
import pytest
from tests.jwt.conftest import bearer
from tests.jwt.conftest import build_app
from tests.jwt.conftest import pem_pair

from hipflask import Hipflask
from hipflask import jsonify
from hipflask.jwt import create_access_token
from hipflask.jwt import decode_token
from hipflask.jwt import get_jwt
from hipflask.jwt import get_jwt_identity
from hipflask.jwt import jwt_required
from hipflask.jwt.blocklist import is_revoked_flow
from hipflask.jwt.blocklist import mark_used_flow
from hipflask.jwt.blocklist import revoke_flow
from hipflask.jwt.blocklist import run
from hipflask.jwt.config import JWTSetupError
from hipflask.stores import MemoryStore

ISSUER = "https://id.example.com/"
AUDIENCE = "https://api.example.com"
PRIVATE, PUBLIC = pem_pair("rsa")


def provider_token(**claims: Any) -> str:
    now = int(time.time())
    payload = {"sub": "auth0|42", "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 600}
    payload.update(claims)
    return pyjwt.encode(payload, PRIVATE, "RS256")


def verifying_app(**config: Any) -> Hipflask:
    return build_app(
        JWT_ALGORITHM="RS256",
        JWT_PUBLIC_KEY=PUBLIC,
        JWT_DECODE_ISSUER=ISSUER,
        JWT_DECODE_AUDIENCE=AUDIENCE,
        **config,
    )


def test_a_provider_s_token_is_an_access_token_that_cannot_be_revoked_alone(
    protocol: str,
) -> None:
    client: Any = verifying_app().test_client(protocol=protocol)
    token = provider_token()
    answer = client.get("/protected", headers=bearer(token))
    assert answer.status_code == 200
    claims = answer.get_json()["claims"]
    assert answer.get_json()["identity"] == "auth0|42"
    assert (claims["type"], claims["fresh"], claims["jti"]) == ("access", False, None)
    # Not a refresh token, and not fresh.
    assert client.post("/refresh", headers=bearer(token)).status_code in (401, 422)
    assert client.get("/fresh", headers=bearer(token)).status_code == 401
    # Revoking it one by one would revoke every token without a jti: refused
    # loudly, and the next user's token still works.
    with pytest.raises(ValueError, match="jti"):
        client.delete("/logout", headers=bearer(token))
    assert client.get("/protected", headers=bearer(provider_token(sub="other"))).status_code == 200


def test_a_provider_s_claims_are_kept_where_it_sends_them(protocol: str) -> None:
    app = verifying_app()

    @app.post("/renew")
    @jwt_required(refresh=True)
    def renew() -> Any:
        return jsonify(identity=get_jwt_identity(), jti=get_jwt()["jti"])

    client: Any = app.test_client(protocol=protocol)
    token = provider_token(type="refresh", jti="abc")
    assert client.get("/protected", headers=bearer(token)).status_code in (401, 422)
    assert client.post("/renew", headers=bearer(token)).get_json() == {
        "identity": "auth0|42",
        "jti": "abc",
    }


def test_an_app_that_signs_tokens_still_refuses_them_without_type_and_jti(protocol: str) -> None:
    # Its own tokens always carry both: one without them is not its own, and
    # an access/refresh mix-up must stay impossible.
    for app in (
        build_app(JWT_ALGORITHM="RS256", JWT_PRIVATE_KEY=PRIVATE, JWT_PUBLIC_KEY=PUBLIC),
        build_app(JWT_SECRET_KEY="k" * 32),
    ):
        app.config.update(JWT_DECODE_ISSUER=ISSUER, JWT_DECODE_AUDIENCE=AUDIENCE)
        client: Any = app.test_client(protocol=protocol)
        key = PRIVATE if app.config.get("JWT_PRIVATE_KEY") else "k" * 32
        algorithm = "RS256" if app.config.get("JWT_PRIVATE_KEY") else "HS256"
        now = int(time.time())
        token = pyjwt.encode(
            {"sub": "a", "iss": ISSUER, "aud": AUDIENCE, "exp": now + 60}, key, algorithm
        )
        answer = client.get("/protected", headers=bearer(token))
        assert answer.status_code == 401
        assert "type" in answer.get_json()["msg"]


def test_an_app_with_an_encode_key_loader_signs_tokens_too() -> None:
    app = verifying_app()
    app.extensions["test_jwt"].encode_key_loader(lambda identity: PRIVATE)
    with app.app_context(), pytest.raises(pyjwt.MissingRequiredClaimError, match="type"):
        decode_token(provider_token())


def test_the_blocklist_never_keys_on_a_missing_jti() -> None:
    store = MemoryStore()
    foreign = {"sub": "a", "type": "refresh", "jti": None, "exp": time.time() + 60}
    with pytest.raises(ValueError, match="jti"):
        run(store, revoke_flow(foreign))
    run(store, mark_used_flow(foreign))
    assert run(store, is_revoked_flow(foreign, None)) is False
    assert store.get("jti:None") is None
    assert store.get("used:None") is None


def loader_app(**config: Any) -> Hipflask:
    """Keys from the loaders only (a JWKS fetched at run time), as the extension's docs show."""
    app = build_app(JWT_ALGORITHM="RS256", **config)
    app.extensions["test_jwt"].decode_key_loader(lambda header, payload: PUBLIC)
    return app


def test_a_decode_key_loader_alone_verifies_a_provider_s_tokens(protocol: str) -> None:
    # No JWT_PUBLIC_KEY: the loader gives the key (Flask-JWT-Extended needs
    # neither key setting then).
    client: Any = loader_app(JWT_DECODE_ISSUER=ISSUER, JWT_DECODE_AUDIENCE=AUDIENCE).test_client(
        protocol=protocol
    )
    answer = client.get("/protected", headers=bearer(provider_token()))
    assert answer.status_code == 200
    assert answer.get_json()["claims"]["type"] == "access"
    forged = pyjwt.encode({"sub": "x", "iss": ISSUER, "aud": AUDIENCE}, pem_pair("rsa")[0], "RS256")
    assert client.get("/protected", headers=bearer(forged)).status_code == 401


def test_an_app_with_only_a_decode_key_loader_cannot_sign() -> None:
    app = loader_app()
    with app.app_context(), pytest.raises(JWTSetupError, match="sign"):
        create_access_token("a")


def test_an_encode_key_loader_signs_without_a_private_key_setting(protocol: str) -> None:
    app = loader_app()
    app.extensions["test_jwt"].encode_key_loader(lambda identity: PRIVATE)
    client: Any = app.test_client(protocol=protocol)
    tokens = client.post("/login").get_json()
    answer = client.get("/protected", headers=bearer(tokens["access_token"]))
    assert answer.status_code == 200
    # It signs, so tokens without type and jti are not taken.
    assert client.get("/protected", headers=bearer(provider_token(aud=None))).status_code == 401


def test_without_any_key_or_loader_the_setup_error_stands() -> None:
    app = build_app(JWT_ALGORITHM="RS256")
    with app.app_context(), pytest.raises(JWTSetupError, match="key pair"):
        decode_token(provider_token())
