"""make_response and the app's own coercion of a view's return value."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.wrappers import Response as WerkzeugResponse

from hipflask import Hipflask
from hipflask import Response
from hipflask import request
from hipflask.json.provider import DefaultJSONProvider
from hipflask.testing.client import HipflaskClient
from hipflask.wrappers.coerce import make_response


def no_environ() -> dict[str, Any]:
    return {}


def coerce(value: Any) -> Response:
    return make_response(value, Response, DefaultJSONProvider(None), no_environ)


def test_make_response_returns_a_response_instance_unchanged() -> None:
    response = Response("x")

    assert coerce(response) is response


def test_make_response_builds_json_with_the_given_provider() -> None:
    class Loud(DefaultJSONProvider):
        def dump_bytes(self, obj: Any) -> bytes:
            return b'"loud"'

    response = make_response({"a": 1}, Response, Loud(None), no_environ)

    assert response.get_data() == b'"loud"\n'


def test_make_response_with_a_response_subclass_builds_that_class() -> None:
    class Custom(Response):
        pass

    response = make_response("x", Custom, DefaultJSONProvider(None), no_environ)

    assert type(response) is Custom


def test_make_response_does_not_build_an_environ_unless_needed() -> None:
    def environ() -> dict[str, Any]:
        raise AssertionError("the environ was built")

    for value in ("s", b"b", {"a": 1}, [1], ("s", 201), iter(["x"])):
        make_response(value, Response, DefaultJSONProvider(None), environ)


def test_view_sees_the_request_while_the_return_value_is_made(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/")
    def index() -> tuple[str, dict[str, str]]:
        return "x", {"X-Path": request.path}

    assert client.get("/").headers["X-Path"] == "/"


@pytest.mark.parametrize("kind", ["stock", "plain_text_default", "own_init"])
def test_a_str_from_the_app_is_what_the_general_coercion_makes(kind: str) -> None:
    class PlainText(Response):
        default_mimetype = "text/plain"

    class OwnInit(Response):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.headers["X-Made-By"] = "own init"

    response_class = {"stock": Response, "plain_text_default": PlainText, "own_init": OwnInit}[kind]
    app = Hipflask(__name__, static_folder=None)
    app.response_class = response_class

    # The app answers a str before the other shapes; what it makes must not
    # differ from what the general coercion makes of the same value.
    made = app.make_response("héllo")
    general = make_response("héllo", response_class, app.json, no_environ)

    assert type(made) is response_class
    assert made.status == general.status == "200 OK"
    assert list(made.headers.items()) == list(general.headers.items())
    assert made.get_data() == general.get_data() == "héllo".encode()


@pytest.mark.parametrize(
    "response_class",
    [WerkzeugResponse, type("DefaultStatus", (Response,), {"default_status": 201})],
    ids=["werkzeug", "default_status"],
)
def test_a_str_from_the_app_uses_the_class_of_the_instance(
    response_class: type[Response],
) -> None:
    app = Hipflask(__name__, static_folder=None)
    app.response_class = response_class
    made = app.make_response("page")
    assert type(made) is response_class
    assert made.status_code == response_class.default_status
    assert made.mimetype == response_class.default_mimetype
