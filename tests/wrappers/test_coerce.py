"""What a view may return, and what each shape becomes, under both protocols."""

from __future__ import annotations

from collections.abc import AsyncIterator
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

import pytest
from markupsafe import Markup
from werkzeug.datastructures import Headers
from werkzeug.wrappers import Response as WerkzeugResponse

from hipflask import Hipflask
from hipflask import Response
from hipflask import abort
from hipflask import jsonify
from hipflask import request
from hipflask.json.provider import DefaultJSONProvider
from hipflask.testing.client import HipflaskClient
from hipflask.wrappers.coerce import make_response


def returns(app: Hipflask, value: Any, path: str = "/") -> None:
    """Register a view at ``path`` that returns ``value`` (called if callable-made)."""

    def view() -> Any:
        return value() if isinstance(value, _Factory) else value

    app.add_url_rule(path, endpoint=path, view_func=view)


class _Factory:
    """Marks a value that must be created per request (generators run once)."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make

    def __call__(self) -> Any:
        return self.make()


# --- bodies -----------------------------------------------------------------------


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

    returns(app, _Factory(generate))

    response = client.get("/")

    assert response.status_code == 200
    assert response.text == "one,two,three"
    assert "Content-Length" not in response.headers


def test_iterator_is_streamed(app: Hipflask, client: HipflaskClient) -> None:
    returns(app, _Factory(lambda: iter([b"a", b"b"])))

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

    returns(app, _Factory(generate))

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
    returns(app, _Factory(lambda: WerkzeugResponse("plain werkzeug", status=203)))

    response = client.get("/")

    assert response.status_code == 203
    assert response.text == "plain werkzeug"


# --- tuples ------------------------------------------------------------------------


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
        app, _Factory(lambda: (Response("x", mimetype="text/plain"), {"Content-Type": "text/csv"}))
    )

    assert client.get("/").headers["Content-Type"] == "text/csv"


def test_tuple_status_overrides_a_response_status(app: Hipflask, client: HipflaskClient) -> None:
    returns(app, _Factory(lambda: (Response("gone", status=200), 410)))

    assert client.get("/").status_code == 410


def test_streamed_body_with_status_and_headers(app: Hipflask, client: HipflaskClient) -> None:
    returns(app, _Factory(lambda: (iter(["a", "b"]), 206, {"X-Part": "1"})))

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


# --- mistakes ------------------------------------------------------------------------


def test_none_is_a_type_error_that_propagates_in_testing(
    app: Hipflask, client: HipflaskClient
) -> None:
    returns(app, None)

    with pytest.raises(TypeError, match="returned None or ended without a return statement"):
        client.get("/")


def test_none_is_a_500_when_errors_are_not_propagated(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    returns(app, None)

    response = client.get("/")

    assert response.status_code == 500
    assert "TypeError" not in response.text


@pytest.mark.parametrize("value", [("only",), ("a", 200, {}, "extra"), ()])
def test_tuple_of_the_wrong_size_is_a_type_error(
    app: Hipflask, client: HipflaskClient, value: tuple[Any, ...]
) -> None:
    returns(app, value)

    with pytest.raises(TypeError, match="valid response tuple"):
        client.get("/")


def test_unsupported_type_names_what_came_back(app: Hipflask, client: HipflaskClient) -> None:
    returns(app, 42)

    with pytest.raises(TypeError, match="but it was a int"):
        client.get("/")


def test_none_body_in_a_tuple_is_a_type_error(app: Hipflask, client: HipflaskClient) -> None:
    returns(app, (None, 200))

    with pytest.raises(TypeError, match="returned None"):
        client.get("/")


# --- the function itself ---------------------------------------------------------------


def no_environ() -> dict[str, Any]:
    return {}


def coerce(value: Any) -> Response:
    return make_response(value, Response, DefaultJSONProvider(None), no_environ)


def test_make_response_returns_a_response_instance_unchanged() -> None:
    response = Response("x")

    assert coerce(response) is response


def test_make_response_builds_json_with_the_given_provider() -> None:
    class Loud(DefaultJSONProvider):
        def dump_bytes(self, obj: Any) -> bytes:
            return b'"loud"'

    response = make_response({"a": 1}, Response, Loud(None), no_environ)

    assert response.get_data() == b'"loud"\n'


def test_make_response_with_a_response_subclass_builds_that_class() -> None:
    class Custom(Response):
        pass

    response = make_response("x", Custom, DefaultJSONProvider(None), no_environ)

    assert type(response) is Custom


def test_make_response_does_not_build_an_environ_unless_needed() -> None:
    def environ() -> dict[str, Any]:
        raise AssertionError("the environ was built")

    for value in ("s", b"b", {"a": 1}, [1], ("s", 201), iter(["x"])):
        make_response(value, Response, DefaultJSONProvider(None), environ)


def test_view_sees_the_request_while_the_return_value_is_made(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/")
    def index() -> tuple[str, dict[str, str]]:
        return "x", {"X-Path": request.path}

    assert client.get("/").headers["X-Path"] == "/"


@pytest.mark.parametrize("kind", ["stock", "plain_text_default", "own_init"])
def test_a_str_from_the_app_is_what_the_general_coercion_makes(kind: str) -> None:
    class PlainText(Response):
        default_mimetype = "text/plain"

    class OwnInit(Response):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.headers["X-Made-By"] = "own init"

    response_class = {"stock": Response, "plain_text_default": PlainText, "own_init": OwnInit}[kind]
    app = Hipflask(__name__, static_folder=None)
    app.response_class = response_class

    # The app answers a str before the other shapes; what it makes must not
    # differ from what the general coercion makes of the same value.
    made = app.make_response("héllo")
    general = make_response("héllo", response_class, app.json, no_environ)

    assert type(made) is response_class
    assert made.status == general.status == "200 OK"
    assert list(made.headers.items()) == list(general.headers.items())
    assert made.get_data() == general.get_data() == "héllo".encode()


@pytest.mark.parametrize(
    "response_class",
    [WerkzeugResponse, type("DefaultStatus", (Response,), {"default_status": 201})],
    ids=["werkzeug", "default_status"],
)
def test_a_str_from_the_app_uses_the_class_of_the_instance(
    response_class: type[Response],
) -> None:
    app = Hipflask(__name__, static_folder=None)
    app.response_class = response_class
    made = app.make_response("page")
    assert type(made) is response_class
    assert made.status_code == response_class.default_status
    assert made.mimetype == response_class.default_mimetype


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
            _Factory(lambda: (iter(["a", "b"]), "299 ODD")),
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
