"""The raw body: ``get_data``, ``stream`` and ``input_stream``, under both protocols."""

from __future__ import annotations

from typing import Any

from hipflask import Hipflask
from hipflask import request
from hipflask.testing.client import HipflaskClient


def test_get_data_reads_the_body_once_and_caches_it(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        first = request.get_data()
        return {
            "first": first.decode(),
            "again": request.get_data(as_text=True),
            "data": request.data.decode(),
        }

    response = client.post("/", data=b"payload", content_type="application/octet-stream")

    assert response.get_json() == {"first": "payload", "again": "payload", "data": "payload"}


def test_stream_gives_the_raw_body_unparsed(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> bytes:
        return request.stream.read()

    response = client.post("/", data={"a": "1"})

    assert response.data == b"a=1"


def test_input_stream_reads_the_body_within_its_length(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/", methods=["POST"])
    def index() -> bytes:
        return request.input_stream.read()

    response = client.post("/", data=b"raw body", content_type="application/octet-stream")

    assert response.data == b"raw body"


def test_the_body_read_by_get_data_is_readable_again_once_the_form_is_loaded(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/echo", methods=["POST"])
    def echo() -> dict[str, str]:
        data = request.get_data(as_text=True)
        assert not request.form  # an extension or a hook may look at it
        return {"data": data, "stream": request.stream.read().decode()}

    @app.route("/held", methods=["POST"])
    def held() -> dict[str, int]:
        spent = request.stream  # code given the stream (or the environ) up front
        data = request.get_data()
        assert not request.form
        return {"data": len(data), "rest": len(spent.read())}

    for content_type in ("application/json", "text/plain"):
        response = client.post("/echo", data='{"x": 1}', content_type=content_type)
        assert response.get_json() == {"data": '{"x": 1}', "stream": '{"x": 1}'}
        response = client.post("/held", data='{"x": 1}', content_type=content_type)
        assert response.get_json() == {"data": 8, "rest": 0}


def test_get_data_as_text_replaces_invalid_utf8(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> str:
        return request.get_data(as_text=True)

    response = client.post("/", data=b"ok\xff", content_type="text/plain")

    assert response.text == "ok\ufffd"


def test_get_data_without_cache_consumes_the_stream(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        first = request.get_data(cache=False)
        return {"first": first.decode(), "second": request.get_data(cache=False).decode()}

    response = client.post("/", data=b"once", content_type="text/plain")

    assert response.get_json() == {"first": "once", "second": ""}


def test_form_can_be_parsed_after_the_body_was_read(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        raw = request.get_data()
        return {"raw": raw.decode(), "form": request.form.to_dict()}

    response = client.post("/", data={"a": "1"})

    assert response.get_json() == {"raw": "a=1", "form": {"a": "1"}}
