"""A body of declared length read whole (a form, JSON, ``get_data``) without its stream.

The request reads such a body with the adapter's ``read_whole`` rather than
through :attr:`Request.stream`; what the view sees, what is refused, and what
is left of the server's input must be what reading the stream gives.
"""

from __future__ import annotations

import contextlib
import gc
import gzip
import io
import sys
from typing import IO
from typing import Any

import pytest
from werkzeug.exceptions import BadRequest
from werkzeug.utils import cached_property

from hipflask import Hipflask
from hipflask import request
from hipflask.testing.client import HipflaskClient
from hipflask.wrappers.request import Request

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def app() -> Hipflask:
    app = Hipflask("whole")
    app.config["SECRET_KEY"] = "whole-body-test-secret-key-0123456789abcdef"

    @app.post("/form")
    def form() -> dict[str, Any]:
        fields = request.form.to_dict()
        return {
            "form": fields,
            "stream": request.stream.read().decode(),
            "input": request.input_stream.read().decode(),
            "data": request.get_data(as_text=True),
        }

    @app.post("/uncached")
    def uncached() -> dict[str, str]:
        first = request.get_data(cache=False, as_text=True)
        second = request.get_data(cache=False, as_text=True)
        return {"first": first, "second": second, "stream": request.stream.read().decode()}

    @app.post("/stream-first")
    def stream_first() -> dict[str, Any]:
        stream = request.stream  # held before the form is read
        return {"form": request.form.to_dict(), "rest": stream.read().decode()}

    @app.post("/stream-tell")
    def stream_tell() -> dict[str, Any]:
        return {"form": request.form.to_dict(), "tell": request.stream.tell()}

    @app.post("/read-again")
    def read_again() -> bytes:
        with contextlib.suppress(BadRequest):
            if request.mimetype == FORM:
                request.form  # noqa: B018 - read for its 400
            else:
                request.get_json()
        data: bytes = request.get_data()
        return data

    @app.post("/json")
    def json_body() -> Any:
        return {"json": request.get_json(), "stream": request.stream.read().decode()}

    return app


def test_a_form_read_whole_leaves_the_stream_at_its_end(client: HipflaskClient) -> None:
    response = client.post("/form", data="name=ada&age=36", content_type=FORM)

    assert response.get_json() == {
        "form": {"name": "ada", "age": "36"},
        "stream": "",
        "input": "",
        "data": "",
    }


def test_get_data_without_cache_reads_the_body_once(client: HipflaskClient) -> None:
    response = client.post("/uncached", data=b"payload", content_type="text/plain")

    assert response.get_json() == {"first": "payload", "second": "", "stream": ""}


def test_a_form_whose_stream_was_opened_first_is_read_from_that_stream(
    client: HipflaskClient,
) -> None:
    response = client.post("/stream-first", data="a=1&b=2", content_type=FORM)

    assert response.get_json() == {"form": {"a": "1", "b": "2"}, "rest": ""}


def test_json_read_whole_leaves_the_stream_at_its_end(client: HipflaskClient) -> None:
    response = client.post("/json", data='{"x": [1, 2]}', content_type="application/json")

    assert response.get_json() == {"json": {"x": [1, 2]}, "stream": ""}


