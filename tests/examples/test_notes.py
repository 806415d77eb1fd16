"""The notes demo through the test client, under WSGI and ASGI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.examples.notes_helpers import PASSWORD
from tests.examples.notes_helpers import add_user
from tests.examples.notes_helpers import csrf_token
from tests.examples.notes_helpers import make_app
from tests.examples.notes_helpers import sign_in

from hipflask import Hipflask


@pytest.fixture
def app(tmp_path: Path) -> Hipflask:
    return make_app(tmp_path / "instance")


@pytest.fixture
def client(app: Hipflask, protocol: str) -> Iterator[Any]:
    yield app.test_client(protocol=protocol)


def _add_note(client: Any, title: str, body: str = "") -> Any:
    token = csrf_token(client.get("/").text)
    return client.post("/notes", data={"title": title, "body": body, "csrf_token": token})


def test_an_anonymous_visitor_is_sent_to_the_login_page(client: Any) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_sign_up_creates_an_argon2_account_and_signs_in(app: Hipflask, client: Any) -> None:
    token = csrf_token(client.get("/signup").text)
    response = client.post(
        "/signup",
        data={"username": "alice", "password": PASSWORD, "confirm": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert "alice" in client.get("/").text
    from examples.notes.models import User
    from examples.notes.models import db

    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username="alice"))
        assert user is not None
        assert user.password_hash.startswith("$argon2id$")


def test_a_form_without_its_csrf_token_is_refused(client: Any) -> None:
    response = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 400


def test_wrong_password_and_unknown_user_read_the_same(client: Any) -> None:
    wrong = sign_in(client, "admin", "not the password").text
    unknown = sign_in(client, "nobody-here", "not the password").text
    assert "Wrong user name or password." in wrong
    assert "Wrong user name or password." in unknown


def test_notes_are_created_searched_paged_edited_and_deleted(client: Any) -> None:
    sign_in(client, "admin")
    for number in range(7):
        assert (
            _add_note(client, f"note {number}", "apples" if number == 3 else "").status_code == 302
        )
    first = client.get("/").text
    assert first.count('data-testid="note"') == 5
    assert client.get("/?page=2").text.count('data-testid="note"') == 2
    found = client.get("/?q=apples").text
    assert found.count('data-testid="note"') == 1
    assert "note 3" in found
    edit_page = client.get("/notes/4/edit")
    assert edit_page.status_code == 200
    client.post(
        "/notes/4/edit",
        data={"title": "renamed", "body": "pears", "csrf_token": csrf_token(edit_page.text)},
    )
    assert "renamed" in client.get("/").text
    token = csrf_token(client.get("/").text)
    assert client.post("/notes/4/delete", data={"csrf_token": token}).status_code == 302
    assert "renamed" not in client.get("/").text
    assert client.get("/?page=999").status_code == 404


def test_another_user_s_note_is_refused_but_an_admin_sees_every_note(
    app: Hipflask, client: Any
) -> None:
    add_user(app, "bob")
    sign_in(client, "admin")
    _add_note(client, "admin's secret")
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/").text)})
    sign_in(client, "bob")
    assert client.get("/notes/1/edit").status_code == 404
    token = csrf_token(client.get("/").text)
    assert client.post("/notes/1/delete", data={"csrf_token": token}).status_code == 404
    assert client.get("/admin/notes").status_code == 403
    client.post("/logout", data={"csrf_token": token})
    sign_in(client, "admin")
    assert "admin&#39;s secret" in client.get("/admin/notes").text


def test_a_cross_site_form_post_is_refused_even_with_a_token(client: Any) -> None:
    sign_in(client, "admin")
    token = csrf_token(client.get("/").text)
    response = client.post(
        "/notes",
        data={"title": "forged", "csrf_token": token},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403
    assert "forged" not in client.get("/").text


def test_pages_carry_a_nonce_csp_and_the_script_uses_it(client: Any) -> None:
    page = client.get("/login")
    policy = page.headers["Content-Security-Policy"]
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in page.text
    assert "script-src 'self'" in policy


def test_logout_really_ends_the_login(client: Any) -> None:
    sign_in(client, "admin")
    cookie = client.get_cookie("session")
    assert cookie is not None
    copied = cookie.value
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/").text)})
    client.set_cookie("session", copied)
    assert client.get("/").status_code == 302


def test_the_api_flow_with_tokens(client: Any) -> None:
    refused = client.post("/api/token", json={"username": "admin", "password": "nope"})
    assert refused.status_code == 401
    tokens = client.post("/api/token", json={"username": "admin", "password": PASSWORD})
    assert tokens.status_code == 201
    access = {"Authorization": f"Bearer {tokens.get_json()['access_token']}"}
    refresh = {"Authorization": f"Bearer {tokens.get_json()['refresh_token']}"}
    assert client.get("/api/notes").status_code == 401
    created = client.post("/api/notes", json={"title": "via api", "body": "x"}, headers=access)
    assert created.status_code == 201
    note = created.get_json()
    assert set(note) == {"id", "title", "body", "created", "updated"}
    bad = client.post("/api/notes", json={"title": ""}, headers=access)
    assert bad.status_code == 422
    listed = client.get("/api/notes?per_page=5", headers=access).get_json()
    assert listed["total"] == 1
    patched = client.patch(f"/api/notes/{note['id']}", json={"body": "y"}, headers=access)
    assert patched.get_json()["body"] == "y"
    renewed = client.post("/api/token/refresh", headers=refresh)
    assert renewed.status_code == 201
    # The old refresh token was retired: its reuse revokes the whole login.
    assert client.post("/api/token/refresh", headers=refresh).status_code == 401
    new_access = {"Authorization": f"Bearer {renewed.get_json()['access_token']}"}
    assert client.get("/api/notes", headers=new_access).status_code == 401
    assert client.get("/openapi.json").get_json()["openapi"].startswith("3.1")


def test_cors_allows_the_configured_origin_only(client: Any) -> None:
    allowed = "http://localhost:5173"
    preflight = client.options(
        "/api/notes",
        headers={"Origin": allowed, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.headers.get("Access-Control-Allow-Origin") == allowed
    other = client.options(
        "/api/notes",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in other.headers


def test_add_user_refuses_short_passwords_and_taken_names(app: Hipflask) -> None:
    runner = app.test_cli_runner()

    made = runner.invoke(args=["add-user", "carol", "--password", PASSWORD])
    short = runner.invoke(args=["add-user", "dave", "--password", "short"])
    taken = runner.invoke(args=["add-user", "carol", "--password", PASSWORD])

    assert (made.exit_code, made.output.strip()) == (0, "Created user 'carol'.")
    assert short.exit_code == 2
    assert "at least 10 characters" in short.output
    assert taken.exit_code == 1
    assert "There is a user called 'carol' already." in taken.output
    assert "Traceback" not in taken.output
