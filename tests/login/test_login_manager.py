from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tests.asgi_driver import lifespan

from hipflask import Hipflask
from hipflask import get_flashed_messages
from hipflask import jsonify
from hipflask.errors import ConfigurationError
from hipflask.login import LoginManager
from hipflask.login import current_user
from hipflask.login import login_required
from hipflask.login import user_accessed
from hipflask.login import user_loaded_from_request
from hipflask.login import user_unauthorized

from .conftest import build_app
from .conftest import log_in


@pytest.mark.parametrize(
    "headers",
    [
        {"Accept": "application/json"},
        {"X-Requested-With": "XMLHttpRequest"},
        {"Content-Type": "application/json"},
    ],
)
def test_json_clients_get_401_instead_of_a_redirect(client: Any, headers: dict[str, str]) -> None:
    response = client.get("/dashboard", headers=headers)
    assert response.status_code == 401
    assert response.json == {"msg": "Please log in to access this page."}


def test_browsers_get_the_redirect_and_the_flashed_message(client: Any, app: Hipflask) -> None:
    @app.get("/flashes")
    def flashes() -> Any:
        return jsonify(get_flashed_messages(with_categories=True))

    response = client.get("/dashboard", headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 302
    assert client.get("/flashes").json == [["message", "Please log in to access this page."]]


def test_without_login_view_the_answer_is_401(protocol: str) -> None:
    app = build_app()
    app.login_manager.login_view = None
    assert app.test_client(protocol=protocol).get("/dashboard").status_code == 401


def test_unauthorized_handler_and_localized_message(protocol: str) -> None:
    app = build_app()
    manager = app.login_manager
    manager.localize_callback = str.upper
    seen: list[object] = []
    user_unauthorized.connect(lambda sender: seen.append(sender), app, weak=False)
    client = app.test_client(protocol=protocol)
    assert client.get("/dashboard", headers={"Accept": "application/json"}).json == {
        "msg": "PLEASE LOG IN TO ACCESS THIS PAGE."
    }
    manager.login_message = None
    assert client.get("/dashboard", headers={"Accept": "application/json"}).json == {
        "msg": "UNAUTHORIZED"
    }

    @manager.unauthorized_handler
    def handler() -> Any:
        return "go away", 418

    assert client.get("/dashboard").status_code == 418
    assert len(seen) == 3


def test_needs_refresh_handler(client: Any, app: Hipflask) -> None:
    app.login_manager.needs_refresh_handler(lambda: ("again please", 401))
    log_in(client, remember="1")
    client.delete_cookie("session")
    assert client.post("/password").text == "again please"


def test_missing_user_loader_says_what_to_do(protocol: str) -> None:
    app = Hipflask("no_loader")
    app.config.update(SECRET_KEY="x" * 40, TESTING=True)
    LoginManager(app)

    @app.get("/")
    @login_required
    def index() -> str:
        return "x"

    with pytest.raises(ConfigurationError, match="user_loader"):
        app.test_client(protocol=protocol).get("/")


def test_request_loader_logs_in_api_clients(protocol: str) -> None:
    app = Hipflask("api_keys")
    app.config.update(SECRET_KEY="x" * 40, TESTING=True)
    manager = LoginManager()
    manager.init_app(app, add_context_processor=False)
    users = build_app().extensions["test_users"]
    manager.request_loader(lambda req: users.get(req.headers.get("X-Api-Key", "")))
    assert manager.request_callback is not None
    assert manager.user_callback is None
    loaded: list[str] = []
    user_loaded_from_request.connect(lambda s, user: loaded.append(user.id), app, weak=False)

    @app.get("/me")
    @login_required
    def me() -> str:
        return str(current_user.id)

    client = app.test_client(protocol=protocol)
    assert client.get("/me", headers={"X-Api-Key": "bob"}).text == "bob"
    assert client.get("/me", headers={"X-Api-Key": "nobody"}).status_code == 401
    assert loaded == ["bob"]


def test_the_user_loader_is_given_the_id_as_text(protocol: str) -> None:
    app = build_app()
    users = app.extensions["test_users"]
    seen: list[object] = []

    class NumberedUser(type(users["alice"])):  # type: ignore[misc]
        def get_id(self) -> Any:
            return 7

    users["7"] = NumberedUser("7", "seven")

    @app.login_manager.user_loader
    def load(user_id: Any) -> Any:
        seen.append(user_id)
        return users.get(user_id)

    @app.get("/as-seven")
    def as_seven() -> str:
        from hipflask.login import login_user

        login_user(users["7"])
        return "in"

    client = app.test_client(protocol=protocol)
    client.get("/as-seven")
    assert client.get("/whoami").json == {"id": 7, "anonymous": False}
    assert seen == ["7"]


def test_user_accessed_is_sent_once_per_request(client: Any, app: Hipflask) -> None:
    seen: list[object] = []
    user_accessed.connect(lambda sender: seen.append(sender), app, weak=False)
    client.get("/whoami")
    assert len(seen) == 1


def test_no_login_message_means_no_flash(client: Any, app: Hipflask) -> None:
    app.login_manager.login_message = None

    @app.get("/flashes")
    def flashes() -> Any:
        return jsonify(get_flashed_messages())

    assert client.get("/dashboard").status_code == 302
    assert client.get("/flashes").json == []


def test_remember_cookie_is_ignored_without_a_user_loader(protocol: str) -> None:
    app = Hipflask("api_only")
    app.config.update(SECRET_KEY="x" * 40, TESTING=True)
    manager = LoginManager(app)
    manager.request_loader(lambda req: None)

    @app.get("/")
    def index() -> str:
        return str(current_user.is_authenticated)

    client = app.test_client(protocol=protocol)
    client.set_cookie("remember_token", "anything")
    assert client.get("/").text == "False"


def test_deprecated_header_loader_loads_from_the_authorization_header(protocol: str) -> None:
    app = build_app()
    users = app.extensions["test_users"]
    manager = app.login_manager
    manager._user_callback = None
    with pytest.warns(DeprecationWarning, match="request_loader"):

        @manager.header_loader
        def by_header(value: str) -> Any:
            return users.get(value.removeprefix("Token "))

    seen: list[Any] = []

    def receiver(sender: Any, user: Any) -> None:
        seen.append(user.id)

    with pytest.warns(DeprecationWarning, match="user_loaded_from_request"):
        from hipflask.login import user_loaded_from_header
    user_loaded_from_header.connect(receiver)
    try:
        client = app.test_client(protocol=protocol)
        assert client.get("/whoami", headers={"Authorization": "Token bob"}).json["id"] == "bob"
        assert client.get("/whoami", headers={"Authorization": "Token nobody"}).json["anonymous"]
        assert client.get("/whoami").json["anonymous"]
    finally:
        user_loaded_from_header.disconnect(receiver)
    assert seen == ["bob"]


def test_deprecated_setup_app_is_init_app() -> None:
    app = Hipflask("setup")
    manager = LoginManager()
    with pytest.warns(DeprecationWarning, match="init_app"):
        manager.setup_app(app)
    assert app.login_manager is manager


def test_login_signals_module_knows_no_other_names() -> None:
    from hipflask.login import signals

    with pytest.warns(DeprecationWarning):
        assert signals.user_loaded_from_header is signals._user_loaded_from_header
    with pytest.raises(AttributeError, match="nothing"):
        signals.nothing  # noqa: B018


def test_login_version_is_the_package_version() -> None:
    import hipflask
    import hipflask.login

    assert hipflask.login.__version__ == hipflask.__version__


def test_deprecated_login_disabled_attribute_reads_and_sets_the_setting(protocol: str) -> None:
    # Decorators written for Flask-Login before 0.6 read the manager's
    # ``_login_disabled``; 0.6.3 keeps it, warning, as a view of the setting.
    app = build_app(LOGIN_DISABLED=True)
    manager = app.login_manager
    with pytest.warns(DeprecationWarning, match="LOGIN_DISABLED"):
        assert manager._login_disabled is False  # no app context: no app to ask

    @app.get("/custom")
    def custom() -> Any:
        with pytest.warns(DeprecationWarning, match="LOGIN_DISABLED"):
            return jsonify(disabled=app.login_manager._login_disabled)

    client = app.test_client(protocol=protocol)
    assert client.get("/custom").json == {"disabled": True}
    with app.app_context(), pytest.warns(DeprecationWarning, match="LOGIN_DISABLED"):
        manager._login_disabled = False
    assert app.config["LOGIN_DISABLED"] is False
    assert client.get("/custom").json == {"disabled": False}
    assert client.get("/dashboard").status_code == 302


def test_lifespan_shutdown_with_no_store_opened_or_the_registry_off() -> None:
    # Nothing opened yet: nothing to close, and the shutdown completes.
    idle = build_app()
    asyncio.run(_serve_lifespan(idle))
    off = build_app(LOGIN_REGISTRY_STORE=None)
    manager = off.login_manager
    manager.init_app(off)  # a factory's second init_app adds no second hook
    assert len(off.after_serving_funcs) == 1
    with off.app_context():
        assert manager.registry() is None
    asyncio.run(_serve_lifespan(off))


async def _serve_lifespan(app: Hipflask) -> None:
    async with lifespan(app):
        pass


def test_a_registry_store_replaced_by_a_new_setting_is_closed_at_shutdown(
    protocol: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hipflask.stores import MemoryStore
    from hipflask.stores import Store

    closed: list[tuple[str, Store]] = []

    def close(self: Store) -> None:
        closed.append(("close", self))

    async def aclose(self: Store) -> None:
        closed.append(("aclose", self))

    monkeypatch.setattr(MemoryStore, "close", close)
    monkeypatch.setattr(MemoryStore, "aclose", aclose)
    app = build_app(LOGIN_REGISTRY_STORE="memory://")
    client = app.test_client(protocol=protocol)
    log_in(client)
    with app.app_context():
        first = app.login_manager.registry()
    assert first is not None
    # The app is re-configured while it runs: a new URL (a new string too).
    app.config["LOGIN_REGISTRY_STORE"] = "".join(["memory", "://"])
    log_in(client)
    with app.app_context():
        second = app.login_manager.registry()
    assert second is not None and second is not first
    # The replaced store's blocking connections are closed at once.
    assert closed == [("close", first.store)]
    # A store the app made itself is the app's to close, and is left alone.
    own = MemoryStore(prefix="own:")
    app.config["LOGIN_REGISTRY_STORE"] = own
    log_in(client)
    asyncio.run(_serve_lifespan(app))
    assert ("aclose", first.store) in closed
    assert ("close", first.store) in closed
    assert ("aclose", second.store) in closed
    assert ("close", own) not in closed
