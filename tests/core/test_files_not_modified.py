"""A 304 to a conditional request for a file says what the 200 would have said.

RFC 9110 section 15.4.5: a 304 carries the ``Date``, ``ETag``,
``Cache-Control``, ``Expires``, ``Vary`` and ``Content-Location`` the 200
would have carried (a cache refreshes its stored copy from them), and no
body. An origin with a clock sends ``Date`` (section 6.6.1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from werkzeug.http import parse_date

from hipflask import Hipflask
from hipflask import Response
from hipflask import send_file
from hipflask import send_from_directory

SECRET = "test-secret-key-that-is-long-enough-0123456789"
CONTENT = b"0123456789abcdefghij"
_KEPT = ("ETag", "Cache-Control", "Expires", "Vary", "Content-Location")


def _app(tmp_path: Path, testing: bool) -> Hipflask:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "data.bin").write_bytes(CONTENT)
    app = Hipflask("not_modified", root_path=str(tmp_path))
    app.config.update(TESTING=testing, SECRET_KEY=SECRET, SEND_FILE_MAX_AGE_DEFAULT=60)

    def described(response: Response) -> Response:
        response.headers["Vary"] = "Accept-Encoding"
        response.headers["Content-Location"] = "/files/data.bin"
        return response

    @app.get("/send-file")
    def by_send_file() -> Response:
        return described(send_file(str(tmp_path / "static" / "data.bin")))

    @app.get("/send-from-directory")
    def by_directory() -> Response:
        return described(send_from_directory(str(tmp_path / "static"), "data.bin"))

    return app


def _condition(first: Any, validator: str) -> dict[str, str]:
    if validator == "If-None-Match":
        return {"If-None-Match": first.headers["ETag"]}
    return {"If-Modified-Since": first.headers["Last-Modified"]}


@pytest.mark.parametrize("testing", [True, False], ids=["general-path", "direct-path"])
@pytest.mark.parametrize("validator", ["If-None-Match", "If-Modified-Since"])
@pytest.mark.parametrize("path", ["/send-file", "/send-from-directory", "/static/data.bin"])
def test_a_304_for_a_file_carries_what_the_200_would(
    tmp_path: Path, protocol: str, testing: bool, validator: str, path: str
) -> None:
    client = _app(tmp_path, testing).test_client(protocol=protocol)
    first = client.get(path)

    again = client.get(path, headers=_condition(first, validator))

    assert (first.status_code, first.data) == (200, CONTENT)
    assert (again.status_code, again.data) == (304, b"")
    for name in _KEPT:
        assert (name in again.headers) == (name in first.headers), name
    for name in ("ETag", "Cache-Control"):
        assert again.headers[name] == first.headers[name]
    # Expires is Date plus the file's max age, on the 304 as on the 200 (a
    # second may have passed between them).
    sent = parse_date(again.headers["Date"])
    expires = parse_date(again.headers["Expires"])
    assert sent is not None and expires is not None
    assert (expires - sent).total_seconds() == 60
    if path != "/static/data.bin":
        assert again.headers["Vary"] == "Accept-Encoding"
        assert again.headers["Content-Location"] == "/files/data.bin"
    assert len(again.headers.getlist("Date")) == 1


@pytest.mark.parametrize("testing", [True, False], ids=["general-path", "direct-path"])
def test_a_head_answered_304_has_no_body_either(
    tmp_path: Path, protocol: str, testing: bool
) -> None:
    client = _app(tmp_path, testing).test_client(protocol=protocol)
    first = client.get("/send-file")
    etag = first.headers["ETag"]
    first.close()

    answer = client.head("/send-file", headers={"If-None-Match": etag})

    assert answer.status_code == 304
    assert answer.data == b""
    assert "Date" in answer.headers
