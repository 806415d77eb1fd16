"""Responses: cookies, helpers that build them, and what goes on the wire."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import Response
from hipflask import after_this_request
from hipflask import jsonify
from hipflask import make_response
from hipflask import request
from hipflask import stream_with_context
from hipflask.testing.client import HipflaskClient
from hipflask.wrappers.response import STATUS_LINES
from hipflask.wrappers.response import wire_parts


def cookie_view(app: Hipflask, **options: Any) -> None:
    @app.route("/cookie")
    def cookie() -> Response:
        response = make_response("ok")
        response.set_cookie("name", "value", **options)
        return response


def set_cookie_header(client: HipflaskClient, url: str = "/cookie", **kwargs: Any) -> str:
    headers = client.get(url, **kwargs).headers.getlist("Set-Cookie")
    assert len(headers) == 1
    return headers[0]


def attributes(header: str) -> list[str]:
    return [part.strip() for part in header.split(";")]


# --- cookies ------------------------------------------------------------------


def test_cookie_defaults_to_httponly_lax_and_root_path(
    app: Hipflask, client: HipflaskClient
) -> None:
    cookie_view(app)

    header = set_cookie_header(client)

    assert attributes(header) == ["name=value", "HttpOnly", "Path=/", "SameSite=Lax"]


def test_cookie_is_secure_when_the_request_came_over_https(
    app: Hipflask, client: HipflaskClient
) -> None:
    cookie_view(app)

    header = set_cookie_header(client, base_url="https://localhost")

    assert "Secure" in attributes(header)


def test_cookie_explicitly_not_secure_stays_so_over_https(
    app: Hipflask, client: HipflaskClient
) -> None:
    cookie_view(app, secure=False)

    header = set_cookie_header(client, base_url="https://localhost")

    assert "Secure" not in attributes(header)


def test_cookie_explicitly_secure_is_secure_over_http(
    app: Hipflask, client: HipflaskClient
) -> None:
    cookie_view(app, secure=True)

    assert "Secure" in attributes(set_cookie_header(client))


def test_samesite_none_forces_secure_even_over_http(app: Hipflask, client: HipflaskClient) -> None:
    cookie_view(app, samesite="None", secure=False)

    parts = attributes(set_cookie_header(client))

    assert "SameSite=None" in parts
    assert "Secure" in parts


def test_samesite_can_be_strict_or_left_out(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/cookies")
    def cookies() -> Response:
        response = make_response("ok")
        response.set_cookie("strict", "1", samesite="Strict")
        response.set_cookie("unset", "1", samesite=None)
        return response

    strict, unset = client.get("/cookies").headers.getlist("Set-Cookie")

    assert "SameSite=Strict" in attributes(strict)
    assert not any(part.startswith("SameSite") for part in attributes(unset))


def test_cookie_options_are_all_written(app: Hipflask, client: HipflaskClient) -> None:
    cookie_view(
        app,
        max_age=3600,
        path="/app",
        domain="example.test",
        httponly=False,
        partitioned=True,
    )

    parts = attributes(set_cookie_header(client))

    assert parts[0] == "name=value"
    assert "Max-Age=3600" in parts
    assert any(part.startswith("Expires=") for part in parts)
    assert "Path=/app" in parts
    assert "Domain=example.test" in parts
    assert "HttpOnly" not in parts
    assert "Partitioned" in parts
    assert "Secure" in parts  # browsers only accept partitioned cookies when secure


def test_cookie_max_age_accepts_a_timedelta(app: Hipflask, client: HipflaskClient) -> None:
    cookie_view(app, max_age=timedelta(minutes=5))

    assert "Max-Age=300" in attributes(set_cookie_header(client))


def test_cookie_expires_accepts_a_datetime(app: Hipflask, client: HipflaskClient) -> None:
    cookie_view(app, expires=datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc))

    assert "Expires=Wed, 02 Jan 2030 03:04:05 GMT" in attributes(set_cookie_header(client))


def test_delete_cookie_expires_it_with_the_same_path_and_domain(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/logout")
    def logout() -> Response:
        response = make_response("bye")
        response.delete_cookie("name", path="/app", domain="example.test")
        return response

    parts = attributes(set_cookie_header(client, "/logout"))

    assert parts[0] == "name="
    assert "Max-Age=0" in parts
    assert "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in parts
    assert "Path=/app" in parts
    assert "Domain=example.test" in parts
    assert "HttpOnly" in parts
    assert "SameSite=Lax" in parts


def test_cookie_jar_forgets_a_deleted_cookie(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/login")
    def login() -> Response:
        response = make_response("hi")
        response.set_cookie("user", "ada")
        return response

    @app.route("/logout")
    def logout() -> Response:
        response = make_response("bye")
        response.delete_cookie("user")
        return response

    @app.route("/who")
    def who() -> str:
        return request.cookies.get("user", "nobody")

    client.get("/login")
    assert client.get("/who").text == "ada"
    client.get("/logout")
    assert client.get("/who").text == "nobody"


def test_cookie_set_outside_a_request_is_not_secure() -> None:
    response = Response("x")

    response.set_cookie("a", "b")

    assert "Secure" not in attributes(response.headers["Set-Cookie"])


# --- building responses ----------------------------------------------------------


def test_string_body_defaults_to_utf8_html() -> None:
    response = Response("héllo")

    assert response.mimetype == "text/html"
    assert response.content_type == "text/html; charset=utf-8"
    assert response.get_data() == "héllo".encode()


def test_fast_response_is_a_complete_response() -> None:
    response = Response._fast(b"body", 201, "text/plain")

    assert response.status == "201 CREATED"
    assert response.status_code == 201
    assert response.headers["Content-Type"] == "text/plain"
    assert response.headers["Content-Length"] == "4"
    assert response.get_data() == b"body"
    response.headers["X-Extra"] = "1"
    assert response.headers["X-Extra"] == "1"


def test_status_lines_cover_registered_codes() -> None:
    assert STATUS_LINES[200] == "200 OK"
    assert STATUS_LINES[404] == "404 NOT FOUND"
    assert STATUS_LINES[418] == "418 I'M A TEAPOT"


def test_json_response_can_be_read_back() -> None:
    response = Response('{"a": 1}', mimetype="application/json")

    assert response.get_json() == {"a": 1}
    assert response.json == {"a": 1}


def test_make_response_without_arguments_is_an_empty_200(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/")
    def index() -> Response:
        response = make_response()
        response.headers["X-Made"] = "yes"
        return response

    response = client.get("/")

    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["X-Made"] == "yes"


def test_make_response_takes_view_return_values(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/single")
    def single() -> Response:
        return make_response({"a": 1})

    @app.route("/several")
    def several() -> Response:
        response = make_response("created", 201, {"X-Id": "7"})
        response.headers["X-Extra"] = "1"
        return response

    single_response = client.get("/single")
    several_response = client.get("/several")

    assert single_response.get_json() == {"a": 1}
    assert several_response.status_code == 201
    assert several_response.text == "created"
    assert several_response.headers["X-Id"] == "7"
    assert several_response.headers["X-Extra"] == "1"


def test_jsonify_takes_one_value_several_values_or_keywords(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/one")
    def one() -> Response:
        return jsonify({"a": 1})

    @app.route("/several")
    def several() -> Response:
        return jsonify(1, "two", None)

    @app.route("/keywords")
    def keywords() -> Response:
        return jsonify(b=2, a=1)

    @app.route("/list")
    def as_list() -> Response:
        return jsonify([1, 2])

    @app.route("/nothing")
    def nothing() -> Response:
        return jsonify()

    assert client.get("/one").get_json() == {"a": 1}
    assert client.get("/several").get_json() == [1, "two", None]
    keywords_response = client.get("/keywords")
    assert keywords_response.data == b'{"a":1,"b":2}\n'
    assert keywords_response.mimetype == "application/json"
    assert client.get("/list").get_json() == [1, 2]
    assert client.get("/nothing").data == b"null\n"


def test_jsonify_refuses_positional_and_keyword_arguments_together(app: Hipflask) -> None:
    with app.app_context(), pytest.raises(TypeError, match="takes either args or kwargs, not both"):
        jsonify(1, a=2)


def test_response_from_a_generator_streams_with_the_given_mimetype(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/csv")
    def csv() -> Response:
        def rows() -> Iterator[str]:
            yield "a,b\n"
            yield "1,2\n"

        return Response(rows(), mimetype="text/csv")

    response = client.get("/csv")

    assert response.mimetype == "text/csv"
    assert response.text == "a,b\n1,2\n"
    assert "Content-Length" not in response.headers


def test_stream_with_context_keeps_the_request_until_the_stream_ends(
    app: Hipflask, client: HipflaskClient
) -> None:
    events: list[str] = []

    @app.teardown_request
    def record_teardown(exc: BaseException | None) -> None:
        events.append("teardown")

    @app.route("/stream")
    def stream() -> Response:
        def generate() -> Iterator[str]:
            events.append("first chunk")
            yield f"hello {request.args['name']}"
            events.append("second chunk")
            yield f" at {request.path}"

        return Response(stream_with_context(generate()), mimetype="text/plain")

    response = client.get("/stream?name=ada")

    assert response.text == "hello ada at /stream"
    assert events == ["first chunk", "second chunk", "teardown"]


def test_stream_with_context_decorates_a_generator_function(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/stream")
    def stream() -> Response:
        @stream_with_context
        def generate() -> Iterator[str]:
            yield request.method
            yield request.path

        return Response(generate())

    assert client.get("/stream").text == "GET/stream"


def test_stream_with_context_outside_a_request_is_refused() -> None:
    with pytest.raises(RuntimeError, match="request context is active"):
        stream_with_context(iter(["x"]))


def test_after_this_request_changes_only_this_response(
    app: Hipflask, client: HipflaskClient
) -> None:
    order: list[str] = []

    @app.after_request
    def global_hook(response: Response) -> Response:
        order.append("after_request")
        return response

    @app.route("/marked")
    def marked() -> str:
        @after_this_request
        def mark(response: Response) -> Response:
            order.append("after_this_request")
            response.headers["X-Marked"] = "yes"
            return response

        return "marked"

    @app.route("/plain")
    def plain() -> str:
        return "plain"

    assert client.get("/marked").headers["X-Marked"] == "yes"
    assert order == ["after_this_request", "after_request"]
    assert "X-Marked" not in client.get("/plain").headers


def test_after_this_request_outside_a_request_is_refused() -> None:
    with pytest.raises(RuntimeError, match="request context is active"):
        after_this_request(lambda response: response)


# --- HEAD and bodiless statuses --------------------------------------------------


def test_head_response_has_the_headers_of_get_but_no_body(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/")
    def index() -> str:
        return "twelve bytes"

    head = client.head("/")

    assert head.status_code == 200
    assert head.headers["Content-Length"] == "12"
    assert head.data == b""


def test_head_of_a_streamed_response_closes_the_stream(
    app: Hipflask, client: HipflaskClient
) -> None:
    closed: list[bool] = []

    @app.route("/")
    def index() -> Response:
        def generate() -> Iterator[str]:
            try:
                yield "never sent"
            finally:
                closed.append(True)

        generator = generate()
        next(generator)  # started, so closing runs its finally
        return Response(generator)

    head = client.head("/")

    assert head.data == b""
    assert closed == [True]


@pytest.mark.parametrize("status", [204, 304])
def test_no_content_statuses_have_no_length_or_body(
    app: Hipflask, client: HipflaskClient, status: int
) -> None:
    @app.route("/")
    def index() -> tuple[str, int]:
        return "ignored", status

    response = client.get("/")

    assert response.status_code == status
    assert response.data == b""
    assert "Content-Length" not in response.headers


# --- the wire format ---------------------------------------------------------------


def test_wire_parts_of_a_complete_body() -> None:
    status, headers, body = wire_parts(Response._fast(b"abc", 200, "text/plain"), "GET")

    assert status == "200 OK"
    assert headers == [("Content-Type", "text/plain"), ("Content-Length", "3")]
    assert body == [b"abc"]


def test_wire_parts_joins_the_length_of_a_multi_chunk_list() -> None:
    response = Response(["ab", "cd"], mimetype="text/plain")
    response.headers.remove("Content-Length")

    _status, headers, body = wire_parts(response, "GET")

    assert body == [b"ab", b"cd"]
    assert ("Content-Length", "4") in headers


def test_wire_parts_encodes_a_tuple_body() -> None:
    response = Response(mimetype="text/plain")
    response.response = ("a", b"b")

    assert wire_parts(response, "GET")[2] == [b"a", b"b"]


def test_wire_parts_streams_an_iterator_encoded() -> None:
    response = Response(iter(["a", "é"]), mimetype="text/plain")

    _status, headers, body = wire_parts(response, "GET")

    assert not isinstance(body, list)
    assert list(body) == [b"a", "é".encode()]
    assert "Content-Length" not in dict(headers)


def test_wire_parts_passes_an_async_iterable_through() -> None:
    async def generate() -> Any:
        yield b"x"

    stream = generate()
    response = Response(stream)  # type: ignore[arg-type]

    assert wire_parts(response, "GET")[2] is stream


def test_wire_parts_leaves_direct_passthrough_bodies_alone() -> None:
    chunks = iter([b"raw"])
    response = Response(chunks, direct_passthrough=True)

    assert wire_parts(response, "GET")[2] is chunks


def test_wire_parts_for_head_keeps_headers_and_drops_the_body() -> None:
    status, headers, body = wire_parts(Response._fast(b"abc", 200, "text/plain"), "HEAD")

    assert status == "200 OK"
    assert ("Content-Length", "3") in headers
    assert body is None


def test_wire_parts_for_304_drops_entity_headers() -> None:
    response = Response("x", status=304, headers={"ETag": '"v1"', "Content-Language": "en"})

    _status, headers, body = wire_parts(response, "GET")
    names = {name for name, _value in headers}

    assert body is None
    assert "Content-Length" not in names
    assert "Content-Language" not in names
    assert "ETag" in names


def test_wire_parts_for_informational_and_204_drop_the_length() -> None:
    for code in (101, 204):
        response = Response("x", status=code)

        _status, headers, body = wire_parts(response, "GET")

        assert body is None
        assert "Content-Length" not in dict(headers)


def test_wire_parts_makes_a_redirect_location_ascii() -> None:
    response = Response("", status=302, headers={"Location": "/café?q=ü"})

    _status, headers, _body = wire_parts(response, "GET")

    assert dict(headers)["Location"] == "/caf%C3%A9?q=%C3%BC"


def test_json_module_encodes_like_the_default_provider() -> None:
    assert Response.json_module.dumps({"b": 1, "a": [2]}) == '{"a":[2],"b":1}'
    assert Response.json_module.loads(b'{"a": 1}') == {"a": 1}


# -- MAX_COOKIE_SIZE ------------------------------------------------------------------


def test_cookie_over_max_cookie_size_from_config_warns(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.config["MAX_COOKIE_SIZE"] = 100

    @app.route("/")
    def index() -> Response:
        response = Response("ok")
        response.set_cookie("big", "x" * 200)
        return response

    with pytest.warns(UserWarning, match="cookie is too large.*the limit is 100 bytes"):
        client.get("/")


def test_max_cookie_size_of_zero_turns_the_warning_off(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.config["MAX_COOKIE_SIZE"] = 0

    @app.route("/")
    def index() -> Response:
        response = Response("ok")
        response.set_cookie("big", "x" * 5000)
        return response

    assert client.get("/").status_code == 200


def test_max_cookie_size_outside_an_app_is_the_browser_limit() -> None:
    assert Response().max_cookie_size == 4093


def test_max_cookie_size_follows_the_current_app(app: Hipflask) -> None:
    app.config["MAX_COOKIE_SIZE"] = 1234

    with app.app_context():
        assert Response().max_cookie_size == 1234
