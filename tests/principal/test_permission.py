from __future__ import annotations

from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import g
from hipflask.principal import Denial
from hipflask.principal import Identity
from hipflask.principal import Permission
from hipflask.principal import PermissionDenied
from hipflask.principal import Principal
from hipflask.principal import RoleNeed
from hipflask.principal import UserNeed
from hipflask.principal import identity_changed

admin = Permission(RoleNeed("admin"))
editor = Permission(RoleNeed("editor"))


def identity_with(*needs: Any) -> Identity:
    identity = Identity("u")
    identity.provides.update(needs)
    return identity


def test_any_one_need_is_enough_and_an_excluded_one_refuses() -> None:
    either = Permission(RoleNeed("admin"), RoleNeed("editor"))
    assert either.allows(identity_with(RoleNeed("editor")))
    assert not either.allows(identity_with(UserNeed(1)))
    no_banned = Denial(RoleNeed("banned"))
    assert no_banned.allows(identity_with())
    assert not no_banned.allows(identity_with(RoleNeed("banned")))


def test_union_difference_reverse_and_subset() -> None:
    both = admin.union(editor)
    assert both.needs == {RoleNeed("admin"), RoleNeed("editor")}
    assert (admin & editor).needs == both.needs
    assert both.difference(editor).needs == {RoleNeed("admin")}
    assert (both | editor).needs == {RoleNeed("admin")}
    assert admin in both
    assert editor.issubset(both)
    assert not both.issubset(editor)
    reversed_ = Denial(RoleNeed("banned")).reverse()
    assert reversed_.needs == {RoleNeed("banned")}
    assert reversed_.excludes == set()
    combined = Denial(RoleNeed("a")).union(Denial(RoleNeed("b")))
    assert combined.excludes == {RoleNeed("a"), RoleNeed("b")}
    assert combined.difference(Denial(RoleNeed("a"))).excludes == {RoleNeed("b")}
    assert "needs=" in repr(admin)


@pytest.fixture
def principal_app(app: Hipflask) -> Hipflask:
    principal = Principal(app)

    @principal.identity_loader
    def from_header() -> Identity | None:
        from hipflask import request

        role = request.headers.get("X-Role")
        if role is None:
            return None
        identity = Identity(role)
        identity.provides.add(RoleNeed(role))
        return identity

    @app.get("/admin")
    @admin.require(http_exception=403)
    def admin_page() -> str:
        return "admin"

    @app.get("/async-admin")
    @admin.require(403)
    async def async_admin_page() -> str:
        return "async admin"

    @app.get("/denied")
    @admin.require()
    def denied() -> str:
        return "admin"

    @app.get("/block")
    def block() -> str:
        with editor.require(http_exception=404):
            return "editor"

    @app.get("/can")
    def can() -> dict[str, bool]:
        return {"admin": admin.can(), "bool": bool(editor)}

    @app.get("/test")
    def test() -> str:
        admin.test(http_exception=401)
        return "ok"

    return app


@pytest.fixture
def client(principal_app: Hipflask, protocol: str) -> Any:
    return principal_app.test_client(protocol=protocol)


def test_require_as_decorator_on_sync_and_async_views(client: Any) -> None:
    assert client.get("/admin", headers={"X-Role": "admin"}).text == "admin"
    assert client.get("/admin", headers={"X-Role": "editor"}).status_code == 403
    assert client.get("/async-admin", headers={"X-Role": "admin"}).text == "async admin"
    assert client.get("/async-admin").status_code == 403


def test_permission_denied_without_http_exception_is_a_403_not_a_500(client: Any) -> None:
    assert client.get("/denied").status_code == 403


def test_require_as_context_manager_and_can(client: Any) -> None:
    assert client.get("/block", headers={"X-Role": "editor"}).text == "editor"
    assert client.get("/block", headers={"X-Role": "admin"}).status_code == 404
    assert client.get("/can", headers={"X-Role": "admin"}).json == {"admin": True, "bool": False}
    assert client.get("/test").status_code == 401
    assert client.get("/test", headers={"X-Role": "admin"}).text == "ok"


def test_permission_denied_carries_the_permission(app: Hipflask) -> None:
    with app.test_request_context():
        g.identity = Identity(None)
        with pytest.raises(PermissionDenied) as caught:
            admin.test()
    assert caught.value.args[0] is admin


def test_identity_changed_sets_the_identity_for_the_request(principal_app: Hipflask) -> None:
    @principal_app.get("/become")
    def become() -> str:
        identity = Identity("boss")
        identity.provides.add(RoleNeed("admin"))
        identity_changed.send(principal_app, identity=identity)
        return str(admin.can())

    assert principal_app.test_client().get("/become").text == "True"


def test_a_refusal_with_http_exception_is_a_403_for_a_json_client(client: Any) -> None:
    # abort(403, permission) carries the permission as its description, as
    # Flask-Principal's does; a JSON client gets it as text, not a 500.
    response = client.get("/admin", headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.get_json()["description"].startswith("<Permission needs=")
