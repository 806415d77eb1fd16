"""The tutorial flows and each refusal of ``jwt_required``, under both protocols."""

from __future__ import annotations

import hashlib
import hmac
import time
import warnings
from datetime import timedelta
from typing import Any

import jwt as pyjwt
import pytest

from hipflask import Hipflask
from hipflask import jsonify
from hipflask.errors import ConfigurationError
from hipflask.jwt import create_access_token
from hipflask.jwt import create_refresh_token
from hipflask.jwt import current_user
from hipflask.jwt import get_jwt
from hipflask.jwt import jwt_required
from hipflask.jwt import keys as jwt_keys
from hipflask.jwt import verify_jwt_in_request
from hipflask.jwt.exceptions import UserLookupError

from .conftest import REFUSALS
from .conftest import bearer
from .conftest import build_app
from .conftest import refusal_app


def login(client: Any, name: str = "alice") -> dict[str, str]:
    tokens: dict[str, str] = client.post("/login", json={"username": name}).json
    return tokens


def test_access_token_opens_sync_and_async_views(client: Any) -> None:
    tokens = login(client)
    assert client.get("/protected", headers=bearer(tokens["access_token"])).json["identity"] == (
        "alice"
    )
    assert client.get("/async-protected", headers=bearer(tokens["access_token"])).json == {
        "identity": "alice"
    }


def test_refresh_token_is_refused_where_an_access_token_is_needed(client: Any) -> None:
    tokens = login(client)
    response = client.get("/protected", headers=bearer(tokens["refresh_token"]))
    assert response.status_code == 401
    assert response.json == {"msg": "Only non-refresh tokens are allowed"}
    response = client.post("/refresh", headers=bearer(tokens["access_token"]))
    assert response.json == {"msg": "Only refresh tokens are allowed"}


def test_optional_view_runs_without_a_token_but_not_with_a_bad_one(client: Any) -> None:
    assert client.get("/optional").json == {"identity": None}
    assert client.get("/optional", headers=bearer("x.y.z")).status_code == 422
    token = login(client)["access_token"]
    assert client.get("/optional", headers=bearer(token)).json == {"identity": "alice"}


def test_fresh_view_needs_a_fresh_token(client: Any) -> None:
    tokens = login(client)
    assert client.get("/fresh", headers=bearer(tokens["access_token"])).status_code == 200
    refreshed = client.post("/refresh-access-only", headers=bearer(tokens["refresh_token"]))
    stale = refreshed.json["access_token"]
    response = client.get("/fresh", headers=bearer(stale))
    assert response.status_code == 401
    assert response.json == {"msg": "Fresh token required"}


def test_expired_token_is_a_401_with_its_message(client: Any, app: Hipflask) -> None:
    with app.test_request_context():
        token = create_access_token("a", expires_delta=timedelta(seconds=-1))
    response = client.get("/protected", headers=bearer(token))
    assert response.status_code == 401
    assert response.json == {"msg": "Token has expired"}


def test_refresh_without_rotation_keeps_the_refresh_token_reusable(client: Any) -> None:
    refresh = login(client)["refresh_token"]
    for _ in range(3):
        response = client.post("/refresh-access-only", headers=bearer(refresh))
        assert response.status_code == 200


def test_async_refresh_view_checks_the_store_too(client: Any) -> None:
    tokens = login(client)
    assert client.post("/async-refresh", headers=bearer(tokens["refresh_token"])).status_code == (
        200
    )
    client.delete("/logout?everywhere=1", headers=bearer(tokens["access_token"]))
    response = client.post("/async-refresh", headers=bearer(tokens["refresh_token"]))
    assert response.json == {"msg": "Token has been revoked"}


def test_rotated_refresh_token_replayed_revokes_the_family(client: Any) -> None:
    first = login(client)
    second = client.post("/refresh", headers=bearer(first["refresh_token"])).json
    assert client.get("/protected", headers=bearer(second["access_token"])).status_code == 200
    replay = client.post("/refresh", headers=bearer(first["refresh_token"]))
    assert replay.status_code == 401
    assert replay.json == {"msg": "Token has been revoked"}
    for token in (second["refresh_token"],):
        assert client.post("/refresh", headers=bearer(token)).status_code == 401
    assert client.get("/protected", headers=bearer(second["access_token"])).status_code == 401
    other = login(client, "bob")
    assert client.get("/protected", headers=bearer(other["access_token"])).status_code == 200


