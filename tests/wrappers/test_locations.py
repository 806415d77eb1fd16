"""Location and Content-Location go out ASCII-safe on every response, as Werkzeug sends them."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.datastructures import Headers

from hipflask import Hipflask
from hipflask import Response
from hipflask import redirect
from hipflask.testing.client import HipflaskClient
from hipflask.wrappers.locations import locations_to_uri

CAFE = "/items/café au lait"
CAFE_URI = "/items/caf%C3%A9%20au%20lait"


@pytest.fixture(params=[True, False], ids=["headers-on", "headers-off"])
def app(request: pytest.FixtureRequest, app: Hipflask) -> Hipflask:
    app.config["SECURITY_HEADERS"] = request.param
    return app


def test_a_created_resource_s_location_is_quoted(app: Hipflask, client: HipflaskClient) -> None:
    @app.post("/items")
    def create() -> Any:
        return {"name": "café"}, 201, {"Location": CAFE}

    response = client.post("/items")

    assert response.status_code == 201
    assert response.headers["Location"] == CAFE_URI
    assert response.json == {"name": "café"}


def test_a_content_location_is_quoted_and_its_name_may_be_any_case(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.get("/menu")
    def menu() -> Any:
        return "menu", [("content-location", "/menü/heute")]

    response = client.get("/menu")

    assert response.status_code == 200
    assert response.headers["Content-Location"] == "/men%C3%BC/heute"


def test_a_location_set_by_an_after_request_hook_is_quoted(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.get("/")
    def index() -> str:
        return "here"

    @app.after_request
    def point(response: Response) -> Response:
        response.headers["Location"] = "/über"
        return response

    assert client.get("/").headers["Location"] == "/%C3%BCber"


def test_a_redirect_s_location_is_quoted_once(app: Hipflask, client: HipflaskClient) -> None:
    @app.get("/old")
    def old() -> Any:
        return "", 302, {"Location": CAFE}

    @app.get("/quoted")
    def quoted() -> Any:
        return "", 303, {"Location": CAFE_URI}

    assert client.get("/old").headers["Location"] == CAFE_URI
    assert client.get("/quoted").headers["Location"] == CAFE_URI


def test_other_headers_and_plain_urls_are_left_as_they_are(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.get("/plain")
    def plain() -> Any:
        return "ok", 201, {"Location": "https://example.com/a?b=c#d", "X-Location-Hint": "a b"}

    response = client.get("/plain")

    assert response.headers["Location"] == "https://example.com/a?b=c#d"
    assert response.headers["X-Location-Hint"] == "a b"


def test_headers_and_their_list_are_rewritten_alike() -> None:
    headers = Headers([("Content-Type", "text/plain"), ("location", CAFE)])
    pairs = [("Content-Type", "text/plain"), ("LOCATION", CAFE), ("Content-Location", "/ü")]

    locations_to_uri(headers)
    locations_to_uri(pairs)

    assert headers.to_wsgi_list() == [("Content-Type", "text/plain"), ("Location", CAFE_URI)]
    assert pairs == [
        ("Content-Type", "text/plain"),
        ("LOCATION", CAFE_URI),
        ("Content-Location", "/%C3%BC"),
    ]


def test_a_streamed_response_s_location_is_quoted(app: Hipflask, client: HipflaskClient) -> None:
    # Two headers in all (no Content-Length on a stream): Content-Type and
    # the Location, which must be quoted all the same.
    @app.post("/items")
    def create() -> Response:
        response = Response(iter([b"made"]), 201)
        response.headers["Location"] = "/items/caf\N{SNOWMAN}"
        return response

    response = client.post("/items")

    assert response.status_code == 201
    assert response.headers["Location"] == "/items/caf%E2%98%83"
    assert response.data == b"made"


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("//[::1/items/7", "//[::1/items/7"),
        ("//[bad host/café", "//[bad%20host/caf%C3%A9"),
        ("http://shop.example:99999/ü", "http://shop.example:99999/%C3%BC"),
    ],
)
def test_a_location_that_is_no_valid_url_is_still_sent(
    app: Hipflask, client: HipflaskClient, given: str, sent: str
) -> None:
    # A Location built from the request's own path (a path may start with
    # "//[") must not turn the answer into a 500 on the way out.
    @app.post("/items")
    def create() -> Any:
        return "made", 201, {"Location": given, "Content-Location": given}

    response = client.post("/items")

    assert response.status_code == 201
    assert response.headers["Location"] == sent
    assert response.headers["Content-Location"] == sent


def test_a_redirect_to_a_url_that_cannot_be_split_is_sent_not_a_500(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.get("/odd")
    def odd() -> Any:
        return "", 302, {"Location": "//[x/é"}

    @app.get("/far")
    def far() -> Any:
        return redirect("http://[abc/")

    odd_response = client.get("/odd")
    far_response = client.get("/far")

    assert (odd_response.status_code, odd_response.headers["Location"]) == (302, "//[x/%C3%A9")
    assert (far_response.status_code, far_response.headers["Location"]) == (302, "http://[abc/")
