from __future__ import annotations

from typing import Any

import pytest

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import g
from hipflask import redirect
from hipflask import request
from hipflask.principal import AnonymousIdentity
from hipflask.principal import Identity
from hipflask.principal import Permission
from hipflask.principal import PermissionDenied
from hipflask.principal import Principal
from hipflask.principal import RoleNeed
from hipflask.principal import UserNeed
from hipflask.principal import get_identity
from hipflask.principal import identity_changed
from hipflask.principal import identity_loaded
from hipflask.principal import session_identity_loader
from hipflask.principal import session_identity_saver
from hipflask.principal.principal import add_identity_provider

USERS = {"1": ["admin"], "2": ["editor"]}


def tutorial_app() -> Hipflask:
    """Flask-Principal's documented flow: identity in the session, roles on load."""
    app = Hipflask("principal_tutorial")
    app.config.update(SECRET_KEY="principal-tutorial-secret-key-0123456789")
    Principal(app)
    admin_permission = Permission(RoleNeed("admin"))

    @identity_loaded.connect_via(app)
    def on_identity_loaded(sender: Any, identity: Identity) -> None:
        identity.provides.add(UserNeed(identity.id))
        for role in USERS.get(identity.id, []):
            identity.provides.add(RoleNeed(role))

    @app.post("/login/<user_id>")
    def login(user_id: str) -> str:
        identity_changed.send(app, identity=Identity(user_id))
        return "in"

    @app.post("/logout")
    def logout() -> str:
        from hipflask import session

        for key in ("identity.id", "identity.auth_type"):
            session.pop(key, None)
        identity_changed.send(app, identity=AnonymousIdentity())
        return "out"

    @app.get("/admin")
    @admin_permission.require(http_exception=403)
    def admin() -> str:
        return "admin area"

    @app.get("/whoami")
    def whoami() -> dict[str, Any]:
        return {"id": g.identity.id, "anonymous": isinstance(g.identity, AnonymousIdentity)}

    return app


def test_tutorial_flow_login_admin_logout(protocol: str) -> None:
    client = tutorial_app().test_client(protocol=protocol)
    assert client.get("/admin").status_code == 403
    assert client.get("/whoami").json == {"id": None, "anonymous": True}
    client.post("/login/1")
    assert client.get("/admin").text == "admin area"
    client.post("/logout")
    assert client.get("/admin").status_code == 403
    client.post("/login/2")
    assert client.get("/admin").status_code == 403
    assert client.get("/whoami").json == {"id": "2", "anonymous": False}


def test_without_sessions_only_loaders_identify(protocol: str) -> None:
    app = Hipflask("no_sessions")
    app.config["SECRET_KEY"] = "x" * 40
    principal = Principal(use_sessions=False)
    principal.init_app(app)
    saved: list[Identity] = []
    principal.identity_saver(saved.append)

    @app.get("/")
    def index() -> str:
        identity_changed.send(app, identity=Identity("z"))
        return str(g.identity.id)

    client = app.test_client(protocol=protocol)
    assert client.get("/").text == "z"
    assert [i.id for i in saved] == ["z"]
    assert client.get_cookie("session") is None


def test_static_files_can_skip_identity_loading(tmp_path: Any) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "a.txt").write_text("a")
    app = Hipflask("static_skip", root_path=str(tmp_path))
    app.config["SECRET_KEY"] = "x" * 40
    Principal(app, skip_static=True)
    loaded: list[Identity] = []
    identity_loaded.connect(lambda sender, identity: loaded.append(identity), app, weak=False)

    @app.get("/change")
    def change() -> str:
        identity_changed.send(app, identity=Identity("q"))
        return "ok"

    client = app.test_client()
    assert client.get("/static/a.txt").status_code == 200
    assert loaded == []
    client.get("/change")
    assert [i.id for i in loaded] == ["q"]

    with app.test_request_context("/static/a.txt"):
        identity_changed.send(app, identity=Identity("never"))
        assert "identity" not in g


