"""send_file's paths, file objects, types and download names."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from tests.core.sent_files import CONTENT
from tests.core.sent_files import app as app
from tests.core.sent_files import route_send_file
from werkzeug.http import parse_options_header

from hipflask import Hipflask
from hipflask import Response
from hipflask import request
from hipflask.core.files import content_disposition
from hipflask.core.files import guess_mimetype
from hipflask.core.files import send_file


def test_path_is_relative_to_the_app_root_and_sent_whole(client: Any, app: Hipflask) -> None:
    route_send_file(app)

    rv = client.get("/data")

    assert rv.status_code == 200
    assert rv.data == CONTENT
    assert rv.headers["Content-Length"] == str(len(CONTENT))
    assert rv.headers["Content-Type"] == "application/octet-stream"
    assert rv.headers["Content-Disposition"] == "inline; filename=data.bin"
    assert rv.headers["Accept-Ranges"] == "bytes"


def test_text_file_gets_its_guessed_type(client: Any, app: Hipflask) -> None:
    @app.route("/notes")
    def notes() -> Response:
        return send_file("files/notes.txt")

    rv = client.get("/notes")

    assert rv.mimetype == "text/plain"
    assert rv.data == b"plain notes\n"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("app.js", "text/javascript"),
        ("style.css", "text/css"),
        ("logo.png", "image/png"),
        ("data.json", "application/json"),
        ("report.csv", "text/csv"),
        ("archive.tar.gz", "application/gzip"),
        ("blob.unknown-extension", "application/octet-stream"),
        ("no-extension", "application/octet-stream"),
    ],
)
def test_mimetype_is_guessed_from_the_name(name: str, expected: str) -> None:
    assert guess_mimetype(name) == expected


def test_file_object_with_download_name_guesses_type(client: Any, app: Hipflask) -> None:
    @app.route("/report")
    def report() -> Response:
        return send_file(io.BytesIO(b"a,b\n1,2\n"), download_name="report.csv")

    rv = client.get("/report")

    assert rv.mimetype == "text/csv"
    assert rv.data == b"a,b\n1,2\n"
    assert rv.headers["Content-Length"] == "8"
    assert rv.headers["Content-Disposition"] == "inline; filename=report.csv"


def test_file_object_with_only_a_mimetype_has_no_disposition(client: Any, app: Hipflask) -> None:
    @app.route("/pixel")
    def pixel() -> Response:
        return send_file(io.BytesIO(b"GIF89a"), mimetype="image/gif")

    rv = client.get("/pixel")

    assert rv.mimetype == "image/gif"
    assert rv.data == b"GIF89a"
    assert "Content-Disposition" not in rv.headers


def test_file_object_is_sent_from_its_current_position(client: Any, app: Hipflask) -> None:
    @app.route("/rest")
    def rest() -> Response:
        buffer = io.BytesIO(b"HEADERbody")
        buffer.seek(6)
        return send_file(buffer, mimetype="application/octet-stream")

    rv = client.get("/rest")

    assert rv.data == b"body"
    assert rv.headers["Content-Length"] == "4"


def test_file_object_without_name_or_mimetype_is_a_clear_error(app: Hipflask) -> None:
    with app.test_request_context("/"), pytest.raises(TypeError, match="download_name"):
        send_file(io.BytesIO(b"data"))


def test_attachment_without_any_name_is_a_clear_error(app: Hipflask) -> None:
    with app.test_request_context("/"), pytest.raises(TypeError, match="download_name"):
        send_file(io.BytesIO(b"data"), mimetype="text/plain", as_attachment=True)


def test_text_mode_file_is_refused(app: Hipflask, tmp_path: Path) -> None:
    with (
        app.test_request_context("/"),
        open(tmp_path / "files" / "notes.txt") as text_file,
        pytest.raises(ValueError, match="binary"),
    ):
        send_file(text_file, mimetype="text/plain")  # type: ignore[arg-type]


def test_missing_path_raises_file_not_found(app: Hipflask) -> None:
    with app.test_request_context("/"), pytest.raises(FileNotFoundError):
        send_file("files/missing.bin")


def test_unseekable_file_object_streams_without_length(client: Any, app: Hipflask) -> None:
    class Pipe(io.RawIOBase):
        def __init__(self) -> None:
            self._chunks = [b"abc", b"def"]

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            return self._chunks.pop(0) if self._chunks else b""

    @app.route("/pipe")
    def pipe() -> Response:
        return send_file(Pipe(), mimetype="text/plain")  # type: ignore[arg-type]

    rv = client.get("/pipe", headers={"Range": "bytes=0-1"})

    assert rv.status_code == 200
    assert rv.data == b"abcdef"
    assert "Accept-Ranges" not in rv.headers


def test_as_attachment_with_unicode_name_uses_rfc5987(client: Any, app: Hipflask) -> None:
    @app.route("/cv")
    def cv() -> Response:
        return send_file("files/data.bin", as_attachment=True, download_name="résumé 2024.pdf")

    rv = client.get("/cv")

    header = rv.headers["Content-Disposition"]
    assert header == (
        "attachment; filename=\"resume 2024.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%202024.pdf"
    )
    assert parse_options_header(header) == ("attachment", {"filename": "résumé 2024.pdf"})
    assert rv.mimetype == "application/pdf"


def test_the_ascii_fallback_is_folded_as_werkzeug_folds_it() -> None:
    # A ported test compares the header Flask sends.
    from werkzeug.test import create_environ
    from werkzeug.utils import send_file as werkzeug_send_file

    for name in ("Résumé année €.txt", "naïve café.tar.gz", "€ price.pdf"):
        werkzeug = werkzeug_send_file(
            io.BytesIO(b"x"), create_environ(), download_name=name, as_attachment=True
        ).headers["Content-Disposition"]

        assert content_disposition(name, as_attachment=True) == werkzeug


def test_name_with_nothing_ascii_gets_a_generic_fallback() -> None:
    header = content_disposition("报告.txt", as_attachment=True)

    assert header == "attachment; filename=download.txt; filename*=UTF-8''%E6%8A%A5%E5%91%8A.txt"
    assert parse_options_header(header) == ("attachment", {"filename": "报告.txt"})


def test_quotes_in_download_name_are_escaped() -> None:
    header = content_disposition('say "hi".txt', as_attachment=True)

    assert parse_options_header(header) == ("attachment", {"filename": 'say "hi".txt'})


def test_download_name_cannot_inject_headers(client: Any, app: Hipflask) -> None:
    @app.route("/inject")
    def inject() -> Response:
        name = request.args["name"]
        return send_file(io.BytesIO(b"x"), download_name=name, as_attachment=True)

    rv = client.get("/inject", query_string={"name": "a.txt\r\nSet-Cookie: owned=1"})

    assert rv.status_code == 200
    assert "Set-Cookie" not in rv.headers
    assert rv.headers["Content-Disposition"] == 'attachment; filename="a.txtSet-Cookie: owned=1"'
