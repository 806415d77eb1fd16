"""The complete examples on the rate-limit, CORS, Talisman, testing, REST and auth pages run."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask.jwt import create_access_token

DOCS = Path(__file__).resolve().parents[2] / "docs"


def example(page: str) -> dict[str, Any]:
    """Run the first Python code block of a docs page; return its namespace."""
    text = (DOCS / page).read_text()
    match = re.search(r"\.\. code-block:: python\n\n((?:    .*\n|\n)+)", text)
    assert match is not None, f"{page} has no Python example"
    namespace: dict[str, Any] = {"__name__": "docs_example"}
    exec(compile(textwrap.dedent(match.group(1)), page, "exec"), namespace)  # noqa: S102
    return namespace


def block_containing(page: str, needle: str) -> dict[str, Any]:
    """Run the Python code block of a docs page that contains ``needle``."""
    text = (DOCS / page).read_text()
    for match in re.finditer(r"\.\. code-block:: python\n\n((?:    .*\n|\n)+)", text):
        if needle in match.group(1):
            namespace: dict[str, Any] = {"__name__": "docs_example"}
            code = textwrap.dedent(match.group(1))
            exec(compile(code, page, "exec"), namespace)  # noqa: S102
            return namespace
    raise AssertionError(f"{page} has no Python example containing {needle!r}")


def literal_block_containing(page: str, needle: str) -> str:
    """The code of the ``::`` literal block of a docs page that contains ``needle``."""
    text = (DOCS / page).read_text()
    for match in re.finditer(r"::\n\n((?:    .*\n|\n)+)", text):
        if needle in match.group(1):
            return textwrap.dedent(match.group(1))
    raise AssertionError(f"{page} has no literal block containing {needle!r}")


@pytest.fixture(params=["wsgi", "asgi"])
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_the_rate_limit_example_limits_and_exempts(protocol: str) -> None:
    namespace = example("rate-limits.rst")
    client = namespace["app"].test_client(protocol=protocol)
    codes = [client.post("/api/search", headers={"X-Api-Key": "k"}).status_code for _ in range(11)]
    assert codes[:10] == [200] * 10
    assert codes[10] == 429
    assert client.get("/health").headers.get("X-RateLimit-Limit") is None


def test_the_rate_limit_example_refuses_the_sixth_login_with_its_message(protocol: str) -> None:
    namespace = example("rate-limits.rst")
    client = namespace["app"].test_client(protocol=protocol)
    codes = [client.post("/login").status_code for _ in range(5)]
    assert codes == [401] * 5
    refused = client.post("/login", headers={"Accept": "application/json"})
    assert refused.status_code == 429
    assert refused.get_json()["message"] == "Too many sign-in attempts."
    assert refused.headers["Retry-After"] == "60"


def test_the_rate_limit_example_shares_one_upload_budget(protocol: str) -> None:
    namespace = example("rate-limits.rst")
    client = namespace["app"].test_client(protocol=protocol)
    codes = [client.post(path).status_code for path in ["/avatar", "/banner"] * 10]
    assert codes == [204] * 20
    assert client.post("/avatar").status_code == 429
    assert client.post("/banner").status_code == 429


def test_the_cors_example_shares_with_the_listed_origins(protocol: str) -> None:
    namespace = example("cors.rst")
    client = namespace["app"].test_client(protocol=protocol)
    shop = client.get("/api/orders", headers={"Origin": "https://eu.shop.example"})
    assert shop.headers["Access-Control-Allow-Origin"] == "https://eu.shop.example"
    assert shop.headers["Access-Control-Allow-Credentials"] == "true"
    other = client.get("/api/orders", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    widget = client.get("/embed/widget", headers={"Origin": "https://partner.example"})
    assert widget.headers["Access-Control-Allow-Origin"] == "https://partner.example"


def test_the_talisman_example_sets_its_headers(protocol: str) -> None:
    namespace = example("talisman.rst")
    app = namespace["app"]

    @app.get("/plain")
    def plain() -> str:
        return "ok"

    client = app.test_client(protocol=protocol)
    assert client.get("/plain").status_code == 302
    response = client.get("/plain", base_url="https://localhost")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "preload" in response.headers["Strict-Transport-Security"]
    assert "script-src 'self' 'nonce-" in response.headers["Content-Security-Policy"]


def test_the_cli_testing_example_runs_the_routes_command() -> None:
    namespace = block_containing("testing.rst", "hipflask.cli.cli")
    namespace["test_routes_command"](Hipflask("docs_example"))


def test_the_client_class_example_sends_its_token(monkeypatch: pytest.MonkeyPatch) -> None:
    namespace = block_containing("testing.rst", "class TokenClient")
    assert namespace["app"].test_client().application is namespace["app"]
    for protocol in ("wsgi", "asgi"):
        monkeypatch.setenv("HIPFLASK_TEST_PROTOCOL", protocol)
        namespace["test_token_client"]()


def test_the_cachelib_session_example_keeps_files_in_the_cache_directory(
    protocol: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    namespace = block_containing("sessions.rst", "FileSystemCache(cache_dir=")
    app = namespace["app"]
    client = app.test_client(protocol=protocol)
    assert client.get("/visit").json == {"visits": 1}
    assert client.get("/visit").json == {"visits": 2}
    assert app.session_interface.store.directory == str(tmp_path / "flask_session")


def test_the_csv_representation_example_answers_the_quickstart_api(protocol: str) -> None:
    namespace: dict[str, Any] = {"__name__": "docs_example"}
    for needle in ("api.add_resource(TodoList", '@api.representation("text/csv")'):
        code = literal_block_containing("rest-apis.rst", needle)
        exec(compile(code, "rest-apis.rst", "exec"), namespace)  # noqa: S102
    client = namespace["app"].test_client(protocol=protocol)
    csv = {"Accept": "text/csv"}
    todo = client.get("/todos/todo1", headers=csv)
    assert (todo.status_code, todo.headers["Content-Type"]) == (200, "text/csv")
    assert todo.get_data(as_text=True) == "task\r\nbuild an API\r\n"
    assert client.get("/todos", headers=csv).status_code == 200
    missing = client.get("/todos/nope", headers=csv)
    assert missing.status_code == 404
    assert missing.get_data(as_text=True) == "message\r\nTodo nope doesn't exist\r\n"


def test_the_exempt_token_api_takes_a_bearer_token_without_a_csrf_token(
    protocol: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIPFLASK_SECRET_KEY", "a-test-secret-key-of-thirty-two-bytes-or-more")
    namespace = block_containing("authentication.rst", "csrf.exempt(api)")
    app = namespace["app"]

    @app.post("/form")
    def form() -> str:
        return "saved"

    with app.test_request_context():
        token = create_access_token(identity="ann")
    client = app.test_client(protocol=protocol)
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/notes", headers=bearer).status_code == 201
    assert client.post("/api/notes").status_code == 401  # the token is still required
    refused = client.post("/form", headers=bearer)
    assert refused.status_code == 400
    assert "The CSRF token is missing." in refused.text


def test_the_typed_api_refuses_an_anonymous_request_before_reading_its_body(
    protocol: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIPFLASK_SECRET_KEY", "a-test-secret-key-of-thirty-two-bytes-or-more")
    app = block_containing("rest-apis.rst", "verify_jwt_in_request()")["app"]
    with app.test_request_context():
        token = create_access_token(identity="ann")
    client = app.test_client(protocol=protocol)
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/notes", json={"title": ""}).status_code == 401
    assert client.post("/api/notes", json={"title": ""}, headers=bearer).status_code == 422
    saved = client.post("/api/notes", json={"title": "t"}, headers=bearer)
    assert saved.json == {"title": "t", "owner": "ann"}
