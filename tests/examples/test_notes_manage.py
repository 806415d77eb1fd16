"""The notes demo's back office (``/manage``, hipflask.admin), under WSGI and ASGI."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from examples.notes.models import Note
from examples.notes.models import User
from examples.notes.models import db
from tests.examples.notes_helpers import add_user
from tests.examples.notes_helpers import csrf_token
from tests.examples.notes_helpers import make_app
from tests.examples.notes_helpers import sign_in

from hipflask import Hipflask
from hipflask.serving.admin_access import check_admin_access

PAGES = ["/manage/", "/manage/users/", "/manage/notes/", "/manage/notes/new/"]


@pytest.fixture
def app(tmp_path: Path) -> Hipflask:
    app = make_app(tmp_path / "instance")
    add_user(app, "bob")
    with app.app_context():
        bob = db.session.scalar(db.select(User).filter_by(username="bob"))
        db.session.add(Note(owner=bob, title="bob's plan", body="first"))
        db.session.add(Note(owner=bob, title='=HYPERLINK("http://evil.test")', body=""))
        db.session.commit()
    return app


@pytest.fixture
def client(app: Hipflask, protocol: str) -> Iterator[Any]:
    yield app.test_client(protocol=protocol)


def test_the_production_check_finds_every_view_guarded(app: Hipflask) -> None:
    check_admin_access(app)


@pytest.mark.parametrize("page", PAGES)
def test_an_anonymous_visitor_is_sent_to_sign_in(client: Any, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("page", PAGES)
def test_a_user_without_the_role_is_refused(client: Any, page: str) -> None:
    sign_in(client, "bob")
    assert client.get(page).status_code == 403


def test_an_admin_sees_every_account_but_no_password_hash(client: Any) -> None:
    sign_in(client, "admin")
    page = client.get("/manage/users/").text
    assert "bob" in page
    assert "admin" in page
    assert "argon2" not in page
    assert "password" not in client.get("/manage/users/edit/?id=2").text.lower()


def test_an_admin_edits_another_user_s_note(app: Hipflask, client: Any) -> None:
    sign_in(client, "admin")
    assert "bob&#39;s plan" in client.get("/manage/notes/?search=plan").text
    form = client.get("/manage/notes/edit/?id=1").text
    owner = re.search(r'<option selected value="(\d+)"|<option value="(\d+)" selected', form)
    assert owner is not None
    response = client.post(
        "/manage/notes/edit/?id=1",
        data={
            "csrf_token": csrf_token(form),
            "owner": next(value for value in owner.groups() if value),
            "title": "bob's plan, reviewed",
            "body": "fine",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        note = db.session.get(Note, 1)
        assert note is not None
        assert (note.title, note.owner.username) == ("bob's plan, reviewed", "bob")


def test_an_edit_without_its_token_changes_nothing(app: Hipflask, client: Any) -> None:
    sign_in(client, "admin")
    client.post("/manage/notes/edit/?id=1", data={"owner": "2", "title": "forged", "body": ""})
    with app.app_context():
        note = db.session.get(Note, 1)
        assert note is not None
        assert note.title == "bob's plan"


def test_the_export_cannot_carry_a_spreadsheet_formula(client: Any) -> None:
    sign_in(client, "admin")
    response = client.get("/manage/notes/export/csv/")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert "bob's plan" in response.text
    assert "'=HYPERLINK" in response.text
    assert ",=HYPERLINK" not in response.text
    assert '"=HYPERLINK' not in response.text
