"""Flask-Session and Flask-Principal's documented usage, strictly typed, through hipflask."""

from __future__ import annotations

from typing import Any

from hipflask import Flask
from hipflask import abort
from hipflask import current_app
from hipflask import session
from hipflask.principal import AnonymousIdentity
from hipflask.principal import Identity
from hipflask.principal import Permission
from hipflask.principal import PermissionDenied
from hipflask.principal import Principal
from hipflask.principal import RoleNeed
from hipflask.principal import UserNeed
from hipflask.principal import identity_changed
from hipflask.principal import identity_loaded
from hipflask.sessions import Session

server_session = Session()
principals = Principal(use_sessions=True)
admin_permission = Permission(RoleNeed("admin"))


@identity_loaded.connect
def on_identity_loaded(sender: Any, identity: Identity) -> None:
    if identity.id is not None:
        identity.provides.add(UserNeed(identity.id))
        identity.provides.add(RoleNeed("admin"))


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "dev"
    app.config["SESSION_TYPE"] = "filesystem"
    app.config["SESSION_PERMANENT"] = False
    server_session.init_app(app)
    principals.init_app(app)

    @app.post("/login/<name>")
    def login(name: str) -> str:
        session["name"] = name
        identity_changed.send(current_app._get_current_object(), identity=Identity(name))
        return "in"

    @app.post("/logout")
    def logout() -> str:
        session.clear()
        identity_changed.send(current_app._get_current_object(), identity=AnonymousIdentity())
        return "out"

    @app.route("/admin")
    @admin_permission.require(http_exception=403)
    def admin() -> str:
        return "admin"

    @app.route("/maybe")
    def maybe() -> str:
        with admin_permission.require():
            pass
        if not admin_permission.can():
            abort(403)
        return "yes"

    @app.errorhandler(PermissionDenied)
    def denied(error: PermissionDenied) -> tuple[str, int]:
        return "forbidden", 403

    return app
