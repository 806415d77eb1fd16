"""A body that is not the JSON it claims to be: 400 in JSON for JSON clients, both protocols."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import request
from hipflask.forms import FlaskForm
from hipflask.wrappers.jsonerrors import JSONBadRequest

NOT_JSON = {
    "code": 400,
    "name": "Bad Request",
    "description": "The request body is not valid JSON.",
}


@pytest.fixture
def echo(app: Hipflask) -> Hipflask:
    @app.post("/echo")
    def echo() -> Any:
        return {"got": request.get_json()}

    @app.post("/forced")
    def forced() -> Any:
        return {"got": request.get_json(force=True)}

    return app


@pytest.mark.parametrize(
    "body",
    [
        b"{bad",  # malformed
        b"[" * 5000,  # nesting deep enough to exhaust a recursive parser
        b'{"n": 1e999}',  # a number beyond a float's range
        b"9" * 400,  # an integer beyond a float's range
        b'{"s": "\xff\xfe"}',  # invalid UTF-8
        b'{"s": "\\ud800"}',  # a lone surrogate, which cannot be written back
        b"",  # an empty body
    ],
)
@pytest.mark.parametrize("accept", [None, "text/html", "*/*"])
def test_a_json_client_gets_a_short_json_400_whatever_it_accepts(
    echo: Hipflask, client: Any, body: bytes, accept: str | None
) -> None:
    headers = {"Content-Type": "application/json"}
    if accept is not None:
        headers["Accept"] = accept
    response = client.post("/echo", data=body, headers=headers)
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    assert json.loads(response.get_data()) == NOT_JSON


def test_a_structured_json_type_counts_as_json(echo: Hipflask, client: Any) -> None:
    response = client.post(
        "/echo", data=b"{bad", headers={"Content-Type": "application/vnd.api+json"}
    )
    assert response.status_code == 400
    assert response.get_json() == NOT_JSON


def test_valid_json_of_any_kind_still_parses(echo: Hipflask, client: Any) -> None:
    response = client.post("/echo", data=b"[1, 2]", headers={"Content-Type": "application/json"})
    assert response.get_json() == {"got": [1, 2]}


def test_an_html_form_post_keeps_the_html_pages(echo: Hipflask, client: Any) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"}
    # The wrong content type stays Flask's 415.
    wrong_type = client.post("/echo", data=b"a=b", headers=form)
    assert wrong_type.status_code == 415
    assert wrong_type.mimetype == "text/html"
    # Parsed anyway with force=True and malformed: the HTML 400.
    forced = client.post("/forced", data=b"a=b", headers=form)
    assert forced.status_code == 400
    assert forced.mimetype == "text/html"
    assert "not valid JSON" in forced.get_data(as_text=True)


def test_a_client_that_prefers_json_gets_the_415_as_json(echo: Hipflask, client: Any) -> None:
    headers = {"Content-Type": "text/plain", "Accept": "application/json"}
    response = client.post("/echo", data=b"{}", headers=headers)
    assert response.status_code == 415
    assert response.get_json()["code"] == 415


def test_an_error_handler_for_400_still_receives_it(echo: Hipflask, client: Any) -> None:
    seen: list[Exception] = []

    @echo.errorhandler(400)
    def bad(error: Exception) -> Any:
        seen.append(error)
        return {"mine": True}, 400

    response = client.post("/echo", data=b"{bad", headers={"Content-Type": "application/json"})
    assert response.get_json() == {"mine": True}
    assert isinstance(seen[0], JSONBadRequest)


def test_debug_mode_says_what_the_parser_said(app: Hipflask) -> None:
    app.debug = True

    @app.post("/echo")
    def echo() -> Any:
        return {"got": request.get_json()}

    client = app.test_client()
    response = client.post("/echo", data=b"{bad", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["description"].startswith("Failed to decode JSON object:")


def test_a_form_submitted_as_json_that_is_not_an_object(app: Hipflask, client: Any) -> None:
    app.config["WTF_CSRF_ENABLED"] = False

    class Login(FlaskForm):
        pass

    @app.post("/login")
    def login() -> str:
        Login()
        return "ok"

    response = client.post("/login", data=b"[1]", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["description"] == (
        "The JSON body of a form submission must be an object."
    )
