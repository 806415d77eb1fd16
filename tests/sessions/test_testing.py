from __future__ import annotations

from datetime import datetime
from datetime import timezone
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import session
from hipflask.sessions.base import SessionUnavailableError
from hipflask.testing.client import HipflaskClient


@pytest.fixture
def views(app: Hipflask) -> Hipflask:
    @app.route("/get/<key>")
    def get_value(key: str) -> str:
        return repr(session.get(key))

    @app.route("/set/<key>/<value>")
    def set_value(key: str, value: str) -> str:
        session[key] = value
        return "set"

    return app


def test_values_set_in_a_transaction_reach_the_app(views: Hipflask, client: HipflaskClient) -> None:
    with client.session_transaction() as sess:
        sess["user_id"] = 7
        sess["when"] = datetime(2024, 1, 1, tzinfo=timezone.utc)
    assert client.get("/get/user_id").text == "7"
    assert client.get("/get/when").text == repr(datetime(2024, 1, 1, tzinfo=timezone.utc))


def test_transaction_sees_what_a_request_stored(views: Hipflask, client: HipflaskClient) -> None:
    client.get("/set/colour/blue")
    with client.session_transaction() as sess:
        assert sess["colour"] == "blue"
        assert sess.new is False


def test_transaction_without_a_cookie_starts_empty(views: Hipflask, client: HipflaskClient) -> None:
    with client.session_transaction() as sess:
        assert dict(sess) == {}
        assert sess.new is True
    assert client.get_cookie("session") is None


def test_transactions_accumulate(views: Hipflask, client: HipflaskClient) -> None:
    with client.session_transaction() as sess:
        sess["a"] = 1
    with client.session_transaction() as sess:
        sess["b"] = 2
    client.get("/set/c/3")
    with client.session_transaction() as sess:
        assert dict(sess) == {"a": 1, "b": 2, "c": "3"}


def test_unchanged_transaction_leaves_the_cookie_alone(
    views: Hipflask, client: HipflaskClient
) -> None:
    client.get("/set/a/1")
    before = client.get_cookie("session")
    assert before is not None
    with client.session_transaction() as sess:
        assert sess["a"] == "1"
    after = client.get_cookie("session")
    assert after is not None
    assert after.value == before.value


def test_clearing_in_a_transaction_removes_the_cookie(
    views: Hipflask, client: HipflaskClient
) -> None:
    client.get("/set/a/1")
    with client.session_transaction() as sess:
        sess.clear()
    assert client.get_cookie("session") is None
    assert client.get("/get/a").text == "None"


def test_error_in_the_block_discards_changes(views: Hipflask, client: HipflaskClient) -> None:
    client.get("/set/a/1")
    with pytest.raises(ZeroDivisionError), client.session_transaction() as sess:
        sess["a"] = "changed"
        1 / 0  # noqa: B018
    assert client.get("/get/a").text == "'1'"


def test_https_transaction_stores_a_secure_cookie(views: Hipflask, client: HipflaskClient) -> None:
    with client.session_transaction(base_url="https://localhost") as sess:
        sess["a"] = 1
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.secure is True
    assert cookie.http_only is True
    assert cookie.same_site == "Lax"


def test_permanent_session_gets_an_expiry_in_the_jar(
    views: Hipflask, client: HipflaskClient
) -> None:
    with client.session_transaction() as sess:
        sess.permanent = True
        sess["a"] = 1
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.expires is not None
    assert cookie.expires > datetime.now(timezone.utc)
    assert client.get("/get/a").text == "1"


def test_custom_cookie_name_and_domain(views: Hipflask, client: HipflaskClient) -> None:
    views.config.update(
        SERVER_NAME="example.test",
        SESSION_COOKIE_NAME="sid",
        SESSION_COOKIE_DOMAIN="example.test",
    )
    with client.session_transaction() as sess:
        sess["a"] = "x"
    cookie = client.get_cookie("sid", domain="example.test")
    assert cookie is not None
    assert cookie.origin_only is False
    assert client.get("/get/a").text == "'x'"
    with client.session_transaction() as sess:
        assert sess["a"] == "x"


