"""Where tokens are looked for, sent the way clients (and attackers) send them."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import jwt as pyjwt
import pytest

from hipflask import Hipflask
from hipflask import jsonify
from hipflask.errors import ConfigurationError
from hipflask.jwt import create_access_token
from hipflask.jwt import get_jwt_identity
from hipflask.jwt import get_jwt_request_location
from hipflask.jwt import jwt_required
from hipflask.jwt import verify_jwt_in_request

from .conftest import bearer
from .conftest import build_app


def token_for(app: Hipflask, identity: str = "alice") -> str:
    with app.test_request_context():
        return create_access_token(identity)


def add_where(app: Hipflask) -> None:
    @app.route("/where", methods=["GET", "POST"])
    @jwt_required()
    def where() -> Any:
        return jsonify(identity=get_jwt_identity(), location=get_jwt_request_location())


def test_bearer_header_is_found_among_other_schemes(client: Any, app: Hipflask) -> None:
    token = token_for(app)
    response = client.get("/protected", headers={"Authorization": f"Basic eA==, Bearer {token}"})
    assert response.json["identity"] == "alice"


@pytest.mark.parametrize("value", ["Bearer", "Bearer a b", " Bearer a b ,"])
def test_malformed_bearer_field_is_a_422(client: Any, value: str) -> None:
    response = client.get("/protected", headers={"Authorization": value})
    assert response.status_code == 422
    assert response.json == {
        "msg": "Bad Authorization header. Expected 'Authorization: Bearer <JWT>'"
    }


@pytest.mark.parametrize(
    "value",
    ["Basic Zm9vOmJhcg==", "bearer abc", "Bearerabc", "Token abc", " , ,", "Bearer a, Bearer b"],
)
def test_header_without_one_bearer_field_is_no_token(client: Any, value: str) -> None:
    response = client.get("/protected", headers={"Authorization": value})
    assert response.status_code == 401
    assert response.json["msg"].startswith(
        "Missing JWT in headers or cookies (Missing 'Bearer' type in 'Authorization' header."
        " Expected 'Authorization: Bearer <JWT>'; "
    )


def test_other_scheme_in_the_header_falls_back_to_the_cookie(client: Any) -> None:
    # A staging proxy's Basic credentials must not hide the cookie's token.
    client.post("/cookie-login")
    response = client.get("/protected", headers={"Authorization": "Basic Zm9vOmJhcg=="})
    assert response.status_code == 200
    assert response.json["identity"] == "carol"


def test_other_scheme_leaves_an_optional_route_anonymous(client: Any) -> None:
    response = client.get("/optional", headers={"Authorization": "Basic Zm9vOmJhcg=="})
    assert response.status_code == 200
    assert response.json == {"identity": None}


def test_missing_everywhere_lists_each_location(client: Any) -> None:
    response = client.get("/protected")
    assert response.status_code == 401
    # Flask-JWT-Extended's wrapper, naming the locations looked at.
    assert response.json == {
        "msg": "Missing JWT in headers or cookies"
        ' (Missing Authorization Header; Missing cookie "access_token_cookie")'
    }


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_custom_header_without_a_type_takes_the_whole_value(protocol: str) -> None:
    app = build_app(JWT_HEADER_NAME="X-Token", JWT_HEADER_TYPE="")
    add_where(app)
    client = app.test_client(protocol=protocol)
    response = client.get("/where", headers={"X-Token": token_for(app)})
    assert response.json == {"identity": "alice", "location": "headers"}
    bad = client.get("/where", headers={"X-Token": "a b"})
    assert bad.status_code == 422
    assert bad.json["msg"] == "Bad X-Token header. Expected 'X-Token: <JWT>'"


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_query_string_token_needs_its_prefix(protocol: str) -> None:
    app = build_app(JWT_TOKEN_LOCATION="query_string", JWT_QUERY_STRING_VALUE_PREFIX="Bearer ")
    add_where(app)
    client = app.test_client(protocol=protocol)
    token = token_for(app)
    ok = client.get("/where", query_string={"jwt": f"Bearer {token}"})
    assert ok.json == {"identity": "alice", "location": "query_string"}
    unprefixed = client.get("/where", query_string={"jwt": token})
    assert (unprefixed.status_code, unprefixed.json) == (
        422,
        {
            "msg": "Invalid value for query parameter 'jwt'."
            " Expected the value to start with 'Bearer '"
        },
    )
    missing = client.get("/where")
    assert missing.json == {"msg": "Missing 'jwt' query parameter"}


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_json_body_token(protocol: str) -> None:
    app = build_app(JWT_TOKEN_LOCATION=["json"])
    add_where(app)

    @app.post("/decode-error")
    def decode_error() -> Any:
        try:
            verify_jwt_in_request()
        except pyjwt.DecodeError as error:
            return jsonify(caught=str(error))
        return jsonify(caught=None)

    client = app.test_client(protocol=protocol)
    ok = client.post("/where", json={"access_token": token_for(app)})
    assert ok.json == {"identity": "alice", "location": "json"}
    assert client.post("/where", json={"other": 1}).json == {
        "msg": 'Missing "access_token" key in json data.'
    }
    assert client.post("/where", json=[1]).status_code == 401
    # Sent, but not a string: an invalid token, as a forged one is.
    wrong = client.post("/where", json={"access_token": 12345})
    assert wrong.status_code == 422
    assert wrong.json == {"msg": "Invalid token type. Token must be a string"}
    # And, as with Flask-JWT-Extended (where PyJWT refuses it), a jwt.DecodeError.
    caught = client.post("/decode-error", json={"access_token": 12345})
    assert caught.json == {"caught": "Invalid token type. Token must be a string"}
    assert client.post("/where", data="x").json == {
        "msg": "Invalid content-type. Must be application/json."
    }


def test_cookie_token_needs_the_csrf_header_for_unsafe_methods(client: Any) -> None:
    assert client.post("/cookie-login").status_code == 200
    assert client.get("/cookie-protected").json == {"identity": "carol"}
    refused = client.post("/cookie-protected")
    assert refused.status_code == 401
    assert refused.json == {"msg": "Missing CSRF token"}
    csrf = client.get_cookie("csrf_access_token").value
    wrong = client.post("/cookie-protected", headers={"X-CSRF-TOKEN": csrf + "x"})
    assert wrong.json == {"msg": "CSRF double submit tokens do not match"}
    # Bytes a client may put in a header are refused the same way, not a 500.
    foreign = client.post("/cookie-protected", headers={"X-CSRF-TOKEN": "\u00e9" + csrf[1:]})
    assert (foreign.status_code, foreign.json) == (
        401,
        {"msg": "CSRF double submit tokens do not match"},
    )
    ok = client.post("/cookie-protected", headers={"X-CSRF-TOKEN": csrf})
    assert ok.json == {"identity": "carol"}


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_csrf_value_may_come_from_a_form_field(protocol: str) -> None:
    app = build_app(JWT_TOKEN_LOCATION=["cookies"], JWT_CSRF_CHECK_FORM=True)
    client = app.test_client(protocol=protocol)
    client.post("/cookie-login")
    csrf = client.get_cookie("csrf_access_token").value
    assert client.post("/cookie-protected", data={"csrf_token": csrf}).status_code == 200
    assert client.post("/cookie-protected", data={"csrf_token": "no"}).status_code == 401
    assert client.post("/cookie-protected", data={"csrf_token": "n\u00f6"}).status_code == 401


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
@pytest.mark.parametrize("methods", [["post", "delete"], "POST, DELETE", ("Post",)])
def test_csrf_methods_are_matched_whatever_their_case_or_form(protocol: str, methods: Any) -> None:
    # A lower-case list (or one comma-separated string) must not switch the
    # double-submit check off: no request method is ever "post".
    app = build_app(JWT_TOKEN_LOCATION=["cookies"], JWT_CSRF_METHODS=methods)
    client = app.test_client(protocol=protocol)
    client.post("/cookie-login")
    refused = client.post("/cookie-protected")
    assert (refused.status_code, refused.json) == (401, {"msg": "Missing CSRF token"})
    assert client.get("/cookie-protected").status_code == 200


def test_bearer_header_is_not_subject_to_csrf(client: Any, app: Hipflask) -> None:
    assert client.delete("/logout", headers=bearer(token_for(app))).status_code == 200


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_csrf_protection_can_be_turned_off(protocol: str) -> None:
    app = build_app(JWT_TOKEN_LOCATION=["cookies"], JWT_COOKIE_CSRF_PROTECT=False)
    client = app.test_client(protocol=protocol)
    client.post("/cookie-login")
    assert client.get_cookie("csrf_access_token") is None
    assert client.post("/cookie-protected").json == {"identity": "carol"}


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_cookie_token_without_a_csrf_claim_is_an_invalid_token(protocol: str) -> None:
    # Made while CSRF protection was off, sent once it is on: the token lacks
    # the claim to compare with, which Flask-JWT-Extended refuses as an
    # invalid token ("Missing claim: csrf"), not as a CSRF mismatch.
    app = build_app(JWT_TOKEN_LOCATION=["cookies"], JWT_COOKIE_CSRF_PROTECT=False)
    messages: list[str] = []

    @app.extensions["test_jwt"].invalid_token_loader
    def invalid(msg: str) -> Any:
        messages.append(msg)
        return jsonify(invalid=msg), 401

    client = app.test_client(protocol=protocol)
    client.post("/cookie-login")
    app.config["JWT_COOKIE_CSRF_PROTECT"] = True
    refused = client.post("/cookie-protected", headers={"X-CSRF-TOKEN": "anything"})
    assert (refused.status_code, refused.json) == (401, {"invalid": "Missing claim: csrf"})
    assert messages == ["Missing claim: csrf"]


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_an_empty_header_name_is_a_setup_error_not_a_401(protocol: str) -> None:
    client = build_app(JWT_HEADER_NAME="").test_client(protocol=protocol)
    with pytest.raises(RuntimeError, match="JWT_HEADER_NAME") as caught:
        client.get("/protected")
    assert isinstance(caught.value, ConfigurationError)


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_an_unknown_location_given_to_the_decorator_names_the_decorator(protocol: str) -> None:
    app = build_app()

    @app.get("/misplaced")
    @jwt_required(locations=["header"])
    def misplaced() -> str:
        return "never"

    with pytest.raises(RuntimeError, match=r"jwt_required\(locations=\.\.\.\) has \['header'\]"):
        app.test_client(protocol=protocol).get("/misplaced")


def test_the_typing_submodule_is_an_attribute_of_the_package() -> None:
    # As flask_jwt_extended.typing is after a bare ``import flask_jwt_extended``;
    # in a fresh interpreter, as this one may have imported it already.
    code = "import hipflask.jwt; print(hipflask.jwt.typing.ExpiresDelta, hipflask.jwt.typing.Fresh)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "timedelta" in done.stdout
