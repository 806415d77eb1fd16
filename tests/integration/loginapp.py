"""A Flask-Login style app (renamed imports) booted by real servers for the attack tests.

``LOGINAPP_REGISTRY`` names the live-login store, ``LOGINAPP_THROTTLE_*``
the limits, ``LOGINAPP_SECRET`` the secret key, so two processes can share
one Redis and one key.
"""

from __future__ import annotations

import os
from typing import Any

from werkzeug.security import generate_password_hash

from hipflask import Hipflask
from hipflask import redirect
from hipflask import request
from hipflask import url_for
from hipflask.login import LoginManager
from hipflask.login import UserMixin
from hipflask.login import current_user
from hipflask.login import login_required
from hipflask.login import login_user
from hipflask.login import logout_everywhere
from hipflask.login import logout_user
from hipflask.login import safe_next_url
from hipflask.login import verify_login


class User(UserMixin):
    def __init__(self, id: str, password: str) -> None:
        self.id = id
        # Werkzeug's default (scrypt): the real cost, for the timing test.
        self.password_hash = generate_password_hash(password)


USERS = {"alice": User("alice", "correct horse battery staple")}

app = Hipflask(__name__)
app.config.update(
    SECRET_KEY=os.environ.get("LOGINAPP_SECRET", "loginapp-secret-key-that-is-long-enough-1"),
    LOGIN_REGISTRY_STORE=os.environ.get("LOGINAPP_REGISTRY", "memory://"),
    LOGIN_REGISTRY_KEY_PREFIX=os.environ.get("LOGINAPP_PREFIX", "hipflask:login:"),
    LOGIN_THROTTLE_STORAGE=os.environ.get("LOGINAPP_THROTTLE_STORAGE", "memory://"),
    LOGIN_THROTTLE_PER_USER=os.environ.get("LOGINAPP_THROTTLE_PER_USER", "5/minute"),
    LOGIN_THROTTLE_PER_ADDRESS=os.environ.get("LOGINAPP_THROTTLE_PER_ADDRESS", "20/minute"),
)
login_manager = LoginManager(app)
login_manager.login_view = "login"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return USERS.get(user_id)


@app.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        return "login form"
    user = USERS.get(request.form.get("username", ""))
    if not verify_login(user, request.form.get("password", "")):
        return "Invalid user name or password.", 401
    login_user(user, remember=request.form.get("remember") == "1")
    return redirect(safe_next_url(url_for("dashboard")))


@app.post("/logout")
def logout() -> Any:
    logout_user()
    return redirect(url_for("login"))


@app.post("/logout-everywhere")
@login_required
def everywhere() -> Any:
    logout_everywhere(current_user)
    logout_user()
    return "ended"


@app.get("/dashboard")
@login_required
def dashboard() -> str:
    return f"Hello {current_user.id}"
