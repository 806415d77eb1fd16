"""``Response(...)`` built directly is the same object Werkzeug's constructor builds.

The direct path only skips work; every observable part (status, headers in
order, body, errors for bad values) must match the general one.
"""

from __future__ import annotations

import itertools
from http import HTTPStatus
from typing import Any

import pytest
from werkzeug.wrappers import Response as WerkzeugResponse

from hipflask import Response


class Reference(WerkzeugResponse):
    """Werkzeug's own constructor with hipflask's default mimetype."""

    default_mimetype = "text/html"


def observed(response: Any) -> tuple[Any, ...]:
    return (
        response.status,
        response.status_code,
        list(response.headers.items()),
        response.get_data(),
        response.direct_passthrough,
    )


BODIES = ["hello", "", "ünïcödé ✓", b"raw \x00\xff bytes", b""]
STATUSES: list[Any] = [None, 200, 201, 404, 299, "201 CREATED", "418", HTTPStatus.ACCEPTED]
MIMETYPES = [None, "text/plain", "application/json", "image/png", "text/x-custom", "TEXT/CSV"]


@pytest.mark.parametrize(
    ("body", "status", "mimetype"), list(itertools.product(BODIES, STATUSES, MIMETYPES))
)
def test_direct_construction_matches_werkzeug(body: Any, status: Any, mimetype: Any) -> None:
    ours = Response(body, status, mimetype=mimetype)
    theirs = Reference(body, status, mimetype=mimetype)

    assert observed(ours) == observed(theirs)


def test_the_direct_response_is_fully_usable() -> None:
    response = Response("hello", 201, mimetype="text/plain")

    response.set_data("changed")
    response.headers["X-Extra"] = "1"
    response.set_cookie("k", "v")

    assert response.get_data() == b"changed"
    assert response.headers["Content-Length"] == "7"
    assert response.status == "201 CREATED"
    assert "k=v" in response.headers["Set-Cookie"]


@pytest.mark.parametrize("mimetype", ["text/plain\r\nX-Injected: 1", "text/plain\n"])
def test_a_mimetype_that_would_split_headers_is_refused(mimetype: str) -> None:
    with pytest.raises(ValueError):
        Response("body", mimetype=mimetype)


def test_a_subclass_that_stores_the_body_differently_keeps_the_general_path() -> None:
    class Shouting(Response):
        def set_data(self, value: str | bytes) -> None:
            text = value.decode() if isinstance(value, bytes) else value
            super().set_data(text.upper())

    assert Shouting("quiet").get_data() == b"QUIET"


def test_a_subclass_default_status_and_mimetype_are_honoured() -> None:
    class Created(Response):
        default_status = 201
        default_mimetype = "application/json"

    response = Created("{}")

    assert response.status == "201 CREATED"
    assert response.headers["Content-Type"] == "application/json"


def test_headers_or_content_type_take_the_general_path() -> None:
    with_headers = Response("x", headers={"X-A": "1"}, mimetype="text/plain")
    with_type = Response("x", content_type="text/plain; charset=latin-1")

    assert with_headers.headers["X-A"] == "1"
    assert with_headers.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert with_type.headers["Content-Type"] == "text/plain; charset=latin-1"


def test_content_length_is_right_past_the_remembered_lengths() -> None:
    # The direct path remembers the text of the lengths it has written, up to
    # a bound; lengths past it are written out each time, the same way.
    for size in [*range(0, 1500, 3), 10**6, 0, 13, 1499]:
        response = Response(b"x" * size)
        theirs = Reference(b"x" * size)

        assert response.headers["Content-Length"] == str(size)
        assert observed(response) == observed(theirs)


def test_a_subclass_that_stores_its_body_its_own_way_keeps_the_general_path() -> None:
    class Upper(Response):
        def set_data(self, value: Any) -> None:
            super().set_data(value.upper() if isinstance(value, str) else value)

    assert Upper("quiet").get_data() == b"QUIET"
    assert Response("quiet").get_data() == b"quiet"
