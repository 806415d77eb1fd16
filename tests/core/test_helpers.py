"""Flask's helpers that need the current app: abort, redirect, make_response, url_for."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import NotFound

from hipflask import Hipflask
from hipflask import Response
from hipflask import abort
from hipflask import jsonify
from hipflask import make_response
from hipflask import redirect
from hipflask import url_for
from hipflask.testing.client import HipflaskClient

ABORT_CODES = [
    (400, "Bad Request"),
    (401, "Unauthorized"),
    (403, "Forbidden"),
    (404, "Not Found"),
    (405, "Method Not Allowed"),
    (406, "Not Acceptable"),
    (409, "Conflict"),
    (410, "Gone"),
    (413, "Request Entity Too Large"),
    (415, "Unsupported Media Type"),
    (422, "Unprocessable Entity"),
    (429, "Too Many Requests"),
    (500, "Internal Server Error"),
    (501, "Not Implemented"),
    (503, "Service Unavailable"),
]


@pytest.mark.parametrize(("code", "name"), ABORT_CODES)
def test_abort_produces_the_error_page(
    app: Hipflask, client: HipflaskClient, code: int, name: str
) -> None:
    @app.route("/")
    def index() -> str:
        abort(code)

    response = client.get("/")
    assert response.status_code == code
    assert response.mimetype == "text/html"
    assert f"<title>{code} {name}</title>" in response.text


def test_abort_with_a_description(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> str:
        abort(409, description="That name is taken.")

    response = client.get("/")
    assert response.status_code == 409
    assert "That name is taken." in response.text


def test_abort_description_is_escaped(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> str:
        abort(400, "<script>alert(1)</script>")

    text = client.get("/").text
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;" in text


def test_abort_with_a_response(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> str:
        abort(Response("payment needed", status=402, headers={"X-Reason": "quota"}))

    response = client.get("/")
    assert (response.status_code, response.text) == (402, "payment needed")
    assert response.headers["X-Reason"] == "quota"


def test_abort_raises_http_exceptions() -> None:
    with pytest.raises(NotFound):
        abort(404)
    with pytest.raises(LookupError):
        abort(999)


def test_abort_405_page_keeps_its_status(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> str:
        abort(405, valid_methods=["POST"])

    response = client.get("/")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


def test_abort_401_has_a_www_authenticate_challenge_when_given(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/")
    def index() -> str:
        abort(401, www_authenticate=WWWAuthenticate("basic", {"realm": "hipflask"}))

    response = client.get("/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Basic realm=hipflask"


def test_error_page_gets_the_security_headers(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> str:
        abort(403)

    assert client.get("/").headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_redirect(app: Hipflask, client: HipflaskClient, code: int) -> None:
    @app.route("/old")
    def old() -> Response:
        return redirect("/new", code)

    response = client.get("/old")
    assert response.status_code == code
    assert response.headers["Location"] == "/new"


def test_redirect_defaults_to_302_and_uses_url_for(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/login")
    def login() -> str:
        return "login"

    @app.route("/account")
    def account() -> Response:
        return redirect(url_for("login", next="/account"))

    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/account"
    assert client.get("/account", follow_redirects=True).text == "login"


def test_redirect_location_with_unicode_is_made_ascii(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/")
    def index() -> Response:
        return redirect("/café")

    assert client.get("/").headers["Location"] == "/caf%C3%A9"


def test_redirect_uses_the_app_response_class(app: Hipflask) -> None:
    class Custom(Response):
        pass

    app.response_class = Custom
    with app.app_context():
        assert type(redirect("/x")) is Custom
    assert isinstance(redirect("/x"), Response)


def test_redirect_body_escapes_the_location() -> None:
    response = redirect('/"><script>')
    assert b"<script>" not in response.get_data()


def test_make_response_from_view_values(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> Response:
        response = make_response("created", 201, {"X-Id": "7"})
        response.headers["X-Extra"] = "1"
        return response

    response = client.get("/")
    assert (response.status_code, response.text) == (201, "created")
    assert response.headers["X-Id"] == "7"
    assert response.headers["X-Extra"] == "1"


def test_make_response_shapes(app: Hipflask) -> None:
    with app.test_request_context():
        empty = make_response()
        assert (empty.status_code, empty.get_data()) == (200, b"")
        assert make_response("text").get_data() == b"text"
        assert make_response(("text", 404)).status_code == 404
        assert make_response({"a": 1}).get_json() == {"a": 1}
        assert make_response(["x"]).get_json() == ["x"]
        assert make_response(b"raw", {"X-A": "b"}).headers["X-A"] == "b"
        existing = Response("same")
        assert make_response(existing) is existing


def test_make_response_of_an_http_exception(app: Hipflask) -> None:
    with app.test_request_context():
        response = make_response(NotFound())
        assert response.status_code == 404


def test_make_response_needs_an_app_context() -> None:
    with pytest.raises(RuntimeError, match="application context"):
        make_response("x")


def test_jsonify_forms(app: Hipflask) -> None:
    with app.app_context():
        assert jsonify(a=1).get_json() == {"a": 1}
        assert jsonify([1, 2]).get_json() == [1, 2]
        assert jsonify(1, 2).get_json() == [1, 2]
        assert jsonify({"k": "v"}).mimetype == "application/json"


def test_view_returning_none_is_a_clear_error(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> Any:
        return None

    with pytest.raises(TypeError, match="did not return a valid response"):
        client.get("/")


def test_http_exception_can_be_returned_from_a_view(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> HTTPException:
        return NotFound("not here")

    response = client.get("/")
    assert response.status_code == 404
    assert "not here" in response.text


# -- environment flags ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, False),
        ({"HIPFLASK_DEBUG": "1"}, True),
        ({"FLASK_DEBUG": "1"}, True),
        ({"FLASK_DEBUG": "false"}, False),
        ({"HIPFLASK_DEBUG": "0", "FLASK_DEBUG": "1"}, False),
        ({"HIPFLASK_DEBUG": "yes"}, True),
    ],
)
def test_get_debug_flag_reads_hipflask_then_flask_debug(
    monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], expected: bool
) -> None:
    from hipflask.helpers import get_debug_flag

    for name in ("HIPFLASK_DEBUG", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)

    assert get_debug_flag() is expected


@pytest.mark.parametrize(
    ("environ", "default", "expected"),
    [
        ({}, True, True),
        ({}, False, False),
        ({"FLASK_SKIP_DOTENV": "1"}, True, False),
        ({"HIPFLASK_SKIP_DOTENV": "0"}, False, True),
    ],
)
def test_get_load_dotenv_follows_skip_dotenv(
    monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], default: bool, expected: bool
) -> None:
    from hipflask.helpers import get_load_dotenv

    for name in ("HIPFLASK_SKIP_DOTENV", "FLASK_SKIP_DOTENV"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)

    assert get_load_dotenv(default) is expected


@pytest.mark.parametrize(
    ("target", "location"),
    [
        ("/next\r\nSet-Cookie: admin=1", "/next%0D%0ASet-Cookie:%20admin=1"),
        ("/a\x00b\x7f", "/a%00b%7F"),
        ("/café €", "/caf%C3%A9%20%E2%82%AC"),
        ("/plain?x=1#top", "/plain?x=1#top"),
    ],
)
def test_redirect_target_with_control_characters_is_encoded_not_a_500(
    app: Hipflask, client: HipflaskClient, target: str, location: str
) -> None:
    @app.route("/go")
    def go() -> Any:
        return redirect(target)

    response = client.get("/go")

    assert response.status_code == 302
    assert response.headers["Location"] == location
    assert "Set-Cookie" not in response.headers
