"""Forged, tampered and replayed tokens sent over real HTTP to real servers.

Each refusal must be a JSON 401 (422 for something that is not a JWT at
all) with a clear message, never a 500 and never the protected data.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from hipflask.jwt import keys as jwt_keys
from hipflask.testing.servers import LOOPBACK
from hipflask.testing.servers import ServerProcess
from hipflask.testing.servers import install_command
from hipflask.testing.servers import is_installed
from hipflask.testing.servers import serve

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent
TIMEOUT = 20.0


def boot(name: str, env: dict[str, str]) -> ServerProcess:
    if not is_installed(name):
        message = f"{name} is not installed; run: {install_command(name)}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return serve("jwtapp:app", server=name, app_dir=HERE, env=env, start_timeout=TIMEOUT)


def call(
    server: ServerProcess,
    method: str,
    path: str,
    token: str | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any, dict[str, str]]:
    connection = http.client.HTTPConnection(LOOPBACK, server.port, timeout=TIMEOUT)
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    try:
        connection.request(method, path, body=data, headers=sent)
        response = connection.getresponse()
        raw = response.read()
        found = {k.lower(): v for k, v in response.getheaders()}
        found["set-cookie"] = "\n".join(response.headers.get_all("Set-Cookie") or [])
    finally:
        connection.close()
    parsed = json.loads(raw) if found.get("content-type") == "application/json" else raw
    return response.status, parsed, found


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hand_made(header: dict[str, Any], claims: dict[str, Any], key: bytes | None) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = b""
    if key is not None:
        signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def admin_claims() -> dict[str, Any]:
    now = int(time.time())
    return {"sub": "admin", "type": "access", "jti": "forged", "iat": now, "exp": now + 600}


@pytest.fixture(scope="module", params=["gunicorn", "uvicorn"])
def hs_server(request: pytest.FixtureRequest) -> Iterator[ServerProcess]:
    with boot(request.param, {}) as server:
        yield server


@pytest.fixture(scope="module")
def rs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, bytes]]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    folder = tmp_path_factory.mktemp("rs")
    private = folder / "private.pem"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    env = {"JWTAPP_ALGORITHM": "RS256", "JWTAPP_PRIVATE_KEY_FILE": str(private)}
    with boot("uvicorn", env) as server:
        yield server, public


def assert_refused(reply: tuple[int, Any, dict[str, str]], status: int = 401) -> str:
    code, body, headers = reply
    assert code == status, body
    assert headers["content-type"] == "application/json"
    assert "identity" not in body
    message: str = body["msg"]
    return message


def login(server: ServerProcess, name: str = "alice") -> dict[str, str]:
    code, body, _ = call(server, "POST", "/login", body={"username": name})
    assert code == 200
    tokens: dict[str, str] = body
    return tokens


def test_genuine_token_works_on_sync_and_async_views(hs_server: ServerProcess) -> None:
    tokens = login(hs_server)
    assert call(hs_server, "GET", "/me", tokens["access_token"])[1] == {"identity": "alice"}
    assert call(hs_server, "GET", "/async-me", tokens["access_token"])[1] == {"identity": "alice"}


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_alg_none_token_is_refused(hs_server: ServerProcess, alg: str) -> None:
    forged = hand_made({"alg": alg, "typ": "JWT"}, admin_claims(), None)
    assert "not allowed" in assert_refused(call(hs_server, "GET", "/me", forged))


def test_token_signed_with_a_guessed_secret_is_refused(hs_server: ServerProcess) -> None:
    for secret in (b"secret", b"jwtapp-secret-key-that-is-long-enough-42"):
        forged = hand_made({"alg": "HS256", "typ": "JWT"}, admin_claims(), secret)
        assert assert_refused(call(hs_server, "GET", "/me", forged)) == (
            "Signature verification failed"
        )


def test_tampered_claims_are_refused(hs_server: ServerProcess) -> None:
    token = login(hs_server)["access_token"]
    head, body, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["sub"] = "admin"
    tampered = f"{head}.{b64(json.dumps(claims).encode())}.{signature}"
    assert assert_refused(call(hs_server, "GET", "/me", tampered)) == (
        "Signature verification failed"
    )


def test_forged_kid_and_unlisted_algorithm_are_refused(hs_server: ServerProcess) -> None:
    token = login(hs_server)["access_token"]
    header = pyjwt.get_unverified_header(token)
    forged = pyjwt.encode(admin_claims(), "x" * 64, "HS512", headers={"kid": header["kid"]})
    assert "'HS512' is not allowed" in assert_refused(call(hs_server, "GET", "/me", forged))
    unknown = pyjwt.encode(admin_claims(), "x" * 32, "HS256", headers={"kid": "../../etc"})
    assert "unknown key" in assert_refused(call(hs_server, "GET", "/me", unknown))


def test_expired_and_wrong_type_tokens_are_refused(hs_server: ServerProcess) -> None:
    tokens = login(hs_server)
    assert assert_refused(call(hs_server, "GET", "/me", tokens["refresh_token"])) == (
        "Only non-refresh tokens are allowed"
    )
    assert assert_refused(call(hs_server, "POST", "/refresh", tokens["access_token"])) == (
        "Only refresh tokens are allowed"
    )


@pytest.mark.parametrize(
    "value",
    [
        "Bearer",
        "Bearer a.b",
        "Bearer ....",
        "Bearer \u00e9t\u00e9",
        "Basic Zm9v",
        "Bearer " + "a" * 5000,
    ],
)
def test_garbage_is_a_clear_4xx_never_a_500(hs_server: ServerProcess, value: str) -> None:
    code, body, headers = call(hs_server, "GET", "/me", headers={"Authorization": value})
    assert code in (401, 422), body
    assert headers["content-type"] == "application/json"
    assert body["msg"]


def test_replayed_refresh_token_revokes_the_whole_login(hs_server: ServerProcess) -> None:
    first = login(hs_server)
    code, second, _ = call(hs_server, "POST", "/refresh", first["refresh_token"])
    assert code == 200
    assert assert_refused(call(hs_server, "POST", "/refresh", first["refresh_token"])) == (
        "Token has been revoked"
    )
    assert_refused(call(hs_server, "POST", "/refresh", second["refresh_token"]))
    assert_refused(call(hs_server, "GET", "/me", second["access_token"]))


def test_logged_out_token_stays_refused(hs_server: ServerProcess) -> None:
    tokens = login(hs_server)
    assert call(hs_server, "DELETE", "/logout", tokens["access_token"])[0] == 200
    assert assert_refused(call(hs_server, "GET", "/me", tokens["access_token"])) == (
        "Token has been revoked"
    )
    assert_refused(call(hs_server, "POST", "/refresh", tokens["refresh_token"]))


def test_cookie_token_without_csrf_value_is_refused(hs_server: ServerProcess) -> None:
    _code, _body, headers = call(hs_server, "POST", "/cookie-login")
    cookies = [line.split(";")[0] for line in headers["set-cookie"].splitlines()]
    sent = {"Cookie": "; ".join(cookies)}
    assert call(hs_server, "GET", "/me", headers=sent)[1] == {"identity": "carol"}
    assert assert_refused(call(hs_server, "POST", "/me", headers=sent)) == "Missing CSRF token"


def test_hs256_token_signed_with_the_public_key_is_refused(
    rs_server: tuple[ServerProcess, bytes],
) -> None:
    server, public = rs_server
    genuine = login(server)["access_token"]
    assert pyjwt.get_unverified_header(genuine)["alg"] == "RS256"
    assert call(server, "GET", "/me", genuine)[1] == {"identity": "alice"}
    kid = pyjwt.get_unverified_header(genuine)["kid"]
    forged = hand_made({"alg": "HS256", "typ": "JWT", "kid": kid}, admin_claims(), public)
    assert "'HS256' is not allowed" in assert_refused(call(server, "GET", "/me", forged))
    stripped = hand_made({"alg": "none", "kid": kid}, admin_claims(), None)
    assert_refused(call(server, "GET", "/me", stripped))


def test_expired_and_stale_tokens_are_refused(hs_server: ServerProcess) -> None:
    from datetime import timedelta

    from hipflask import Hipflask
    from hipflask.jwt import JWTManager
    from hipflask.jwt import create_access_token

    # The same settings as the server: a genuine token, only too old.
    twin = Hipflask("twin")
    twin.config["SECRET_KEY"] = "jwtapp-secret-key-that-is-long-enough-42"
    JWTManager(twin)
    with twin.app_context():
        expired = create_access_token("alice", expires_delta=timedelta(seconds=-1))
    assert assert_refused(call(hs_server, "GET", "/me", expired)) == "Token has expired"
    tokens = login(hs_server)
    assert call(hs_server, "GET", "/fresh", tokens["access_token"])[0] == 200
    code, refreshed, _ = call(hs_server, "POST", "/refresh", tokens["refresh_token"])
    assert code == 200
    assert assert_refused(call(hs_server, "GET", "/fresh", refreshed["access_token"])) == (
        "Fresh token required"
    )


@pytest.mark.parametrize("name", ["gunicorn", "uvicorn"])
def test_fallback_keys_from_one_environment_string_forge_nothing(name: str) -> None:
    # SECRET_KEY_FALLBACKS = os.environ[...]: one string. Read a character
    # at a time, "p" was a key, and a token signed with it anyone's.
    key = hmac.new(b"p", jwt_keys._PURPOSE, hashlib.sha256).digest()
    forged = pyjwt.encode(admin_claims(), key, algorithm="HS256")
    with boot(name, {"JWTAPP_FALLBACKS": "previous-secret-0123456789abcdefghij"}) as server:
        code, body, _ = call(server, "GET", "/me", forged)
        assert code == 500
        assert b"admin" not in (body if isinstance(body, bytes) else json.dumps(body).encode())
        assert "SECRET_KEY_FALLBACKS is a single string" in server.output()