@pytest.mark.parametrize("path", ["/form", "/json"])
def test_a_declared_length_over_the_limit_is_still_a_413(
    app: Hipflask, client: HipflaskClient, path: str
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 8
    content_type = FORM if path == "/form" else "application/json"

    response = client.post(path, data='{"a": "123456789"}', content_type=content_type)

    assert response.status_code == 413


def test_a_form_over_the_form_memory_limit_is_still_a_413(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.config["MAX_FORM_MEMORY_SIZE"] = 8

    response = client.post("/form", data="name=" + "x" * 20, content_type=FORM)

    assert response.status_code == 413


def test_a_lower_limit_set_for_one_request_still_holds(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.before_request
    def lower() -> None:
        request.max_content_length = 4

    response = client.post("/form", data="name=ada", content_type=FORM)

    assert response.status_code == 413


def test_the_stream_of_a_form_read_whole_tells_the_length_read(client: HipflaskClient) -> None:
    response = client.post("/stream-tell", data="name=ada", content_type=FORM)

    # Werkzeug's stream, read to its end by the form parser, tells as much.
    assert response.get_json() == {"form": {"name": "ada"}, "tell": 8}


class _GzipRequest(Request):
    """A Flask-style request class that decompresses ``Content-Encoding: gzip`` bodies."""

    @cached_property
    def stream(self) -> IO[bytes]:
        raw = Request.stream.__get__(self)
        if self.headers.get("Content-Encoding") != "gzip":
            return raw
        return io.BytesIO(gzip.decompress(raw.read()))


@pytest.mark.parametrize(
    ("path", "body", "content_type", "expected"),
    [
        ("/form", b"name=ada", FORM, {"form": {"name": "ada"}, "stream": ""}),
        ("/json", b'{"x": 1}', "application/json", {"json": {"x": 1}, "stream": ""}),
    ],
    ids=["form", "json"],
)
def test_a_request_class_replacing_stream_is_read_through_it(
    app: Hipflask,
    client: HipflaskClient,
    path: str,
    body: bytes,
    content_type: str,
    expected: dict[str, Any],
) -> None:
    app.request_class = _GzipRequest

    response = client.post(
        path,
        data=gzip.compress(body),
        content_type=content_type,
        headers={"Content-Encoding": "gzip"},
    )

    assert response.status_code == 200
    assert {key: response.get_json()[key] for key in expected} == expected


def test_a_kept_context_closes_a_spooled_body_read_whole(
    app: Hipflask, client: HipflaskClient
) -> None:
    body = b"x" * (2 << 20)  # spooled to a temporary file under ASGI

    @app.post("/big")
    def big() -> dict[str, int]:
        return {"size": len(request.get_data())}

    with client:
        response = client.post("/big", data=body, content_type="application/octet-stream")
        assert response.get_json() == {"size": len(body)}
    gc.collect()  # an unclosed body buffer would warn (and fail the test) here


# -- the WSGI server's input, read as the stream would read it ---------------


def _wsgi(app: Hipflask, path: str, body: Any, length: int, content_type: str) -> tuple[int, bytes]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": "localhost",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(length),
        "wsgi.url_scheme": "http",
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
    }
    statuses: list[str] = []
    result = app(environ, lambda status, headers, exc_info=None: statuses.append(status))
    try:
        content = b"".join(result)
    finally:
        getattr(result, "close", lambda: None)()
    return int(statuses[0].split()[0]), content


def _type(path: str) -> str:
    return FORM if path == "/form" else "application/json"


class _Trickle(io.BytesIO):
    """A server input that hands over one byte per read, as data arrives."""

    def read(self, size: int | None = -1) -> bytes:
        return super().read(1 if size is None or size < 0 else min(size, 1))


class _Generous(io.BytesIO):
    """A broken server input that ignores the size asked for."""

    def read(self, size: int | None = -1) -> bytes:
        return super().read()


class _Failing(io.BytesIO):
    """A server input whose connection breaks after the first piece."""

    def read(self, size: int | None = -1) -> bytes:
        if self.tell():
            raise OSError("connection reset by peer")
        return super().read(3)


@pytest.mark.parametrize("path", ["/form", "/json"])
def test_wsgi_input_of_short_reads_is_read_to_its_declared_length(app: Hipflask, path: str) -> None:
    body = b"a=1&b=2" if path == "/form" else b'{"a": 1}'
    content_type = FORM if path == "/form" else "application/json"

    status, content = _wsgi(app, path, _Trickle(body), len(body), content_type)

    assert status == 200
    assert (b'"a":"1"' if path == "/form" else b'"a":1') in content


def test_wsgi_input_past_the_declared_length_is_left_for_the_next_request(
    app: Hipflask,
) -> None:
    stream = io.BytesIO(b"a=1&b=2POST /next HTTP/1.1")

    status, content = _wsgi(app, "/form", stream, 7, FORM)

    assert status == 200
    assert b'"b":"2"' in content
    assert stream.tell() == 7


def test_wsgi_input_handing_over_more_than_asked_is_cut_at_the_length(app: Hipflask) -> None:
    status, content = _wsgi(app, "/form", _Generous(b"a=1&b=2&admin=1"), 7, FORM)

    assert status == 200
    assert b"admin" not in content


@pytest.mark.parametrize("path", ["/form", "/json", "/uncached"])
def test_wsgi_input_breaking_mid_body_is_a_400(app: Hipflask, path: str) -> None:
    status, _ = _wsgi(app, path, _Failing(b'{"r": 1}'), 8, _type(path))

    assert status == 400


@pytest.mark.parametrize("path", ["/form", "/json", "/uncached"])
def test_wsgi_input_ending_before_its_declared_length_is_a_400(app: Hipflask, path: str) -> None:
    status, _ = _wsgi(app, path, io.BytesIO(b'{"r": 1}'), 30, _type(path))

    assert status == 400


class _Flaky(io.BytesIO):
    """A server input whose read times out once after the first piece, then goes on."""

    failed = False

    def read(self, size: int | None = -1) -> bytes:
        if self.tell() and not self.failed:
            self.failed = True
            raise TimeoutError("timed out")
        return super().read(3)


@pytest.mark.parametrize("content_type", [FORM, "application/json"], ids=["form", "json"])
def test_wsgi_input_that_failed_mid_body_is_not_read_again(
    app: Hipflask, content_type: str
) -> None:
    body = b'{"r": 1}'
    stream = _Flaky(body + b"GET /admin HTTP/1.1\r\n")

    status, content = _wsgi(app, "/read-again", stream, len(body), content_type)

    # The rest of the body is not handed over as the whole, and nothing
    # past it (the next request on the connection) is read.
    assert status == 400
    assert b"GET" not in content
    assert stream.tell() <= len(body)