def test_cookie_under_application_root(views: Hipflask, client: HipflaskClient) -> None:
    views.config["APPLICATION_ROOT"] = "/app"
    client.get("/set/a/1")
    with client.session_transaction() as sess:
        assert sess["a"] == "1"
        sess["b"] = "2"
    assert client.get_cookie("session", path="/app") is not None
    assert client.get("/get/b").text == "'2'"


def test_a_cookie_header_given_is_replaced_by_the_jars_as_in_flask(
    views: Hipflask, client: HipflaskClient, protocol: str
) -> None:
    seen: list[dict[str, str]] = []
    interface = views.session_interface
    original = interface.open_session

    def spy(app: Hipflask, request: Any) -> Any:
        seen.append(dict(request.cookies))
        return original(app, request)

    other = views.test_client(protocol=protocol)
    other.get("/set/a/planted")
    planted = other.get_cookie("session")
    assert planted is not None
    header = {"Cookie": f"theme=dark; session={planted.value}"}
    interface.open_session = spy  # type: ignore[method-assign]

    with client.session_transaction(headers=header) as sess:
        assert dict(sess) == {}
    client.get("/set/a/1")
    with client.session_transaction(headers=header) as sess:
        assert sess["a"] == "1"
    mine = client.get_cookie("session")
    assert mine is not None

    assert seen[0] == {}
    assert seen[-1] == {"session": mine.value}


def test_other_cookies_in_the_jar_are_untouched(views: Hipflask, client: HipflaskClient) -> None:
    client.set_cookie("theme", "dark")
    with client.session_transaction() as sess:
        sess["a"] = 1
    theme = client.get_cookie("theme")
    assert theme is not None
    assert theme.value == "dark"


def test_without_secret_key_the_transaction_fails_clearly(
    views: Hipflask, client: HipflaskClient
) -> None:
    views.config["SECRET_KEY"] = None
    with pytest.raises(SessionUnavailableError, match="SECRET_KEY"):  # noqa: SIM117
        with client.session_transaction():
            pass


def test_client_without_cookies_cannot_hold_a_session(views: Hipflask, protocol: str) -> None:
    no_jar = views.test_client(use_cookies=False, protocol=protocol)
    with pytest.raises(TypeError, match="use_cookies"):  # noqa: SIM117
        with no_jar.session_transaction():
            pass


def test_null_session_from_a_custom_interface_is_not_saved(
    views: Hipflask, client: HipflaskClient
) -> None:
    from hipflask.sessions.base import NullSession
    from hipflask.sessions.cookie import SecureCookieSessionInterface

    class Null(SecureCookieSessionInterface):
        def open_session(self, app: Any, request: Any) -> Any:
            return NullSession()

    views.session_interface = Null()
    with client.session_transaction() as sess:
        assert sess.get("a") is None
    assert client.get_cookie("session") is None


def test_transaction_without_a_session_uses_flasks_wording(protocol: str) -> None:
    app = Hipflask("tests_app")  # no SECRET_KEY: the backend opens no session
    client = app.test_client(protocol=protocol)

    with (
        pytest.raises(RuntimeError, match=r"^Session backend did not open a session\."),
        client.session_transaction(),
    ):
        pass


def test_transaction_with_an_interface_that_opens_none_uses_flasks_wording(
    app: Hipflask, protocol: str
) -> None:
    class NoSessions(type(app.session_interface)):  # type: ignore[misc]
        def open_session(self, app: Any, request: Any) -> None:
            return None

    app.session_interface = NoSessions()
    client = app.test_client(protocol=protocol)

    with (
        pytest.raises(RuntimeError, match=r"^Session backend did not open a session\."),
        client.session_transaction(),
    ):
        pass


def test_the_module_function_is_the_clients_transaction(
    views: Hipflask, client: HipflaskClient
) -> None:
    from hipflask.sessions.testing import session_transaction

    with session_transaction(client) as sess:
        sess["user_id"] = 8
    assert client.get("/get/user_id").text == "8"
    with session_transaction(client) as sess:
        assert sess["user_id"] == 8
