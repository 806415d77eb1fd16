"""Body and form size limits, from the config and set per request, under both protocols."""

from __future__ import annotations

import io
from typing import Any

import pytest
from tests.wrappers.request_drivers import run_asgi

from hipflask import Hipflask
from hipflask import request
from hipflask.testing.client import HipflaskClient

FORM = "application/x-www-form-urlencoded"


def multipart(boundary: str, *parts: tuple[str, str]) -> bytes:
    """A multipart/form-data body with one text field per part."""
    body = b""
    for name, value in parts:
        body += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
    return body + f"--{boundary}--\r\n".encode()


def run_wsgi(app: Hipflask, environ: dict[str, Any]) -> tuple[str, bytes]:
    """Call the app as a WSGI server would."""
    base = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
    }
    base.update(environ)
    status: list[str] = []
    body = b"".join(app(base, lambda s, h, e=None: status.append(s)))
    return status[0], body


@pytest.fixture
def echo(app: Hipflask) -> Hipflask:
    """An app whose ``/echo`` view answers with the body it read."""

    @app.route("/echo", methods=["POST", "PUT"])
    def echo_view() -> bytes:
        return request.get_data()

    return app


def test_declared_body_over_max_content_length_is_a_413(
    echo: Hipflask, client: HipflaskClient
) -> None:
    echo.config["MAX_CONTENT_LENGTH"] = 8

    too_big = client.post("/echo", data=b"123456789", content_type="text/plain")
    at_limit = client.post("/echo", data=b"12345678", content_type="text/plain")

    assert too_big.status_code == 413
    assert at_limit.status_code == 200
    assert at_limit.data == b"12345678"


def test_max_content_length_none_accepts_any_size(echo: Hipflask, client: HipflaskClient) -> None:
    echo.config["MAX_CONTENT_LENGTH"] = None

    response = client.post("/echo", data=b"x" * 100_000, content_type="text/plain")

    assert response.status_code == 200
    assert len(response.data) == 100_000


def test_per_request_limit_can_lower_max_content_length(
    echo: Hipflask, client: HipflaskClient
) -> None:
    @echo.before_request
    def tighten() -> None:
        if request.args.get("small"):
            request.max_content_length = 4

    assert client.post("/echo?small=1", data=b"12345", content_type="text/plain").status_code == 413
    assert client.post("/echo?small=1", data=b"1234", content_type="text/plain").data == b"1234"
    assert client.post("/echo", data=b"12345", content_type="text/plain").data == b"12345"


def test_undeclared_asgi_body_over_the_limit_is_a_413(echo: Hipflask) -> None:
    echo.config["MAX_CONTENT_LENGTH"] = 8
    headers = [(b"content-type", b"text/plain"), (b"transfer-encoding", b"chunked")]

    over = run_asgi(echo, "POST", "/echo", [b"12345", b"6789"], headers)
    at_limit = run_asgi(echo, "POST", "/echo", [b"1234", b"5678"], headers)

    assert over[0] == 413
    assert at_limit == (200, b"12345678")


def test_undeclared_asgi_body_honours_a_lowered_per_request_limit(echo: Hipflask) -> None:
    @echo.before_request
    def tighten() -> None:
        request.max_content_length = 4

    headers = [(b"content-type", b"text/plain")]

    assert run_asgi(echo, "POST", "/echo", [b"12", b"345"], headers)[0] == 413
    assert run_asgi(echo, "POST", "/echo", [b"12", b"34"], headers) == (200, b"1234")


def test_terminated_wsgi_body_over_the_limit_is_a_413(echo: Hipflask) -> None:
    echo.config["MAX_CONTENT_LENGTH"] = 8

    def chunked(body: bytes) -> dict[str, Any]:
        return {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/echo",
            "CONTENT_TYPE": "text/plain",
            "HTTP_TRANSFER_ENCODING": "chunked",
            "wsgi.input": io.BytesIO(body),
            "wsgi.input_terminated": True,
        }

    over = run_wsgi(echo, chunked(b"123456789"))
    at_limit = run_wsgi(echo, chunked(b"12345678"))

    assert over[0].startswith("413")
    assert at_limit == ("200 OK", b"12345678")


