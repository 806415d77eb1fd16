from __future__ import annotations

from typing import Any

import pytest
from markupsafe import Markup

from hipflask import Hipflask
from hipflask import message_flashed
from hipflask import redirect
from hipflask import request
from hipflask import session
from hipflask.core.flashing import flash
from hipflask.core.flashing import get_flashed_messages
from hipflask.sessions.base import SessionUnavailableError
from hipflask.testing.client import HipflaskClient


@pytest.fixture
def views(app: Hipflask) -> Hipflask:
    @app.route("/save", methods=["POST"])
    def save() -> Any:
        flash("Profile saved.")
        flash("Check your e-mail.", "info")
        flash("Password is weak.", "warning")
        return redirect("/profile")

    @app.route("/profile")
    def profile() -> str:
        return " | ".join(get_flashed_messages())

    @app.route("/categories")
    def categories() -> str:
        return repr(get_flashed_messages(with_categories=True))

    @app.route("/filtered")
    def filtered() -> str:
        only = request.args.getlist("only")
        return repr(get_flashed_messages(with_categories=True, category_filter=only))

    @app.route("/none")
    def none() -> str:
        return "nothing"

    return app


def test_message_is_shown_after_the_redirect_exactly_once(
    views: Hipflask, client: HipflaskClient
) -> None:
    response = client.post("/save", follow_redirects=True)
    assert response.text == "Profile saved. | Check your e-mail. | Password is weak."
    assert client.get("/profile").text == ""


def test_messages_wait_for_the_page_that_reads_them(
    views: Hipflask, client: HipflaskClient
) -> None:
    client.post("/save")
    client.get("/none")
    assert client.get("/profile").text.startswith("Profile saved.")
    assert client.get("/profile").text == ""


def test_categories_are_returned_in_order(views: Hipflask, client: HipflaskClient) -> None:
    client.post("/save")
    assert client.get("/categories").text == repr(
        [
            ("message", "Profile saved."),
            ("info", "Check your e-mail."),
            ("warning", "Password is weak."),
        ]
    )


def test_filter_keeps_only_chosen_categories(views: Hipflask, client: HipflaskClient) -> None:
    client.post("/save")
    response = client.get("/filtered?only=info&only=warning")
    assert response.text == repr([("info", "Check your e-mail."), ("warning", "Password is weak.")])


def test_filtered_out_messages_are_consumed_too(views: Hipflask, client: HipflaskClient) -> None:
    client.post("/save")
    client.get("/filtered?only=info")
    assert client.get("/categories").text == "[]"


def test_repeated_calls_in_one_request_see_the_same_messages(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/flash")
    def flash_some() -> str:
        flash("a", "error")
        flash("b")
        return "ok"

    @app.route("/twice")
    def twice() -> str:
        first = get_flashed_messages()
        errors = get_flashed_messages(category_filter=["error"])
        again = get_flashed_messages(with_categories=True)
        # A lone string is one category, not a set of letters.
        by_string = get_flashed_messages(category_filter="error")
        return repr((first, errors, again, by_string))

    client.get("/flash")
    assert client.get("/twice").text == repr(
        (["a", "b"], ["a"], [("error", "a"), ("message", "b")], ["a"])
    )


def test_returned_list_can_be_changed_without_affecting_later_calls(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/flash")
    def flash_some() -> str:
        flash("a")
        return "ok"

    @app.route("/mutate")
    def mutate() -> str:
        get_flashed_messages(with_categories=True).clear()  # type: ignore[union-attr]
        return repr(get_flashed_messages())

    client.get("/flash")
    assert client.get("/mutate").text == "['a']"


def test_flash_after_reading_waits_for_the_next_request(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/<int:n>")
    def index(n: int) -> str:
        before = get_flashed_messages()
        flash(f"from request {n}")
        return repr((before, get_flashed_messages()))

    assert client.get("/1").text == repr(([], []))
    assert client.get("/2").text == repr((["from request 1"], ["from request 1"]))
    assert client.get("/3").text == repr((["from request 2"], ["from request 2"]))


def test_markup_message_stays_markup(app: Hipflask, client: HipflaskClient) -> None:
    seen: list[Any] = []

    @app.route("/flash")
    def flash_markup() -> str:
        flash(Markup("<b>Saved</b>"))
        return "ok"

    @app.route("/read")
    def read() -> str:
        seen.extend(get_flashed_messages())
        return "ok"

    client.get("/flash")
    client.get("/read")
    assert seen == [Markup("<b>Saved</b>")]
    assert isinstance(seen[0], Markup)


def test_messages_are_kept_as_category_message_tuples_in_the_session(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/flash")
    def flash_one() -> str:
        flash("hello", "info")
        return "ok"

    client.get("/flash")
    with client.session_transaction() as sess:
        assert sess["_flashes"] == [("info", "hello")]


def test_reading_without_messages_leaves_the_session_alone(
    views: Hipflask, client: HipflaskClient
) -> None:
    with client.session_transaction() as sess:
        sess["user"] = "ann"
    response = client.get("/profile")
    assert response.text == ""
    assert response.headers.getlist("Set-Cookie") == []
    assert response.headers["Vary"] == "Cookie"


def test_reading_messages_rewrites_the_cookie_without_them(
    views: Hipflask, client: HipflaskClient
) -> None:
    with client.session_transaction() as sess:
        sess["user"] = "ann"
    client.post("/save")
    response = client.get("/profile")
    assert len(response.headers.getlist("Set-Cookie")) == 1
    with client.session_transaction() as sess:
        assert dict(sess) == {"user": "ann"}


def test_flash_sends_the_signal(views: Hipflask, client: HipflaskClient) -> None:
    received: list[tuple[Any, dict[str, Any]]] = []

    def receiver(sender: Any, **extra: Any) -> None:
        received.append((sender, extra))

    with message_flashed.connected_to(receiver, views):
        client.post("/save")
    assert received[0] == (views, {"message": "Profile saved.", "category": "message"})
    assert len(received) == 3


def test_flash_without_secret_key_raises_naming_the_setting(
    views: Hipflask, client: HipflaskClient
) -> None:
    views.config["SECRET_KEY"] = None
    with pytest.raises(SessionUnavailableError, match="SECRET_KEY"):
        client.post("/save")


def test_reading_without_secret_key_returns_nothing(
    views: Hipflask, client: HipflaskClient
) -> None:
    views.config["SECRET_KEY"] = None
    assert client.get("/profile").text == ""


def test_flash_in_an_async_view(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/flash")
    async def flash_async() -> str:
        flash("from async")
        return "ok"

    @app.route("/read")
    async def read_async() -> str:
        return repr(get_flashed_messages())

    client.get("/flash")
    assert client.get("/read").text == "['from async']"


def test_flash_appends_to_messages_already_in_the_session(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/flash/<text>")
    def flash_text(text: str) -> str:
        flash(text)
        return "ok"

    @app.route("/read")
    def read() -> str:
        return repr(get_flashed_messages())

    client.get("/flash/one")
    client.get("/flash/two")
    assert client.get("/read").text == "['one', 'two']"


@pytest.mark.parametrize("func", [lambda: flash("x"), get_flashed_messages])
def test_outside_a_request_is_a_clear_error(func: Any) -> None:
    with pytest.raises(RuntimeError, match="request context is active"):
        func()


def test_works_in_a_test_request_context(app: Hipflask) -> None:
    with app.test_request_context():
        flash("direct", "info")
        assert session["_flashes"] == [("info", "direct")]
        assert get_flashed_messages(with_categories=True) == [("info", "direct")]
        assert "_flashes" not in session
