"""jwt.typing: Flask-JWT-Extended's ExpiresDelta and Fresh, as hipflask.jwt accepts them."""

from __future__ import annotations

import time
import typing
from datetime import timedelta
from typing import Any

import pytest

from hipflask import jsonify
from hipflask.jwt import create_access_token
from hipflask.jwt import decode_token
from hipflask.jwt.typing import ExpiresDelta
from hipflask.jwt.typing import Fresh

from .conftest import bearer
from .conftest import build_app


def test_the_types_hold_flask_jwt_extended_s_and_seconds() -> None:
    theirs = pytest.importorskip("flask_jwt_extended.typing")
    assert set(typing.get_args(theirs.ExpiresDelta)) | {float} == set(typing.get_args(ExpiresDelta))
    assert set(typing.get_args(theirs.Fresh)) == set(typing.get_args(Fresh))


@pytest.mark.parametrize(
    ("expires_delta", "lifetime"),
    [(False, None), (timedelta(minutes=5), 300), (90.0, 90), (60, 60)],
    ids=["never", "timedelta", "float-seconds", "int-seconds"],
)
def test_every_expires_delta_is_accepted(expires_delta: ExpiresDelta, lifetime: int | None) -> None:
    app = build_app()
    with app.test_request_context():
        claims = decode_token(create_access_token("alice", expires_delta=expires_delta))
    if lifetime is None:
        assert "exp" not in claims
    else:
        assert claims["exp"] - claims["iat"] == lifetime


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
@pytest.mark.parametrize(
    ("fresh", "is_fresh"),
    [
        (True, True),
        (False, False),
        (timedelta(minutes=5), True),
        # Seconds from now, made a timestamp when the test runs: taken at
        # collection, a long suite would reach it before the test does.
        (300, True),
        (-300, False),
    ],
    ids=["true", "false", "timedelta", "until-later", "until-past"],
)
def test_every_fresh_value_is_honoured(protocol: str, fresh: Fresh, is_fresh: bool) -> None:
    if type(fresh) is int:
        fresh = time.time() + fresh
    app = build_app()

    @app.post("/issue")
    def issue() -> Any:
        return jsonify(token=create_access_token("alice", fresh=fresh))

    client = app.test_client(protocol=protocol)
    token = client.post("/issue").json["token"]
    response = client.get("/fresh", headers=bearer(token))
    assert response.status_code == (200 if is_fresh else 401)
