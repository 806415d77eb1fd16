"""Flask-Login's tutorial app, renamed to hipflask.login, for the login tests."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conftest import SECRET
from tests.store_backends import store_url  # noqa: F401  (a fixture for the tests here)
from werkzeug.security import generate_password_hash

from hipflask import Hipflask
from hipflask import jsonify
from hipflask import redirect
from hipflask import render_template_string
from hipflask import request
from hipflask import url_for
from hipflask.login import LoginManager
from hipflask.login import UserMixin
from hipflask.login import current_user
from hipflask.login import fresh_login_required
from hipflask.login import login_required
from hipflask.login import login_user
from hipflask.login import logout_everywhere
from hipflask.login import logout_user
from hipflask.login import safe_next_url
from hipflask.login import verify_login

# Cheap hashes keep the suite fast; the timing attack test uses real ones.
FAST_HASH = "pbkdf2:sha256:1000"


class User(UserMixin):
    def __init__(self, id: str, password: str, roles: tuple[str, ...] = (), active: bool = True):
        self.id = id
        self.password_hash = generate_password_hash(password, method=FAST_HASH)
        self.roles = list(roles)
        self.active = active

    @property
    def is_active(self) -> bool:
        return self.active


def make_users() -> dict[str, User]:
    return {
        "alice": User("alice", "wonderland", roles=("admin",)),
        "bob": User("bob", "builder", roles=("editor",)),
        "zed": User("zed", "asleep", active=False),
    }


def build_app(**config: Any) -> Hipflask:
    app = Hipflask("login_tests")
    app.config.update({"TESTING": True, "SECRET_KEY": SECRET, **config})
    users = make_users()
    app.extensions["test_users"] = users
    manager = LoginManager(app)
    manager.login_view = "login"

    @manager.user_loader
    def load_user(user_id: str) -> User | None:
        return users.get(user_id)

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        if request.method == "GET":
            return "login form"
        user = users.get(request.form.get("username", ""))
        if not verify_login(user, request.form.get("password", "")):
            return "Invalid user name or password.", 401
        remember = request.form.get("remember") == "1"
        if not login_user(user, remember=remember):
            return "Account disabled.", 403
        return redirect(safe_next_url(url_for("dashboard")))

    @app.route("/logout", methods=["POST"])
    def logout() -> Any:
        logout_user()
        return redirect(url_for("login"))

    @app.get("/dashboard")
    @login_required
    def dashboard() -> str:
        return f"Hello {current_user.id}"

    @app.get("/async-dashboard")
    @login_required
    async def async_dashboard() -> str:
        return f"Async hello {current_user.id}"

    @app.post("/password")
    @fresh_login_required
    def change_password() -> str:
        logout_everywhere(current_user, keep_current=True)
        return "changed"

    @app.get("/whoami")
    def whoami() -> Any:
        return jsonify(id=current_user.get_id(), anonymous=current_user.is_anonymous)

    @app.get("/page")
    def page() -> str:
        return render_template_string("{{ current_user.is_authenticated }}")

    return app


@pytest.fixture
def app() -> Hipflask:
    return build_app()


def log_in(client: Any, name: str = "alice", password: str | None = None, **extra: str) -> Any:
    passwords = {"alice": "wonderland", "bob": "builder", "zed": "asleep"}
    data = {"username": name, "password": password or passwords.get(name, "x"), **extra}
    return client.post("/login", data=data)
