"""The tutorial app (Limiter(app, ...), CORS(app)) runs unchanged after the import rename."""

from __future__ import annotations

import importlib
from typing import Any

import pytest


@pytest.fixture(params=["wsgi", "asgi"])
def client(request: pytest.FixtureRequest) -> Any:
    module = importlib.import_module("tests.examples.tutorial_api")
    module = importlib.reload(module)  # fresh counters for each protocol
    return module.app.test_client(protocol=request.param)


def test_the_login_limit_refuses_the_fourth_attempt(client: Any) -> None:
    wrong = {"username": "admin", "password": "guess"}
    codes = [client.post("/api/login", json=wrong).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]


def test_a_cross_origin_script_can_call_the_api(client: Any) -> None:
    origin = "https://frontend.example"
    preflight = client.options(
        "/api/login",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == origin
    response = client.post(
        "/api/login",
        json={"username": "admin", "password": "secret"},
        headers={"Origin": origin, "Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == origin


def test_default_limits_carry_headers_and_exempt_views_have_none(client: Any) -> None:
    response = client.get("/api/items")
    assert response.headers["X-RateLimit-Limit"] == "50"
    assert "X-RateLimit-Limit" not in client.get("/health").headers


def test_a_refused_cross_origin_call_is_readable_by_the_calling_script(client: Any) -> None:
    origin = "https://frontend.example"
    headers = {"Origin": origin, "Sec-Fetch-Site": "cross-site"}
    wrong = {"username": "admin", "password": "guess"}
    for _ in range(3):
        client.post("/api/login", json=wrong, headers=headers)
    refused = client.post("/api/login", json=wrong, headers=headers)
    assert refused.status_code == 429
    assert refused.headers["Access-Control-Allow-Origin"] == origin
    assert refused.get_json()["error"] == "too_many_requests"
