"""copy_current_request_context: the request, and its session, in another thread or task."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from tests.contexts.recording_sessions import RecordingSessions

from hipflask import Hipflask
from hipflask import copy_current_request_context
from hipflask import current_app
from hipflask import request
from hipflask import session
from hipflask.testing.client import HipflaskClient


def test_copy_current_request_context_in_a_thread(app: Hipflask, client: HipflaskClient) -> None:
    results: dict[str, Any] = {}

    @app.route("/")
    def index() -> str:
        @copy_current_request_context
        def work() -> None:
            results["arg"] = request.args["job"]
            results["app"] = current_app.name
            results["thread"] = threading.current_thread().name

        thread = threading.Thread(target=work, name="background")
        thread.start()
        thread.join()
        return "started"

    assert client.get("/?job=42").text == "started"
    assert results == {"arg": "42", "app": "tests_app", "thread": "background"}


def test_a_copied_context_alone_does_not_make_the_response_personal(
    app: Hipflask, client: HipflaskClient
) -> None:
    # Copying opens the session to share it; saving it unread must not mark
    # the response as varying by cookie or private, as in Flask.
    @app.route("/")
    def index() -> str:
        copy_current_request_context(lambda: None)()
        return "done"

    response = client.get("/")

    assert response.headers.get("Vary") is None
    assert response.headers.get("Cache-Control") is None
    assert response.headers.get("Set-Cookie") is None


def test_copied_context_shares_the_session(app: Hipflask, client: HipflaskClient) -> None:
    interface = RecordingSessions()
    app.session_interface = interface

    @app.route("/")
    def index() -> str:
        @copy_current_request_context
        def work() -> None:
            session["from_thread"] = True

        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        return str(session.get("from_thread"))

    assert client.get("/").text == "True"
    assert interface.opened == 1
    assert interface.saved == [{"user": None, "from_thread": True}]


def test_copy_current_request_context_with_an_async_function(app: Hipflask) -> None:
    with app.test_request_context("/?n=3"):

        @copy_current_request_context
        async def work() -> str:
            return request.args["n"]

    result: list[str] = []
    thread = threading.Thread(target=lambda: result.append(work()))
    thread.start()
    thread.join()
    assert result == ["3"]


def test_copy_current_request_context_needs_a_request() -> None:
    with pytest.raises(RuntimeError, match="'copy_current_request_context' can only be used"):
        copy_current_request_context(lambda: None)
