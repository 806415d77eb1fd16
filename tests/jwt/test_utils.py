from __future__ import annotations

from datetime import timedelta
from typing import Any

import jwt as pyjwt
import pytest

from hipflask import Hipflask
from hipflask import jsonify
from hipflask.jwt import create_access_token
from hipflask.jwt import create_refresh_token
from hipflask.jwt import current_user
from hipflask.jwt import decode_token
from hipflask.jwt import get_csrf_token
from hipflask.jwt import get_jwt
from hipflask.jwt import get_jwt_header
from hipflask.jwt import get_jwt_identity
from hipflask.jwt import get_jwt_request_location
from hipflask.jwt import get_unverified_jwt_headers
from hipflask.jwt import jwt_required
from hipflask.jwt import revoke_token
from hipflask.jwt import set_access_cookies
from hipflask.jwt.exceptions import CSRFError
from hipflask.jwt.exceptions import JWTDecodeError

from .conftest import bearer
from .conftest import build_app


def test_reading_the_token_before_verifying_says_what_to_do(app: Hipflask) -> None:
    with app.test_request_context(), pytest.raises(RuntimeError, match="jwt_required"):
        get_jwt()


def test_request_location_is_none_when_no_token_was_checked(client: Any, app: Hipflask) -> None:
    # As in Flask-JWT-Extended: an after_request hook logging the location
    # runs for public views too, and must not turn them into a 500.
    @app.get("/public")
    def public() -> Any:
        return jsonify(location=get_jwt_request_location())

    @app.after_request
    def log_location(response: Any) -> Any:
        response.headers["X-JWT-Location"] = str(get_jwt_request_location())
        return response

    response = client.get("/public")
    assert (response.status_code, response.json) == (200, {"location": None})
    assert response.headers["X-JWT-Location"] == "None"
    assert client.get("/optional").headers["X-JWT-Location"] == "None"
    with app.test_request_context():
        token = create_access_token("a")
    assert client.get("/protected", headers=bearer(token)).headers["X-JWT-Location"] == "headers"


def test_current_user_without_a_loader_says_what_to_do(client: Any, app: Hipflask) -> None:
    @app.get("/who")
    @jwt_required(optional=True)
    def who() -> Any:
        return jsonify(user=current_user._get_current_object())

    assert client.get("/who").json == {"user": None}
    with app.test_request_context():
        token = create_access_token("a")
    with pytest.raises(RuntimeError, match="user_lookup_loader"):
        client.get("/who", headers=bearer(token))


def test_header_claims_and_csrf_value(app: Hipflask) -> None:
    with app.test_request_context():
        token = create_access_token("a")
        csrf = get_csrf_token(token)
        assert get_unverified_jwt_headers(token)["alg"] == "HS256"
        assert decode_token(token, csrf_value=csrf)["sub"] == "a"
        # Flask-JWT-Extended's classes: a CSRFError for a value that does not
        # match, a JWTDecodeError for a token without the claim; neither is
        # one of PyJWT's.
        with pytest.raises(CSRFError, match=r"^CSRF double submit tokens do not match$") as bad:
            decode_token(token, csrf_value="other")
        assert not isinstance(bad.value, (JWTDecodeError, pyjwt.PyJWTError))
        with pytest.raises(CSRFError):
            decode_token(token, csrf_value="\u00e9t\u00e9")
        # An empty value is compared too (Flask-JWT-Extended skips the check):
        # a missing header passed on as "" must not pass.
        with pytest.raises(CSRFError):
            decode_token(token, csrf_value="")
        app.config["JWT_COOKIE_CSRF_PROTECT"] = False
        without_claim = create_access_token("a")
        with pytest.raises(JWTDecodeError, match=r"^Missing claim: csrf$") as missing:
            decode_token(without_claim, csrf_value=csrf)
        assert not isinstance(missing.value, pyjwt.PyJWTError)


def test_changing_what_get_jwt_returns_changes_nothing_else(client: Any, app: Hipflask) -> None:
    @app.get("/tamper")
    @jwt_required()
    def tamper() -> Any:
        get_jwt()["sub"] = "mallory"
        get_jwt_header()["alg"] = "none"
        return jsonify(
            sub=get_jwt()["sub"], identity=get_jwt_identity(), alg=get_jwt_header()["alg"]
        )

    with app.test_request_context():
        token = create_access_token("a")
    assert client.get("/tamper", headers=bearer(token)).json == {
        "sub": "a",
        "identity": "a",
        "alg": "HS256",
    }


def test_get_jwt_header_in_a_view(client: Any, app: Hipflask) -> None:
    @app.get("/header")
    @jwt_required()
    def header() -> Any:
        return jsonify(get_jwt_header())

    with app.test_request_context():
        token = create_access_token("a")
    assert client.get("/header", headers=bearer(token)).json["typ"] == "JWT"


