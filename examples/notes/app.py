"""The application factory: every suite set up the way its docs show."""

from __future__ import annotations

import os
from typing import Any

import click

from hipflask import Hipflask
from hipflask.cors import CORS
from hipflask.db.migrate import Migrate
from hipflask.forms import CSRFProtect
from hipflask.jwt import JWTManager
from hipflask.limiter import Limiter
from hipflask.limiter.util import get_remote_address
from hipflask.login import LoginManager
from hipflask.openapi import OpenAPI
from hipflask.sessions import Session

from . import settings
from .forms import MIN_PASSWORD_LENGTH
from .manage import init_manage
from .models import User
from .models import db

HERE = os.path.dirname(os.path.abspath(__file__))

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to see your notes."
login_manager.login_message_category = "info"
jwt = JWTManager()
migrate = Migrate(directory=os.path.join(HERE, "migrations"))


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def create_app(test_config: dict[str, Any] | None = None) -> Hipflask:
    """Build the app. ``test_config`` overrides settings (and ``INSTANCE_PATH``)."""
    test_config = dict(test_config or {})
    instance_path = test_config.pop("INSTANCE_PATH", None) or os.environ.get("NOTES_INSTANCE")
    app = Hipflask(__name__, instance_path=instance_path)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(settings.build(app.instance_path, test_config))

    db.init_app(app)
    migrate.init_app(app, db)
    Session(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    jwt.init_app(app)
    # Made per app: a limiter's counters belong to the app it guards.
    limiter = Limiter(get_remote_address, app=app)
    # Browsers on one other site may call the JSON API; nothing else is shared.
    CORS(app, resources={r"/api/.*": {"origins": [app.config["NOTES_API_ORIGIN"]]}})
    OpenAPI(app)

    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .notes import admin as admin_bp
    from .notes import bp as notes_bp

    # Tokens, not cookies, authenticate the API: no CSRF token to send there.
    csrf.exempt(api_bp)
    # Guessing passwords through the API is throttled like the login form.
    limiter.limit("10 per minute", methods=["POST"])(api_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(notes_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(api_bp)
    init_manage(app)

    _register_commands(app)
    return app


def _register_commands(app: Hipflask) -> None:
    @app.cli.command("add-user")
    @click.argument("username")
    @click.option("--admin", is_flag=True, help="Give the user the admin role.")
    @click.password_option()
    def add_user(username: str, admin: bool, password: str) -> None:
        """Create a user; with --admin, one who sees every note."""
        if len(password) < MIN_PASSWORD_LENGTH:
            raise click.BadParameter(
                f"use at least {MIN_PASSWORD_LENGTH} characters, as the sign-up form asks.",
                param_hint="password",
            )
        if db.session.scalar(db.select(User.id).filter_by(username=username)) is not None:
            raise click.ClickException(f"There is a user called {username!r} already.")
        user = User(username=username, is_admin=admin)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        click.echo(f"Created {'admin ' if admin else ''}user {username!r}.")
