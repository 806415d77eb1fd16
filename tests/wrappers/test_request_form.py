"""Form fields, uploaded files and ``values``, under both protocols."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from tests.asgi_driver import http_scope
from tests.asgi_driver import request_body
from tests.asgi_driver import serve
from werkzeug.datastructures import FileStorage

from hipflask import Hipflask
from hipflask import request
from hipflask.testing.client import HipflaskClient


def test_form_fields_and_content_metadata(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        return {
            "form": request.form.to_dict(flat=False),
            "content_type": request.content_type,
            "mimetype": request.mimetype,
            "content_length": request.content_length,
        }

    data = client.post("/", data={"name": "Ada", "lang": ["py", "c"]}).get_json()

    assert data == {
        "form": {"name": ["Ada"], "lang": ["py", "c"]},
        "content_type": "application/x-www-form-urlencoded",
        "mimetype": "application/x-www-form-urlencoded",
        "content_length": len("name=Ada&lang=py&lang=c"),
    }


def test_uploaded_file_can_be_saved(app: Hipflask, client: HipflaskClient, tmp_path: Path) -> None:
    @app.route("/upload", methods=["POST"])
    def upload() -> dict[str, Any]:
        upload = request.files["doc"]
        assert isinstance(upload, FileStorage)
        target = tmp_path / "saved.txt"
        upload.save(target)
        return {
            "filename": upload.filename,
            "mimetype": upload.mimetype,
            "field": request.form["title"],
        }

    response = client.post(
        "/upload",
        data={"title": "notes", "doc": (io.BytesIO(b"file body"), "notes.txt", "text/plain")},
    )

    assert response.get_json() == {
        "filename": "notes.txt",
        "mimetype": "text/plain",
        "field": "notes",
    }
    assert (tmp_path / "saved.txt").read_bytes() == b"file body"


def test_values_combine_args_and_form_except_for_get(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["GET", "POST"])
    def index() -> dict[str, Any]:
        return request.values.to_dict(flat=False)

    posted = client.post("/?a=1", data={"b": "2"}).get_json()
    got = client.get("/?a=1", data={"b": "2"}).get_json()

    assert posted == {"a": ["1"], "b": ["2"]}
    assert got == {"a": ["1"]}


def test_missing_form_field_is_a_400_not_a_500(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> str:
        return request.form["absent"]

    assert client.post("/", data={"other": "x"}).status_code == 400


def test_body_without_content_type_is_data_not_form(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        return {"data": request.data.decode(), "form": request.form.to_dict()}

    response = client.post("/", data=b"a=1")

    assert response.get_json() == {"data": "a=1", "form": {}}


def test_a_form_read_in_pieces_is_read_to_its_end() -> None:
    class Trickle(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            return super().read(min(3, size if size is not None and size >= 0 else 3))

    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": "17",
        "wsgi.input": Trickle(b"role=user&x=12345"),
        "wsgi.input_terminated": True,
    }
    app = Hipflask("pieces")
    with app.test_request_context(environ_overrides=environ):
        assert request.form.to_dict() == {"role": "user", "x": "12345"}


@pytest.mark.parametrize("headers_read_first", [False, True])
def test_the_form_reads_the_content_type_as_request_headers_does(
    app: Hipflask, client: HipflaskClient, headers_read_first: bool
) -> None:
    # The content type is read without making request.headers when nothing
    # made it yet; a hook that made them first must see the same form.
    if headers_read_first:

        @app.before_request
        def read_headers() -> None:
            request.headers.get("X-Note")

    @app.post("/fields")
    def fields() -> dict[str, Any]:
        return {"form": request.form.to_dict(), "mimetype": request.mimetype}

    posted = client.post(
        "/fields", data=b"a=1", headers={"Content-Type": "Application/X-WWW-Form-Urlencoded "}
    )
    assert posted.json == {"form": {"a": "1"}, "mimetype": "application/x-www-form-urlencoded"}
    untyped = client.post("/fields", data=b"a=1")
    assert untyped.json == {"form": {}, "mimetype": ""}


@pytest.mark.parametrize("name", [b"Content-Type", b"CONTENT-TYPE", b"content-type"])
def test_an_asgi_form_is_parsed_whatever_case_the_server_gives(app: Hipflask, name: bytes) -> None:
    @app.post("/fields")
    def fields() -> dict[str, Any]:
        return dict(request.form)

    scope = http_scope(
        "/fields",
        method="POST",
        headers=[(name, b"application/x-www-form-urlencoded"), (b"content-length", b"3")],
    )

    answer = serve(app, scope, *request_body(b"a=1"))

    assert (answer.status, json.loads(answer.body)) == (200, {"a": "1"})
