"""send_file answering range requests, If-Range included."""

from __future__ import annotations

import io
from datetime import datetime
from datetime import timedelta
from typing import Any

import pytest
from tests.core.sent_files import CONTENT
from tests.core.sent_files import app as app
from tests.core.sent_files import data_mtime as data_mtime
from tests.core.sent_files import route_send_file
from werkzeug.http import http_date

from hipflask import Hipflask
from hipflask import Response
from hipflask.core.files import send_file


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
    route_send_file(app)

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
    route_send_file(app)

    rv = client.get("/data", headers={"Range": "bytes=20-"})

    assert rv.status_code == 416
    assert rv.headers["Content-Range"] == "bytes */20"
    assert b"Range Not Satisfiable" in rv.data


@pytest.mark.parametrize("header", ["bytes=-0", "bytes=-000"])
def test_empty_suffix_range_gets_416(client: Any, app: Hipflask, header: str) -> None:
    # RFC 9110 14.1.1: only a suffix of non-zero length can be satisfied.
    route_send_file(app)

    rv = client.get("/data", headers={"Range": header})

    assert rv.status_code == 416
    assert rv.headers["Content-Range"] == "bytes */20"


def test_range_past_the_end_goes_to_the_apps_416_handler(client: Any, app: Hipflask) -> None:
    route_send_file(app)

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
    route_send_file(app)

    rv = client.get("/data", headers={"Range": header})

    assert rv.status_code == 200
    assert rv.data == CONTENT


def test_head_ignores_range(client: Any, app: Hipflask) -> None:
    route_send_file(app)

    rv = client.head("/data", headers={"Range": "bytes=0-1"})

    assert rv.status_code == 200
    assert rv.headers["Content-Length"] == str(len(CONTENT))


def test_if_range_with_current_etag_allows_the_range(client: Any, app: Hipflask) -> None:
    route_send_file(app)
    etag = client.get("/data").headers["ETag"]

    rv = client.get("/data", headers={"Range": "bytes=0-1", "If-Range": etag})

    assert rv.status_code == 206
    assert rv.data == CONTENT[:2]


@pytest.mark.parametrize("if_range", ['"stale"', "W/{etag}"])
def test_if_range_with_stale_or_weak_etag_gets_the_whole_file(
    client: Any, app: Hipflask, if_range: str
) -> None:
    route_send_file(app)
    etag = client.get("/data").headers["ETag"]

    rv = client.get("/data", headers={"Range": "bytes=0-1", "If-Range": if_range.format(etag=etag)})

    assert rv.status_code == 200
    assert rv.data == CONTENT


def test_if_range_with_the_modification_date(
    client: Any, app: Hipflask, data_mtime: datetime
) -> None:
    route_send_file(app)
    current = http_date(data_mtime)
    older = http_date(data_mtime - timedelta(days=1))

    fresh = client.get("/data", headers={"Range": "bytes=0-1", "If-Range": current})
    stale = client.get("/data", headers={"Range": "bytes=0-1", "If-Range": older})

    assert fresh.status_code == 206
    assert stale.status_code == 200
