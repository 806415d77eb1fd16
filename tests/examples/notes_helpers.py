"""Shared helpers for the notes demo's tests: an app on a fresh instance folder."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from examples.notes import create_app
from examples.notes.models import User
from examples.notes.models import db

from hipflask import Hipflask

PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def make_app(instance: Path, **settings: Any) -> Hipflask:
    """The demo with its migration applied and an admin, in ``instance``."""
    from hipflask.db.migrate import upgrade

    app = create_app({"INSTANCE_PATH": str(instance), "TESTING": True, **settings})
    with app.app_context():
        upgrade()
        add_user(app, "admin", admin=True)
    return app


def add_user(app: Hipflask, name: str, *, admin: bool = False) -> None:
    with app.app_context():
        user = User(username=name, is_admin=admin)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()


def csrf_token(html: str) -> str:
    found = TOKEN.search(html)
    if found is None:
        raise AssertionError("no CSRF token in the page")
    return found.group(1)


def sign_in(client: Any, name: str, password: str = PASSWORD) -> Any:
    token = csrf_token(client.get("/login").text)
    return client.post("/login", data={"username": name, "password": password, "csrf_token": token})
