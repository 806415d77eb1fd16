"""The ASGI adapter's HTTP requests: scope, headers, body and environ, as a server sends them."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from tests.asgi_driver import http_scope
from tests.asgi_driver import request_body
from tests.asgi_driver import serve

from hipflask import Hipflask
from hipflask import request


def test_header_names_are_sent_lower_case_as_bytes(app: Hipflask) -> None:
    @app.route("/")
    def index() -> tuple[str, dict[str, str]]:
        return "ok", {"X-Custom-Header": "Value"}

    connection = serve(app, http_scope())
    raw = connection.sent[0]["headers"]

    assert (b"x-custom-header", b"Value") in raw
    assert all(name == name.lower() and isinstance(name, bytes) for name, _ in raw)


def test_the_synthesised_environ_drops_underscore_header_names(app: Hipflask) -> None:
    # As WSGI servers do: x_forwarded_for would share HTTP_X_FORWARDED_FOR
    # with the header a proxy sets. The headers themselves keep it.
    @app.route("/")
    def index() -> str:
        environ = request.environ
        return f"{environ.get('HTTP_X_FORWARDED_FOR')} {environ.get('HTTP_X_TRICK')} " + str(
            request.headers.get("x_trick")
        )

    scope = http_scope(
        headers=[
            (b"x-forwarded-for", b"1.2.3.4"),
            (b"x_forwarded_for", b"6.6.6.6"),
            (b"x_trick", b"y"),
        ]
    )
    connection = serve(app, scope)

    assert connection.sent[1]["body"] == b"1.2.3.4 None y"


def test_body_in_several_messages_is_read_whole(app: Hipflask) -> None:
    @app.route("/", methods=["POST"])
    def index() -> bytes:
        return request.get_data()

    connection = serve(
        app,
        http_scope(method="POST", headers=[(b"content-type", b"text/plain")]),
        *request_body(b"one ", b"", b"two ", b"three"),
    )

    assert connection.body == b"one two three"


def test_get_without_a_body_does_not_wait_for_one(app: Hipflask) -> None:
    @app.route("/")
    def index() -> str:
        return "ok"

    connection = serve(app, http_scope())

    assert connection.received == 0
    assert connection.body == b"ok"


def test_client_disconnecting_during_the_body_gets_400_without_the_view(app: Hipflask) -> None:
    called: list[bool] = []

    @app.route("/", methods=["POST"])
    def index() -> str:
        called.append(True)
        return "ok"

    connection = serve(
        app,
        http_scope(method="POST"),
        {"type": "http.request", "body": b"partial", "more_body": True},
        {"type": "http.disconnect"},
    )

    # A half-closed client still reads the answer; a server reports a broken
    # body as a disconnect too. Returning without a response is a 500 there.
    assert connection.sent[0]["status"] == 400
    assert called == []


def test_oversized_body_stops_being_read_at_the_limit(app: Hipflask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 5

    @app.route("/", methods=["POST"])
    def index() -> bytes:
        return request.get_data()

    connection = serve(
        app,
        http_scope(method="POST"),
        *request_body(b"1234", b"5678", b"never read", b"nor this"),
    )

    assert connection.status == 413
    assert connection.received == 2


def test_declared_oversized_body_is_not_read_at_all(app: Hipflask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 5

    @app.route("/", methods=["POST"])
    def index() -> bytes:
        return request.get_data()

    connection = serve(
        app,
        http_scope(method="POST", headers=[(b"content-length", b"100")]),
        *request_body(b"x" * 100),
    )

    assert connection.status == 413
    assert connection.received == 0


def test_view_that_ignores_an_oversized_body_still_answers(app: Hipflask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 5

    @app.route("/", methods=["POST"])
    def index() -> str:
        return "did not read it"

    connection = serve(app, http_scope(method="POST"), *request_body(b"x" * 10))

    assert connection.status == 200
    assert connection.body == b"did not read it"


def test_large_body_is_spooled_and_read_back_intact(app: Hipflask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = None
    chunk = bytes(range(256)) * 4096  # 1 MiB

    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        data = request.get_data()
        return {"size": len(data), "intact": data == chunk * 3}

    connection = serve(app, http_scope(method="POST"), *request_body(chunk, chunk, chunk))

    assert connection.body == b'{"intact":true,"size":3145728}\n'


def test_unread_spooled_body_is_closed_after_the_response(app: Hipflask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = None
    requests: list[Any] = []

    @app.route("/", methods=["POST"])
    def index() -> str:
        requests.append(request._get_current_object())  # type: ignore[attr-defined]
        return "not read"

    connection = serve(app, http_scope(method="POST"), *request_body(b"x" * (2 << 20)))
    gc.collect()  # an unclosed temporary file would warn (and fail the test) here

    assert connection.body == b"not read"
    with pytest.raises(ValueError, match="closed file"):
        requests[0].stream.read()


def test_root_path_is_taken_off_the_path(app: Hipflask) -> None:
    @app.route("/page")
    def page() -> dict[str, str]:
        return {"root": request.root_path, "path": request.path, "url": request.url}

    connection = serve(app, http_scope("/mounted/page", root_path="/mounted"))

    assert connection.body == (
        b'{"path":"/page","root":"/mounted","url":"http://localhost/mounted/page"}\n'
    )


def test_scope_without_server_or_client_still_works(app: Hipflask) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return {"remote": request.remote_addr, "host": request.host}

    scope = http_scope()
    del scope["server"], scope["client"]
    connection = serve(app, scope)

    assert connection.body == b'{"host":"localhost","remote":null}\n'


def test_head_sends_headers_and_one_empty_body(app: Hipflask) -> None:
    @app.route("/")
    def index() -> str:
        return "content"

    connection = serve(app, http_scope(method="HEAD"))

    assert connection.headers["content-length"] == "7"
    assert connection.body_messages == [{"type": "http.response.body", "body": b""}]


def test_environ_without_a_client_address_has_no_remote_addr(app: Hipflask) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return {"has_remote": "REMOTE_ADDR" in request.environ}

    scope = http_scope()
    scope["client"] = None

    assert serve(app, scope).body == b'{"has_remote":false}\n'


@pytest.mark.parametrize(("scheme", "port"), [("http", "80"), ("https", "443")])
def test_environ_of_a_unix_socket_server_has_a_numeric_port(
    app: Hipflask, scheme: str, port: str
) -> None:
    from werkzeug.wsgi import get_host

    @app.route("/")
    def index() -> dict[str, Any]:
        return {"port": request.environ["SERVER_PORT"], "host": get_host(request.environ)}

    scope = http_scope(scheme=scheme, server=("/run/app.sock", None))

    body = serve(app, scope).body

    assert body == b'{"host":"localhost","port":"%s"}\n' % port.encode()
