from __future__ import annotations

import contextlib
import copy
import json
from typing import Any

import pytest
from werkzeug.datastructures import EnvironHeaders
from werkzeug.datastructures import Headers

from hipflask import Hipflask
from hipflask import request
from hipflask.testing.client import HipflaskClient
from hipflask.wrappers import layout
from hipflask.wrappers.headers import ASGIRequestHeaders
from hipflask.wrappers.headers import WSGIRequestHeaders
from hipflask.wrappers.headers import add_header
from hipflask.wrappers.headers import add_vary
from hipflask.wrappers.response import Response
from hipflask.wrappers.response import wire_parts

ENVIRON = {
    "CONTENT_TYPE": "text/plain",
    "CONTENT_LENGTH": "12",
    "HTTP_X_NUMBER": "42",
    "HTTP_X_WORD": "forty-two",
    "HTTP_ACCEPT": "*/*",
}
PAIRS = [
    ("Content-Type", "text/plain"),
    ("Content-Length", "12"),
    ("X-Number", "42"),
    ("X-Word", "forty-two"),
    ("accept", "*/*"),
    ("X-Number", "second"),
]


def asgi_headers() -> ASGIRequestHeaders:
    headers = ASGIRequestHeaders()
    for name, value in PAIRS:
        Headers.add(headers, name, value)  # the adapter fills it once, before use
    return headers


@pytest.fixture(params=["wsgi", "asgi"])
def headers(request: pytest.FixtureRequest) -> Any:
    return WSGIRequestHeaders(dict(ENVIRON)) if request.param == "wsgi" else asgi_headers()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("content-type",), "text/plain"),
        (("X-NUMBER",), "42"),
        (("x-number", None, int), 42),
        (("x-word", -1, int), -1),
        (("missing",), None),
        (("missing", "fallback"), "fallback"),
        (("Content-Length", 0, int), 12),
    ],
)
def test_get_answers_as_werkzeugs_headers_do(
    headers: Any, args: tuple[Any, ...], expected: Any
) -> None:
    reference = EnvironHeaders(dict(ENVIRON))
    assert headers.get(*args) == expected
    assert reference.get(*args) == expected


def test_membership_ignores_case_and_rejects_non_strings(headers: Any) -> None:
    assert "x-word" in headers
    assert "X-Word" in headers
    assert "Origin" not in headers
    assert 42 not in headers


def test_request_headers_cannot_be_changed(headers: Any) -> None:
    with pytest.raises(TypeError):
        headers["X-New"] = "value"


def test_asgi_headers_keep_every_value_and_copy_to_a_mutable_headers() -> None:
    headers = asgi_headers()

    assert headers.getlist("X-Number") == ["42", "second"]
    assert headers["x-number"] == "42"
    copied = copy.copy(headers)
    copied["X-New"] = "value"
    assert type(copied) is Headers
    assert copied["X-New"] == "value"
    assert "X-New" not in headers


