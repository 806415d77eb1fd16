"""Flask-Principal's tutorial: identities in the session, roles added on load.

Ported by renaming imports (``flask_principal`` -> ``hipflask.principal``).
"""

from __future__ import annotations

import os
from typing import Any

from hipflask import Flask
from hipflask import current_app
from hipflask import session
from hipflask.principal import AnonymousIdentity
from hipflask.principal import Identity
from hipflask.principal import Permission
from hipflask.principal import Principal
from hipflask.principal import RoleNeed
from hipflask.principal import UserNeed
from hipflask.principal import identity_changed
from hipflask.principal import identity_loaded

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ.get(
    "HIPFLASK_SECRET_KEY", "dev-only-secret-key-replace-in-production"
)
principals = Principal(app)

admin_permission = Permission(RoleNeed("admin"))
ROLES = {"1": ["admin"], "2": []}


@identity_loaded.connect_via(app)
def on_identity_loaded(sender: Any, identity: Identity) -> None:
    identity.provides.add(UserNeed(identity.id))
    for role in ROLES.get(identity.id, []):
        identity.provides.add(RoleNeed(role))


@app.route("/login/<user_id>", methods=["POST"])
def login(user_id: str) -> str:
    identity_changed.send(current_app._get_current_object(), identity=Identity(user_id))
    return "Logged in."


@app.route("/logout", methods=["POST"])
def logout() -> str:
    for key in ("identity.name", "identity.auth_type"):
        session.pop(key, None)
    identity_changed.send(current_app._get_current_object(), identity=AnonymousIdentity())
    return "Logged out."


@app.route("/admin")
@admin_permission.require(http_exception=403)
def do_admin_index() -> str:
    return "Only if you are an admin"


@app.route("/articles")
def articles() -> str:
    with admin_permission.require():
        return "Only if you are admin"
