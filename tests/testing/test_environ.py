"""``EnvironBuilder(app, ...)``: Flask's signature, the app's base URL, and ``client.open``."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import redirect
from hipflask import request
from hipflask import session
from hipflask.testing import EnvironBuilder
from hipflask.testing.client import HipflaskClient


@pytest.fixture
def echo_app(app: Hipflask) -> Hipflask:
    @app.route("/where")
    def where() -> dict[str, object]:
        return {
            "url": request.url,
            "agent": request.user_agent.string,
            "json": request.get_json(silent=True),
        }

    return app


def test_base_url_follows_server_name_root_and_scheme(app: Hipflask) -> None:
    app.config.update(
        SERVER_NAME="example.test:8080", APPLICATION_ROOT="/shop", PREFERRED_URL_SCHEME="https"
    )

    builder = EnvironBuilder(app, "/cart?page=2")

    assert builder.base_url == "https://example.test:8080/shop/"
    assert builder.path == "/cart"
    assert builder.query_string == "page=2"


def test_subdomain_and_url_scheme_build_the_base_url(app: Hipflask) -> None:
    app.config["SERVER_NAME"] = "example.test"

    builder = EnvironBuilder(app, "/", subdomain="api", url_scheme="http")

    assert builder.base_url == "http://api.example.test/"


def test_a_full_url_as_path_keeps_its_own_scheme_and_host(app: Hipflask) -> None:
    builder = EnvironBuilder(app, "https://other.test/x")

    assert builder.base_url == "https://other.test/"
    assert builder.path == "/x"


@pytest.mark.parametrize("extra", [{"subdomain": "api"}, {"url_scheme": "https"}])
def test_base_url_with_subdomain_or_scheme_is_refused_in_flasks_words(
    app: Hipflask, extra: dict[str, str]
) -> None:
    with pytest.raises(TypeError, match='Cannot pass "subdomain" or "url_scheme" with "base_url"'):
        EnvironBuilder(app, "/", base_url="http://a.test/", **extra)


def test_json_body_is_serialized_by_the_app_provider(app: Hipflask) -> None:
    app.json.sort_keys = True  # type: ignore[attr-defined]

    builder = EnvironBuilder(app, "/", json={"b": 1, "a": 2})

    assert builder.input_stream is not None
    assert builder.input_stream.read().replace(b" ", b"") == b'{"a":2,"b":1}'


def test_client_opens_a_builder(echo_app: Hipflask, client: HipflaskClient) -> None:
    builder = EnvironBuilder(echo_app, "/where", json={"a": 1})

    response = client.open(builder)

    assert response.get_json()["json"] == {"a": 1}
    assert response.get_json()["url"] == "http://localhost/where"


def test_client_opens_an_environ_dict(echo_app: Hipflask, client: HipflaskClient) -> None:
    environ = EnvironBuilder(echo_app, "/where", base_url="http://h.test/").get_environ()

    response = client.open(environ)

    assert response.get_json()["url"] == "http://h.test/where"


def test_default_user_agent_is_werkzeugs_as_in_flask(
    echo_app: Hipflask, client: HipflaskClient
) -> None:
    assert client.environ_base["HTTP_USER_AGENT"] == f"Werkzeug/{version('werkzeug')}"
    assert client.get("/where").get_json()["agent"] == f"Werkzeug/{version('werkzeug')}"


def test_environ_base_of_the_client_applies_under_an_opened_builder(
    echo_app: Hipflask, client: HipflaskClient
) -> None:
    client.environ_base["HTTP_USER_AGENT"] = "probe/1"

    response = client.open(EnvironBuilder(echo_app, "/where"))

    assert response.get_json()["agent"] == "probe/1"


def test_test_request_context_takes_the_same_arguments(app: Hipflask) -> None:
    app.config["SERVER_NAME"] = "example.test"

    with app.test_request_context("/a", subdomain="api", url_scheme="https"):
        assert request.url == "https://api.example.test/a"
        assert session.new is True


def test_a_chunked_body_arrives_as_a_server_hands_one_over(
    app: Hipflask, client: HipflaskClient
) -> None:
    # Werkzeug's builder adds Content-Length to every body, which the app
    # refuses beside Transfer-Encoding; a test of a chunked upload must still
    # reach the view with its body, as over a real server.
    import io

    @app.post("/raw")
    def raw() -> dict[str, object]:
        return {"body": request.get_data(as_text=True), "length": request.content_length}

    @app.post("/moved")
    def moved() -> Any:
        return redirect("/raw", code=307)

    chunked = {"Transfer-Encoding": "chunked", "Content-Type": "application/octet-stream"}
    streamed = client.post("/raw", input_stream=io.BytesIO(b"0123456789"), headers=chunked)
    given = client.post("/raw", data=b"abc", headers=chunked)
    both = client.post(
        "/raw", data=b"abc", headers=chunked, environ_overrides={"CONTENT_LENGTH": "3"}
    )

    # The hop after a 307 keeps the body and its Transfer-Encoding.
    followed = client.post("/moved", data=b"abc", headers=chunked, follow_redirects=True)

    assert followed.get_json() == {"body": "abc", "length": None}
    assert streamed.get_json() == {"body": "0123456789", "length": None}
    assert given.get_json() == {"body": "abc", "length": None}
    assert both.status_code == 400


@pytest.mark.parametrize(
    "headers",
    [
        [("Transfer-Encoding", "gzip, chunked")],
        [("Transfer-Encoding", "GZIP,Chunked")],
        [("Transfer-Encoding", "deflate, gzip, chunked")],
        [("Transfer-Encoding", "gzip"), ("Transfer-Encoding", "chunked")],
    ],
    ids=["gzip-chunked", "no-space-any-case", "three-codings", "repeated-header"],
)
def test_a_body_with_chunked_last_among_several_codings_is_not_given_a_length(
    app: Hipflask, client: HipflaskClient, headers: list[tuple[str, str]]
) -> None:
    # As with Flask's client, which keeps the length but whose request ignores
    # it: the client must not add the Content-Length the app refuses beside
    # Transfer-Encoding. A raw request with both is still a 400.
    @app.post("/raw")
    def raw() -> dict[str, object]:
        return {"body": request.get_data(as_text=True), "length": request.content_length}

    sent = client.post("/raw", data=b"abc", headers=headers)
    both = client.post(
        "/raw", data=b"abc", headers=headers, environ_overrides={"CONTENT_LENGTH": "3"}
    )

    assert sent.status_code == 200
    assert sent.get_json() == {"body": "abc", "length": None}
    assert both.status_code == 400


@pytest.mark.parametrize(
    "coding", ["gzip", "chunked, gzip", '"chunked"', "x-chunked", "chunked;q=1"]
)
def test_a_body_whose_last_coding_is_not_chunked_keeps_its_length_and_is_refused(
    app: Hipflask, client: HipflaskClient, coding: str
) -> None:
    # Only the length says where such a body ends (a request's chunked coding
    # must come last, RFC 9112), and a length beside Transfer-Encoding is
    # what a server must refuse (Flask's client reads it).
    @app.post("/raw")
    def raw() -> str:
        return request.get_data(as_text=True)

    response = client.post("/raw", data=b"abc", headers={"Transfer-Encoding": coding})

    assert response.status_code == 400