def test_cookies_are_httponly_lax_and_csrf_cookie_is_readable(client: Any) -> None:
    response = client.post("/cookie-login")
    cookies = response.headers.getlist("Set-Cookie")
    access = next(c for c in cookies if c.startswith("access_token_cookie="))
    csrf = next(c for c in cookies if c.startswith("csrf_access_token="))
    assert "HttpOnly" in access
    assert "SameSite=Lax" in access
    assert "Secure" not in access
    assert "HttpOnly" not in csrf
    assert "Max-Age" not in access  # session cookies by default
    logout = client.post("/cookie-logout")
    deleted = logout.headers.getlist("Set-Cookie")
    assert len(deleted) == 4
    assert all("Expires=Thu, 01 Jan 1970" in c for c in deleted)


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_cookies_are_secure_over_https_and_may_outlive_the_browser(protocol: str) -> None:
    app = build_app(JWT_SESSION_COOKIE=False, JWT_CSRF_IN_COOKIES=False)
    client = app.test_client(protocol=protocol)
    response = client.post("/cookie-login", base_url="https://localhost")
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 2
    assert all("Secure" in c for c in cookies)
    assert all("Max-Age=31540000" in c for c in cookies)
    assert len(client.post("/cookie-logout").headers.getlist("Set-Cookie")) == 2


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_logout_without_csrf_protection_deletes_only_the_token_cookies(protocol: str) -> None:
    # No CSRF cookie was set, so none is deleted: two Set-Cookie headers at
    # logout, as with Flask-JWT-Extended.
    app = build_app(JWT_COOKIE_CSRF_PROTECT=False)
    client = app.test_client(protocol=protocol)
    assert len(client.post("/cookie-login").headers.getlist("Set-Cookie")) == 2
    deleted = client.post("/cookie-logout").headers.getlist("Set-Cookie")
    assert sorted(cookie.split("=")[0] for cookie in deleted) == [
        "access_token_cookie",
        "refresh_token_cookie",
    ]


@pytest.mark.parametrize("samesite", ["Strict", "None"])
def test_deletion_cookies_repeat_the_attributes_they_were_set_with(
    protocol: str, samesite: str
) -> None:
    # A SameSite=None cookie set in a cross-site frame is only deleted by a
    # SameSite=None deletion; the CSRF cookies were set readable by script.
    app = build_app(JWT_COOKIE_SAMESITE=samesite, JWT_COOKIE_SECURE=True)
    client = app.test_client(protocol=protocol)
    deleted = client.post("/cookie-logout", base_url="https://localhost").headers.getlist(
        "Set-Cookie"
    )
    assert len(deleted) == 4
    for cookie in deleted:
        assert f"SameSite={samesite}" in cookie
        assert "Secure" in cookie
        assert ("HttpOnly" in cookie) == (not cookie.startswith("csrf_"))


@pytest.mark.parametrize("lifetime", [timedelta(days=7), False])
def test_persistent_cookies_last_a_year_whatever_the_tokens_lifetime(
    protocol: str, lifetime: Any
) -> None:
    # Flask-JWT-Extended's JWT_SESSION_COOKIE = False: persistent cookies of
    # one year; the token's own exp decides when it stops working.
    app = build_app(JWT_SESSION_COOKIE=False, JWT_ACCESS_TOKEN_EXPIRES=lifetime)

    @app.post("/forever")
    def forever() -> Any:
        response = jsonify()
        set_access_cookies(response, create_access_token("a"), domain="example.test")
        return response

    @app.post("/chosen")
    def chosen() -> Any:
        response = jsonify()
        set_access_cookies(response, create_access_token("a"), max_age=60)
        return response

    client = app.test_client(protocol=protocol)
    cookies = client.post("/forever").headers.getlist("Set-Cookie")
    assert len(cookies) == 2
    assert all("Max-Age=31540000" in c for c in cookies)
    assert "Domain=example.test" in cookies[0]
    assert all("Max-Age=60" in c for c in client.post("/chosen").headers.getlist("Set-Cookie"))


def test_revoke_token_needs_the_built_in_blocklist() -> None:
    app = build_app(JWT_BLOCKLIST_STORE=None)
    with app.test_request_context(), pytest.raises(RuntimeError, match="JWT_BLOCKLIST_STORE"):
        revoke_token({"jti": "x"})


def test_revoking_a_token_without_family_or_expiry(app: Hipflask) -> None:
    with app.app_context():
        token = create_refresh_token("a", expires_delta=False)
        claims = decode_token(token)
        revoke_token(claims, family=True)
    client = app.test_client()
    assert client.post("/refresh", headers=bearer(token)).json == {"msg": "Token has been revoked"}


def test_fresh_for_a_while_counts_as_fresh_until_then(client: Any, app: Hipflask) -> None:
    with app.test_request_context():
        fresh = create_access_token("a", fresh=timedelta(minutes=5))
        stale = create_access_token("a", fresh=timedelta(minutes=-5))
    assert client.get("/fresh", headers=bearer(fresh)).status_code == 200
    assert client.get("/fresh", headers=bearer(stale)).status_code == 401


def test_cookie_secure_setting_wins_over_the_scheme() -> None:
    app = build_app(JWT_COOKIE_SECURE=True)
    cookies = app.test_client().post("/cookie-login").headers.getlist("Set-Cookie")
    assert all("Secure" in c for c in cookies)


def test_get_jti_and_the_template_processor(client: Any, app: Hipflask) -> None:
    from hipflask.jwt import get_jti
    from hipflask.jwt.utils import current_user_context_processor

    manager = app.extensions["test_jwt"]
    manager.user_lookup_loader(lambda header, data: {"name": data["sub"]})

    @app.get("/processor")
    @jwt_required()
    def processor() -> Any:
        return jsonify(current_user_context_processor())

    with app.test_request_context():
        token = create_access_token("a")
        assert get_jti(token) == decode_token(token)["jti"]
    assert client.get("/processor", headers=bearer(token)).json == {"current_user": {"name": "a"}}
