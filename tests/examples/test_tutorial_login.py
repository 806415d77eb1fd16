"""A Flask tutorial's sign-in app runs unchanged after the import rename.

The same source runs under Flask with Flask-WTF (the reference) and, with
``flask`` renamed to ``hipflask`` and ``flask_wtf`` to ``hipflask.forms``,
under hipflask over both protocols; every step must behave the same.
"""

from __future__ import annotations

import re
import types
from pathlib import Path
from typing import Any

import pytest

SOURCE = (Path(__file__).parent / "tutorial_login_flask.py").read_text(encoding="utf-8")
_TOKEN = re.compile(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"')


def renamed(source: str) -> str:
    """The port: rename the import paths, touch nothing else."""
    for flask_name, hipflask_name in (
        ("flask_wtf", "hipflask.forms"),
        ("flask_limiter", "hipflask.limiter"),
        ("flask_cors", "hipflask.cors"),
        ("flask", "hipflask"),
    ):
        source = re.sub(
            rf"^from {flask_name}\b", f"from {hipflask_name}", source, flags=re.MULTILINE
        )
    return source


def load(source: str, name: str) -> Any:
    module = types.ModuleType(name)
    module.__file__ = __file__
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)  # noqa: S102 - the test's own file
    return module.app


@pytest.fixture(params=["flask", "hipflask-wsgi", "hipflask-asgi"])
def client(request: pytest.FixtureRequest) -> Any:
    if request.param == "flask":
        for needed in ("flask_wtf", "flask_limiter", "flask_cors"):
            pytest.importorskip(needed, reason=f"the reference run needs {needed}")
        return load(SOURCE, "tutorial_flask").test_client()
    app = load(renamed(SOURCE), "tutorial_hipflask")
    return app.test_client(protocol=request.param.split("-")[1])


def token(client: Any) -> str:
    page = client.get("/login").get_data(as_text=True)
    found = _TOKEN.search(page)
    assert found is not None, page
    return found.group(1)


def test_the_port_changes_only_import_lines() -> None:
    changed = [
        (old, new)
        for old, new in zip(SOURCE.splitlines(), renamed(SOURCE).splitlines(), strict=True)
        if old != new
    ]

    assert changed
    assert all(new.startswith("from hipflask") for _, new in changed)


def test_login_page_renders_the_form_with_a_token(client: Any) -> None:
    page = client.get("/login").get_data(as_text=True)

    assert "<h1>Sign In</h1>" in page
    assert _TOKEN.search(page) is not None
    assert 'name="username"' in page
    assert 'type="password"' in page


def test_post_without_token_reaches_the_csrf_error_handler(client: Any) -> None:
    token(client)

    response = client.post("/login", data={"username": "alice", "password": "wonderland"})

    assert response.status_code == 400
    assert "The CSRF token is missing." in response.get_data(as_text=True)


def test_empty_fields_show_validation_errors(client: Any) -> None:
    response = client.post("/login", data={"csrf_token": token(client)})

    assert response.status_code == 200
    assert response.get_data(as_text=True).count("[This field is required.]") == 2


def test_wrong_password_redirects_back_with_a_message(client: Any) -> None:
    data = {"csrf_token": token(client), "username": "alice", "password": "nope"}

    response = client.post("/login", data=data, follow_redirects=True)

    assert "Invalid username or password" in response.get_data(as_text=True)
    assert client.get("/").get_data(as_text=True) == "Hello, stranger!"


def test_sign_in_and_out(client: Any) -> None:
    data = {"csrf_token": token(client), "username": "alice", "password": "wonderland"}

    signed_in = client.post("/login", data=data, follow_redirects=True)

    assert signed_in.get_data(as_text=True) == "Hello, alice! Welcome, alice"
    logout_token = token(client)
    assert client.post("/logout").status_code == 400
    client.post("/logout", headers={"X-CSRFToken": logout_token})
    assert client.get("/").get_data(as_text=True) == "Hello, stranger!"


def test_exempt_api_view_needs_no_token(client: Any) -> None:
    assert client.post("/api/ping").get_json() == {"pong": True}


def test_cross_origin_reads_get_the_cors_headers(client: Any) -> None:
    response = client.get("/", headers={"Origin": "https://app.example"})

    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert "Origin" in response.headers["Vary"]


def test_a_preflight_is_answered(client: Any) -> None:
    response = client.options(
        "/api/ping",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
    )

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


def test_a_cross_site_login_post_still_needs_the_token(client: Any) -> None:
    cross_site = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}

    response = client.post(
        "/login", data={"username": "alice", "password": "wonderland"}, headers=cross_site
    )

    assert response.status_code == 400
    assert client.get("/").get_data(as_text=True) == "Hello, stranger!"


def test_password_guessing_is_rate_limited(request: pytest.FixtureRequest, client: Any) -> None:
    if request.node.callspec.params["client"] == "flask":
        pytest.skip(
            "Flask-Limiter 3 and later read a positional app as the key function and"
            " limit nothing; the older form is hipflask's to keep working"
        )
    guesses = [
        client.post(
            "/login", data={"csrf_token": token(client), "username": "alice", "password": guess}
        ).status_code
        for guess in ("a", "b", "c", "d")
    ]

    assert guesses == [302, 302, 302, 429]
    assert client.get("/login").status_code == 200  # only POST is limited
