"""The authentication tutorials run unchanged after the import rename, under both protocols."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from examples.auth import jwt_app
from examples.auth import login_app
from examples.auth import principal_app


@pytest.fixture(params=["wsgi", "asgi"])
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_login_tutorial(protocol: str) -> None:
    client: Any = login_app.app.test_client(protocol=protocol)
    assert client.get("/dashboard").headers["Location"] == "/login?next=%2Fdashboard"
    failed = client.post("/login", data={"username": "ada", "password": "nope"})
    unknown = client.post("/login", data={"username": "nobody", "password": "nope"})
    assert failed.status_code == unknown.status_code == 401
    assert failed.text == unknown.text
    ok = client.post(
        "/login?next=/admin", data={"username": "ada", "password": "analytical engine"}
    )
    assert ok.headers["Location"] == "/admin"
    assert client.get("/dashboard").text == "Hello ada!"
    assert client.get("/admin").text == "Admins only."
    client.post("/logout")
    assert client.get("/dashboard").status_code == 302
    client.post("/login", data={"username": "grace", "password": "compiler"})
    assert client.get("/admin").status_code == 403


def test_login_tutorial_password_change_logs_out_other_browsers(protocol: str) -> None:
    app = login_app.app
    laptop: Any = app.test_client(protocol=protocol)
    phone: Any = app.test_client(protocol=protocol)
    for client in (laptop, phone):
        client.post("/login", data={"username": "grace", "password": "compiler"})
    try:
        assert laptop.post("/password", data={"password": "new"}).text == "Password changed."
        assert laptop.get("/dashboard").text == "Hello grace!"
        assert phone.get("/dashboard").status_code == 302
    finally:
        login_app.USERS["grace"] = login_app.User("grace", "compiler", [])


def test_jwt_tutorial(protocol: str) -> None:
    client: Any = jwt_app.app.test_client(protocol=protocol)
    assert client.post("/login", json={"username": "test", "password": "x"}).status_code == 401
    tokens = client.post("/login", json={"username": "test", "password": "test"}).json
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.get("/protected", headers=auth).json == {"logged_in_as": "test", "name": "test"}
    refreshed = client.post(
        "/refresh", headers={"Authorization": f"Bearer {tokens['refresh_token']}"}
    ).json
    with jwt_app.app.app_context():
        from hipflask.jwt import decode_token

        claims = decode_token(refreshed["access_token"])
        first = decode_token(tokens["access_token"])
    assert claims["exp"] - claims["iat"] == timedelta(minutes=5).total_seconds()
    assert first["exp"] - first["iat"] == timedelta(hours=1).total_seconds()
    again = client.post("/refresh", headers={"Authorization": f"Bearer {tokens['refresh_token']}"})
    assert again.json == {"msg": "Token has been revoked"}
    assert client.get("/protected").json == {
        "msg": "Missing JWT in headers or cookies"
        ' (Missing Authorization Header; Missing cookie "access_token_cookie")'
    }
    client.post("/cookie-login")
    assert client.get("/protected").json["logged_in_as"] == "test"
    client.post("/cookie-logout")
    assert client.get("/protected").status_code == 401


def test_jwt_tutorial_logout(protocol: str) -> None:
    client: Any = jwt_app.app.test_client(protocol=protocol)
    tokens = client.post("/login", json={"username": "test", "password": "test"}).json
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.delete("/logout", headers=auth).json == {"msg": "Access token revoked"}
    assert client.get("/protected", headers=auth).status_code == 401


def test_principal_tutorial(protocol: str) -> None:
    client: Any = principal_app.app.test_client(protocol=protocol)
    assert client.get("/admin").status_code == 403
    assert client.get("/articles").status_code == 403
    client.post("/login/1")
    assert client.get("/admin").text == "Only if you are an admin"
    assert client.get("/articles").text == "Only if you are admin"
    client.post("/logout")
    assert client.get("/admin").status_code == 403