def test_login_provider_outranks_the_session_and_works_without_principal() -> None:
    bare = Hipflask("bare")
    bare.config["SECRET_KEY"] = "x" * 40
    with bare.test_request_context():
        assert isinstance(get_identity(), AnonymousIdentity)

    def provider() -> Identity | None:
        identity = Identity("from-login", "login")
        identity.provides.add(RoleNeed("admin"))
        return identity

    add_identity_provider(bare, provider)
    add_identity_provider(bare, provider)
    assert len(bare.extensions["hipflask.identity_providers"]) == 1
    with bare.test_request_context():
        assert get_identity().id == "from-login"
        assert get_identity() is g.identity

    app = tutorial_app()
    add_identity_provider(app, provider)
    client = app.test_client()
    client.post("/login/2")
    assert client.get("/whoami").json["id"] == "from-login"
    assert client.get("/admin").text == "admin area"


def test_provider_is_consulted_when_no_session_loader_runs() -> None:
    app = Hipflask("providers_only")
    app.config["SECRET_KEY"] = "x" * 40
    Principal(app, use_sessions=False)
    add_identity_provider(app, lambda: None)

    @app.get("/")
    def index() -> str:
        return str(get_identity().id)

    assert app.test_client().get("/").text == "None"
    add_identity_provider(app, lambda: Identity("p"))
    assert app.test_client().get("/").text == "p"


def test_get_identity_loads_through_principal_when_no_hook_ran() -> None:
    app = tutorial_app()
    with app.test_request_context():
        assert isinstance(get_identity(), AnonymousIdentity)


def test_init_app_twice_registers_the_session_loader_once() -> None:
    principal = Principal()
    for name in ("one", "two"):
        app = Hipflask(name)
        principal.init_app(app)
    assert len(principal.identity_loaders) == 1
    assert len(principal.identity_savers) == 1


def test_init_app_puts_the_session_ahead_of_loaders_registered_before_it(
    protocol: str,
) -> None:
    # Flask-Principal adds the session loader (and saver) in front at
    # init_app: a loader registered before it is asked only when the
    # session holds no identity; one registered after it is asked first.
    principal = Principal()
    saved: list[str] = []

    @principal.identity_loader
    def from_header() -> Identity | None:
        name = request.headers.get("X-User")
        return Identity(name, "header") if name else None

    @principal.identity_saver
    def note(identity: Identity) -> None:
        saved.append(f"note:{identity.id}")

    app = Hipflask("late_init")
    app.config["SECRET_KEY"] = "x" * 40
    principal.init_app(app)
    assert list(principal.identity_loaders) == [session_identity_loader, from_header]
    assert list(principal.identity_savers) == [session_identity_saver, note]

    @app.post("/login/<name>")
    def login(name: str) -> str:
        identity_changed.send(app, identity=Identity(name, "form"))
        return "in"

    @app.get("/whoami")
    def whoami() -> str:
        return f"{g.identity.id}:{g.identity.auth_type}"

    client = app.test_client(protocol=protocol)
    assert client.get("/whoami", headers={"X-User": "eve"}).text == "eve:header"
    client.post("/login/alice")
    assert client.get("/whoami", headers={"X-User": "eve"}).text == "alice:form"


def test_an_app_handler_for_permission_denied_registered_first_is_kept(
    app: Hipflask, client: Any
) -> None:
    @app.errorhandler(PermissionDenied)
    def to_login(error: PermissionDenied) -> Any:
        return redirect("/login")

    Principal(app)

    @app.get("/admin")
    @Permission(RoleNeed("admin")).require()
    def admin() -> str:
        return "admin area"

    response = client.get("/admin")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


@pytest.mark.parametrize("base", [RuntimeError, Exception], ids=["runtime-error", "exception"])
def test_an_app_handler_for_a_base_class_registered_first_is_kept(
    app: Hipflask, client: Any, base: type[Exception]
) -> None:
    # Flask finds the handler of a class PermissionDenied derives from, an
    # app's catch-all error page included; a 403 handler of the suite's own,
    # more specific, must not take its place.
    @app.errorhandler(base)
    def any_error(error: Exception) -> Any:
        return f"app handler: {type(error).__name__}", 418

    Principal(app)

    @app.get("/admin")
    @Permission(RoleNeed("admin")).require()
    def admin() -> str:
        return "admin area"

    response = client.get("/admin")
    assert (response.status_code, response.text) == (418, "app handler: PermissionDenied")


