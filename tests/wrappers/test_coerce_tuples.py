"""Views returning (body, status), (body, headers) or (body, status, headers) tuples."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import pytest
from tests.wrappers.coerce_views import Factory
from tests.wrappers.coerce_views import returns
from werkzeug.datastructures import Headers

from hipflask import Hipflask
from hipflask import Response
from hipflask.testing.client import HipflaskClient


def test_body_and_status(app: Hipflask, client: HipflaskClient) -> None:
    returns(app, ("made", 201))

    response = client.get("/")

    assert response.status_code == 201
    assert response.text == "made"


@pytest.mark.parametrize("status", ["201 CREATED", b"201 CREATED", HTTPStatus.CREATED, "201"])
@pytest.mark.parametrize("response_class", ["stock", "own_defaults"])
def test_status_may_be_a_string_bytes_or_enum(
    app: Hipflask, client: HipflaskClient, status: Any, response_class: str
) -> None:
    if response_class == "own_defaults":
        # Called with the status, which it must get decoded as the stock one does.
        app.response_class = type("Plain", (Response,), {"default_mimetype": "text/plain"})
    returns(app, ("made", status))

    response = client.get("/")

    assert response.status_code == 201
    assert response.status == "201 CREATED"


def test_unregistered_status_code_is_kept(app: Hipflask, client: HipflaskClient) -> None:
    returns(app, ("odd", 299))

    response = client.get("/")

    assert response.status_code == 299
    assert response.text == "odd"


def test_custom_status_phrase_is_kept(app: Hipflask, client: HipflaskClient, protocol: str) -> None:
    returns(app, ("odd", "299 QUITE ODD"))

    response = client.get("/")

    assert response.status_code == 299
    if protocol == "wsgi":  # ASGI carries only the code; the phrase is the server's
        assert response.status == "299 QUITE ODD"


@pytest.mark.parametrize(
    "headers",
    [
        {"X-One": "1", "X-Two": "2"},
        [("X-One", "1"), ("X-Two", "2")],
        Headers([("X-One", "1"), ("X-Two", "2")]),
    ],
    ids=["dict", "list", "Headers"],
)
def test_body_and_headers(app: Hipflask, client: HipflaskClient, headers: Any) -> None:
    returns(app, ("with headers", headers))

    response = client.get("/")

    assert response.status_code == 200
    assert response.headers["X-One"] == "1"
    assert response.headers["X-Two"] == "2"
    assert response.text == "with headers"


def test_a_list_of_header_pairs_keeps_every_pair(app: Hipflask, client: HipflaskClient) -> None:
    # As Flask hands them to the response class: two cookies stay two.
    pairs = [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("Link", "<a>"), ("Link", "<b>")]
    returns(app, ("text", 202, [("Content-Type", "text/plain"), *pairs]))

    response = client.get("/")

    assert response.status_code == 202
    assert response.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    assert response.headers.getlist("Link") == ["<a>", "<b>"]
    assert response.headers.getlist("Content-Type") == ["text/plain"]


def test_body_status_and_headers(app: Hipflask, client: HipflaskClient) -> None:
    returns(app, ({"id": 7}, 201, {"Location": "/items/7"}))

    response = client.get("/")

    assert response.status_code == 201
    assert response.headers["Location"] == "/items/7"
    assert response.get_json() == {"id": 7}


def test_tuple_headers_replace_those_of_a_response(app: Hipflask, client: HipflaskClient) -> None:
    returns(
        app, Factory(lambda: (Response("x", mimetype="text/plain"), {"Content-Type": "text/csv"}))
    )

    assert client.get("/").headers["Content-Type"] == "text/csv"


def test_tuple_status_overrides_a_response_status(app: Hipflask, client: HipflaskClient) -> None:
    returns(app, Factory(lambda: (Response("gone", status=200), 410)))

    assert client.get("/").status_code == 410


def test_streamed_body_with_status_and_headers(app: Hipflask, client: HipflaskClient) -> None:
    returns(app, Factory(lambda: (iter(["a", "b"]), 206, {"X-Part": "1"})))

    response = client.get("/")

    assert response.status_code == 206
    assert response.headers["X-Part"] == "1"
    assert response.text == "ab"


def test_json_body_in_a_tuple_keeps_its_status(app: Hipflask, client: HipflaskClient) -> None:
    returns(app, ([1, 2], 202))

    response = client.get("/")

    assert response.status_code == 202
    assert response.get_json() == [1, 2]


def test_empty_headers_change_nothing(app: Hipflask, client: HipflaskClient) -> None:
    returns(app, ("x", 200, {}))

    assert client.get("/").text == "x"
