"""roles_required / roles_accepted / permission_required on views and whole blueprints."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conftest import SECRET

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import g
from hipflask.login import LoginManager
from hipflask.login import UserMixin
from hipflask.login import login_user
from hipflask.login import permission_required
from hipflask.login import roles_accepted
from hipflask.login import roles_required
from hipflask.principal import Identity
from hipflask.principal import Permission
from hipflask.principal import Principal
from hipflask.principal import RoleNeed
from hipflask.principal import UserNeed
from hipflask.principal import get_identity
from hipflask.principal import identity_changed
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


class NumberedUser(UserMixin):
    def __init__(self, id: int) -> None:
        self.id = id


def test_identity_id_is_the_users_own_id_as_the_app_sent_it(protocol: str) -> None:
    app = Hipflask("numbered_users")
    app.config.update(TESTING=True, SECRET_KEY=SECRET)
    users = {7: NumberedUser(7)}
    manager = LoginManager(app)
    Principal(app)
    manager.user_loader(lambda user_id: users.get(int(user_id)))

    @app.post("/login")
    def login() -> str:
        login_user(users[7])
        identity_changed.send(app, identity=Identity(users[7].id))
        return "in"

    @app.get("/posts/<int:author_id>")
    def post(author_id: int) -> Any:
        # Flask-Principal's tutorials compare the identity's id with a
        # column, or build needs from it: an int, as the app sent it.
        return {
            "id": g.identity.id,
            "owner": g.identity.id == author_id,
            "can": Permission(UserNeed(author_id)).can(),
        }

    client = app.test_client(protocol=protocol)
    client.post("/login")
    assert client.get("/posts/7").json == {"id": 7, "owner": True, "can": True}
    assert client.get("/posts/8").json == {"id": 7, "owner": False, "can": False}


class TokenUser(NumberedUser):
    def get_id(self) -> str:
        return f"token-{self.id}"


def test_identity_id_is_get_id_when_that_is_not_the_users_id() -> None:
    # Flask-Login's docs suggest an alternative token as get_id() (logging
    # out every session by changing it); that token is the login's id.
    app = Hipflask("token_users")
    app.config.update(TESTING=True, SECRET_KEY=SECRET)
    LoginManager(app).user_loader(lambda user_id: None)
    with app.test_request_context():
        login_user(TokenUser(7))
        assert get_identity().id == "token-7"
        assert UserNeed("token-7") in get_identity().provides


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