@pytest.mark.parametrize("base", [RuntimeError, Exception], ids=["runtime-error", "exception"])
@pytest.mark.parametrize("async_handler", [False, True], ids=["sync-handler", "async-handler"])
def test_an_app_handler_for_a_base_class_registered_later_gets_the_refusal(
    app: Hipflask, client: Any, base: type[Exception], async_handler: bool
) -> None:
    # The usual order: extensions first, then the app's catch-all page. As
    # in Flask, that handler answers the refusal and is given the
    # PermissionDenied itself, not a stand-in 403.
    Principal(app)

    def any_error(error: Exception) -> Any:
        return f"app handler: {type(error).__name__}", 418

    async def async_any_error(error: Exception) -> Any:
        return any_error(error)

    app.register_error_handler(base, async_any_error if async_handler else any_error)
    app.register_error_handler(403, lambda error: ("403 page", 403))

    @app.get("/admin")
    @Permission(RoleNeed("admin")).require()
    def admin() -> str:
        return "admin area"

    response = client.get("/admin")
    assert (response.status_code, response.text) == (418, "app handler: PermissionDenied")


def test_without_an_app_handler_permission_denied_is_a_403(app: Hipflask, client: Any) -> None:
    Principal(app)

    @app.get("/admin")
    @Permission(RoleNeed("admin")).require()
    def admin() -> str:
        return "admin area"

    assert client.get("/admin").status_code == 403


def _guarded_view(async_view: bool, as_context_manager: bool) -> Any:
    permission = Permission(RoleNeed("admin"))
    if as_context_manager:

        def guarded() -> str:
            with permission.require():
                return "admin area"

        async def async_guarded() -> str:
            with permission.require():
                return "admin area"

        return async_guarded if async_view else guarded

    @permission.require()
    def decorated() -> str:
        return "admin area"

    @permission.require()
    async def async_decorated() -> str:
        return "admin area"

    return async_decorated if async_view else decorated


@pytest.mark.parametrize("where", ["app", "blueprint"])
@pytest.mark.parametrize("as_context_manager", [False, True], ids=["decorator", "with"])
@pytest.mark.parametrize("async_view", [False, True], ids=["sync-view", "async-view"])
@pytest.mark.parametrize("async_handler", [False, True], ids=["sync-handler", "async-handler"])
def test_a_refusal_is_answered_by_the_apps_own_403_handler(
    app: Hipflask,
    client: Any,
    where: str,
    as_context_manager: bool,
    async_view: bool,
    async_handler: bool,
) -> None:
    Principal(app)
    owner: Any = app if where == "app" else Blueprint("area", __name__)

    def forbidden(error: Any) -> Any:
        return f"{where} 403 page", 403

    async def async_forbidden(error: Any) -> Any:
        return forbidden(error)

    owner.register_error_handler(403, async_forbidden if async_handler else forbidden)
    owner.add_url_rule("/admin", "admin", _guarded_view(async_view, as_context_manager))
    if owner is not app:
        app.register_blueprint(owner, url_prefix="/area")
    response = client.get("/admin" if owner is app else "/area/admin")
    assert (response.status_code, response.text) == (403, f"{where} 403 page")


def test_a_blueprints_403_handler_answers_only_its_own_views(app: Hipflask, client: Any) -> None:
    Principal(app)
    area = Blueprint("area", __name__)
    area.register_error_handler(403, lambda error: ("area 403 page", 403))
    area.add_url_rule("/admin", "admin", _guarded_view(False, False))
    app.register_blueprint(area, url_prefix="/area")
    app.add_url_rule("/admin", "admin", _guarded_view(False, False))

    assert client.get("/area/admin").text == "area 403 page"
    outside = client.get("/admin")
    assert outside.status_code == 403
    assert "area 403 page" not in outside.text


def test_an_app_handler_for_permission_denied_outranks_its_403_handler(
    app: Hipflask, client: Any
) -> None:
    @app.errorhandler(PermissionDenied)
    def to_login(error: PermissionDenied) -> Any:
        return redirect("/login")

    app.register_error_handler(403, lambda error: ("403 page", 403))
    Principal(app)
    app.add_url_rule("/admin", "admin", _guarded_view(True, False))

    response = client.get("/admin")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
