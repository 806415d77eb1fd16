"""send_file's validators and caching headers, and the conditional requests they answer."""

from __future__ import annotations

import io
import os
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from pathlib import Path
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


def test_etag_and_last_modified_come_from_the_file(
    client: Any, app: Hipflask, data_mtime: datetime
) -> None:
    route_send_file(app)

    rv = client.get("/data")

    assert rv.headers["ETag"].startswith('"')
    assert rv.last_modified == data_mtime


def test_etag_changes_when_the_file_changes(client: Any, app: Hipflask, tmp_path: Path) -> None:
    route_send_file(app)
    path = tmp_path / "files" / "data.bin"

    first = client.get("/data").headers["ETag"]
    path.write_bytes(CONTENT + b"more")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = client.get("/data").headers["ETag"]

    assert first != second


def test_etag_does_not_reveal_the_file_path(client: Any, app: Hipflask, tmp_path: Path) -> None:
    route_send_file(app)

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
    route_send_file(app)

    assert client.get("/data").headers["Cache-Control"] == "no-cache"


def test_max_age_makes_the_file_publicly_cacheable(client: Any, app: Hipflask) -> None:
    route_send_file(app, max_age=3600)

    rv = client.get("/data")

    assert rv.cache_control.public
    assert rv.cache_control.max_age == 3600
    assert not rv.cache_control.no_cache


def test_max_age_also_sets_expires_and_date(client: Any, app: Hipflask) -> None:
    route_send_file(app, max_age=3600)

    rv = client.get("/data")

    assert rv.date is not None
    assert rv.expires is not None
    assert (rv.expires - rv.date).total_seconds() == pytest.approx(3600, abs=2)


@pytest.mark.parametrize("max_age", [0, -5])
def test_max_age_of_zero_or_less_keeps_no_cache(client: Any, app: Hipflask, max_age: int) -> None:
    route_send_file(app, max_age=max_age)

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

    route_send_file(app)

    for url in ("/data", "/object"):
        rv = client.get(url)
        assert rv.cache_control.public, url
        assert rv.cache_control.max_age == 120, url


def test_without_max_age_or_default_no_expires_is_sent(client: Any, app: Hipflask) -> None:
    route_send_file(app)

    assert "Expires" not in client.get("/data").headers


def test_max_age_may_be_a_function_of_the_path(client: Any, app: Hipflask, tmp_path: Path) -> None:
    seen: list[str | None] = []

    def max_age(path: str | None) -> int:
        seen.append(path)
        return 60

    route_send_file(app, max_age=max_age)

    rv = client.get("/data")

    assert rv.cache_control.max_age == 60
    assert seen == [str(tmp_path / "files" / "data.bin")]


def test_matching_if_none_match_gets_304_without_body(client: Any, app: Hipflask) -> None:
    route_send_file(app)
    etag = client.get("/data").headers["ETag"]

    rv = client.get("/data", headers={"If-None-Match": etag})

    assert rv.status_code == 304
    assert rv.data == b""
    assert rv.headers["ETag"] == etag


def test_if_match_of_another_version_is_a_412_without_body(client: Any, app: Hipflask) -> None:
    route_send_file(app)
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
    route_send_file(app)
    etag = client.get("/data").headers["ETag"]

    rv = client.get("/data", headers={"If-None-Match": f'"other", W/{etag}'})

    assert rv.status_code == 304


def test_stale_if_none_match_gets_the_file(client: Any, app: Hipflask) -> None:
    route_send_file(app)

    rv = client.get("/data", headers={"If-None-Match": '"stale"'})

    assert rv.status_code == 200
    assert rv.data == CONTENT


def test_if_modified_since_not_older_than_the_file_gets_304(
    client: Any, app: Hipflask, data_mtime: datetime
) -> None:
    route_send_file(app)

    rv = client.get("/data", headers={"If-Modified-Since": http_date(data_mtime)})

    assert rv.status_code == 304
    assert rv.data == b""


def test_if_modified_since_older_than_the_file_gets_the_file(
    client: Any, app: Hipflask, data_mtime: datetime
) -> None:
    route_send_file(app)
    earlier = http_date(data_mtime - timedelta(hours=1))

    rv = client.get("/data", headers={"If-Modified-Since": earlier})

    assert rv.status_code == 200
    assert rv.data == CONTENT


def test_if_none_match_wins_over_if_modified_since(
    client: Any, app: Hipflask, data_mtime: datetime
) -> None:
    route_send_file(app)

    rv = client.get(
        "/data",
        headers={"If-None-Match": '"stale"', "If-Modified-Since": http_date(data_mtime)},
    )

    assert rv.status_code == 200


def test_conditional_false_ignores_validators_and_ranges(client: Any, app: Hipflask) -> None:
    route_send_file(app, conditional=False)
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
