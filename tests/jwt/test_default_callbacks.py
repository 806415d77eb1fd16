"""default_callbacks: the starting loaders, with Flask-JWT-Extended's names and answers."""

from __future__ import annotations

import inspect
from datetime import timedelta
from typing import Any

import pytest

from hipflask import jsonify
from hipflask.jwt import create_access_token
from hipflask.jwt import default_callbacks

from .conftest import bearer
from .conftest import build_app

# Not provided, each for the reason the module's docstring and the docs give.
NOT_PROVIDED = {
    "default_invalid_token_callback",
    "default_encode_key_callback",
    "default_decode_key_callback",
}
HEADER: dict[str, Any] = {"alg": "HS256", "typ": "JWT"}
CLAIMS: dict[str, Any] = {"sub": "alice", "type": "access"}
# The default answers, called as the manager calls them: (name, arguments).
ANSWERS = [
    ("default_unauthorized_callback", ("Missing Authorization Header",)),
    ("default_expired_token_callback", (HEADER, CLAIMS)),
    ("default_needs_fresh_token_callback", (HEADER, CLAIMS)),
    ("default_revoked_token_callback", (HEADER, CLAIMS)),
    ("default_user_lookup_error_callback", (HEADER, CLAIMS)),
    ("default_token_verification_failed_callback", (HEADER, CLAIMS)),
]


def _theirs() -> Any:
    return pytest.importorskip("flask_jwt_extended.default_callbacks")


def test_the_names_are_flask_jwt_extended_s_less_the_ones_without_an_equivalent() -> None:
    theirs = {name for name in vars(_theirs()) if name.startswith("default_")}
    assert set(default_callbacks.__all__) == theirs - NOT_PROVIDED
    assert theirs >= NOT_PROVIDED


@pytest.mark.parametrize("name", default_callbacks.__all__)
def test_each_takes_flask_jwt_extended_s_arguments(name: str) -> None:
    ours = inspect.signature(getattr(default_callbacks, name)).parameters
    theirs = inspect.signature(getattr(_theirs(), name)).parameters
    assert list(ours) == list(theirs)


@pytest.mark.parametrize(("name", "args"), ANSWERS, ids=[name for name, _ in ANSWERS])
def test_each_answer_is_flask_jwt_extended_s(name: str, args: tuple[Any, ...]) -> None:
    flask = pytest.importorskip("flask")
    jwt_extended = pytest.importorskip("flask_jwt_extended")
    reference = flask.Flask("reference")
    reference.config.update(JWT_SECRET_KEY="k" * 32, JWT_ERROR_MESSAGE_KEY="error")
    jwt_extended.JWTManager(reference)
    with reference.test_request_context():
        body, status = getattr(_theirs(), name)(*args)
        expected = (body.get_json(), int(status))
    app = build_app(JWT_ERROR_MESSAGE_KEY="error")
    with app.test_request_context():
        body, status = getattr(default_callbacks, name)(*args)
        assert (body.get_json(), int(status)) == expected


def test_the_loaders_that_decide_nothing_keep_every_token() -> None:
    assert default_callbacks.default_user_identity_callback({"id": 7}) == {"id": 7}
    assert default_callbacks.default_additional_claims_callback("alice") == {}
    assert default_callbacks.default_jwt_headers_callback("alice") == {}
    assert default_callbacks.default_blocklist_callback(HEADER, CLAIMS) is False
    assert default_callbacks.default_token_verification_callback(HEADER, CLAIMS) is True


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_an_app_loader_can_wrap_the_default_answer(protocol: str) -> None:
    app = build_app(JWT_ACCESS_TOKEN_EXPIRES=timedelta(seconds=-1))
    manager = app.extensions["test_jwt"]

    @manager.expired_token_loader
    def expired(header: dict[str, Any], data: dict[str, Any]) -> Any:
        body, status = default_callbacks.default_expired_token_callback(header, data)
        body.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return body, status

    client = app.test_client(protocol=protocol)
    token = client.post("/login").json["access_token"]
    response = client.get("/protected", headers=bearer(token))
    assert (response.status_code, response.json) == (401, {"msg": "Token has expired"})
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_handing_a_default_back_restores_its_answer(protocol: str) -> None:
    app = build_app()
    manager = app.extensions["test_jwt"]
    manager.token_verification_loader(lambda header, data: False)
    manager.token_verification_failed_loader(lambda header, data: (jsonify(custom=1), 403))
    client = app.test_client(protocol=protocol)
    token = client.post("/login").json["access_token"]
    assert client.get("/protected", headers=bearer(token)).status_code == 403

    manager.token_verification_failed_loader(
        default_callbacks.default_token_verification_failed_callback
    )
    refused = client.get("/protected", headers=bearer(token))
    assert (refused.status_code, refused.json) == (400, {"msg": "User claims verification failed"})
    manager.token_verification_loader(default_callbacks.default_token_verification_callback)
    assert client.get("/protected", headers=bearer(token)).status_code == 200


def test_the_identity_default_puts_the_identity_in_sub_unchanged() -> None:
    app = build_app()
    with app.test_request_context():
        token = create_access_token("alice")
        from hipflask.jwt import decode_token

        assert decode_token(token)["sub"] == "alice"
