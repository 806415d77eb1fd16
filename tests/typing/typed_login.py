"""Flask-Login's documented usage, strictly typed, through hipflask.login."""

from __future__ import annotations

from werkzeug.wrappers import Response as BaseResponse

from hipflask import Flask
from hipflask import Request
from hipflask import redirect
from hipflask import request
from hipflask import url_for
from hipflask.login import AnonymousUserMixin
from hipflask.login import LoginManager
from hipflask.login import UserMixin
from hipflask.login import current_user
from hipflask.login import fresh_login_required
from hipflask.login import login_required
from hipflask.login import login_user
from hipflask.login import logout_user

login_manager = LoginManager()
login_manager.login_view = "login"
login_manager.login_message = "Please log in."
login_manager.session_protection = "strong"


class User(UserMixin):
    def __init__(self, user_id: str, name: str) -> None:
        self.id = user_id
        self.name = name


class Guest(AnonymousUserMixin):
    name = "guest"


USERS = {"1": User("1", "ada")}
login_manager.anonymous_user = Guest


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return USERS.get(user_id)


@login_manager.request_loader
def load_user_from_request(req: Request) -> User | None:
    return None


@login_manager.unauthorized_handler
def unauthorized() -> tuple[str, int]:
    return "log in first", 401


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "dev"
    login_manager.init_app(app)

    @app.route("/login", methods=["GET", "POST"])
    def login() -> BaseResponse | str:
        if request.method == "POST":
            user = USERS.get(request.form["id"])
            if user is not None and login_user(user, remember=True):
                return redirect(request.args.get("next") or url_for("profile"))
        return "form"

    @app.route("/profile")
    @login_required
    def profile() -> str:
        name: str = current_user.name
        return f"{name} {current_user.is_authenticated} {current_user.get_id()}"

    @app.route("/settings")
    @fresh_login_required
    def settings() -> str:
        return "settings"

    @app.route("/logout")
    @login_required
    def logout() -> BaseResponse:
        logout_user()
        return redirect(url_for("login"))

    return app
