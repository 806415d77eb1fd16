"""roles_required / roles_accepted / permission_required on views and whole blueprints."""

from __future__ import annotations

from typing import Any

import pytest

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask.login import permission_required
from hipflask.login import roles_accepted
from hipflask.login import roles_required
from hipflask.principal import Identity
from hipflask.principal import Permission
from hipflask.principal import Principal
from hipflask.principal import RoleNeed
from hipflask.principal import get_identity
from hipflask.principal import identity_loaded

from .conftest import build_app
from .conftest import log_in


class Role:
    def __init__(self, name: str) -> None:
        self.name = name


def roles_app(with_principal: bool = False) -> Hipflask:
    app = build_app()
    users = app.extensions["test_users"]
    users["alice"].roles = ["admin", Role("editor"), 42]
    users["alice"].permissions = ["notes:write"]
    if with_principal:
        Principal(app)

    @app.get("/admin")
    @roles_required("admin", "editor")
    def admin() -> str:
        return "admin"

    @app.get("/edit")
    @roles_accepted("editor", "admin")
    async def edit() -> str:
        return "edit"

    @app.get("/notes")
    @permission_required("notes:write", Permission(RoleNeed("admin")))
    def notes() -> str:
        return "notes"

    staff = Blueprint("staff", __name__, url_prefix="/staff")

    @staff.get("/")
    def staff_index() -> str:
        return "staff"

    roles_required("admin")(staff)
    app.register_blueprint(staff)
    return app


@pytest.mark.parametrize("with_principal", [False, True])
def test_roles_and_permissions_from_the_user(protocol: str, with_principal: bool) -> None:
    client = roles_app(with_principal).test_client(protocol=protocol)
    log_in(client)
    for path, text in (("/admin", "admin"), ("/edit", "edit"), ("/notes", "notes")):
        assert client.get(path).text == text
    assert client.get("/staff/").text == "staff"


def test_logged_in_user_without_the_role_gets_403(protocol: str) -> None:
    client = roles_app().test_client(protocol=protocol)
    log_in(client, "bob")
    assert client.get("/admin").status_code == 403
    assert client.get("/edit").text == "edit"
    assert client.get("/notes").status_code == 403
    assert client.get("/staff/").status_code == 403


def test_anonymous_visitor_gets_the_login_answer(protocol: str) -> None:
    client = roles_app().test_client(protocol=protocol)
    assert client.get("/admin").headers["Location"] == "/login?next=%2Fadmin"
    assert client.get("/edit", headers={"Accept": "application/json"}).status_code == 401
    assert client.get("/staff/").status_code == 302


def test_identity_loaded_receivers_can_grant_more(protocol: str) -> None:
    app = roles_app(with_principal=True)

    @identity_loaded.connect_via(app)
    def grant(sender: Any, identity: Identity) -> None:
        if identity.id == "bob":
            identity.provides.add(RoleNeed("admin"))
            identity.provides.add(RoleNeed("editor"))

    client = app.test_client(protocol=protocol)
    log_in(client, "bob")
    assert client.get("/admin").text == "admin"


def test_identity_follows_login_and_logout_within_a_request(app: Hipflask) -> None:
    from hipflask.login import login_user
    from hipflask.login import logout_user

    with app.test_request_context():
        assert get_identity().id is None
        login_user(app.extensions["test_users"]["alice"])
        assert get_identity().id == "alice"
        assert RoleNeed("admin") in get_identity().provides
        logout_user()
        assert get_identity().id is None
