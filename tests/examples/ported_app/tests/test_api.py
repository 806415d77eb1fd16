from datetime import timedelta

from flask_app.extensions import db
from flask_app.models import TokenBlocklist
from flask_jwt_extended import create_access_token

from conftest import api_tokens
from conftest import bearer


def test_tokens_need_credentials(client, users):
    response = client.post("/api/tokens", json={})
    assert response.status_code == 400
    assert response.get_json() == {
        "error": "Bad Request",
        "message": "username and password are required",
    }


def test_tokens_refuse_bad_password(client, users):
    response = client.post("/api/tokens", json={"username": "susan", "password": "nope"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "Unauthorized"


def test_access_token_reaches_protected_endpoint(client, users):
    tokens = api_tokens(client)
    response = client.get("/api/me", headers=bearer(tokens["access_token"]))
    assert response.status_code == 200
    assert response.get_json() == {
        "id": str(users["susan"].id),
        "username": "susan",
        "role": "user",
    }


def test_additional_claims_carry_the_role(client, users):
    tokens = api_tokens(client, "root", "root-password")
    assert (
        client.get("/api/me", headers=bearer(tokens["access_token"])).get_json()["role"] == "admin"
    )


def test_missing_token_is_401(client, users):
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.get_json() == {
        "msg": "Missing JWT in headers or cookies"
        ' (Missing Authorization Header; Missing cookie "access_token_cookie")'
    }


def test_refresh_token_is_not_an_access_token(client, users):
    tokens = api_tokens(client)
    response = client.get("/api/me", headers=bearer(tokens["refresh_token"]))
    assert response.status_code == 422
    assert response.get_json() == {"msg": "Only non-refresh tokens are allowed"}


def test_refresh_gives_a_new_access_token(client, users):
    tokens = api_tokens(client)
    response = client.post("/api/tokens/refresh", headers=bearer(tokens["refresh_token"]))
    assert response.status_code == 200
    access = response.get_json()["access_token"]
    assert client.get("/api/me", headers=bearer(access)).status_code == 200


def test_revoked_token_is_refused(client, users):
    tokens = api_tokens(client)
    headers = bearer(tokens["access_token"])
    response = client.delete("/api/tokens", headers=headers)
    assert response.get_json() == {"msg": "Access token revoked"}
    assert TokenBlocklist.query.count() == 1
    refused = client.get("/api/me", headers=headers)
    assert refused.status_code == 401
    assert refused.get_json() == {"msg": "Token has been revoked"}


def test_garbage_token_is_refused(client, users):
    response = client.get("/api/me", headers=bearer("not.a.token"))
    assert response.status_code == 422
    assert "msg" in response.get_json()


def test_user_endpoint_hides_email_of_others(client, users):
    headers = bearer(api_tokens(client)["access_token"])
    own = client.get(f"/api/users/{users['susan'].id}", headers=headers).get_json()
    other = client.get(f"/api/users/{users['john'].id}", headers=headers).get_json()
    assert own["email"] == "susan@example.com"
    assert "email" not in other
    assert other["username"] == "john"


def test_unknown_user_is_json_404(client, users):
    headers = bearer(api_tokens(client)["access_token"])
    response = client.get("/api/users/999", headers=headers)
    assert response.status_code == 404
    assert response.get_json() == {"error": "Not Found"}


def test_unknown_api_url_is_json_404(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.get_json() == {"error": "Not Found"}


def test_posts_are_paginated_with_external_links(client, users, posts):
    headers = bearer(api_tokens(client)["access_token"])
    body = client.get("/api/posts?per_page=4", headers=headers).get_json()
    assert len(body["items"]) == 4
    assert body["meta"] == {"page": 1, "per_page": 4, "total": 10}
    assert body["_links"]["next"] == "http://localhost.localdomain/api/posts?page=2&per_page=4"
    last = client.get("/api/posts?per_page=4&page=3", headers=headers).get_json()
    assert len(last["items"]) == 2
    assert "next" not in last["_links"]


def test_create_post(client, users):
    headers = bearer(api_tokens(client)["access_token"])
    response = client.post("/api/posts", json={"body": "from the api"}, headers=headers)
    assert response.status_code == 201
    assert response.get_json()["author"] == "susan"
    assert response.headers["Location"] == "http://localhost.localdomain/api/posts"


def test_create_post_validation_errors_are_json(client, users):
    headers = bearer(api_tokens(client)["access_token"])
    empty = client.post("/api/posts", json={"body": "  "}, headers=headers)
    assert empty.status_code == 400
    assert empty.get_json() == {
        "error": "Bad Request",
        "message": "body must be a non-empty string",
    }
    long = client.post("/api/posts", json={"body": "x" * 141}, headers=headers)
    assert long.get_json()["message"] == "body must be at most 140 characters"


def test_create_post_with_malformed_json_is_400(client, users):
    headers = bearer(api_tokens(client)["access_token"])
    response = client.post(
        "/api/posts", data="{not json", content_type="application/json", headers=headers
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "Bad Request"


def test_api_is_csrf_exempt(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
        response = app.test_client().post("/api/tokens", json={"username": "x", "password": "y"})
        assert response.status_code == 401
        db.drop_all()


def test_token_endpoint_is_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    with app.app_context():
        db.create_all()
        client = app.test_client()
        codes = [
            client.post("/api/tokens", json={"username": "x", "password": "y"}).status_code
            for _ in range(6)
        ]
        assert codes == [401] * 5 + [429]
        limited = client.post("/api/tokens", json={"username": "x", "password": "y"})
        assert limited.get_json()["error"] == "Too Many Requests"
        assert limited.headers["X-RateLimit-Limit"] == "5"
        assert "Retry-After" in limited.headers
        db.drop_all()


def test_cors_headers_for_allowed_origin(client, users):
    response = client.get("/api/me", headers={"Origin": "https://app.example.com"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example.com"


def test_cors_headers_absent_for_other_origin(client, users):
    response = client.get("/api/me", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_preflight(client):
    response = client.options(
        "/api/posts",
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Content-Type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


def test_no_cors_outside_the_api(client):
    response = client.get("/auth/login", headers={"Origin": "https://app.example.com"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_expired_token_is_401(client, users, app):
    with app.test_request_context():
        token = create_access_token(
            identity=str(users["susan"].id), expires_delta=timedelta(seconds=-1)
        )
    response = client.get("/api/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.get_json() == {"msg": "Token has expired"}


def test_cross_origin_call_from_the_spa(client, users):
    response = client.post(
        "/api/tokens",
        json={"username": "susan", "password": "cat-and-dog"},
        headers={"Origin": "https://app.example.com"},
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example.com"


def test_create_post_needs_json(client, users):
    headers = bearer(api_tokens(client)["access_token"])
    response = client.post("/api/posts", data="body=hi", headers=headers)
    assert response.status_code == 415
    assert response.get_json()["error"] == "Unsupported Media Type"


def test_wrong_method_is_json_405(client):
    response = client.get("/api/tokens")
    assert response.status_code == 405
    assert response.get_json()["error"] == "Method Not Allowed"


def test_rate_limit_headers_on_normal_responses(make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    with app.app_context():
        db.create_all()
        response = app.test_client().post("/api/tokens", json={"username": "x", "password": "y"})
        assert response.headers["X-RateLimit-Limit"] == "5"
        assert response.headers["X-RateLimit-Remaining"] == "4"
        db.drop_all()


def test_cookie_session_reads_and_writes_with_csrf(client, users):
    response = client.post("/api/session", json={"username": "susan", "password": "cat-and-dog"})
    assert response.status_code == 200
    assert client.get_cookie("access_token_cookie", domain="localhost.localdomain") is not None
    assert client.get("/api/me").get_json()["username"] == "susan"
    refused = client.post("/api/posts", json={"body": "no csrf"})
    assert refused.status_code == 401
    assert refused.get_json() == {"msg": "Missing CSRF token"}
    csrf = client.get_cookie("csrf_access_token", domain="localhost.localdomain").value
    accepted = client.post("/api/posts", json={"body": "with csrf"}, headers={"X-CSRF-TOKEN": csrf})
    assert accepted.status_code == 201


def test_cookie_session_sign_out(client, users):
    client.post("/api/session", json={"username": "susan", "password": "cat-and-dog"})
    client.delete("/api/session")
    assert client.get_cookie("access_token_cookie", domain="localhost.localdomain") is None
    assert client.get("/api/me").status_code == 401


def test_health_is_exempt_from_limits(make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    with app.app_context():
        client = app.test_client()
        response = client.get("/health")
        assert response.get_json() == {"status": "ok"}
        assert "X-RateLimit-Limit" not in response.headers
        limited = client.get("/auth/login")
        assert limited.headers["X-RateLimit-Limit"] == "50"


def test_cors_credentials_and_exposed_headers(client, users, posts):
    headers = bearer(api_tokens(client)["access_token"])
    headers["Origin"] = "https://app.example.com"
    response = client.get("/api/posts", headers=headers)
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert response.headers["Access-Control-Expose-Headers"] == "X-Total-Count"
    assert response.headers["X-Total-Count"] == "10"
