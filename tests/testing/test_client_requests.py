"""What the test client sends and gives back: cookies, redirects, bodies, headers and environs."""

from __future__ import annotations

import io
from importlib.metadata import version
from typing import Any

import pytest
from werkzeug.test import EnvironBuilder

from hipflask import Hipflask
from hipflask import Response
from hipflask import make_response
from hipflask import redirect
from hipflask import request
from hipflask.testing.client import HipflaskClient


def test_response_exposes_status_text_and_json(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/json")
    def as_json() -> tuple[dict[str, Any], int]:
        return {"ok": True}, 201

    @app.route("/text")
    def as_text() -> str:
        return "héllo"

    json_response = client.get("/json")
    text_response = client.get("/text")

    assert json_response.status_code == 201
    assert json_response.status == "201 CREATED"
    assert json_response.get_json() == {"ok": True}
    assert json_response.json == {"ok": True}
    assert text_response.text == "héllo"
    assert text_response.get_json(silent=True) is None


def test_cookies_set_by_the_app_are_sent_back(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/count")
    def count() -> Response:
        seen = int(request.cookies.get("count", "0")) + 1
        response = make_response(str(seen))
        response.set_cookie("count", str(seen))
        return response

    assert [client.get("/count").text for _ in range(3)] == ["1", "2", "3"]
    cookie = client.get_cookie("count")
    assert cookie is not None
    assert cookie.value == "3"
    assert cookie.http_only


def test_cookies_can_be_set_and_removed_by_the_test(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> str:
        return request.cookies.get("flavour", "none")

    client.set_cookie("flavour", "oat")
    assert client.get("/").text == "oat"
    client.delete_cookie("flavour")
    assert client.get("/").text == "none"


def test_client_without_cookies_keeps_none(app: Hipflask, protocol: str) -> None:
    @app.route("/set")
    def set_it() -> Response:
        response = make_response("set")
        response.set_cookie("a", "1")
        return response

    @app.route("/get")
    def get_it() -> str:
        return request.cookies.get("a", "none")

    client = app.test_client(use_cookies=False, protocol=protocol)
    client.get("/set")

    assert client.get("/get").text == "none"


def test_follow_redirects_records_the_history(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/old")
    def old() -> Response:
        return redirect("/middle")

    @app.route("/middle")
    def middle() -> Response:
        return redirect("/new", code=301)

    @app.route("/new")
    def new() -> str:
        return f"arrived at {request.path}"

    not_followed = client.get("/old")
    followed = client.get("/old", follow_redirects=True)

    assert not_followed.status_code == 302
    assert not_followed.headers["Location"] == "/middle"
    assert followed.text == "arrived at /new"
    assert followed.request.path == "/new"
    assert [r.status_code for r in followed.history] == [302, 301]


def test_json_argument_sends_a_json_body(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        return {"type": request.mimetype, "body": request.get_json()}

    response = client.post("/", json={"a": [1, "b"]})

    assert response.get_json() == {"type": "application/json", "body": {"a": [1, "b"]}}


def test_data_with_files_is_sent_as_multipart(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        upload = request.files["upload"]
        return {
            "type": request.mimetype,
            "field": request.form["field"],
            "file": [upload.filename, upload.read().decode()],
        }

    response = client.post(
        "/", data={"field": "value", "upload": (io.BytesIO(b"contents"), "name.txt")}
    )

    assert response.get_json() == {
        "type": "multipart/form-data",
        "field": "value",
        "file": ["name.txt", "contents"],
    }


def test_headers_and_query_string_arguments(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return {"header": request.headers.get("X-Api-Key"), "args": request.args.to_dict()}

    response = client.get("/", headers={"X-Api-Key": "k"}, query_string={"page": "2"})

    assert response.get_json() == {"header": "k", "args": {"page": "2"}}


def test_environ_base_applies_to_every_request_and_can_be_overridden(
    app: Hipflask, protocol: str
) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return {"remote": request.remote_addr, "agent": request.user_agent.string}

    client = app.test_client(protocol=protocol, environ_base={"REMOTE_ADDR": "203.0.113.5"})

    agent = f"Werkzeug/{version('werkzeug')}"
    assert client.get("/").get_json() == {"remote": "203.0.113.5", "agent": agent}
    assert client.get("/", environ_base={"REMOTE_ADDR": "203.0.113.6"}).get_json() == {
        "remote": "203.0.113.6",
        "agent": agent,
    }


def test_requests_default_to_the_configured_server_name_and_scheme(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.config.update(SERVER_NAME="example.test", PREFERRED_URL_SCHEME="https")

    @app.route("/")
    def index() -> str:
        return request.url

    assert client.get("/?a=1").text == "https://example.test/?a=1"


def test_open_accepts_an_environ_builder_or_an_environ(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/", methods=["PUT"])
    def index() -> str:
        return f"{request.method} {request.get_data(as_text=True)} {request.remote_addr}"

    builder = EnvironBuilder("/", method="PUT", data="built")
    try:
        from_builder = client.open(builder)
    finally:
        builder.close()
    environ = EnvironBuilder("/", method="PUT", data="raw").get_environ()
    from_environ = client.open(environ)

    assert from_builder.text == "PUT built 127.0.0.1"
    assert from_environ.text == "PUT raw 127.0.0.1"


def test_unknown_protocol_is_refused(app: Hipflask) -> None:
    with pytest.raises(ValueError, match="protocol must be 'wsgi' or 'asgi', not 'http3'"):
        app.test_client(protocol="http3")


def test_open_accepts_a_request_object(app: Hipflask, client: HipflaskClient) -> None:
    from werkzeug.wrappers import Request as WerkzeugRequest

    @app.route("/")
    def index() -> str:
        return request.args["via"]

    builder = EnvironBuilder("/", query_string="via=request")
    try:
        response = client.open(WerkzeugRequest(builder.get_environ()))
    finally:
        builder.close()

    assert response.text == "request"
