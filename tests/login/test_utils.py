"""The tutorial flow and the logout, fixation and freshness guarantees, under both protocols."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import session
from hipflask.errors import ConfigurationError
from hipflask.login import confirm_login
from hipflask.login import current_user
from hipflask.login import login_fresh
from hipflask.login import login_remembered
from hipflask.login import login_required
from hipflask.login import login_url
from hipflask.login import login_user
from hipflask.login import logout_everywhere
from hipflask.login import make_next_param
from hipflask.login import set_login_view
from hipflask.login import user_logged_in
from hipflask.login import user_logged_out
from hipflask.login import user_login_confirmed

from .conftest import build_app
from .conftest import log_in


def test_tutorial_login_dashboard_logout(client: Any) -> None:
    refused = client.get("/dashboard")
    assert refused.status_code == 302
    assert refused.headers["Location"] == "/login?next=%2Fdashboard"
    response = log_in(client)
    assert (response.status_code, response.headers["Location"]) == (302, "/dashboard")
    assert client.get("/dashboard").text == "Hello alice"
    assert client.get("/async-dashboard").text == "Async hello alice"
    assert client.get("/page").text == "True"
    client.post("/logout")
    assert client.get("/dashboard").status_code == 302
    assert client.get("/whoami").json == {"id": None, "anonymous": True}


def test_logout_without_a_session_sends_no_cookie(client: Any) -> None:
    # Nothing to clear: Flask-Login (and Flask) answer without Set-Cookie,
    # where clearing the empty session used to send a deletion cookie.
    response = client.post("/logout")
    assert response.status_code == 302
    assert response.headers.getlist("Set-Cookie") == []
    log_in(client)
    response = client.post("/logout")
    deleted = response.headers.getlist("Set-Cookie")
    assert len(deleted) == 1
    assert deleted[0].startswith("session=;")
    assert client.post("/logout").headers.getlist("Set-Cookie") == []


def test_wrong_password_and_inactive_account(client: Any) -> None:
    assert log_in(client, password="wrong").status_code == 401
    assert log_in(client, "zed").status_code == 403
    assert client.get("/dashboard").status_code == 302


def test_session_cookie_copied_before_logout_stops_working(client: Any) -> None:
    log_in(client)
    stolen = client.get_cookie("session").value
    client.post("/logout")
    client.set_cookie("session", stolen)
    assert client.get("/dashboard").status_code == 302
    assert client.get("/whoami").json["anonymous"] is True


def test_login_gives_the_session_a_new_identity(client: Any) -> None:
    client.get("/login")
    with client.session_transaction() as planted:
        planted["csrf_token"] = "attacker-known"
        planted["cart"] = ["book"]
    before = client.get_cookie("session").value
    log_in(client)
    after = client.get_cookie("session").value
    assert before != after
    with client.session_transaction() as current:
        assert "csrf_token" not in current
        assert current["cart"] == ["book"]
        assert current["_user_id"] == "alice"


def test_login_calls_regenerate_on_server_side_sessions(app: Hipflask) -> None:
    calls: list[str] = []

    class Regenerating(dict[str, Any]):
        modified = False

        def regenerate(self) -> None:
            calls.append("regenerate")

    with app.test_request_context():
        from hipflask.contexts.globals import request_ctx

        request_ctx.session = Regenerating()
        login_user(app.extensions["test_users"]["alice"])
        assert calls == ["regenerate"]


def test_logging_in_again_ends_the_previous_login_of_the_session(client: Any) -> None:
    log_in(client)
    first = client.get_cookie("session").value
    log_in(client, "bob")
    client.set_cookie("session", first)
    assert client.get("/whoami").json["anonymous"] is True


def test_password_change_ends_other_logins_but_keeps_this_one(app: Hipflask, protocol: str) -> None:
    laptop = app.test_client(protocol=protocol)
    phone = app.test_client(protocol=protocol)
    log_in(laptop)
    log_in(phone, remember="1")
    assert phone.get("/dashboard").status_code == 200
    assert laptop.post("/password").text == "changed"
    assert laptop.get("/dashboard").text == "Hello alice"
    assert phone.get("/dashboard").status_code == 302


def test_remembered_session_keeps_its_cookie_after_a_password_change(client: Any) -> None:
    log_in(client, remember="1")
    before = client.get_cookie("remember_token").value
    response = client.post("/password")
    assert "remember_token=" in response.headers.get("Set-Cookie", "")
    assert client.get_cookie("remember_token").value != before
    client.delete_cookie("session")
    assert client.get("/dashboard").text == "Hello alice"


def test_logout_everywhere_needs_the_registry() -> None:
    app = build_app(LOGIN_REGISTRY_STORE=None)
    with app.test_request_context(), pytest.raises(ConfigurationError, match="REGISTRY"):
        logout_everywhere(app.extensions["test_users"]["alice"])


def test_without_registry_logins_work_as_in_flask_login(protocol: str) -> None:
    client = build_app(LOGIN_REGISTRY_STORE=None).test_client(protocol=protocol)
    log_in(client)
    assert client.get("/dashboard").text == "Hello alice"


def test_fresh_login_required_refuses_remembered_logins(client: Any, app: Hipflask) -> None:
    log_in(client, remember="1")
    assert client.post("/password").status_code == 200
    client.delete_cookie("session")
    refused = client.post("/password")
    assert refused.status_code == 401
    app.login_manager.refresh_view = "login"
    refused = client.post("/password")
    assert refused.status_code == 302
    assert refused.headers["Location"].startswith("/login?next=")


def test_signals_and_confirm_login(app: Hipflask) -> None:
    seen: list[str] = []
    user_logged_in.connect(lambda s, user: seen.append(f"in:{user.id}"), app, weak=False)
    user_logged_out.connect(lambda s, user: seen.append(f"out:{user.id}"), app, weak=False)
    user_login_confirmed.connect(lambda s: seen.append("confirmed"), app, weak=False)
    with app.test_request_context():
        alice = app.extensions["test_users"]["alice"]
        login_user(alice, fresh=False)
        assert not login_fresh()
        confirm_login()
        assert login_fresh()
        from hipflask.login import logout_user

        logout_user()
        assert current_user.is_anonymous
    assert seen == ["in:alice", "confirmed", "out:alice"]


def test_logged_out_receivers_still_see_the_user_as_current_user(
    app: Hipflask, protocol: str
) -> None:
    # An audit receiver reads current_user, as it can under Flask-Login; the
    # login is over only once the receivers have run.
    seen: list[Any] = []

    def note(sender: Any, user: Any) -> None:
        seen.append((user.id, current_user.get_id(), current_user.is_authenticated))

    user_logged_out.connect(note, app, weak=False)
    client = app.test_client(protocol=protocol)
    log_in(client)
    client.post("/logout")
    assert seen == [("alice", "alice", True)]
    assert client.get("/whoami").json == {"id": None, "anonymous": True}


def test_force_logs_in_an_inactive_account(app: Hipflask) -> None:
    with app.test_request_context():
        assert login_user(app.extensions["test_users"]["zed"], force=True)
        assert current_user.id == "zed"


def test_login_url_and_next_param() -> None:
    app = build_app(SERVER_NAME="example.test")
    with app.test_request_context():
        assert login_url("login") == "/login"
        assert login_url("/sign-in?x=1", "http://example.test/a?b=2") == (
            "/sign-in?x=1&next=%2Fa%3Fb%3D2"
        )
        assert login_url("/sign-in?next=%2Fold&x=1", "/a", next_field="next") == (
            "/sign-in?next=%2Fa&x=1"
        )
        # A login page on another site needs the whole URL to send the user
        # back; this site's own login page gets the path.
        assert login_url("https://sso.example/login", "https://example.test/") == (
            "https://sso.example/login?next=https%3A%2F%2Fexample.test%2F"
        )
    assert make_next_param("/login", "https://other.example/x") == "/x"
    assert make_next_param("/login", "https://other.example") == "/"
    assert make_next_param("https://example.test/in", "https://example.test/x?a=1") == "/x?a=1"
    assert make_next_param("//sso.example/in", "https://example.test/x") == "https://example.test/x"
    assert make_next_param("http://example.test/in", "https://example.test/x") == (
        "https://example.test/x"
    )


def test_a_login_page_on_another_host_is_given_the_whole_url_to_come_back_to(
    protocol: str,
) -> None:
    app = build_app()
    app.login_manager.login_view = "https://accounts.example.com/login"
    response = app.test_client(protocol=protocol).get("/dashboard?tab=2")
    assert response.status_code == 302
    assert response.headers["Location"] == (
        "https://accounts.example.com/login?next=http%3A%2F%2Flocalhost%2Fdashboard%3Ftab%3D2"
    )


def test_login_view_query_is_kept_in_order_with_repeated_values(protocol: str) -> None:
    # Flask-Login keeps every value of the login URL's query, in order, and
    # puts next last; keeping one value of a repeated parameter broke SSO
    # login URLs that list several scopes.
    app = build_app()
    app.login_manager.login_view = "/sso/login?scope=read&scope=write&prompt="
    response = app.test_client(protocol=protocol).get("/dashboard?tab=2")
    assert response.status_code == 302
    assert response.headers["Location"] == (
        "/sso/login?scope=read&scope=write&prompt=&next=%2Fdashboard%3Ftab%3D2"
    )


def test_next_is_followed_only_to_a_same_site_path(client: Any) -> None:
    ok = client.post("/login?next=/page", data={"username": "alice", "password": "wonderland"})
    assert ok.headers["Location"] == "/page"
    for evil in ("https://evil.example/", "//evil.example", "/\\evil.example"):
        client.post("/logout")
        response = client.post(
            "/login", data={"username": "alice", "password": "wonderland", "next": evil}
        )
        assert response.headers["Location"] == "/dashboard"


def test_next_kept_in_the_session(protocol: str) -> None:
    client = build_app(USE_SESSION_FOR_NEXT=True).test_client(protocol=protocol)
    refused = client.get("/dashboard?tab=2")
    assert refused.headers["Location"] == "/login"
    with client.session_transaction() as current:
        assert current["next"] == "/dashboard?tab=2"
    assert log_in(client).headers["Location"] == "/dashboard?tab=2"


def test_login_required_on_a_whole_blueprint_and_per_blueprint_login_view(
    protocol: str,
) -> None:
    app = build_app()
    admin = Blueprint("admin", __name__, url_prefix="/admin")

    @admin.get("/")
    def index() -> str:
        return "admin index"

    @app.get("/admin-login")
    def admin_login() -> str:
        return "admin login"

    login_required(admin)
    app.register_blueprint(admin)
    with app.app_context():
        set_login_view("admin_login", admin)
        set_login_view("login")
    client = app.test_client(protocol=protocol)
    assert client.get("/admin/").headers["Location"].startswith("/admin-login?next=")
    log_in(client)
    assert client.get("/admin/").text == "admin index"


def test_login_disabled_and_options_pass(protocol: str) -> None:
    disabled = build_app(LOGIN_DISABLED=True)

    @disabled.get("/open")
    @login_required
    def open_view() -> str:
        return "open"

    assert disabled.test_client(protocol=protocol).get("/open").text == "open"
    app = build_app()
    assert app.test_client(protocol=protocol).options("/dashboard").status_code == 200


def test_exempt_methods_can_be_extended_as_in_flask_login(protocol: str) -> None:
    # Flask-Login's EXEMPT_METHODS is a set that apps add methods to.
    from hipflask.login import config

    app = build_app()

    @app.route("/ping", methods=["GET", "HEAD"])
    @login_required
    def ping() -> str:
        return "pong"

    client = app.test_client(protocol=protocol)
    assert client.head("/ping").status_code == 302
    config.EXEMPT_METHODS.add("HEAD")
    try:
        assert client.head("/ping").status_code == 200
        assert client.get("/ping").status_code == 302
    finally:
        config.EXEMPT_METHODS.discard("HEAD")
    assert "HEAD" not in config.EXEMPT_METHODS


def test_login_remembered(app: Hipflask) -> None:
    client = app.test_client()
    log_in(client, remember="1")
    cookie = client.get_cookie("remember_token").value
    with app.test_request_context(headers={"Cookie": f"remember_token={cookie}"}):
        assert login_remembered()
    with app.test_request_context(headers={"Cookie": "remember_token=forged"}):
        assert not login_remembered()
    with app.test_request_context():
        assert not login_remembered()


def test_remember_duration_sets_the_cookie_lifetime(app: Hipflask) -> None:
    @app.post("/short")
    def short() -> str:
        login_user(app.extensions["test_users"]["bob"], remember=True, duration=timedelta(hours=1))
        return "ok"

    cookies = app.test_client().post("/short").headers.getlist("Set-Cookie")
    remember = next(c for c in cookies if c.startswith("remember_token="))
    assert "Max-Age=3600" in remember
    assert "HttpOnly" in remember
    assert "SameSite=Lax" in remember


@pytest.mark.parametrize("duration", ["123", 123, 1.5], ids=["string", "int", "float"])
def test_a_remember_duration_that_is_not_a_timedelta_is_refused(
    app: Hipflask, protocol: str, duration: Any
) -> None:
    # As in Flask-Login (seconds are taken for the setting, not here), and
    # before the login is written: the session stays logged out.
    @app.post("/short")
    def short() -> str:
        login_user(app.extensions["test_users"]["bob"], remember=True, duration=duration)
        return "ok"

    @app.get("/who")
    def who() -> str:
        return str(session.get("_user_id"))

    client = app.test_client(protocol=protocol)
    with pytest.raises(TypeError, match=r"duration=timedelta\(days=14\)"):
        client.post("/short")
    assert client.get("/who").text == "None"


def test_a_duration_without_remember_is_ignored_as_in_flask_login(
    app: Hipflask, protocol: str
) -> None:
    @app.post("/plain")
    def plain() -> str:
        login_user(app.extensions["test_users"]["bob"], duration="123")  # type: ignore[arg-type]
        return "ok"

    response = app.test_client(protocol=protocol).post("/plain")
    assert response.text == "ok"
    assert "remember_token" not in " ".join(response.headers.getlist("Set-Cookie"))


def test_helpers_without_a_login_manager_say_how_to_set_one_up() -> None:
    app = Hipflask("bare")
    app.config["SECRET_KEY"] = "x" * 40
    with app.test_request_context(), pytest.raises(ConfigurationError, match="LoginManager"):
        login_user(object(), force=True)


def test_current_user_outside_a_request_is_none() -> None:
    assert current_user._get_current_object() is None
    assert session is not None


def test_current_user_in_a_template_outside_a_request_is_none() -> None:
    # A mail rendered by a background job in an app context: as with
    # Flask-Login, the template's current_user is None itself.
    from hipflask import render_template_string

    app = build_app()
    with app.app_context():
        assert render_template_string("{{ current_user is none }}") == "True"
    with app.test_request_context():
        assert render_template_string("{{ current_user.is_anonymous }}") == "True"


def test_async_view_refuses_anonymous_visitors(client: Any) -> None:
    assert client.get("/async-dashboard").status_code == 302


def test_logout_without_registry(protocol: str) -> None:
    client = build_app(LOGIN_REGISTRY_STORE=None).test_client(protocol=protocol)
    log_in(client)
    client.post("/logout")
    assert client.get("/dashboard").status_code == 302


def test_logout_everywhere_from_an_admin_view_ends_the_target_user_only(
    app: Hipflask, protocol: str
) -> None:
    @app.post("/ban/<name>")
    def ban(name: str) -> str:
        logout_everywhere(app.extensions["test_users"][name])
        return "banned"

    admin = app.test_client(protocol=protocol)
    victim = app.test_client(protocol=protocol)
    log_in(admin)
    log_in(victim, "bob")
    assert admin.post("/ban/bob").text == "banned"
    assert victim.get("/dashboard").status_code == 302
    assert admin.get("/dashboard").text == "Hello alice"


def test_login_package_has_no_other_lazy_names() -> None:
    import hipflask.login

    with pytest.raises(AttributeError, match="nothing"):
        hipflask.login.nothing  # noqa: B018


def test_server_side_session_gets_a_new_id_at_login(protocol: str) -> None:
    from hipflask.sessions import Session

    app = build_app(SESSION_TYPE="memory")
    Session(app)

    @app.post("/plant")
    def plant() -> str:
        session["cart"] = ["book"]
        return "planted"

    client = app.test_client(protocol=protocol)
    client.post("/plant")
    planted = client.get_cookie("session").value
    log_in(client)
    logged_in = client.get_cookie("session").value
    assert logged_in != planted
    assert client.get("/dashboard").text == "Hello alice"
    attacker = app.test_client(protocol=protocol)
    attacker.set_cookie("session", planted)
    assert attacker.get("/dashboard").status_code == 302
    client.post("/logout")
    attacker.set_cookie("session", logged_in)
    assert attacker.get("/dashboard").status_code == 302


def test_an_inactive_account_is_turned_away_before_the_duration_is_checked(
    app: Hipflask, protocol: str
) -> None:
    # Flask-Login returns False for an inactive account whatever the duration.
    @app.post("/inactive")
    def inactive() -> str:
        zed = app.extensions["test_users"]["zed"]
        return str(login_user(zed, remember=True, duration="x"))  # type: ignore[arg-type]

    assert app.test_client(protocol=protocol).post("/inactive").text == "False"


def test_force_host_for_redirects_names_the_login_page_s_host(protocol: str) -> None:
    app = build_app(FORCE_HOST_FOR_REDIRECTS="auth.example.com")
    client = app.test_client(protocol=protocol)
    assert client.get("/dashboard").headers["Location"] == (
        "//auth.example.com/login?next=%2Fdashboard"
    )
    app.login_manager.login_view = "https://sso.example/login"
    assert client.get("/dashboard").headers["Location"] == (
        "https://auth.example.com/login?next=http%3A%2F%2Flocalhost%2Fdashboard"
    )
