"""The ASGI adapter's one pass over the request headers: framing, hosts and targets."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from tests.asgi_driver import http_scope
from tests.asgi_driver import request_body
from tests.asgi_driver import serve
from tests.security.test_malformed import send_asgi

from hipflask import Hipflask
from hipflask import Response
from hipflask import request
from hipflask import session


def test_a_get_with_two_different_hosts_is_refused(app: Hipflask) -> None:
    @app.route("/")
    def index() -> str:
        return "reached"

    scope = http_scope(headers=[(b"host", b"evil.example")])

    connection = serve(app, scope)

    assert connection.status == 400
    assert b"reached" not in connection.body


@pytest.mark.parametrize(
    ("late", "status", "seen"),
    [
        ((b"host", b"evil.example"), 400, None),
        ((b"cookie", b"session=x"), 200, "session=x"),
        ((b"authorization", b"Bearer t"), 200, None),
        ((b"HOST", b"other.example"), 400, None),
    ],
)
def test_a_header_of_interest_after_ordinary_ones_is_still_found(
    app: Hipflask, late: tuple[bytes, bytes], status: int, seen: str | None
) -> None:
    # The usual GET (Host first, then names already known to be of no
    # interest) skips the scan; one more header of interest must not.
    @app.route("/")
    def index() -> str:
        return request.headers.get("Cookie") or "reached"

    ordinary = [(b"user-agent", b"test"), (b"accept", b"*/*")]
    assert serve(app, http_scope(headers=ordinary)).status == 200

    connection = serve(app, http_scope(headers=[*ordinary, late]))

    assert connection.status == status
    if seen is not None:
        assert connection.body == seen.encode()
    if late[0] == b"authorization":
        assert "Authorization" in connection.headers.get("vary", "")


def test_a_post_without_any_framing_header_still_gets_its_body(app: Hipflask) -> None:
    # HTTP/2 needs no Content-Length; a server may pass no Host either
    # (the authority is a pseudo-header).
    @app.post("/")
    def echo() -> bytes:
        return request.get_data()

    scope = http_scope(method="POST")
    scope["headers"] = [(b"accept", b"*/*")]

    connection = serve(app, scope, *request_body(b"first ", b"second"))

    assert connection.status == 200
    assert connection.body == b"first second"


def test_a_get_without_framing_headers_is_not_read(app: Hipflask) -> None:
    @app.route("/")
    def index() -> str:
        return "ok"

    scope = http_scope()
    scope["headers"] = []

    connection = serve(app, scope)

    assert connection.body == b"ok"
    assert connection.received == 0


def test_response_headers_are_encoded_the_same_from_the_cache(app: Hipflask) -> None:
    @app.route("/")
    def index() -> Response:
        return Response("ok", headers={"X-Long": "v" * 300, "X-Short": "short"})

    first = serve(app, http_scope())
    second = serve(app, http_scope())

    assert first.sent[0] == second.sent[0]
    assert (b"x-short", b"short") in first.sent[0]["headers"]
    assert (b"x-long", b"v" * 300) in second.sent[0]["headers"]


def test_request_headers_are_made_only_when_read(app: Hipflask) -> None:
    seen: dict[str, Any] = {}

    @app.route("/quiet")
    def quiet() -> str:
        seen["made"] = "headers" in vars(request._get_current_object())  # type: ignore[attr-defined]
        return "ok"

    @app.route("/reads")
    def reads() -> str:
        return str(request.headers.get("X-Thing"))

    serve(app, http_scope("/quiet"))
    assert seen["made"] is False
    assert serve(app, http_scope("/reads", headers=[(b"x-thing", b"1")])).body == b"1"


def test_credentials_are_found_under_any_name_spelling_and_cookies_joined(
    app: Hipflask,
) -> None:
    app.secret_key = "a secret key that is long enough for hipflask"

    @app.route("/set")
    def set_value() -> str:
        session["user"] = "ann"
        return "set"

    @app.route("/get")
    def get_value() -> str:
        return str(session.get("user"))

    cookie = serve(app, http_scope("/set")).headers["set-cookie"].split(";", 1)[0]
    # Servers normally send lower-case names; one that keeps the client's
    # spelling, and a cookie split over two headers, read the same.
    headers = [(b"Cookie", b"theme=dark"), (b"COOKIE", cookie.encode())]
    connection = serve(app, http_scope("/get", headers=headers))
    assert connection.body == b"ann"
    assert connection.headers["vary"] == "Cookie"
    connection = serve(app, http_scope("/get", headers=[(b"Authorization", b"Bearer x")]))
    assert connection.headers["vary"] == "Cookie, Authorization"
    assert connection.headers["cache-control"] == "private"


def test_headers_given_as_a_generator_are_all_seen(app: Hipflask) -> None:
    # ASGI allows any iterable; a middleware that filters headers passes one.
    @app.post("/")
    def echo() -> dict[str, Any]:
        return {
            "host": request.host,
            "thing": request.headers.get("X-Thing"),
            "form": request.form.to_dict(),
        }

    body = b"a=b"
    scope = http_scope(
        method="POST",
        headers=[
            (b"x-thing", b"1"),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", str(len(body)).encode()),
        ],
    )
    scope["headers"] = (pair for pair in scope["headers"])

    connection = serve(app, scope, *request_body(body))

    assert connection.status == 200
    assert json.loads(connection.body) == {"host": "localhost", "thing": "1", "form": {"a": "b"}}


@pytest.mark.parametrize(
    "target",
    [
        b"http://shop.example/items/7",
        b"https://shop.example:8443/items/7",
        b"HTTP://shop.example/items/7",
        b"http://shop.example//items/7",
        b"ftp://shop.example/items/7",
    ],
)
@pytest.mark.parametrize("served_before", [False, True], ids=["first", "later"])
def test_an_absolute_form_target_is_served_as_its_path(
    app: Hipflask, target: bytes, served_before: bool
) -> None:
    # uvicorn and hypercorn pass "GET http://host/x" on as the scope's path;
    # WSGI servers pass only "/x". The Host header still names the host.
    @app.route("/items/<int:item>")
    def item(item: int) -> str:
        return f"{request.host} {request.path} {item}"

    if served_before:
        assert send_asgi(app, "GET", b"/items/1", b"", [("Host", "a")], b"", False).status == 200

    answer = send_asgi(app, "GET", target, b"", [("Host", "shop.example")], b"", False)

    assert answer.status == 200
    assert answer.text == "shop.example /items/7 7"


@pytest.mark.parametrize("target", [b"http://shop.example", b"https://shop.example:8443"])
def test_an_absolute_form_target_without_a_path_is_the_root(app: Hipflask, target: bytes) -> None:
    @app.route("/")
    def index() -> str:
        return request.path

    answer = send_asgi(app, "GET", target, b"", [("Host", "shop.example")], b"", False)

    assert answer.status == 200
    assert answer.text == "/"


def _guard_wsgi(app: Hipflask) -> None:
    inner = app.wsgi_app

    def guard(environ: dict[str, Any], start_response: Any) -> Any:
        if environ["PATH_INFO"].startswith("/admin"):
            start_response("403 FORBIDDEN", [("Content-Type", "text/plain")])
            return [b"guarded"]
        return inner(environ, start_response)

    app.wsgi_app = guard  # type: ignore[method-assign]


def _guard_asgi(app: Hipflask) -> None:
    inner = app.asgi_app

    async def guard(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/admin"):
            await send({"type": "http.response.start", "status": 403, "headers": []})
            await send({"type": "http.response.body", "body": b"guarded"})
            return
        await inner(scope, receive, send)

    app.asgi_app = guard  # type: ignore[method-assign]


@pytest.mark.parametrize("guard", [_guard_wsgi, _guard_asgi], ids=["wsgi", "asgi"])
@pytest.mark.parametrize("target", [b"/admin/panel", b"http://shop.example/admin/panel"])
def test_middleware_guarding_a_path_sees_an_absolute_form_target_as_its_path(
    app: Hipflask, guard: Callable[[Hipflask], None], target: bytes
) -> None:
    # A guard installed on app.wsgi_app or app.asgi_app that the app's own
    # routing gets past with "GET http://host/admin/panel" is no guard.
    @app.route("/admin/panel")
    def panel() -> str:
        return "the panel"

    guard(app)

    answer = send_asgi(app, "GET", target, b"", [("Host", "shop.example")], b"", False)

    assert answer.status == 403
    assert answer.text == "guarded"


def _guard_wsgi_mounted(app: Hipflask) -> None:
    inner = app.wsgi_app

    def guard(environ: dict[str, Any], start_response: Any) -> Any:
        if environ["SCRIPT_NAME"] == "/shop" and environ["PATH_INFO"].startswith("/admin"):
            start_response("403 FORBIDDEN", [("Content-Type", "text/plain")])
            return [b"guarded"]
        return inner(environ, start_response)

    app.wsgi_app = guard  # type: ignore[method-assign]


def _guard_asgi_mounted(app: Hipflask) -> None:
    inner = app.asgi_app

    async def guard(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/shop/admin"):
            await send({"type": "http.response.start", "status": 403, "headers": []})
            await send({"type": "http.response.body", "body": b"guarded"})
            return
        await inner(scope, receive, send)

    app.asgi_app = guard  # type: ignore[method-assign]


@pytest.mark.parametrize("guard", [_guard_wsgi_mounted, _guard_asgi_mounted], ids=["wsgi", "asgi"])
@pytest.mark.parametrize(
    "path", ["/shop/admin/panel", "/shophttp://example.com/admin/panel"], ids=["origin", "absolute"]
)
def test_middleware_under_a_root_path_sees_an_absolute_form_target_as_the_app_routes_it(
    app: Hipflask, guard: Callable[[Hipflask], None], path: str
) -> None:
    # uvicorn --root-path puts the root path in front of whatever the target
    # was, an absolute URL included; the app strips it, then takes the path
    # from the URL. Middleware must see the request the app serves.
    @app.route("/admin/panel")
    def panel() -> str:
        return "the panel"

    guard(app)
    scope = http_scope(path, root_path="/shop")

    connection = serve(app, scope, *request_body())

    assert connection.status == 403
    assert connection.body == b"guarded"


_FORM = b"application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    ("headers", "incoming", "status", "body"),
    [
        # One message holding exactly the declared body.
        ([(b"content-type", _FORM), (b"content-length", b"7")], [b"name=al"], 200, b"al|"),
        # The body over two messages.
        ([(b"content-type", _FORM), (b"content-length", b"7")], [b"nam", b"e=al"], 200, b"al|"),
        # More than declared: only the declared bytes are the body.
        ([(b"content-type", _FORM), (b"content-length", b"4")], [b"name=al"], 200, b"|"),
        # Fewer than declared: refused when read.
        ([(b"content-type", _FORM), (b"content-length", b"9")], [b"name=al"], 400, None),
        ([(b"content-length", b"x7")], [b"name=al"], 400, None),
        ([(b"content-length", b"7"), (b"transfer-encoding", b"chunked")], [b"name=al"], 400, None),
        (
            [(b"content-type", b"text/plain, text/html"), (b"content-length", b"7")],
            [b"x"],
            400,
            None,
        ),
        ([(b"transfer-encoding", b"chunked")], [b"name=", b"al"], 200, b"|name=al"),
        ([(b"cookie", b"theme=dark"), (b"authorization", b"Bearer t")], [b""], 200, b"|"),
    ],
)
def test_a_request_reads_the_same_once_its_header_names_are_known(
    app: Hipflask,
    headers: list[tuple[bytes, bytes]],
    incoming: list[bytes],
    status: int,
    body: bytes | None,
) -> None:
    # Names seen before take a shorter path through the headers, and a body
    # that came whole in one message a shorter path into the request: the
    # answer is the one the general path gives, the first time as after.
    @app.post("/")
    def form() -> str:
        return f"{request.form.get('name', '')}|{request.get_data(as_text=True)}"

    fresh = [(name + b"-" + str(len(headers)).encode(), b"1") for name in (b"x-new", b"x-other")]
    for _ in range(2):
        scope = http_scope(method="POST", headers=[*fresh, *headers])
        connection = serve(app, scope, *request_body(*incoming))
        assert connection.status == status
        if body is not None:
            assert connection.body == body


def test_a_body_message_that_is_not_bytes_is_read_as_before(app: Hipflask) -> None:
    @app.post("/")
    def echo() -> bytes:
        return request.get_data()

    scope = http_scope(method="POST", headers=[(b"content-length", b"5")])
    message = {"type": "http.request", "body": bytearray(b"hello"), "more_body": False}

    connection = serve(app, scope, message)

    assert connection.status == 200
    assert connection.body == b"hello"


def test_credentials_read_the_same_once_the_header_names_are_known(app: Hipflask) -> None:
    app.secret_key = "a secret key that is long enough for hipflask"

    @app.route("/set")
    def set_value() -> str:
        session["user"] = "ann"
        return "set"

    @app.post("/get")
    def get_value() -> str:
        return f"{session.get('user')}|{request.form.get('a')}"

    cookie = serve(app, http_scope("/set")).headers["set-cookie"].split(";", 1)[0].encode()
    headers = [
        (b"x-first-seen", b"1"),
        (b"cookie", cookie),
        (b"authorization", b"Bearer t"),
        (b"content-type", _FORM),
        (b"content-length", b"3"),
    ]
    answers = []
    for _ in range(2):
        connection = serve(app, http_scope("/get", "POST", headers), *request_body(b"a=1"))
        answers.append((connection.status, connection.body, connection.headers["vary"]))

    assert answers == [(200, b"ann|1", "Cookie, Authorization")] * 2