def test_terminated_wsgi_body_read_in_pieces_stops_at_the_limit(app: Hipflask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 8
    pieces: list[bytes] = []

    @app.route("/", methods=["POST"])
    def index() -> str:
        while chunk := request.stream.read(3):
            pieces.append(chunk)
        return "read"

    def chunked(body: bytes) -> dict[str, Any]:
        return {
            "REQUEST_METHOD": "POST",
            "CONTENT_TYPE": "text/plain",
            "wsgi.input": io.BytesIO(body),
            "wsgi.input_terminated": True,
        }

    assert run_wsgi(app, chunked(b"12345678")) == ("200 OK", b"read")
    assert b"".join(pieces) == b"12345678"
    assert run_wsgi(app, chunked(b"123456789"))[0].startswith("413")


def test_chunked_wsgi_body_without_server_termination_is_not_read(echo: Hipflask) -> None:
    # Without wsgi.input_terminated nothing says where the body ends; reading
    # it could block forever, so it is treated as empty.
    status, body = run_wsgi(
        echo,
        {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/echo",
            "CONTENT_TYPE": "text/plain",
            "wsgi.input": io.BytesIO(b"12345"),
        },
    )

    assert (status, body) == ("200 OK", b"")


def test_urlencoded_field_over_max_form_memory_size_is_a_413(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.config["MAX_FORM_MEMORY_SIZE"] = 10

    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        return request.form.to_dict()

    assert client.post("/", data={"a": "x" * 20}).status_code == 413
    assert client.post("/", data={"a": "x" * 5}).get_json() == {"a": "xxxxx"}


def test_multipart_text_field_over_max_form_memory_size_is_a_413(
    app: Hipflask, client: HipflaskClient
) -> None:
    # The limit bounds text fields held in memory; files are spooled instead.
    app.config["MAX_FORM_MEMORY_SIZE"] = 100_000

    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        return {"form": list(request.form), "files": list(request.files)}

    big_field = client.post(
        "/",
        data={"a": "x" * 150_000, "f": (io.BytesIO(b"y"), "f.txt")},
    )
    big_file = client.post(
        "/",
        data={"a": "x", "f": (io.BytesIO(b"y" * 300_000), "f.txt")},
    )

    assert big_field.status_code == 413
    assert big_file.get_json() == {"form": ["a"], "files": ["f"]}


def test_multipart_with_more_parts_than_max_form_parts_is_a_413(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.config["MAX_FORM_PARTS"] = 3

    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        return request.form.to_dict()

    content_type = "multipart/form-data; boundary=xyz"
    four = multipart("xyz", ("a", "1"), ("b", "2"), ("c", "3"), ("d", "4"))
    two = multipart("xyz", ("a", "1"), ("b", "2"))

    assert client.post("/", data=four, content_type=content_type).status_code == 413
    assert client.post("/", data=two, content_type=content_type).get_json() == {"a": "1", "b": "2"}


def test_form_limits_can_be_set_per_request(app: Hipflask, client: HipflaskClient) -> None:
    @app.before_request
    def tighten() -> None:
        request.max_form_memory_size = 5
        request.max_form_parts = 1

    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        return {
            "memory": request.max_form_memory_size,
            "parts": request.max_form_parts,
            "form": request.form.to_dict(),
        }

    assert client.post("/", data={"a": "xxxx"}).status_code == 413
    assert client.post("/", data="a=1&b=2", content_type=FORM).status_code == 413
    assert client.post("/", data={"a": "xx"}).get_json() == {
        "memory": 5,
        "parts": 1,
        "form": {"a": "xx"},
    }


def test_limits_follow_the_config(app: Hipflask, client: HipflaskClient) -> None:
    app.config.update(MAX_CONTENT_LENGTH=123, MAX_FORM_MEMORY_SIZE=45, MAX_FORM_PARTS=6)

    @app.route("/")
    def index() -> dict[str, Any]:
        return {
            "content": request.max_content_length,
            "memory": request.max_form_memory_size,
            "parts": request.max_form_parts,
        }

    assert client.get("/").get_json() == {"content": 123, "memory": 45, "parts": 6}


def test_max_content_length_set_for_one_request_applies_to_it(client: HipflaskClient) -> None:
    app = client.app

    @app.route("/upload", methods=["POST"])
    def upload() -> str:
        request.max_content_length = 4
        return str(len(request.get_data()))

    @app.route("/other", methods=["POST"])
    def other() -> str:
        return str(len(request.get_data()))

    assert client.post("/upload", data=b"x" * 10).status_code == 413
    assert client.post("/other", data=b"x" * 10).text == "10"


def test_max_form_memory_size_set_for_one_request_applies_to_it(client: HipflaskClient) -> None:
    app = client.app

    @app.route("/form", methods=["POST"])
    def form() -> str:
        request.max_form_memory_size = 8
        return request.form["a"]

    assert client.post("/form", data={"a": "x" * 50}).status_code == 413
    assert client.post("/form", data={"a": "xy"}).text == "xy"
