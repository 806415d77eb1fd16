"""A rule's methods: defaults, HEAD, automatic OPTIONS and 405 with Allow."""

from __future__ import annotations

from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import request
from hipflask.routing.rules import route_methods
from hipflask.testing.client import HipflaskClient


def test_methods_default_to_get_with_automatic_options() -> None:
    assert route_methods(None, None, None, True) == ({"GET", "OPTIONS"}, True)


def test_methods_are_upper_cased() -> None:
    methods, _ = route_methods(None, ["post", "Put"], None, True)
    assert methods == {"POST", "PUT", "OPTIONS"}


def test_automatic_options_can_be_turned_off() -> None:
    assert route_methods(None, ["GET"], False, True) == ({"GET"}, False)
    assert route_methods(None, ["GET"], None, False) == ({"GET"}, False)


def test_explicit_options_method_disables_automatic_options() -> None:
    assert route_methods(None, ["GET", "OPTIONS"], None, True) == ({"GET", "OPTIONS"}, False)


def test_view_attributes_decide_methods_and_options() -> None:
    def view() -> str:
        return ""

    view.methods = ["PUT"]  # type: ignore[attr-defined]
    view.required_methods = ["DELETE"]  # type: ignore[attr-defined]
    view.provide_automatic_options = False  # type: ignore[attr-defined]
    assert route_methods(view, None, None, True) == ({"PUT", "DELETE"}, False)


def test_a_bare_string_of_methods_is_refused() -> None:
    with pytest.raises(TypeError, match=r'methods=\["POST"\]'):
        route_methods(None, "POST", None, True)


def test_get_route_answers_head_without_a_body(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> str:
        return "some body"

    get = client.get("/")
    head = client.head("/")
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.headers["Content-Length"] == str(len(b"some body"))


def test_head_of_a_streamed_response_sends_no_body(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/stream")
    def stream() -> Any:
        return iter([b"chunk one", b"chunk two"])

    assert client.head("/stream").data == b""
    assert client.get("/stream").data == b"chunk onechunk two"


def test_automatic_options_lists_allowed_methods(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["GET", "POST"])
    def index() -> str:
        return "never called for OPTIONS"

    response = client.options("/")
    assert response.status_code == 200
    assert response.data == b""
    assert set(response.allow) == {"GET", "HEAD", "POST", "OPTIONS"}


def test_automatic_options_merges_all_rules_for_the_url(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.get("/thing")
    def read() -> str:
        return "read"

    @app.delete("/thing")
    def remove() -> str:
        return "removed"

    assert set(client.options("/thing").allow) == {"GET", "HEAD", "DELETE", "OPTIONS"}


def test_options_handled_by_the_view_when_asked(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["GET", "OPTIONS"])
    def index() -> str:
        return f"view saw {request.method}"

    assert client.options("/").text == "view saw OPTIONS"


def test_automatic_options_off_means_405(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", provide_automatic_options=False)
    def index() -> str:
        return "x"

    assert client.options("/").status_code == 405


def test_provide_automatic_options_setting(app: Hipflask, client: HipflaskClient) -> None:
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False

    @app.route("/")
    def index() -> str:
        return "x"

    assert client.options("/").status_code == 405


def test_wrong_method_is_405_with_allow(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> str:
        return "posted"

    response = client.get("/")
    assert response.status_code == 405
    assert set(response.allow) == {"POST", "OPTIONS"}
    assert client.post("/").text == "posted"
