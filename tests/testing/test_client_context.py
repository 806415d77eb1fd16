"""A test client's with block: the request context it keeps, and what it leaves behind."""

from __future__ import annotations

import gc

import pytest

from hipflask import Hipflask
from hipflask import g
from hipflask import request
from hipflask.testing.client import HipflaskClient


def test_with_block_keeps_the_last_request_context(app: Hipflask, client: HipflaskClient) -> None:
    torn_down: list[str] = []

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        torn_down.append(request.path)

    @app.route("/<name>")
    def index(name: str) -> str:
        g.name = name
        return name

    with client:
        client.get("/first")
        assert torn_down == ["/first"]
        client.get("/second?x=1")
        assert request.path == "/second"
        assert request.args["x"] == "1"
        assert g.name == "second"
        # As in Flask: torn down when each request ends (in the thread the
        # view ran in), and again when the kept context is popped.
        assert torn_down == ["/first", "/first", "/second"]

    assert torn_down == ["/first", "/first", "/second", "/second"]
    with pytest.raises(RuntimeError, match="Working outside of request context"):
        _ = request.path


def test_with_block_keeps_the_last_hop_of_a_followed_redirect(
    app: Hipflask, client: HipflaskClient
) -> None:
    torn_down: list[str] = []

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        torn_down.append(request.path)

    @app.route("/form/", methods=["POST"])
    def form() -> str:
        return request.get_data(as_text=True)

    with client:
        response = client.post("/form", data=b"sent twice", follow_redirects=True)
        assert response.text == "sent twice"
        assert request.path == "/form/"
        # Each hop torn down as it ends; the earlier hop's kept context is
        # popped (torn down again) once the redirect is followed.
        assert torn_down == ["/form", "/form/", "/form"]

    assert torn_down == ["/form", "/form/", "/form", "/form/"]


def test_teardown_at_the_request_end_runs_where_the_view_ran(
    app: Hipflask, client: HipflaskClient
) -> None:
    # Flask's tutorial opens SQLite in the view and closes it in teardown; a
    # connection may only be used in the thread that made it.
    import threading

    threads: dict[str, list[int]] = {"view": [], "teardown": []}

    @app.teardown_appcontext
    def close_db(exc: BaseException | None) -> None:
        threads["teardown"].append(threading.get_ident())
        g.pop("db", None)

    @app.route("/")
    def index() -> str:
        threads["view"].append(threading.get_ident())
        g.db = "connection"
        return "ok"

    with client:
        client.get("/")
        assert threads["teardown"] == threads["view"]


def test_a_request_that_raises_leaves_no_context_behind(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.testing = True

    @app.route("/boom")
    def boom() -> str:
        raise LookupError("boom")

    @app.route("/fine")
    def fine() -> str:
        return "fine"

    with client:
        with pytest.raises(LookupError):
            client.get("/boom")
        client.get("/fine")
        assert request.path == "/fine"


def test_with_block_keeps_a_posted_body_readable(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> str:
        return "not read"

    with client:
        client.post("/", data=b"kept", content_type="text/plain")
        assert request.get_data() == b"kept"
    gc.collect()  # an unclosed body buffer would warn (and fail the test) here


def test_with_block_closes_an_unread_body(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> str:
        return "not read"

    with client:
        client.post("/", data=b"unread", content_type="text/plain")
    gc.collect()  # an unclosed body buffer would warn (and fail the test) here


def test_with_blocks_do_not_nest(client: HipflaskClient) -> None:
    with client, pytest.raises(RuntimeError, match="Cannot nest"), client:
        pass  # pragma: no cover


def test_without_a_with_block_the_context_is_gone(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> str:
        return "ok"

    client.get("/")

    with pytest.raises(RuntimeError, match="Working outside of request context"):
        _ = request.path
