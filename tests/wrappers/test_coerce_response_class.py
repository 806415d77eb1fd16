"""The app's response_class: defaults assigned after the class statement and its own __init__."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.wrappers.coerce_views import Factory
from tests.wrappers.coerce_views import returns

from hipflask import Hipflask
from hipflask import Response
from hipflask import abort
from hipflask import jsonify
from hipflask.testing.client import HipflaskClient


class _Late(Response):
    """Its defaults are assigned after the class statement, in each test."""


@pytest.fixture
def late_defaults(app: Hipflask) -> Iterator[type[Response]]:
    app.response_class = _Late
    _Late.default_mimetype = "text/plain"
    _Late.default_status = 203
    yield _Late
    del _Late.default_mimetype, _Late.default_status


@pytest.mark.parametrize(
    ("value", "mimetype"),
    [("page", "text/plain"), (b"page", "text/plain"), ({"a": 1}, "application/json")],
    ids=["str", "bytes", "dict"],
)
def test_defaults_assigned_after_the_class_statement_apply_as_in_flask(
    late_defaults: type[Response], app: Hipflask, client: HipflaskClient, value: Any, mimetype: str
) -> None:
    returns(app, value)

    response = client.get("/")

    # Flask calls the class for each of these shapes, so the class's
    # defaults apply whenever they were set.
    assert response.status_code == 203
    assert response.mimetype == mimetype


def test_jsonify_uses_the_default_status_assigned_later(
    late_defaults: type[Response], app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/")
    def index() -> Response:
        return jsonify(a=1)

    response = client.get("/")

    assert response.status_code == 203
    assert response.json == {"a": 1}


def test_a_status_given_with_the_value_still_wins_over_the_default(
    late_defaults: type[Response], app: Hipflask, client: HipflaskClient
) -> None:
    returns(app, ("page", 202))

    response = client.get("/")

    assert response.status_code == 202
    assert response.mimetype == "text/plain"


@pytest.mark.parametrize("provider", ["orjson", "stdlib"])
def test_jsonify_uses_the_default_status_given_in_the_class_body(
    app: Hipflask, client: HipflaskClient, provider: str
) -> None:
    class Created(Response):
        default_status = 201

    app.response_class = Created
    if provider == "stdlib":
        # ensure_ascii keeps the stdlib encoder (orjson cannot honour it).
        app.json.ensure_ascii = True  # type: ignore[attr-defined]

    @app.route("/")
    def index() -> Response:
        return jsonify(a="é")

    response = client.get("/")

    # As in Flask: jsonify calls the app's class without a status.
    assert response.status_code == 201
    assert response.json == {"a": "é"}


class _Stamped(Response):
    """Marks each instance its own ``__init__`` made, with what it was given."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.made_with = repr((args[1:], sorted(kwargs.items())))


def _report_how_made(app: Hipflask) -> None:
    """Copy, in an after-request hook, how the response was made into a header.

    Read on the server's side: the test client builds its own instance of
    the app's class from what it receives, which calls ``__init__`` again.
    """

    @app.after_request
    def report(response: Response) -> Response:
        response.headers["X-Class"] = type(response).__name__
        response.headers["X-Made-With"] = getattr(response, "made_with", "not by __init__")
        return response


@pytest.mark.parametrize("path", ["/nowhere", "/abort", "/described", "/folder"])
def test_a_stock_error_page_does_not_call_the_response_class_init(
    app: Hipflask, client: HipflaskClient, path: str
) -> None:
    app.response_class = _Stamped
    _report_how_made(app)

    @app.route("/abort")
    def aborts() -> Any:
        abort(404)

    @app.route("/described")
    def described() -> Any:
        abort(404, "no such page")

    @app.route("/folder/")
    def folder() -> Any:
        return "folder"

    response = client.get(path)

    # As in Flask: the error's page is Werkzeug's response, turned into the
    # app's class without calling its __init__; after_request sees that class
    # (the redirect to /folder/ is one too).
    assert response.status_code == (308 if path == "/folder" else 404)
    assert response.headers["X-Class"] == "_Stamped"
    assert response.headers["X-Made-With"] == "not by __init__"


@pytest.mark.parametrize(
    ("value", "made_with"),
    [
        (("page", 201), "((), [('headers', None), ('status', 201)])"),
        ((b"page", 201, {"X-A": "1"}), "((), [('headers', {'X-A': '1'}), ('status', 201)])"),
        (("page", {"X-A": "1"}), "((), [('headers', {'X-A': '1'}), ('status', None)])"),
        (
            Factory(lambda: (iter(["a", "b"]), "299 ODD")),
            "((), [('headers', None), ('status', '299 ODD')])",
        ),
    ],
    ids=["str-status", "bytes-status-headers", "str-headers", "iterator-status"],
)
def test_a_class_with_its_own_init_is_given_the_status_and_headers_of_a_tuple(
    app: Hipflask, client: HipflaskClient, value: Any, made_with: str
) -> None:
    app.response_class = _Stamped
    _report_how_made(app)
    returns(app, value)

    response = client.get("/")

    # As in Flask: the tuple's status and headers go to the class's constructor.
    assert response.headers["X-Made-With"] == made_with


@pytest.mark.parametrize("how", ["returned", "aborted"])
def test_a_response_of_the_base_class_becomes_the_app_class(
    app: Hipflask, client: HipflaskClient, how: str
) -> None:
    app.response_class = _Stamped
    _report_how_made(app)

    @app.route("/")
    def index() -> Any:
        made = Response("base", 409)
        if how == "aborted":
            abort(made)
        return made

    response = client.get("/")

    # As in Flask: force_type turns it into the app's class (no __init__).
    assert response.status_code == 409
    assert response.data == b"base"
    assert response.headers["X-Class"] == "_Stamped"
    assert response.headers["X-Made-With"] == "not by __init__"