def test_logout_revokes_one_token_or_the_whole_login(client: Any) -> None:
    tokens = login(client)
    assert client.delete("/logout", headers=bearer(tokens["access_token"])).status_code == 200
    assert client.get("/protected", headers=bearer(tokens["access_token"])).json == {
        "msg": "Token has been revoked"
    }
    assert client.post("/refresh", headers=bearer(tokens["refresh_token"])).status_code == 200


def test_options_requests_pass_without_a_token(client: Any) -> None:
    assert client.options("/protected").status_code == 200


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_verify_type_false_accepts_either_kind(protocol: str) -> None:
    app = build_app()

    @app.get("/any")
    @jwt_required(verify_type=False)
    def any_token() -> Any:
        return jsonify(kind=get_jwt()["type"])

    client = app.test_client(protocol=protocol)
    tokens = login(client)
    assert client.get("/any", headers=bearer(tokens["refresh_token"])).json == {"kind": "refresh"}


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_skip_revocation_check_and_blocklist_off(protocol: str) -> None:
    app = build_app(JWT_BLOCKLIST_STORE=None)

    @app.get("/unchecked")
    @jwt_required(skip_revocation_check=True)
    def unchecked() -> Any:
        return jsonify(ok=True)

    client = app.test_client(protocol=protocol)
    tokens = login(client)
    assert client.get("/unchecked", headers=bearer(tokens["access_token"])).json == {"ok": True}
    assert client.post("/refresh", headers=bearer(tokens["refresh_token"])).status_code == 200
    assert client.get("/async-protected", headers=bearer(tokens["access_token"])).status_code == (
        200
    )


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_skip_revocation_check_skips_the_apps_blocklist_loader_too(protocol: str) -> None:
    # Flask-JWT-Extended skips token_in_blocklist_loader with the flag; only
    # checking the built-in blocklist would still refuse the view's tokens.
    app = build_app()
    manager = app.extensions["test_jwt"]
    manager.token_in_blocklist_loader(lambda header, data: True)

    @app.get("/unchecked")
    @jwt_required(skip_revocation_check=True)
    def unchecked() -> Any:
        return jsonify(ok=True)

    @app.get("/unchecked-async")
    @jwt_required(skip_revocation_check=True)
    async def unchecked_async() -> Any:
        return jsonify(ok=True)

    @app.get("/verified-by-hand")
    def verified_by_hand() -> Any:
        verify_jwt_in_request(skip_revocation_check=True)
        return jsonify(ok=True)

    client = app.test_client(protocol=protocol)
    headers = bearer(login(client)["access_token"])
    for path in ("/unchecked", "/unchecked-async", "/verified-by-hand"):
        assert client.get(path, headers=headers).json == {"ok": True}
    assert client.get("/protected", headers=headers).json == {"msg": "Token has been revoked"}


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_loaders_for_blocklist_claims_and_users(protocol: str) -> None:
    app = build_app()
    manager = app.extensions["test_jwt"]
    users = {"alice": {"name": "Alice"}}
    manager.token_in_blocklist_loader(lambda header, data: data["sub"] == "mallory")
    manager.token_verification_loader(lambda header, data: data["sub"] != "eve")
    manager.user_lookup_loader(lambda header, data: users.get(data["sub"]))

    @app.get("/me")
    @jwt_required()
    def me() -> Any:
        return jsonify(name=current_user["name"])

    client = app.test_client(protocol=protocol)

    def get(name: str) -> Any:
        return client.get("/me", headers=bearer(login(client, name)["access_token"]))

    assert get("alice").json == {"name": "Alice"}
    assert get("mallory").json == {"msg": "Token has been revoked"}
    eve = get("eve")
    assert (eve.status_code, eve.json) == (400, {"msg": "User claims verification failed"})
    bob = get("bob")
    assert (bob.status_code, bob.json) == (401, {"msg": "Error loading the user bob"})


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_user_lookup_error_carries_the_extensions_message(protocol: str) -> None:
    # The loader's default answer says "Error loading the user"; the
    # exception itself, which an app's own handler reads, says what happened.
    app = build_app()
    app.extensions["test_jwt"].user_lookup_loader(lambda header, data: None)

    @app.errorhandler(UserLookupError)
    def lookup_failed(error: UserLookupError) -> Any:
        return jsonify(error=str(error), sub=error.jwt_data["sub"]), 401

    @app.get("/me")
    @jwt_required()
    def me() -> Any:
        return jsonify(name=current_user)

    client = app.test_client(protocol=protocol)
    refused = client.get("/me", headers=bearer(login(client, "bob")["access_token"]))
    assert refused.json == {"error": "user_lookup returned None for bob", "sub": "bob"}


