"""Error settings and messages: missing keys in debug, logged exceptions, bad return values."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from werkzeug.exceptions import BadRequestKeyError

from hipflask import Hipflask
from hipflask import request
from hipflask.testing.client import HipflaskClient


def test_missing_key_shows_its_name_in_debug(app: Hipflask, protocol: str) -> None:
    app.config.update(DEBUG=True, TRAP_BAD_REQUEST_ERRORS=False)

    @app.route("/")
    def index() -> str:
        return request.args["needed"]

    response = app.test_client(protocol=protocol).get("/")
    assert response.status_code == 400
    assert "needed" in response.text


def test_missing_key_is_trapped_in_debug_by_default(app: Hipflask) -> None:
    app.config["DEBUG"] = True
    assert app.trap_http_exception(BadRequestKeyError("k"))
    app.config["DEBUG"] = False
    assert not app.trap_http_exception(BadRequestKeyError("k"))


def test_log_exception_outside_a_request(app: Hipflask, caplog: pytest.LogCaptureFixture) -> None:
    try:
        raise ValueError("offline")
    except ValueError:
        app.log_exception(sys.exc_info())
    assert "Exception on ?" in caplog.records[-1].getMessage()
    assert caplog.records[-1].exc_info[1].args == ("offline",)  # type: ignore[index]


def test_log_exception_takes_a_bare_exception_too(
    app: Hipflask, caplog: pytest.LogCaptureFixture
) -> None:
    try:
        raise ValueError("offline")
    except ValueError as exc:
        app.log_exception(exc)
    assert caplog.records[-1].exc_info[1].args == ("offline",)  # type: ignore[index]


def test_view_returning_none_is_named_in_the_error(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def forgot_to_return() -> None:
        return None

    with pytest.raises(TypeError, match="The view function for 'forgot_to_return' did not return"):
        client.get("/")


def test_tuple_with_a_none_body_is_named_in_the_error(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/")
    def half_done() -> Any:
        return None, 201

    with pytest.raises(TypeError, match="'half_done' did not return a valid response"):
        client.get("/")
