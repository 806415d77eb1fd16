"""The request's headers and cookies, under both protocols."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import Headers

from hipflask import Hipflask
from hipflask import request
from hipflask.testing.client import HipflaskClient
from hipflask.wrappers.request import Request


def test_headers_are_case_insensitive(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return {
            "lower": request.headers.get("x-token"),
            "upper": request.headers["X-TOKEN"],
            "missing": request.headers.get("X-Missing"),
        }

    data = client.get("/", headers={"X-Token": "abc"}).get_json()

    assert data == {"lower": "abc", "upper": "abc", "missing": None}


def test_cookies_sent_by_the_client_are_readable(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return dict(request.cookies)

    client.set_cookie("a", "1")
    client.set_cookie("b", "two")
    data = client.get("/").get_json()

    assert data == {"a": "1", "b": "two"}


def test_cookies_parse_as_werkzeug_parses_them(app: Hipflask, protocol: str) -> None:
    from werkzeug.sansio.request import Request as SansIORequest

    @app.route("/")
    def index() -> dict[str, Any]:
        # Werkzeug's request over the same headers: hipflask reads the
        # Cookie header without making the header object, to the same result.
        reference = SansIORequest("GET", "http", None, "", "/", b"", request.headers, None)
        cookies = request.cookies
        assert type(cookies).__name__ == "ImmutableMultiDict"
        return {
            "all": cookies.to_dict(flat=False),
            "reference": reference.cookies.to_dict(flat=False),
            "missing": cookies.get("nope", "default"),
        }

    headers = [("Cookie", 'a=1; b="x y"; c=caf\303\251'), ("Cookie", "a=2; d=\xff")]
    # Without a cookie jar, which would replace the header with its own.
    client = app.test_client(use_cookies=False, protocol=protocol)
    data = client.get("/", headers=headers).get_json()

    assert data["all"] == data["reference"]
    assert data["all"]["b"] == ["x y"]
    assert data["missing"] == "default"


def test_cookies_follow_headers_a_hook_replaced(app: Hipflask, protocol: str) -> None:
    from werkzeug.datastructures import Headers

    @app.before_request
    def rewrite() -> None:
        request.headers = Headers([("Cookie", "rewritten=1")])

    @app.route("/")
    def index() -> dict[str, Any]:
        return dict(request.cookies)

    client = app.test_client(use_cookies=False, protocol=protocol)

    assert client.get("/", headers={"Cookie": "orig=1"}).get_json() == {"rewritten": "1"}


def test_cookies_follow_a_request_class_own_headers(protocol: str) -> None:
    from werkzeug.datastructures import Headers

    class Rewriting(Request):
        @property
        def headers(self) -> Headers:  # type: ignore[override]
            return Headers([("Cookie", "from_class=1")])

    app = Hipflask(__name__)
    app.request_class = Rewriting

    @app.route("/")
    def index() -> dict[str, Any]:
        return dict(request.cookies)

    client = app.test_client(use_cookies=False, protocol=protocol)

    assert client.get("/", headers={"Cookie": "orig=1"}).get_json() == {"from_class": "1"}
