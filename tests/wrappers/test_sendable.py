"""A response header value that cannot be sent is the app's 500, under both protocols.

Servers disagree on such a value: one drops the connection without an
answer, one leaves the header out, one sends its own 500. The app refuses it
before any server sees it, so its 500 handler answers, as for any other
error the app makes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import Response
from hipflask import make_response
from hipflask import request
from hipflask import session
from hipflask.testing.client import HipflaskClient
from hipflask.wrappers.sendable import unsendable_header

UNSENDABLE = ["a\x00b", "a\x0bb", "a\x1fb", "a\x7fb", "a\U0001f600b"]
SENDABLE = ["plain", "a\tb", "caf\xe9", ""]


@pytest.fixture
def app() -> Hipflask:
    app = Hipflask("sendable")
    app.config.update(SECRET_KEY="sendable-test-secret-key-0123456789abcdef")

    @app.route("/echo")
    def echo() -> Any:
        return "ok", 200, {"X-Echo": request.args["v"]}

    @app.route("/set")
    def set_header() -> Any:
        response = make_response("ok")
        response.headers["X-Echo"] = request.args["v"]
        return response

    @app.route("/type")
    def content_type() -> Response:
        return Response("ok", content_type=request.args["v"])

    @app.route("/mimetype")
    def mimetype() -> Response:
        return Response("ok", mimetype=request.args["v"])

    @app.route("/name")
    def echo_name() -> Any:
        return "ok", 200, {request.args["n"]: "value"}

    @app.route("/plain")
    def plain() -> str:
        return "ok"

    @app.errorhandler(500)
    def server_error(error: Exception) -> tuple[str, int]:
        return "our 500", 500

    return app


@pytest.fixture
def client(app: Hipflask, protocol: str) -> Iterator[HipflaskClient]:
    test_client = app.test_client(protocol=protocol)
    # The first request takes the general path; later ones the direct one.
    assert test_client.get("/plain").status_code == 200
    yield test_client


@pytest.mark.parametrize("value", UNSENDABLE, ids=repr)
@pytest.mark.parametrize("path", ["/echo", "/set", "/type", "/mimetype"])
def test_an_unsendable_header_value_is_the_apps_500(
    client: HipflaskClient, path: str, value: str
) -> None:
    response = client.get(path, query_string={"v": value})

    assert response.status_code == 500
    assert response.get_data(as_text=True) == "our 500"
    assert "X-Echo" not in response.headers
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    # The error page still gets the policy headers.
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("value", UNSENDABLE, ids=repr)
def test_an_unsendable_value_set_by_an_after_request_hook_is_the_apps_500(
    app: Hipflask, protocol: str, value: str
) -> None:
    @app.after_request
    def tag(response: Any) -> Any:
        if request.path == "/tagged" and response.status_code == 200:
            response.headers["X-Tag"] = value
        return response

    @app.route("/tagged")
    def tagged() -> str:
        return "ok"

    client = app.test_client(protocol=protocol)
    assert client.get("/plain").status_code == 200

    response = client.get("/tagged")

    assert response.status_code == 500
    assert response.get_data(as_text=True) == "our 500"


@pytest.mark.parametrize("value", UNSENDABLE, ids=repr)
def test_a_hook_tagging_every_response_does_not_put_the_value_on_the_500(
    app: Hipflask, protocol: str, value: str
) -> None:
    # A hook echoing the client's input into every response (a request ID)
    # sets it on the 500 too: that answer must still be one servers can send.
    @app.after_request
    def tag(response: Any) -> Any:
        if "tag" in request.args:
            response.headers["X-Request-Id"] = request.args["tag"]
        response.headers["X-Served-By"] = "app"
        return response

    client = app.test_client(protocol=protocol)
    assert client.get("/plain").status_code == 200

    response = client.get("/plain", query_string={"tag": value})

    assert response.status_code == 500
    assert response.get_data(as_text=True) == "our 500"
    assert "X-Request-Id" not in response.headers
    assert response.headers["X-Served-By"] == "app"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert unsendable_header(list(response.headers.items())) is None


def test_a_type_given_with_other_headers_is_sent(app: Hipflask, protocol: str) -> None:
    @app.route("/typed")
    def typed() -> Response:
        return Response(b"ok", mimetype="text/plain", headers={"X-Note": "plain"})

    response = app.test_client(protocol=protocol).get("/typed")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize("value", SENDABLE, ids=repr)
def test_tabs_and_latin_1_values_are_sent(client: HipflaskClient, value: str) -> None:
    response = client.get("/echo", query_string={"v": value})

    assert response.status_code == 200
    assert response.headers["X-Echo"] == value


def test_the_log_names_the_header_and_escapes_the_character(
    client: HipflaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        client.get("/echo", query_string={"v": "forged\x1b[2Jline"})

    assert "X-Echo" in caplog.text
    assert "\x1b" not in caplog.text
    assert "forged" not in caplog.text


def test_unsendable_header_names_the_first_bad_header() -> None:
    assert unsendable_header([("A", "ok"), ("B", "a\tb"), ("C", "caf\xe9")]) is None
    reason = unsendable_header([("A", "ok"), ("B", "x\x00"), ("C", "\x0b")])
    assert reason is not None
    assert "'B'" in reason
    assert "U+0000" in reason


@pytest.mark.parametrize("value", UNSENDABLE, ids=repr)
def test_a_location_is_made_ascii_safe_rather_than_refused(
    app: Hipflask, protocol: str, value: str
) -> None:
    @app.route("/moved")
    def moved() -> Response:
        response = Response("moved", 302)
        response.headers["Location"] = "/" + value
        return response

    response = app.test_client(protocol=protocol).get("/moved")

    assert response.status_code == 302
    assert response.headers["Location"].isascii()
    assert response.headers["Location"].isprintable()


@pytest.mark.parametrize("headers_on", [True, False], ids=["policy-on", "policy-off"])
@pytest.mark.parametrize("with_session", [False, True], ids=["no-session", "session"])
def test_the_check_holds_with_the_policy_off_and_beside_a_session(
    app: Hipflask, protocol: str, headers_on: bool, with_session: bool
) -> None:
    app.config["SECURITY_HEADERS"] = headers_on

    @app.route("/both")
    def both() -> Any:
        if with_session:
            session["seen"] = True
        return "ok", 200, {"X-Echo": request.args["v"]}

    client = app.test_client(protocol=protocol)
    assert client.get("/plain").status_code == 200

    assert client.get("/both", query_string={"v": "a\x0bb"}).status_code == 500
    assert client.get("/both", query_string={"v": "a b"}).status_code == 200


@pytest.mark.parametrize(
    "name", ["X Name", "X:Name", "X\x00Name", "X\xe9", "X\x7f", "(x)"], ids=repr
)
def test_a_header_name_no_server_can_send_is_the_apps_500(
    client: HipflaskClient, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    response = client.get("/name", query_string={"n": name})

    assert response.status_code == 500
    assert response.get_data(as_text=True) == "our 500"
    assert name not in caplog.text


@pytest.mark.parametrize("name", ["X-Name", "x_name", "X.Name~1", "!#$%&'*+-.^_`|~"])
def test_token_header_names_are_sent(client: HipflaskClient, name: str) -> None:
    response = client.get("/name", query_string={"n": name})

    assert response.status_code == 200
    assert response.headers[name] == "value"