def test_views_read_headers_the_same_way_under_both_protocols(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.get("/")
    def index() -> dict[str, Any]:
        return {
            "word": request.headers.get("X-Word"),
            "number": request.headers.get("X-Number", type=int),
            "absent": request.headers.get("Origin", "none"),
            "has": "x-word" in request.headers,
        }

    response = client.get("/", headers={"X-Word": "hello", "X-Number": "7"})

    assert response.json == {"word": "hello", "number": 7, "absent": "none", "has": True}


@pytest.mark.parametrize("unique", [False, True], ids=["walked", "indexed"])
def test_asgi_getlist_answers_as_werkzeugs_headers_do(unique: bool) -> None:
    headers = asgi_headers()
    reference = Headers(PAIRS)
    if unique:
        headers = ASGIRequestHeaders()
        for name, value in PAIRS[:-1]:
            Headers.add(headers, name, value)
        headers._unique_names = True
        reference = Headers(PAIRS[:-1])

    for name in ("x-number", "X-Word", "ACCEPT", "missing"):
        assert headers.getlist(name) == reference.getlist(name)
    assert headers.getlist("x-number", int) == reference.getlist("x-number", int)


def test_asgi_headers_index_every_value_only_when_no_name_repeats() -> None:
    unique = ASGIRequestHeaders.from_raw([(b"host", b"a"), (b"Origin", b"https://a")])
    repeated = ASGIRequestHeaders.from_raw(
        [(b"host", b"a"), (b"origin", b"https://a"), (b"Origin", b"x")]
    )

    assert unique.getlist("origin") == ["https://a"]
    # Joined, as a WSGI server joins them into the environ.
    assert repeated.getlist("origin") == ["https://a,x"]
    assert repeated.getlist("sec-fetch-site") == []


def test_a_missing_header_is_a_400_under_both_protocols(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/")
    def index() -> str:
        with contextlib.suppress(KeyError):  # still a KeyError, as code expects
            request.headers["X-Missing"]
        return request.headers["Authorization"]

    assert client.get("/").status_code == 400
    assert client.get("/", headers={"Authorization": "Bearer t"}).text == "Bearer t"


def test_asgi_headers_read_as_a_wsgi_servers_environ_does(app: Hipflask) -> None:
    # Sent on separate lines, in any case: a WSGI server joins repeats into
    # one environ value and the environ names them X-Forwarded-For.
    from tests.asgi_driver import http_scope
    from tests.asgi_driver import serve

    @app.route("/")
    def index() -> dict[str, Any]:
        return {
            "accept": request.headers.get("Accept"),
            "forwarded": request.headers.getlist("X-Forwarded-For"),
            "best": request.accept_mimetypes.best_match(["text/html", "application/json"]),
            "names": [name for name, _value in request.headers],
            "cookie": request.cookies.get("b"),
        }

    raw = [
        (b"Accept", b"text/html;q=0.1"),
        (b"x-forwarded-for", b"192.0.2.1"),
        (b"accept", b"application/json"),
        (b"X-FORWARDED-FOR", b"192.0.2.2"),
        (b"cookie", b"a=1"),
        (b"Cookie", b"b=2"),
    ]
    asgi = json.loads(serve(app, http_scope(headers=raw)).body)
    environ_headers = {
        "HTTP_ACCEPT": "text/html;q=0.1,application/json",
        "HTTP_X_FORWARDED_FOR": "192.0.2.1,192.0.2.2",
    }
    wsgi = app.test_client(protocol="wsgi").get("/", environ_base=environ_headers).json

    assert asgi["accept"] == "text/html;q=0.1,application/json"
    assert asgi["best"] == "application/json"
    assert asgi["forwarded"] == ["192.0.2.1,192.0.2.2"]
    assert asgi["names"] == ["Host", "Accept", "X-Forwarded-For", "Cookie"]
    assert asgi["cookie"] == "2"
    assert {key: wsgi[key] for key in ("accept", "best", "forwarded")} == {
        key: asgi[key] for key in ("accept", "best", "forwarded")
    }


# --- adding response headers ---------------------------------------------------


def test_add_header_appends_as_add_does() -> None:
    headers = Headers([("Content-Type", "text/plain")])
    add_header(headers, "Set-Cookie", "a=1; Path=/")
    add_header(headers, "Set-Cookie", "b=2; Path=/")
    assert headers.getlist("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert headers.to_wsgi_list() == [
        ("Content-Type", "text/plain"),
        ("Set-Cookie", "a=1; Path=/"),
        ("Set-Cookie", "b=2; Path=/"),
    ]


@pytest.mark.parametrize("value", ["a=1\r\nX-Injected: 1", "a=1\nX: 1", "a\r"])
@pytest.mark.parametrize("fast", [True, False], ids=["fast", "public"])
def test_add_header_refuses_a_line_break(
    value: str, fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A line break would end the header and start one of the sender's
    # choosing (header injection): refused, whichever way the list is filled.
    monkeypatch.setattr(layout, "FAST", fast)
    headers = Headers()
    with pytest.raises(ValueError, match="newline"):
        add_header(headers, "Set-Cookie", value)
    assert list(headers) == []


def test_add_header_uses_a_header_class_of_its_own() -> None:
    class Counting(Headers):
        added = 0

        def add(self, key: str, value: Any, /, **kwargs: Any) -> None:
            type(self).added += 1
            super().add(key, value, **kwargs)

    headers = Counting()
    add_header(headers, "Vary", "Cookie")
    assert Counting.added == 1
    assert headers["Vary"] == "Cookie"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ([], ["Cookie"]),
        (["Accept-Encoding"], ["Accept-Encoding, Cookie"]),
        (["accept-encoding, COOKIE"], ["accept-encoding, COOKIE"]),
        (["Origin", "Accept"], ["Origin, Accept, Cookie"]),
        (["*"], ["*"]),
        (["Accept, *"], ["Accept, *"]),
    ],
    ids=["none", "merged", "listed", "two-headers", "star", "star-in-list"],
)
def test_add_vary_lists_a_name_once(before: list[str], after: list[str]) -> None:
    headers = Headers([("Vary", value) for value in before])
    add_vary(headers, "Cookie")
    assert headers.getlist("Vary") == after


def test_add_vary_finds_vary_in_any_case() -> None:
    headers = Headers([("Content-Type", "text/plain"), ("VARY", "cookie")])
    add_vary(headers, "Cookie")
    assert headers.to_wsgi_list() == [("Content-Type", "text/plain"), ("VARY", "cookie")]


def test_add_vary_reads_a_header_class_of_its_own_through_getlist() -> None:
    class Listing(Headers):
        def getlist(self, key: str, type: Any = None) -> Any:
            return ["Cookie"] if key == "Vary" else super().getlist(key, type)

    headers = Listing()
    add_vary(headers, "Cookie")
    assert "Vary" not in headers


def test_the_wire_list_of_a_header_class_of_its_own_is_what_it_iterates() -> None:
    class Listing(Headers):
        def __iter__(self) -> Any:
            return iter([("X-Own", "1")])

    response = Response(b"abc")
    response.headers = Listing(response.headers)
    assert wire_parts(response, "GET")[1] == [("X-Own", "1")]
