"""``request.environ["wsgi.input"]`` is the server's input beside the request's own reading.

Code ported from Flask sometimes reads the environ's input itself (a
signature check over the raw body, a proxy). Under WSGI that moves the
server's stream on, and the request, finding its body short of the declared
length, answers 400 when it reads the form, the data or the stream. Under
ASGI the body is read before the view, and the environ made from the scope
hands it over the same way, so the same view gives the same answers: never
an empty form taken for the one the client sent.
"""

from __future__ import annotations

from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import request
from hipflask.testing.client import HipflaskClient

FORM = "application/x-www-form-urlencoded"
BODY = b"name=ada&role=admin"


@pytest.fixture
def app() -> Hipflask:
    app = Hipflask("environ_input")
    app.config["SECRET_KEY"] = "environ-input-test-secret-key-0123456789abcdef"

    def read_raw(size: int) -> str:
        return request.environ["wsgi.input"].read(size if size else -1).decode()

    @app.post("/form/<int:size>")
    def form(size: int) -> dict[str, Any]:
        raw = read_raw(size)
        return {"raw": raw, "form": request.form.to_dict()}

    @app.post("/data/<int:size>")
    def data(size: int) -> dict[str, Any]:
        raw = read_raw(size)
        return {"raw": raw, "data": request.get_data(as_text=True)}

    @app.post("/stream/<int:size>")
    def stream(size: int) -> dict[str, Any]:
        raw = read_raw(size)
        return {"raw": raw, "stream": request.stream.read().decode()}

    @app.post("/async-form/<int:size>")
    async def async_form(size: int) -> dict[str, Any]:
        raw = read_raw(size)
        return {"raw": raw, "form": request.form.to_dict()}

    @app.post("/form-then-raw")
    def form_then_raw() -> dict[str, Any]:
        fields = request.form.to_dict()
        return {"form": fields, "raw": read_raw(0)}

    @app.post("/stream-then-raw")
    def stream_then_raw() -> dict[str, Any]:
        body = request.stream.read().decode()
        return {"stream": body, "raw": read_raw(0)}

    @app.post("/environ-only")
    def environ_only() -> dict[str, Any]:
        keys = sorted(k for k in request.environ if k.startswith("wsgi.input"))
        return {"keys": keys, "form": request.form.to_dict()}

    return app


def _post(client: HipflaskClient, path: str) -> Any:
    return client.post(path, data=BODY, content_type=FORM)


@pytest.mark.parametrize("path", ["/form", "/data", "/stream", "/async-form"])
def test_reading_all_of_the_input_first_is_a_400_not_an_empty_body(
    client: HipflaskClient, path: str
) -> None:
    response = _post(client, f"{path}/0")

    assert response.status_code == 400
    assert b"ended before the length its headers announced" in response.data


@pytest.mark.parametrize("path", ["/form", "/data", "/stream", "/async-form"])
def test_reading_part_of_the_input_first_is_a_400_not_the_rest(
    client: HipflaskClient, path: str
) -> None:
    # Without the check the form would be "role=admin" alone, or the data
    # what followed the first five bytes, passed off as the whole body.
    response = _post(client, f"{path}/5")

    assert response.status_code == 400


def test_the_input_after_the_form_is_at_its_end(client: HipflaskClient) -> None:
    response = _post(client, "/form-then-raw")

    assert response.status_code == 200
    assert response.get_json() == {"form": {"name": "ada", "role": "admin"}, "raw": ""}


def test_the_input_after_the_stream_is_at_its_end(client: HipflaskClient) -> None:
    response = _post(client, "/stream-then-raw")

    assert response.status_code == 200
    assert response.get_json() == {"stream": BODY.decode(), "raw": ""}


def test_making_the_environ_without_reading_it_leaves_the_body_whole(
    client: HipflaskClient,
) -> None:
    response = _post(client, "/environ-only")

    assert response.status_code == 200
    assert response.get_json()["form"] == {"name": "ada", "role": "admin"}


def test_an_empty_body_read_through_the_input_is_not_refused(client: HipflaskClient) -> None:
    response = client.post("/data/0", data=b"", content_type=FORM)

    assert response.status_code == 200
    assert response.get_json() == {"raw": "", "data": ""}
