"""session_transaction: the session a test changes is the one the next request sees."""

from __future__ import annotations

from typing import Any

from hipflask import Hipflask
from hipflask.testing.client import HipflaskClient


def test_session_transaction_changes_what_the_next_request_sees(
    app: Hipflask, client: HipflaskClient
) -> None:
    from hipflask import session

    @app.route("/")
    def index() -> str:
        return str(session.get("user", "anonymous"))

    with client.session_transaction() as sess:
        sess["user"] = "ada"

    assert client.get("/").text == "ada"


def test_session_transaction_opens_the_session_with_the_cookies_a_request_sends(
    app: Hipflask, client: HipflaskClient
) -> None:
    seen: list[dict[str, str]] = []
    interface = app.session_interface
    original = interface.open_session

    def spy(app: Hipflask, request: Any) -> Any:
        seen.append(dict(request.cookies))
        return original(app, request)

    interface.open_session = spy  # type: ignore[method-assign]
    client.set_cookie("theme", "dark")
    client.set_cookie("cart", "3", path="/shop")
    client.set_cookie("other", "x", domain="other.test")

    with client.session_transaction():
        pass
    with client.session_transaction("/shop/"):
        pass

    assert seen == [{"theme": "dark"}, {"theme": "dark", "cart": "3"}]


def test_session_transaction_is_for_the_path_it_is_given(
    app: Hipflask, client: HipflaskClient
) -> None:
    from hipflask import session

    app.config["SESSION_COOKIE_PATH"] = "/app"

    @app.route("/app/login")
    def login() -> str:
        session["user"] = "ada"
        return "in"

    @app.route("/app/who")
    def who() -> str:
        return str(session.get("user"))

    client.get("/app/login")

    # As in Flask: the transaction's request is for "/", which the cookie's
    # path does not cover.
    with client.session_transaction() as sess:
        assert dict(sess) == {}
    with client.session_transaction("/app/") as sess:
        assert sess["user"] == "ada"
    with client.session_transaction(path="/app/who") as sess:
        sess["user"] = "grace"

    assert client.get("/app/who").text == "grace"
