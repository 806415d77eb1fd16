"""Property-based fuzzing of both adapters: any bytes, never a 500, one answer for both protocols.

Each example is one request as raw parts (method, path, query, headers,
body), handed to the WSGI adapter the way a server that joins repeated
headers with commas would, and to the ASGI adapter the way an ASGI server
passes headers one by one. Both must answer the same status, and neither a
5xx; the cookies a view reads must be the same too.
"""

from __future__ import annotations

import asyncio
import io
import sys
from typing import Any

from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from hipflask import Hipflask
from hipflask import jsonify
from hipflask import redirect
from hipflask import request


def _make_app() -> Hipflask:
    app = Hipflask(__name__)
    app.config["SECRET_KEY"] = "fuzzing-secret-key-0123456789abcdef0123456789"

    @app.route("/form", methods=["GET", "POST", "PUT"])
    def form() -> Any:
        return jsonify(request.form.to_dict(flat=False))

    @app.route("/json", methods=["GET", "POST", "PUT"])
    def json_echo() -> Any:
        return jsonify(request.get_json())

    @app.route("/data", methods=["GET", "POST", "PUT"])
    def data() -> Any:
        return str(len(request.get_data()))

    @app.route("/args", methods=["GET", "POST", "PUT"])
    def args() -> Any:
        return jsonify(request.args.to_dict(flat=False))

    @app.route("/cookies", methods=["GET", "POST", "PUT"])
    def cookies() -> Any:
        return jsonify(request.cookies.to_dict(flat=False), request.headers.get("Cookie"))

    @app.route("/go", methods=["GET", "POST"])
    def go() -> Any:
        return redirect(request.args.get("next", "/"))

    return app


APP = _make_app()

_TEXT = st.binary(max_size=40)
_JSONISH = st.sampled_from(
    [
        b'{"a": 1}',
        b"[" * 300 + b"]" * 300,
        b'{"a": "\\ud800"}',
        b"NaN",
        b"1e400",
        b"-Infinity",
        b'"\\ud83d\\ude00"',
        b"\xff\xfe{}",
        b"1" * 400,
        b'{"a": [1, 2, {"b": null}]}',
    ]
)
_HEADER = st.one_of(
    st.tuples(
        st.just("Content-Type"),
        st.sampled_from(
            [
                "application/json",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
                "text/plain",
                "application/json; charset=latin-1",
                "multipart/form-data",
                'multipart/form-data; boundary="a,b"',
                "text/plain, text/html",
            ]
        ),
    ),
    st.tuples(
        st.just("Content-Length"), st.sampled_from(["0", "3", "999", "-1", "abc", " 4", "4, 4"])
    ),
    st.tuples(st.just("Host"), st.sampled_from(["example.com", "evil.test", "a b", "x:99999"])),
    st.tuples(
        st.just("Sec-Fetch-Site"), st.sampled_from(["same-origin", "cross-site", "none", "??"])
    ),
    st.tuples(
        st.just("Origin"), st.sampled_from(["null", "http://example.com", "http://evil.test"])
    ),
    st.tuples(st.just("Transfer-Encoding"), st.just("chunked")),
    st.tuples(
        st.just("Cookie"),
        st.sampled_from(["session=\xff", "a=b; session=.x.y.z", "a=c", "b=1,2", 'q="x;y"']),
    ),
)


REQUESTS = st.fixed_dictionaries(
    {
        "method": st.sampled_from(["GET", "POST", "PUT"]),
        "path": st.sampled_from(
            ["/form", "/json", "/data", "/args", "/go", "/cookies", "/missing", "//go"]
        ),
        "query": st.one_of(_TEXT, st.sampled_from([b"next=/x%0d%0aSet-Cookie:a", b"a=%ff%fe"])),
        "headers": st.lists(_HEADER, max_size=5),
        "body": st.one_of(_TEXT, _JSONISH),
    }
)


def _environ(raw: dict[str, Any]) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": raw["method"],
        "SCRIPT_NAME": "",
        "PATH_INFO": raw["path"],
        "QUERY_STRING": raw["query"].decode("latin-1"),
        "SERVER_NAME": "example.com",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(raw["body"]),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in raw["headers"]:
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = f"HTTP_{key}"
        # Cookies are joined as hipflask's own WSGI fronts join them (RFC
        # 6265); a server that joins them with a comma glues two together.
        joiner = "; " if key == "HTTP_COOKIE" else ","
        environ[key] = f"{environ[key]}{joiner}{value}" if key in environ else value
    if "HTTP_TRANSFER_ENCODING" in environ:
        # A server that takes a chunked body hands it over de-chunked and ends
        # the stream itself, as granian and gunicorn do.
        environ["wsgi.input_terminated"] = True
    return environ


def _wsgi_answer(raw: dict[str, Any]) -> tuple[int, bytes]:
    statuses: list[int] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        statuses.append(int(status.split(" ", 1)[0]))
        return lambda data: None

    result = APP(_environ(raw), start_response)
    body = b"".join(result)
    getattr(result, "close", lambda: None)()
    return statuses[0], body


def _asgi_answer(raw: dict[str, Any]) -> tuple[int, bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": raw["method"],
        "scheme": "http",
        "path": raw["path"],
        "raw_path": raw["path"].encode(),
        "query_string": raw["query"],
        "root_path": "",
        "headers": [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in raw["headers"]
        ],
        "server": ("example.com", 80),
        "client": ("127.0.0.1", 50000),
    }
    incoming = [{"type": "http.request", "body": raw["body"], "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if incoming:
            return incoming.pop(0)
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(APP(scope, receive, send))
    body = b"".join(message.get("body", b"") for message in sent[1:])
    return int(sent[0]["status"]), body


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(REQUESTS)
def test_any_request_gets_no_5xx_and_the_same_status_under_wsgi_and_asgi(
    raw: dict[str, Any],
) -> None:
    names = {name for name, _value in raw["headers"]}
    if not names & {"Content-Length", "Transfer-Encoding"}:
        # HTTP/1.1 framing: without either header a request has no body.
        raw = {**raw, "body": b""}
    wsgi, wsgi_body = _wsgi_answer(raw)
    asgi, asgi_body = _asgi_answer(raw)

    assert wsgi < 500
    assert asgi < 500
    assert wsgi == asgi
    if raw["path"] == "/cookies":
        assert wsgi_body == asgi_body
