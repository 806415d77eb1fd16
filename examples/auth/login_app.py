"""Flask-Login's tutorial: a UserMixin model, a login form, a protected dashboard.

The only change from the Flask version is the imports (``flask`` ->
``hipflask``, ``flask_login`` -> ``hipflask.login``), plus ``verify_login``
so an unknown user name and a wrong password take the same time.
"""

from __future__ import annotations

import os
from typing import Any

from werkzeug.security import generate_password_hash

from hipflask import Flask
from hipflask import flash
from hipflask import redirect
from hipflask import render_template_string
from hipflask import request
from hipflask import url_for
from hipflask.login import LoginManager
from hipflask.login import UserMixin
from hipflask.login import current_user
from hipflask.login import login_required
from hipflask.login import login_user
from hipflask.login import logout_everywhere
from hipflask.login import logout_user
from hipflask.login import roles_required
from hipflask.login import safe_next_url
from hipflask.login import verify_login

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ.get(
    "HIPFLASK_SECRET_KEY", "dev-only-secret-key-replace-in-production"
)

login_manager = LoginManager(app)
login_manager.login_view = "login"


class User(UserMixin):
    def __init__(self, id: str, password: str, roles: list[str]) -> None:
        self.id = id
        self.password_hash = generate_password_hash(password)
        self.roles = roles


USERS = {
    "ada": User("ada", "analytical engine", ["admin"]),
    "grace": User("grace", "compiler", []),
}


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return USERS.get(user_id)


LOGIN_FORM = """
<form method="post">
  <input name="username"> <input name="password" type="password">
  <label><input type="checkbox" name="remember" value="1"> Remember me</label>
  <button>Log in</button>
</form>
"""


@app.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "POST":
        user = USERS.get(request.form["username"])
        # One message, one status, one duration for both kinds of failure.
        if not verify_login(user, request.form["password"]):
            flash("Wrong user name or password.")
            return render_template_string(LOGIN_FORM), 401
        login_user(user, remember=request.form.get("remember") == "1")
        return redirect(safe_next_url(url_for("dashboard")))
    return render_template_string(LOGIN_FORM)


@app.route("/dashboard")
@login_required
def dashboard() -> str:
    return render_template_string("Hello {{ current_user.id }}!")


@app.route("/admin")
@roles_required("admin")
def admin() -> str:
    return "Admins only."


@app.post("/password")
@login_required
def change_password() -> str:
    current_user.password_hash = generate_password_hash(request.form["password"])
    # Every other browser and remember-me cookie of this user is logged out.
    logout_everywhere(current_user, keep_current=True)
    return "Password changed."


@app.post("/logout")
def logout() -> Any:
    logout_user()
    return redirect(url_for("login"))
