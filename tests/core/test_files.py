"""send_file and send_from_directory: types, names, caching, conditional requests, uploads."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from pathlib import Path
from typing import Any

import pytest
from werkzeug.exceptions import NotFound
from werkzeug.http import http_date
from werkzeug.http import parse_options_header
from werkzeug.utils import secure_filename

from hipflask import Hipflask
from hipflask import Response
from hipflask import redirect
from hipflask import request
from hipflask import stream_with_context
from hipflask import url_for
from hipflask.core.files import CHUNK_SIZE
from hipflask.core.files import content_disposition
from hipflask.core.files import guess_mimetype
from hipflask.core.files import send_file
from hipflask.core.files import send_from_directory

SECRET = "test-secret-key-that-is-long-enough-0123456789"
CONTENT = b"0123456789abcdefghij"  # 20 bytes


@pytest.fixture
def app(tmp_path: Path) -> Hipflask:
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "data.bin").write_bytes(CONTENT)
    (tmp_path / "files" / "notes.txt").write_text("plain notes\n")
    app = Hipflask("files_app", root_path=str(tmp_path))
    app.config.update(TESTING=True, SECRET_KEY=SECRET)
    return app


@pytest.fixture
def data_mtime(tmp_path: Path) -> datetime:
    stamp = (tmp_path / "files" / "data.bin").stat().st_mtime
    return datetime.fromtimestamp(int(stamp), timezone.utc)


def _route_send_file(app: Hipflask, **kwargs: Any) -> None:
    @app.route("/data")
    def data() -> Response:
        return send_file("files/data.bin", **kwargs)


# -- paths, types and names ------------------------------------------------------


def test_path_is_relative_to_the_app_root_and_sent_whole(client: Any, app: Hipflask) -> None:
    _route_send_file(app)

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


# -- streaming ---------------------------------------------------------------------


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
    _route_send_file(app)

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
    _route_send_file(app, as_attachment=True)

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


# -- validators and caching ----------------------------------------------------------


def test_etag_and_last_modified_come_from_the_file(
    client: Any, app: Hipflask, data_mtime: datetime
) -> None:
    _route_send_file(app)

    rv = client.get("/data")

    assert rv.headers["ETag"].startswith('"')
    assert rv.last_modified == data_mtime


def test_etag_changes_when_the_file_changes(client: Any, app: Hipflask, tmp_path: Path) -> None:
    _route_send_file(app)
    path = tmp_path / "files" / "data.bin"

    first = client.get("/data").headers["ETag"]
    path.write_bytes(CONTENT + b"more")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = client.get("/data").headers["ETag"]

    assert first != second


def test_etag_does_not_reveal_the_file_path(client: Any, app: Hipflask, tmp_path: Path) -> None:
    _route_send_file(app)

    rv = client.get("/data")

    assert "data.bin" not in rv.headers["ETag"]
    assert str(tmp_path) not in rv.headers["ETag"]


def test_etag_can_be_given_or_disabled(client: Any, app: Hipflask) -> None:
    @app.route("/given")
    def given() -> Response:
        return send_file("files/data.bin", etag="release-42")

    @app.route("/none")
    def none() -> Response:
        return send_file("files/data.bin", etag=False)

    assert client.get("/given").headers["ETag"] == '"release-42"'
    assert "ETag" not in client.get("/none").headers


def test_last_modified_can_be_given(client: Any, app: Hipflask) -> None:
    when = datetime(2021, 5, 4, 3, 2, 1, tzinfo=timezone.utc)

    @app.route("/dated")
    def dated() -> Response:
        return send_file(io.BytesIO(b"x"), mimetype="text/plain", last_modified=when)

    rv = client.get("/dated")

    assert rv.headers["Last-Modified"] == "Tue, 04 May 2021 03:02:01 GMT"


def test_without_max_age_browsers_must_revalidate(client: Any, app: Hipflask) -> None:
    _route_send_file(app)

    assert client.get("/data").headers["Cache-Control"] == "no-cache"


def test_max_age_makes_the_file_publicly_cacheable(client: Any, app: Hipflask) -> None:
    _route_send_file(app, max_age=3600)

    rv = client.get("/data")

    assert rv.cache_control.public
    assert rv.cache_control.max_age == 3600
    assert not rv.cache_control.no_cache


def test_max_age_also_sets_expires_and_date(client: Any, app: Hipflask) -> None:
    _route_send_file(app, max_age=3600)

    rv = client.get("/data")

    assert rv.date is not None
    assert rv.expires is not None
    assert (rv.expires - rv.date).total_seconds() == pytest.approx(3600, abs=2)


@pytest.mark.parametrize("max_age", [0, -5])
def test_max_age_of_zero_or_less_keeps_no_cache(client: Any, app: Hipflask, max_age: int) -> None:
    _route_send_file(app, max_age=max_age)

    rv = client.get("/data")

    assert rv.cache_control.no_cache
    assert not rv.cache_control.public
    assert rv.cache_control.max_age == max_age
    assert "Expires" in rv.headers


def test_without_max_age_the_app_default_applies(client: Any, app: Hipflask) -> None:
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 120

    @app.route("/object")
    def from_object() -> Response:
        return send_file(io.BytesIO(b"x"), mimetype="text/plain")

    _route_send_file(app)

    for url in ("/data", "/object"):
        rv = client.get(url)
        assert rv.cache_control.public, url
        assert rv.cache_control.max_age == 120, url


def test_without_max_age_or_default_no_expires_is_sent(client: Any, app: Hipflask) -> None:
    _route_send_file(app)

    assert "Expires" not in client.get("/data").headers


def test_max_age_may_be_a_function_of_the_path(client: Any, app: Hipflask, tmp_path: Path) -> None:
    seen: list[str | None] = []

    def max_age(path: str | None) -> int:
        seen.append(path)
        return 60

    _route_send_file(app, max_age=max_age)

    rv = client.get("/data")

    assert rv.cache_control.max_age == 60
    assert seen == [str(tmp_path / "files" / "data.bin")]


def test_matching_if_none_match_gets_304_without_body(client: Any, app: Hipflask) -> None:
    _route_send_file(app)
    etag = client.get("/data").headers["ETag"]

    rv = client.get("/data", headers={"If-None-Match": etag})

    assert rv.status_code == 304
    assert rv.data == b""
    assert rv.headers["ETag"] == etag


def test_if_match_of_another_version_is_a_412_without_body(client: Any, app: Hipflask) -> None:
    _route_send_file(app)
    first = client.get("/data")
    etag = first.headers["ETag"]

    stale = client.get("/data", headers={"If-Match": '"zzz"'})
    weak = client.get("/data", headers={"If-Match": f"W/{etag}"})
    current = client.get("/data", headers={"If-Match": f'"zzz", {etag}'})
    anything = client.get("/data", headers={"If-Match": "*"})

    assert (stale.status_code, stale.data) == (412, b"")
    assert stale.headers["Content-Length"] == "0"
    # RFC 9110: If-Match compares strongly, and "*" matches any current file.
    assert weak.status_code == 412
    assert (current.status_code, current.data) == (200, first.data)
    assert anything.status_code == 200


def test_if_none_match_uses_weak_comparison(client: Any, app: Hipflask) -> None:
    _route_send_file(app)
    etag = client.get("/data").headers["ETag"]

    rv = client.get("/data", headers={"If-None-Match": f'"other", W/{etag}'})

    assert rv.status_code == 304


def test_stale_if_none_match_gets_the_file(client: Any, app: Hipflask) -> None:
    _route_send_file(app)

    rv = client.get("/data", headers={"If-None-Match": '"stale"'})

    assert rv.status_code == 200
    assert rv.data == CONTENT


def test_if_modified_since_not_older_than_the_file_gets_304(
    client: Any, app: Hipflask, data_mtime: datetime
) -> None:
    _route_send_file(app)

    rv = client.get("/data", headers={"If-Modified-Since": http_date(data_mtime)})

    assert rv.status_code == 304
    assert rv.data == b""


def test_if_modified_since_older_than_the_file_gets_the_file(
    client: Any, app: Hipflask, data_mtime: datetime
) -> None:
    _route_send_file(app)
    earlier = http_date(data_mtime - timedelta(hours=1))

    rv = client.get("/data", headers={"If-Modified-Since": earlier})

    assert rv.status_code == 200
    assert rv.data == CONTENT


def test_if_none_match_wins_over_if_modified_since(
    client: Any, app: Hipflask, data_mtime: datetime
) -> None:
    _route_send_file(app)

    rv = client.get(
        "/data",
        headers={"If-None-Match": '"stale"', "If-Modified-Since": http_date(data_mtime)},
    )

    assert rv.status_code == 200


def test_conditional_false_ignores_validators_and_ranges(client: Any, app: Hipflask) -> None:
    _route_send_file(app, conditional=False)
    etag = client.get("/data").headers["ETag"]

    rv = client.get("/data", headers={"If-None-Match": etag, "Range": "bytes=0-1"})

    assert rv.status_code == 200
    assert rv.data == CONTENT
    assert "Accept-Ranges" not in rv.headers


def test_post_is_never_answered_with_304(client: Any, app: Hipflask) -> None:
    @app.route("/export", methods=["POST"])
    def export() -> Response:
        return send_file("files/data.bin", etag="fixed")

    rv = client.post("/export", headers={"If-None-Match": '"fixed"'})

    assert rv.status_code == 200
    assert rv.data == CONTENT


# -- ranges ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "content_range", "body"),
    [
        ("bytes=2-5", "bytes 2-5/20", CONTENT[2:6]),
        ("bytes=15-", "bytes 15-19/20", CONTENT[15:]),
        ("bytes=-4", "bytes 16-19/20", CONTENT[-4:]),
        ("bytes=10-999", "bytes 10-19/20", CONTENT[10:]),
        ("bytes=-999", "bytes 0-19/20", CONTENT),
    ],
)
def test_single_range_gets_206_with_content_range(
    client: Any, app: Hipflask, header: str, content_range: str, body: bytes
) -> None:
    _route_send_file(app)

    rv = client.get("/data", headers={"Range": header})

    assert rv.status_code == 206
    assert rv.headers["Content-Range"] == content_range
    assert rv.headers["Content-Length"] == str(len(body))
    assert rv.data == body


def test_range_of_a_file_object(client: Any, app: Hipflask) -> None:
    @app.route("/memory")
    def memory() -> Response:
        return send_file(io.BytesIO(CONTENT), mimetype="application/octet-stream")

    rv = client.get("/memory", headers={"Range": "bytes=5-9"})

    assert rv.status_code == 206
    assert rv.data == CONTENT[5:10]


def test_range_past_the_end_gets_416(client: Any, app: Hipflask) -> None:
    _route_send_file(app)

    rv = client.get("/data", headers={"Range": "bytes=20-"})

    assert rv.status_code == 416
    assert rv.headers["Content-Range"] == "bytes */20"
    assert b"Range Not Satisfiable" in rv.data


@pytest.mark.parametrize("header", ["bytes=-0", "bytes=-000"])
def test_empty_suffix_range_gets_416(client: Any, app: Hipflask, header: str) -> None:
    # RFC 9110 14.1.1: only a suffix of non-zero length can be satisfied.
    _route_send_file(app)

    rv = client.get("/data", headers={"Range": header})

    assert rv.status_code == 416
    assert rv.headers["Content-Range"] == "bytes */20"


def test_range_past_the_end_goes_to_the_apps_416_handler(client: Any, app: Hipflask) -> None:
    _route_send_file(app)

    @app.errorhandler(416)
    def unsatisfiable(error: Exception) -> tuple[str, int]:
        return "no such bytes", 416

    rv = client.get("/data", headers={"Range": "bytes=20-"})

    assert rv.status_code == 416
    assert rv.text == "no such bytes"


@pytest.mark.parametrize(
    "header",
    ["bytes=0-1,4-5", "items=0-1", "bytes=5-1", "bytes=abc", "rubbish"],
)
def test_unusable_range_gets_the_whole_file(client: Any, app: Hipflask, header: str) -> None:
    _route_send_file(app)

    rv = client.get("/data", headers={"Range": header})

    assert rv.status_code == 200
    assert rv.data == CONTENT


def test_head_ignores_range(client: Any, app: Hipflask) -> None:
    _route_send_file(app)

    rv = client.head("/data", headers={"Range": "bytes=0-1"})

    assert rv.status_code == 200
    assert rv.headers["Content-Length"] == str(len(CONTENT))


def test_if_range_with_current_etag_allows_the_range(client: Any, app: Hipflask) -> None:
    _route_send_file(app)
    etag = client.get("/data").headers["ETag"]

    rv = client.get("/data", headers={"Range": "bytes=0-1", "If-Range": etag})

    assert rv.status_code == 206
    assert rv.data == CONTENT[:2]


@pytest.mark.parametrize("if_range", ['"stale"', "W/{etag}"])
def test_if_range_with_stale_or_weak_etag_gets_the_whole_file(
    client: Any, app: Hipflask, if_range: str
) -> None:
    _route_send_file(app)
    etag = client.get("/data").headers["ETag"]

    rv = client.get("/data", headers={"Range": "bytes=0-1", "If-Range": if_range.format(etag=etag)})

    assert rv.status_code == 200
    assert rv.data == CONTENT


def test_if_range_with_the_modification_date(
    client: Any, app: Hipflask, data_mtime: datetime
) -> None:
    _route_send_file(app)
    current = http_date(data_mtime)
    older = http_date(data_mtime - timedelta(days=1))

    fresh = client.get("/data", headers={"Range": "bytes=0-1", "If-Range": current})
    stale = client.get("/data", headers={"Range": "bytes=0-1", "If-Range": older})

    assert fresh.status_code == 206
    assert stale.status_code == 200


# -- X-Sendfile ----------------------------------------------------------------------------


def test_use_x_sendfile_leaves_the_body_to_the_front_server(
    client: Any, app: Hipflask, tmp_path: Path
) -> None:
    app.config["USE_X_SENDFILE"] = True
    _route_send_file(app)

    rv = client.get("/data")

    assert rv.headers["X-Sendfile"] == str(tmp_path / "files" / "data.bin")
    assert rv.data == b""


def test_use_x_sendfile_names_a_non_ascii_path_in_utf_8(
    client: Any, app: Hipflask, tmp_path: Path
) -> None:
    # A header carries bytes; the front server reads the file system path
    # from them. The name is not Latin-1, so as text it cannot be sent at all.
    (tmp_path / "files" / "报告.txt").write_bytes(CONTENT)
    app.config["USE_X_SENDFILE"] = True

    @app.route("/report")
    def report() -> Response:
        return send_file("files/报告.txt")

    rv = client.get("/report")

    assert rv.status_code == 200
    sent = rv.headers["X-Sendfile"].encode("latin-1")
    assert sent == os.fsencode(tmp_path / "files" / "报告.txt")
    assert rv.data == b""


def test_use_x_sendfile_sends_a_path_with_a_line_break_itself(
    client: Any, app: Hipflask, tmp_path: Path
) -> None:
    # A line break would end the header; the file is sent as without X-Sendfile.
    (tmp_path / "files" / "a\nb.txt").write_bytes(CONTENT)
    app.config["USE_X_SENDFILE"] = True

    @app.route("/odd")
    def odd() -> Response:
        return send_file("files/a\nb.txt")

    rv = client.get("/odd")

    assert rv.status_code == 200
    assert "X-Sendfile" not in rv.headers
    assert rv.data == CONTENT


# -- send_from_directory ---------------------------------------------------------------------


def test_send_from_directory_serves_a_file_inside(client: Any, app: Hipflask) -> None:
    @app.route("/files/<path:name>")
    def files(name: str) -> Response:
        return send_from_directory("files", name)

    rv = client.get("/files/notes.txt")

    assert rv.status_code == 200
    assert rv.data == b"plain notes\n"


@pytest.mark.parametrize("suffix", ["/", "/."])
def test_send_from_directory_names_a_file_asked_for_with_a_trailing_slash(
    client: Any, app: Hipflask, suffix: str
) -> None:
    # The resolved file's own name decides the type and the download name,
    # not the text after the last slash of what the client sent.
    @app.route("/files/<path:name>")
    def files(name: str) -> Response:
        return send_from_directory("files", name)

    rv = client.get("/files/notes.txt" + suffix)

    assert rv.status_code == 200
    assert rv.mimetype == "text/plain"
    assert rv.headers["Content-Disposition"] == "inline; filename=notes.txt"


@pytest.mark.parametrize(
    ("name", "mimetype", "encoding"),
    [
        ("logo.svgz", "image/svg+xml", "gzip"),
        ("archive.tar.gz", "application/gzip", None),
        ("notes.txt.bz2", "application/x-bzip2", None),
    ],
)
def test_a_compressed_image_is_shown_and_other_compressed_files_are_saved(
    client: Any, app: Hipflask, tmp_path: Path, name: str, mimetype: str, encoding: str | None
) -> None:
    # A .svgz renders only as an SVG with Content-Encoding (as Flask sends
    # it); an archive keeps its bytes, or the browser would unpack the download.
    (tmp_path / "files" / name).write_bytes(b"\x1f\x8b compressed")

    @app.route("/files/<path:name>")
    def files(name: str) -> Response:
        return send_from_directory("files", name)

    rv = client.get("/files/" + name)

    assert rv.status_code == 200
    assert rv.mimetype == mimetype
    assert rv.headers.get("Content-Encoding") == encoding
    assert rv.data == b"\x1f\x8b compressed"


def test_a_compressed_image_sent_as_an_attachment_is_saved_compressed(
    client: Any, app: Hipflask, tmp_path: Path
) -> None:
    # With Content-Encoding the browser would unpack it and save plain SVG
    # under the .svgz name; Flask sends no Content-Encoding for a download.
    (tmp_path / "files" / "logo.svgz").write_bytes(b"\x1f\x8b compressed")

    @app.route("/logo")
    def logo() -> Response:
        return send_file("files/logo.svgz", as_attachment=True)

    rv = client.get("/logo")

    assert rv.status_code == 200
    assert rv.mimetype == "image/svg+xml"
    assert "Content-Encoding" not in rv.headers
    assert rv.headers["Content-Disposition"] == "attachment; filename=logo.svgz"
    assert rv.data == b"\x1f\x8b compressed"


@pytest.mark.parametrize(
    "name",
    [
        "../secret.txt",
        "../../etc/passwd",
        "sub/../../secret.txt",
        "/etc/passwd",
        "..\\secret.txt",
        "notes.txt\x00.png",
        "",
        ".",
        "missing.txt",
    ],
)
def test_send_from_directory_refuses_anything_outside_with_404(
    app: Hipflask, tmp_path: Path, name: str
) -> None:
    (tmp_path / "secret.txt").write_text("top secret")

    with app.test_request_context("/"), pytest.raises(NotFound):
        send_from_directory("files", name)


def test_send_from_directory_refuses_any_backslash(app: Hipflask, tmp_path: Path) -> None:
    # On Windows "\\" is a separator, so "..\\" climbs out; refusing it everywhere
    # keeps one rule for every platform, even where such a name could exist.
    (tmp_path / "files" / "a\\b.txt").write_text("odd name")

    with app.test_request_context("/"), pytest.raises(NotFound):
        send_from_directory("files", "a\\b.txt")


def test_send_from_directory_refuses_a_symlink_leading_out(app: Hipflask, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("top secret")
    (tmp_path / "files" / "leak.txt").symlink_to(tmp_path / "secret.txt")

    with app.test_request_context("/"), pytest.raises(NotFound):
        send_from_directory("files", "leak.txt")


@pytest.mark.parametrize("replacement", ["nothing", "directory"])
def test_a_file_that_vanishes_after_the_check_is_404_not_500(
    client: Any, app: Hipflask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, replacement: str
) -> None:
    # A deploy or a cleanup job removing the file between the check and the
    # open: the client asked for a file that is not there.
    target = tmp_path / "files" / "report.txt"
    target.write_text("soon gone")
    checked = os.path.isfile

    def isfile_then_vanish(path: Any) -> bool:
        result = checked(path)
        if os.fspath(path) == str(target):
            target.unlink()
            if replacement == "directory":
                target.mkdir()
        return result

    @app.route("/files/<path:name>")
    def files(name: str) -> Response:
        monkeypatch.setattr(os.path, "isfile", isfile_then_vanish)
        try:
            return send_from_directory("files", name)
        finally:
            monkeypatch.undo()

    rv = client.get("/files/report.txt")

    assert rv.status_code == 404


def test_send_from_directory_follows_a_symlink_that_stays_inside(
    client: Any, app: Hipflask, tmp_path: Path
) -> None:
    (tmp_path / "files" / "latest.txt").symlink_to(tmp_path / "files" / "notes.txt")

    @app.route("/files/<path:name>")
    def files(name: str) -> Response:
        return send_from_directory("files", name)

    rv = client.get("/files/latest.txt")

    assert rv.status_code == 200
    assert rv.data == b"plain notes\n"
    assert rv.headers["Content-Disposition"] == "inline; filename=latest.txt"


def test_send_from_directory_passes_options_to_send_file(client: Any, app: Hipflask) -> None:
    @app.route("/download/<name>")
    def download(name: str) -> Response:
        return send_from_directory("files", name, as_attachment=True, max_age=10)

    rv = client.get("/download/notes.txt")

    assert rv.headers["Content-Disposition"] == "attachment; filename=notes.txt"
    assert rv.cache_control.max_age == 10


# -- uploads (the tutorial's pattern) ---------------------------------------------------------

ALLOWED_EXTENSIONS = {"txt", "pdf", "png"}


def _allowed_file(filename: str) -> bool:
    return "." in filename and filename.rsplit(".", 1)[1].lower() in ALLOWED_EXTENSIONS


@pytest.fixture
def upload_app(app: Hipflask, tmp_path: Path) -> Hipflask:
    upload_folder = tmp_path / "uploads"
    upload_folder.mkdir()
    app.config["UPLOAD_FOLDER"] = str(upload_folder)

    @app.route("/upload", methods=["POST"])
    def upload_file() -> Any:
        if "file" not in request.files:
            return "No file part", 400
        file = request.files["file"]
        if not file.filename:
            return "No selected file", 400
        if not _allowed_file(file.filename):
            return "File type not allowed", 400
        filename = secure_filename(file.filename)
        file.save(os.path.join(app.config["UPLOAD_FOLDER"], filename))
        return redirect(url_for("download_file", name=filename))

    @app.route("/uploads/<name>")
    def download_file(name: str) -> Response:
        return send_from_directory(app.config["UPLOAD_FOLDER"], name)

    return app


def test_uploaded_file_is_saved_under_a_safe_name_and_served(
    client: Any, upload_app: Hipflask, tmp_path: Path
) -> None:

    rv = client.post(
        "/upload",
        data={"file": (io.BytesIO(b"quarterly numbers"), "../../etc/report.txt")},
        follow_redirects=True,
    )

    assert rv.status_code == 200
    assert rv.data == b"quarterly numbers"
    assert os.listdir(tmp_path / "uploads") == ["etc_report.txt"]
    assert not (tmp_path / "etc").exists()


def test_upload_without_file_part_is_400(client: Any, upload_app: Hipflask) -> None:

    rv = client.post("/upload", data={"other": "field"})

    assert rv.status_code == 400
    assert rv.data == b"No file part"


def test_upload_of_a_disallowed_type_is_refused(
    client: Any, upload_app: Hipflask, tmp_path: Path
) -> None:

    rv = client.post("/upload", data={"file": (io.BytesIO(b"<?php"), "shell.php")})

    assert rv.status_code == 400
    assert os.listdir(tmp_path / "uploads") == []


def test_upload_over_max_content_length_is_413_and_leaves_nothing(
    client: Any, upload_app: Hipflask, tmp_path: Path
) -> None:
    upload_app.config["MAX_CONTENT_LENGTH"] = 1024

    rv = client.post("/upload", data={"file": (io.BytesIO(b"x" * 4096), "big.txt")})

    assert rv.status_code == 413
    assert os.listdir(tmp_path / "uploads") == []


def test_upload_just_under_the_limit_is_accepted(
    client: Any, upload_app: Hipflask, tmp_path: Path
) -> None:
    upload_app.config["MAX_CONTENT_LENGTH"] = 4096

    rv = client.post("/upload", data={"file": (io.BytesIO(b"x" * 1024), "fits.txt")})

    assert rv.status_code == 302
    assert (tmp_path / "uploads" / "fits.txt").read_bytes() == b"x" * 1024


# -- streamed downloads ----------------------------------------------------------------------


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