def test_verify_jwt_in_request_in_a_before_request_hook(app: Hipflask) -> None:
    @app.before_request
    def everything_needs_a_token() -> None:
        verify_jwt_in_request(optional=True)

    client = app.test_client()
    assert client.get("/optional").json == {"identity": None}
    assert client.get("/optional", headers=bearer("garbage")).status_code == 422


def test_refresh_token_made_outside_a_refresh_view_rotates_nothing(app: Hipflask) -> None:
    with app.test_request_context():
        assert create_refresh_token("a")


def test_options_request_is_exempt_when_verified_by_hand(app: Hipflask) -> None:
    with app.test_request_context(method="OPTIONS"):
        assert verify_jwt_in_request() is None


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_async_optional_view_without_a_token(protocol: str) -> None:
    app = build_app()

    @app.get("/maybe")
    @jwt_required(optional=True)
    async def maybe() -> Any:
        return jsonify(claims=get_jwt())

    assert app.test_client(protocol=protocol).get("/maybe").json == {"claims": {}}


def test_async_view_revokes_through_the_async_driver(client: Any) -> None:
    tokens = login(client)
    assert client.delete("/async-logout", headers=bearer(tokens["access_token"])).status_code == 200
    assert client.get("/protected", headers=bearer(tokens["access_token"])).status_code == 401
    assert client.post("/refresh", headers=bearer(tokens["refresh_token"])).status_code == 401


@pytest.mark.parametrize(
    "header",
    [{"alg": "HS256", "kid": 5}, {"alg": "HS256", "crit": ["exp"]}, {"alg": "HS256", "kid": None}],
)
def test_crafted_jose_header_is_a_422_not_a_500(client: Any, header: dict[str, Any]) -> None:
    # Hand-written by an attacker: no valid signature is needed to reach
    # the header checks, so they must answer as for any malformed token.
    import json

    from .conftest import b64

    token = ".".join([b64(json.dumps(header).encode()), b64(b'{"sub": "x"}'), "AAAA"])
    response = client.get("/protected", headers=bearer(token))
    assert response.status_code == 422
    assert response.json["msg"]
    client.set_cookie("access_token_cookie", token)
    assert client.get("/protected").status_code == 422


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
@pytest.mark.parametrize("kind", sorted(REFUSALS))
def test_except_decode_error_in_a_view_catches_what_it_does_with_the_extension(
    protocol: str, kind: str
) -> None:
    # A view written for Flask-JWT-Extended that handles unreadable tokens
    # itself: a wrong audience, a token not yet valid or without its
    # identity are no jwt.DecodeError there, and must reach the manager.
    refusal = REFUSALS[kind]
    app = refusal_app(kind)

    @app.get("/guarded")
    def guarded() -> Any:
        try:
            verify_jwt_in_request()
        except pyjwt.DecodeError as error:
            return jsonify(caught=str(error))
        return jsonify(caught=None)

    response = app.test_client(protocol=protocol).get(
        "/guarded", headers=bearer(refusal.make_token())
    )
    if pyjwt.DecodeError in refusal.classes:
        assert (response.status_code, response.json) == (200, {"caught": refusal.message})
    else:
        msg = "Token has expired" if kind == "expired" else refusal.message
        assert (response.status_code, response.json) == (refusal.status, {"msg": msg})


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
@pytest.mark.parametrize("setting", ["SECRET_KEY_FALLBACKS", "JWT_SECRET_KEY_FALLBACKS"])
def test_fallback_keys_written_as_one_string_never_let_a_forged_token_in(
    protocol: str, setting: str
) -> None:
    # A string where a list belongs (an environment variable read as it is)
    # was taken a character at a time, each character a key that verifies:
    # a token signed with "p" was anyone's. The setting is refused instead.
    extra = {"JWT_SECRET_KEY": "j" * 48} if setting.startswith("JWT") else {}
    app = build_app(**extra, **{setting: "previous-secret-0123456789abcdefghijklmn"})
    now = int(time.time())
    claims = {"sub": "admin", "type": "access", "jti": "x", "iat": now, "exp": now + 600}
    key = b"p" if extra else hmac.new(b"p", jwt_keys._PURPOSE, hashlib.sha256).digest()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyJWT warns of a one-byte key: that is the point
        forged = pyjwt.encode(claims, key, algorithm="HS256")
    client: Any = app.test_client(protocol=protocol)
    with pytest.raises(ConfigurationError, match=f"{setting} is a single string"):
        client.get("/protected", headers={"Authorization": f"Bearer {forged}"})
