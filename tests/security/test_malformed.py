"""Malformed input, sent raw as an attacker would: always a 4xx, never a 500.

Requests go straight to the app as a WSGI environ or an ASGI scope, with
the path already percent-decoded the way servers decode it (WSGI: the bytes
as latin-1 text; ASGI: UTF-8 text, invalid bytes replaced), so nothing in a
client library tidies the input first. ``TESTING`` is off, so a bug shows
up as a 500 rather than as an exception in the test.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
from typing import Any

import pytest
from werkzeug.datastructures import Headers

from hipflask import Hipflask
from hipflask import request


class Answer:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.headers = Headers(headers)
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def send_wsgi(
    app: Hipflask,
    method: str,
    path: bytes,
    query: bytes,
    headers: list[tuple[str, str]],
    body: bytes,
    chunked: bool,
) -> Answer:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path.decode("latin-1"),
        "QUERY_STRING": query.decode("latin-1"),
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.66",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
    }
    if chunked:
        environ["wsgi.input_terminated"] = True
    for name, value in headers:
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = f"HTTP_{key}"
        environ[key] = value
    started: list[Any] = []
    result = app(environ, lambda status, hdrs, exc_info=None: started.append((status, hdrs)))
    data = b"".join(result)
    status, response_headers = started[0]
    return Answer(int(status.split()[0]), response_headers, data)


def send_asgi(
    app: Hipflask,
    method: str,
    path: bytes,
    query: bytes,
    headers: list[tuple[str, str]],
    body: bytes,
    chunked: bool,
) -> Answer:
    pieces = [body[i : i + 3] for i in range(0, len(body), 3)] if chunked else [body]
    messages = [
        {"type": "http.request", "body": piece, "more_body": index < len(pieces) - 1}
        for index, piece in enumerate(pieces or [b""])
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path.decode("utf-8", "replace"),
        "raw_path": path,
        "root_path": "",
        "query_string": query,
        "headers": [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in headers],
        "server": ("localhost", 80),
        "client": ("203.0.113.66", 40000),
    }
    asyncio.run(app(scope, receive, send))
    start = sent[0]
    response_headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in start["headers"]]
    data = b"".join(m.get("body", b"") for m in sent[1:])
    return Answer(start["status"], response_headers, data)


@pytest.fixture
def app() -> Hipflask:
    """An app that does not propagate errors: a bug must show as a 500."""
    app = Hipflask("malformed")
    app.config.update(SECRET_KEY="malformed-input-test-key-0123456789abcdef")

    @app.route("/items/<int:item_id>")
    def item(item_id: int) -> str:
        return str(item_id)

    @app.route("/files/<path:name>")
    def files(name: str) -> str:
        return name

    @app.route("/json", methods=["POST"])
    def read_json() -> Any:
        return {"got": request.get_json()}

    @app.route("/form", methods=["POST"])
    def read_form() -> Any:
        return {"field": request.form["field"]}

    @app.route("/body", methods=["POST"])
    def read_body() -> bytes:
        return request.get_data()

    @app.route("/args")
    def read_args() -> Any:
        return request.args.to_dict()

    @app.route("/headers")
    def read_headers() -> Any:
        auth = request.authorization
        return {
            "agent": request.user_agent.string[:10],
            "auth": auth.type if auth else None,
            "cookies": len(request.cookies),
            "languages": len(request.accept_languages),
            "host": request.host[:20],
            "url": request.url[:40],
        }

    return app


@pytest.fixture
def send(app: Hipflask, protocol: str) -> Any:
    sender = send_wsgi if protocol == "wsgi" else send_asgi

    def send(
        method: str = "GET",
        path: bytes = b"/",
        *,
        query: bytes = b"",
        headers: list[tuple[str, str]] | None = None,
        body: bytes = b"",
        chunked: bool = False,
        host: str = "localhost",
    ) -> Answer:
        all_headers = [("Host", host), *(headers or [])]
        if body and not chunked and not any(n.lower() == "content-length" for n, _ in all_headers):
            all_headers.append(("Content-Length", str(len(body))))
        answer = sender(app, method, path, query, all_headers, body, chunked)
        assert answer.status < 500, answer.text
        return answer

    return send


JSON = [("Content-Type", "application/json")]


def multipart_type(boundary: str | None = "b0undary") -> list[tuple[str, str]]:
    value = (
        "multipart/form-data" if boundary is None else f"multipart/form-data; boundary={boundary}"
    )
    return [("Content-Type", value)]


def field(name: str, value: str, boundary: str = "b0undary") -> bytes:
    return (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
    ).encode()


def end(boundary: str = "b0undary") -> bytes:
    return f"--{boundary}--\r\n".encode()


# --- JSON ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"", b'{"a": 1', b'{"a": 1}}', b"\xff\xfe{}", b"[" * 100_000, b"NaNa"],
    ids=["garbage", "empty", "truncated", "trailing", "bad-utf8", "deep", "nan-ish"],
)
def test_bad_json_is_a_400(send: Any, body: bytes) -> None:
    answer = send("POST", b"/json", headers=JSON, body=body)

    assert answer.status == 400
    assert "not valid JSON" in answer.text


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/jsonp", ""]
)
def test_json_with_the_wrong_content_type_is_a_415(send: Any, content_type: str) -> None:
    answer = send("POST", b"/json", headers=[("Content-Type", content_type)], body=b'{"a": 1}')

    assert answer.status == 415


def test_json_without_a_content_type_is_a_415(send: Any) -> None:
    assert send("POST", b"/json", body=b'{"a": 1}').status == 415


# --- paths and query strings ------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [b"/items/%zz", b"/items/\xff\xfe", b"/items/%", b"/items/1%2", b"/\xc3", b"/items/99x"],
    ids=["bad-escape", "invalid-utf8", "lone-percent", "half-escape", "cut-utf8", "not-int"],
)
def test_bad_path_is_a_404(send: Any, path: bytes) -> None:
    assert send(path=path).status == 404


def test_invalid_utf8_in_a_path_argument_is_replaced(send: Any) -> None:
    answer = send(path=b"/files/a\xffb")

    assert answer.status == 200
    assert answer.body.decode() == "a\ufffdb"


@pytest.mark.parametrize("path", [b"/files/a\x00b", b"/\x00", b"/items/1\x00"])
def test_nul_in_the_path_is_a_400(send: Any, path: bytes) -> None:
    answer = send(path=path)

    assert answer.status == 400
    assert "NUL" in answer.text


def test_nul_in_the_path_is_refused_even_by_post_without_a_route(send: Any) -> None:
    assert send("POST", b"/nowhere\x00", body=b"x").status == 400


@pytest.mark.parametrize(
    "query",
    [b"a=%zz", b"a=%ff%fe", b"a=%", b"=&&=&a", b"a=" + b"x" * 100_000, b"a[=1&%00=\x00"],
)
def test_bad_query_string_still_parses(send: Any, query: bytes) -> None:
    answer = send(path=b"/args", query=query)

    assert answer.status == 200
    json.loads(answer.body)


def test_undecodable_query_values_are_kept_escaped(send: Any) -> None:
    answer = send(path=b"/args", query=b"a=%ff%fe&b=%zz")

    assert json.loads(answer.body) == {"a": "%FF%FE", "b": "%zz"}


# --- multipart -------------------------------------------------------------------------------


def test_multipart_without_a_boundary_is_a_400(send: Any) -> None:
    body = field("field", "value") + end()

    answer = send("POST", b"/form", headers=multipart_type(None), body=body)

    assert answer.status == 400


def test_multipart_with_an_empty_boundary_is_a_400(send: Any) -> None:
    body = field("field", "value") + end()

    answer = send("POST", b"/form", headers=multipart_type(""), body=body)

    assert answer.status == 400


@pytest.mark.parametrize("cut", [10, 40, 60, -8])
def test_truncated_multipart_is_a_4xx(send: Any, cut: int) -> None:
    body = (field("field", "value") + end())[:cut]

    answer = send("POST", b"/form", headers=multipart_type(), body=body)

    assert answer.status in (400, 413)


def test_multipart_with_a_boundary_mismatch_is_a_400(send: Any) -> None:
    body = field("field", "value", boundary="other") + end("other")

    answer = send("POST", b"/form", headers=multipart_type(), body=body)

    assert answer.status == 400


def test_multipart_part_without_disposition_is_a_400(send: Any) -> None:
    body = b"--b0undary\r\nContent-Type: text/plain\r\n\r\nvalue\r\n" + end()

    answer = send("POST", b"/form", headers=multipart_type(), body=body)

    assert answer.status == 400


def test_multipart_with_garbage_headers_is_a_400(send: Any) -> None:
    body = b"--b0undary\r\n\x00\xff: \r\n:::\r\n\r\nvalue\r\n" + end()

    answer = send("POST", b"/form", headers=multipart_type(), body=body)

    assert answer.status == 400


def test_multipart_with_too_many_parts_is_a_413(send: Any) -> None:
    body = b"".join(field(f"f{n}", "v") for n in range(1_001)) + end()

    answer = send("POST", b"/form", headers=multipart_type(), body=body)

    assert answer.status == 413


def test_valid_multipart_passes(send: Any) -> None:
    answer = send("POST", b"/form", headers=multipart_type(), body=field("field", "ok") + end())

    assert answer.status == 200
    assert json.loads(answer.body) == {"field": "ok"}


# --- body size ---------------------------------------------------------------------------------


@pytest.mark.parametrize("chunked", [False, True], ids=["declared", "chunked"])
def test_oversized_body_is_a_413(app: Hipflask, send: Any, chunked: bool) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 64

    answer = send(
        "POST", b"/body", headers=[("Content-Type", "text/plain")], body=b"x" * 65, chunked=chunked
    )

    assert answer.status == 413


@pytest.mark.parametrize("chunked", [False, True], ids=["declared", "chunked"])
def test_body_at_the_limit_passes(app: Hipflask, send: Any, chunked: bool) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 64

    answer = send(
        "POST", b"/body", headers=[("Content-Type", "text/plain")], body=b"x" * 64, chunked=chunked
    )

    assert answer.status == 200
    assert answer.body == b"x" * 64


def test_oversized_form_is_a_413(app: Hipflask, send: Any) -> None:
    app.config["MAX_FORM_MEMORY_SIZE"] = 100
    body = b"field=" + b"x" * 200

    answer = send(
        "POST", b"/form", headers=[("Content-Type", "application/x-www-form-urlencoded")], body=body
    )

    assert answer.status == 413


@pytest.mark.parametrize("chunked", [False, True], ids=["declared", "chunked"])
def test_form_at_the_memory_limit_is_parsed(app: Hipflask, send: Any, chunked: bool) -> None:
    app.config["MAX_FORM_MEMORY_SIZE"] = 100
    body = b"field=" + b"x" * 94
    form_type = [("Content-Type", "application/x-www-form-urlencoded")]

    answer = send("POST", b"/form", headers=form_type, body=body, chunked=chunked)

    assert answer.status == 200
    assert json.loads(answer.body) == {"field": "x" * 94}


def test_oversized_chunked_form_is_a_413(app: Hipflask, send: Any) -> None:
    app.config["MAX_FORM_MEMORY_SIZE"] = 100
    form_type = [("Content-Type", "application/x-www-form-urlencoded")]

    answer = send("POST", b"/form", headers=form_type, body=b"field=" + b"x" * 200, chunked=True)

    assert answer.status == 413


@pytest.mark.parametrize("body", [b"field=\xff\xfe", b"field=ok&\xc3=1"])
def test_form_body_that_is_not_utf8_is_a_400(send: Any, body: bytes) -> None:
    form_type = [("Content-Type", "application/x-www-form-urlencoded")]

    answer = send("POST", b"/form", headers=form_type, body=body)

    assert answer.status == 400
    assert "UTF-8" in answer.text


def test_form_with_bad_percent_escapes_keeps_them_literally(send: Any) -> None:
    form_type = [("Content-Type", "application/x-www-form-urlencoded")]

    answer = send("POST", b"/form", headers=form_type, body=b"field=%zz%FF%")

    assert answer.status == 200
    assert json.loads(answer.body) == {"field": "%zz%FF%"}


def test_absurdly_large_declared_length_is_a_413_without_reading(send: Any) -> None:
    answer = send(
        "POST",
        b"/body",
        headers=[("Content-Type", "text/plain"), ("Content-Length", "9" * 30)],
        body=b"tiny",
    )

    assert answer.status == 413


@pytest.mark.parametrize("length", ["-1", "abc", "1e3", "+4", " 4", "4, 4", "0x4", "\xb2"])
def test_invalid_content_length_is_a_400(send: Any, length: str) -> None:
    answer = send(
        "POST",
        b"/body",
        headers=[("Content-Type", "text/plain"), ("Content-Length", length)],
        body=b"data",
    )

    assert answer.status == 400
    assert "Content-Length" in answer.text


def test_invalid_content_length_is_a_400_for_forms_too(send: Any) -> None:
    answer = send(
        "POST",
        b"/form",
        headers=[("Content-Type", "application/x-www-form-urlencoded"), ("Content-Length", "-1")],
        body=b"field=x",
    )

    assert answer.status == 400


# --- methods ----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["BREW", "PROPFIND", "TRACE", "CONNECT", "M-SEARCH"])
def test_unknown_method_on_a_route_is_a_405(send: Any, method: str) -> None:
    answer = send(method, b"/items/1")

    assert answer.status == 405
    assert set(answer.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_unknown_method_on_no_route_is_a_404(send: Any) -> None:
    assert send("PROPFIND", b"/nowhere").status == 404


def test_lower_case_method_is_understood(send: Any) -> None:
    assert send("get", b"/items/3").body == b"3"


# --- headers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header", ["User-Agent", "Cookie", "Accept-Language", "Authorization", "X-Anything"]
)
def test_very_long_header_values_are_handled(send: Any, header: str) -> None:
    answer = send(path=b"/headers", headers=[(header, "a=" + "x" * 65_536)])

    assert answer.status == 200


@pytest.mark.parametrize(
    "header",
    [
        ("Authorization", "Basic \xff\xfe"),
        ("Authorization", "Basic " + base64.b64encode(b"\xff\xfe:pw").decode()),
        ("Authorization", "Basic !!!"),
        ("Authorization", 'Digest realm="'),
        ("Cookie", 'a="unterminated; b=\xff; =; ;;'),
        ("Accept-Language", ";;q=abc,,"),
        ("User-Agent", "\x00\xff" * 50),
    ],
)
def test_garbage_in_parsed_headers_is_tolerated(send: Any, header: tuple[str, str]) -> None:
    answer = send(path=b"/headers", headers=[header])

    assert answer.status == 200


def test_basic_credentials_with_non_ascii_bytes_read_as_absent(send: Any) -> None:
    answer = send(path=b"/headers", headers=[("Authorization", "Basic \xe9t\xe9")])

    assert json.loads(answer.body)["auth"] is None


@pytest.mark.parametrize(
    "host", ["a b", "[::1", "host:abc", "\xfcber.example", "", "x" * 300, "..", "evil/path"]
)
def test_malformed_host_is_never_a_500(send: Any, host: str) -> None:
    for path in (b"/headers", b"/items/1", b"/missing"):
        send(path=path, host=host)


def test_malformed_host_with_trusted_hosts_is_a_400(app: Hipflask, send: Any) -> None:
    app.config["TRUSTED_HOSTS"] = ["localhost"]

    assert send(path=b"/items/1", host="[::1").status == 400
    assert send(path=b"/items/1", host="localhost").status == 200
