"""send_file streaming large files and closing them, and streamed downloads from generators."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.core.sent_files import CONTENT
from tests.core.sent_files import app as app
from tests.core.sent_files import route_send_file

from hipflask import Hipflask
from hipflask import Response
from hipflask import request
from hipflask import stream_with_context
from hipflask.core.files import CHUNK_SIZE
from hipflask.core.files import content_disposition
from hipflask.core.files import send_file


def test_large_file_is_streamed_in_bounded_chunks(app: Hipflask, tmp_path: Path) -> None:
    big = os.urandom(3 * CHUNK_SIZE + 123)
    (tmp_path / "files" / "big.bin").write_bytes(big)

    with app.test_request_context("/"):
        response = send_file("files/big.bin")
        assert response.direct_passthrough
        assert response.content_length == len(big)
        chunks = list(response.response)
        response.close()

    assert [len(chunk) for chunk in chunks] == [CHUNK_SIZE] * 3 + [123]
    assert b"".join(chunks) == big


def test_large_file_arrives_whole_over_both_protocols(
    client: Any, app: Hipflask, tmp_path: Path
) -> None:
    big = os.urandom(2 * CHUNK_SIZE + 7)
    (tmp_path / "files" / "big.bin").write_bytes(big)

    @app.route("/big")
    def big_file() -> Response:
        return send_file("files/big.bin")

    rv = client.get("/big")

    assert rv.data == big
    assert rv.headers["Content-Length"] == str(len(big))


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Range": "bytes=0-3"},
        {"Range": "bytes=99-"},
        {"If-None-Match": "*"},
    ],
    ids=["full", "range", "unsatisfiable", "not-modified"],
)
def test_file_object_is_closed_when_the_response_ends(
    client: Any, app: Hipflask, headers: dict[str, str]
) -> None:
    opened: list[io.BytesIO] = []

    @app.route("/tracked")
    def tracked() -> Response:
        buffer = io.BytesIO(CONTENT)
        opened.append(buffer)
        return send_file(buffer, mimetype="text/plain", etag="v1")

    client.get("/tracked", headers=headers)

    assert opened
    assert opened[0].closed


def test_head_sends_headers_without_body_and_closes_file(client: Any, app: Hipflask) -> None:
    opened: list[io.BytesIO] = []

    @app.route("/tracked")
    def tracked() -> Response:
        buffer = io.BytesIO(CONTENT)
        opened.append(buffer)
        return send_file(buffer, mimetype="text/plain")

    rv = client.head("/tracked")

    assert rv.status_code == 200
    assert rv.data == b""
    assert rv.headers["Content-Length"] == str(len(CONTENT))
    assert opened[0].closed


def test_head_of_a_path_reports_its_length(client: Any, app: Hipflask) -> None:
    route_send_file(app)

    rv = client.head("/data")

    assert rv.status_code == 200
    assert rv.data == b""
    assert rv.headers["Content-Length"] == str(len(CONTENT))
    assert "ETag" in rv.headers


def test_a_response_class_with_its_own_init_gets_what_flask_gives_it(
    client: Any, app: Hipflask
) -> None:
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    class Recording(Response):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            calls.append((args, kwargs))
            super().__init__(*args, **kwargs)

    app.response_class = Recording
    route_send_file(app, as_attachment=True)

    rv = client.get("/data", headers={"Range": "bytes=2-4"})

    assert rv.status_code == 206
    assert rv.data == CONTENT[2:5]
    args, kwargs = calls[0]
    # The body is the file, handed over unread; the headers already name it.
    assert len(args) == 1
    assert not isinstance(args[0], (bytes, str))
    assert kwargs["mimetype"] == "application/octet-stream"
    assert kwargs["headers"]["Content-Disposition"] == "attachment; filename=data.bin"
    assert kwargs["direct_passthrough"] is True


def test_csv_streamed_from_a_generator(client: Any, app: Hipflask) -> None:
    rows = [("id", "name"), ("1", "Ada"), ("2", "Grace")]

    @app.route("/export.csv")
    def export() -> Response:
        def generate() -> Iterator[str]:
            for row in rows:
                yield ",".join(row) + "\n"

        return Response(
            generate(),
            mimetype="text/csv",
            headers={"Content-Disposition": content_disposition("export.csv", True)},
        )

    rv = client.get("/export.csv")

    assert rv.status_code == 200
    assert rv.mimetype == "text/csv"
    assert rv.headers["Content-Disposition"] == "attachment; filename=export.csv"
    assert rv.data == b"id,name\n1,Ada\n2,Grace\n"


def test_streamed_generator_can_read_the_request_with_stream_with_context(
    client: Any, app: Hipflask
) -> None:
    @app.route("/rows")
    def rows() -> Response:
        def generate() -> Iterator[str]:
            count = int(request.args["count"])
            for index in range(count):
                yield f"{index}\n"

        return Response(stream_with_context(generate()), mimetype="text/csv")

    rv = client.get("/rows?count=3")

    assert rv.data == b"0\n1\n2\n"
