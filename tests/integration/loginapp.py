"""A Flask-Login style app (renamed imports) booted by real servers for the attack tests.

``LOGINAPP_REGISTRY`` names the live-login store, ``LOGINAPP_THROTTLE_*``
the limits, ``LOGINAPP_SECRET`` the secret key, so two processes can share
one Redis and one key.
"""

from __future__ import annotations

import os
from typing import Any

from hipflask import Hipflask
from hipflask import redirect
from hipflask import request
from hipflask import url_for
from hipflask.login import LoginManager
from hipflask.login import UserMixin
from hipflask.login import current_user
from hipflask.login import login_required
from hipflask.login import login_throttled
from hipflask.login import login_user
from hipflask.login import logout_everywhere
from hipflask.login import logout_user
from hipflask.login import safe_next_url
from hipflask.login import verify_login

# Werkzeug's default (scrypt), the real cost for the timing test. Fixed, as
# a database would keep it: every process of the app sees the same hash.
ALICE_HASH = (
    "scrypt:32768:8:1$EogzN6JQ4ByH5VUf$905b55ee5b1dbd4f369076dc6626e6ec9f7632b400cfa606327c35"
    "3e8342cccfdf95542dc1418ce0c03264d3a8c4f7a665c4989adc5f29834e9f551a4bb1ec69"
)


class User(UserMixin):
    def __init__(self, id: str, password_hash: str) -> None:
        self.id = id
        self.password_hash = password_hash


USERS = {"alice": User("alice", ALICE_HASH)}
EMAILS = {"alice@example.com": "alice"}

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


@app.post("/email-login")
@login_throttled
def email_login() -> Any:
    # A login by e-mail address: ``username`` is a field this view never reads.
    user = USERS.get(EMAILS.get(request.form.get("email", ""), ""))
    if not verify_login(user, request.form.get("password", "")):
        return "Invalid e-mail address or password.", 401
    login_user(user)
    return redirect(url_for("dashboard"))


@app.route("/session", methods=["POST", "DELETE"])
@login_throttled
def api_session() -> Any:
    # A JSON API logging in and out at one URL: DELETE logs out.
    if request.method == "DELETE" and not request.get_data():
        logout_user()
        return "", 204
    data = request.get_json(force=True, silent=True)
    data = data if isinstance(data, dict) else {}
    user = USERS.get(str(data.get("username", "")))
    if not verify_login(user, str(data.get("password", ""))):
        return {"msg": "Invalid user name or password."}, 401
    login_user(user)
    return {"msg": "welcome"}


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
