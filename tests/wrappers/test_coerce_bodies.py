"""What each kind of body a view may return becomes, under both protocols."""

from __future__ import annotations

from collections.abc import AsyncIterator
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from typing import Any

import pytest
from markupsafe import Markup
from tests.wrappers.coerce_views import Factory
from tests.wrappers.coerce_views import returns
from werkzeug.wrappers import Response as WerkzeugResponse

from hipflask import Hipflask
from hipflask import Response
from hipflask.testing.client import HipflaskClient


def test_str_is_utf8_html(app: Hipflask, client: HipflaskClient) -> None:
    returns(app, "héllo")

    response = client.get("/")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Content-Length"] == str(len("héllo".encode()))
    assert response.text == "héllo"


def test_str_subclass_is_html_too(app: Hipflask, client: HipflaskClient) -> None:
    returns(app, Markup("<b>bold</b>"))

    response = client.get("/")

    assert response.content_type == "text/html; charset=utf-8"
    assert response.text == "<b>bold</b>"


def test_bytes_are_sent_as_is(app: Hipflask, client: HipflaskClient) -> None:
    returns(app, b"\x00\xffraw")
    returns(app, bytearray(b"array"), "/array")

    assert client.get("/").data == b"\x00\xffraw"
    assert client.get("/array").data == b"array"


@pytest.mark.parametrize("value", [{"a": [1, 2]}, [1, {"b": None}], []])
def test_dict_and_list_become_json(app: Hipflask, client: HipflaskClient, value: Any) -> None:
    returns(app, value)

    response = client.get("/")

    assert response.mimetype == "application/json"
    assert response.get_json() == value


def test_response_object_is_used_unchanged(app: Hipflask, client: HipflaskClient) -> None:
    returns(app, Response("teapot", status=418, mimetype="text/plain"))

    response = client.get("/")

    assert response.status_code == 418
    assert response.mimetype == "text/plain"
    assert response.text == "teapot"


def test_generator_is_streamed_in_order(app: Hipflask, client: HipflaskClient) -> None:
    def generate() -> Iterator[str]:
        yield "one,"
        yield "two,"
        yield "three"

    returns(app, Factory(generate))

    response = client.get("/")

    assert response.status_code == 200
    assert response.text == "one,two,three"
    assert "Content-Length" not in response.headers


def test_iterator_is_streamed(app: Hipflask, client: HipflaskClient) -> None:
    returns(app, Factory(lambda: iter([b"a", b"b"])))

    assert client.get("/").data == b"ab"


def test_async_generator_from_an_async_view_is_streamed(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/")
    async def index() -> AsyncIterator[str]:
        async def generate() -> AsyncIterator[str]:
            yield "async "
            yield "stream"

        return generate()

    assert client.get("/").text == "async stream"


def test_async_generator_from_a_sync_view_is_streamed(
    app: Hipflask, client: HipflaskClient
) -> None:
    async def generate() -> AsyncIterator[bytes]:
        yield b"from "
        yield b"sync"

    returns(app, Factory(generate))

    assert client.get("/").data == b"from sync"


def test_wsgi_callable_is_called_with_the_environ(app: Hipflask, client: HipflaskClient) -> None:
    def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response("202 Accepted", [("Content-Type", "text/plain"), ("X-App", "wsgi")])
        return [f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}".encode()]

    returns(app, wsgi_app, "/legacy")

    response = client.get("/legacy")

    assert response.status_code == 202
    assert response.headers["X-App"] == "wsgi"
    assert response.text == "GET /legacy"


def test_werkzeug_response_is_converted(app: Hipflask, client: HipflaskClient) -> None:
    returns(app, Factory(lambda: WerkzeugResponse("plain werkzeug", status=203)))

    response = client.get("/")

    assert response.status_code == 203
    assert response.text == "plain werkzeug"
