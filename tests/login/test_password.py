"""A password change ends the user's other logins, even without the registry."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.security import generate_password_hash

from hipflask import Hipflask
from hipflask.login.password import password_fingerprint
from hipflask.login.password import password_unchanged

from .conftest import build_app
from .conftest import log_in

CONFIG = {"SECRET_KEY": "p" * 40, "LOGIN_PASSWORD_ATTRIBUTE": "password_hash"}


class Account:
    password_hash: Any = "scrypt$salt$hash"


def test_fingerprint_is_keyed_and_follows_key_rotation() -> None:
    kept = password_fingerprint(CONFIG, Account())
    assert kept is not None
    assert "scrypt" not in kept
    assert password_unchanged(CONFIG, Account(), kept)
    rotated = {**CONFIG, "SECRET_KEY": "q" * 40, "SECRET_KEY_FALLBACKS": ["p" * 40]}
    assert password_unchanged(rotated, Account(), kept)
    changed = Account()
    changed.password_hash = "scrypt$salt$other"
    assert not password_unchanged(CONFIG, changed, kept)


def test_nothing_to_watch_means_unchanged() -> None:
    assert password_fingerprint({**CONFIG, "LOGIN_PASSWORD_ATTRIBUTE": None}, Account()) is None
    assert password_fingerprint({"LOGIN_PASSWORD_ATTRIBUTE": "password_hash"}, Account()) is None
    assert password_unchanged(CONFIG, Account(), None)
    bare = Account()
    bare.password_hash = None
    assert password_unchanged(CONFIG, bare, "anything")


def change_password(app: Hipflask, name: str, password: str) -> None:
    user = app.extensions["test_users"][name]
    user.password_hash = generate_password_hash(password, method="pbkdf2:sha256:1000")


@pytest.mark.parametrize("registry", ["memory://", None])
def test_changed_password_ends_other_sessions_and_remember_cookies(
    protocol: str, registry: str | None
) -> None:
    app = build_app(LOGIN_REGISTRY_STORE=registry)
    laptop: Any = app.test_client(protocol=protocol)
    phone: Any = app.test_client(protocol=protocol)
    log_in(laptop)
    log_in(phone, remember="1")
    remember = phone.get_cookie("remember_token").value
    change_password(app, "alice", "new secret")
    assert laptop.get("/dashboard").status_code == 302
    assert phone.get("/dashboard").status_code == 302
    thief: Any = app.test_client(protocol=protocol)
    thief.set_cookie("remember_token", remember)
    assert thief.get("/dashboard").status_code == 302


def test_the_browser_that_changed_it_stays_logged_in(app: Hipflask, protocol: str) -> None:
    @app.post("/change")
    def change() -> str:
        from hipflask.login import current_user
        from hipflask.login import logout_everywhere

        change_password(app, current_user.id, "brand new")
        logout_everywhere(current_user, keep_current=True)
        return "changed"

    client: Any = app.test_client(protocol=protocol)
    other: Any = app.test_client(protocol=protocol)
    log_in(client, remember="1")
    log_in(other)
    assert client.post("/change").text == "changed"
    assert client.get("/dashboard").text == "Hello alice"
    assert other.get("/dashboard").status_code == 302
    client.delete_cookie("session")
    assert client.get("/dashboard").text == "Hello alice"
