"""The request object, seen from views under both protocols, and on its own."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
from typing import Any

import pytest
from tests.asgi_driver import http_scope
from tests.asgi_driver import request_body
from tests.asgi_driver import serve
from werkzeug.datastructures import FileStorage
from werkzeug.datastructures import Headers
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.exceptions import UnsupportedMediaType
from werkzeug.test import create_environ

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import request
from hipflask.json.provider import DefaultJSONProvider
from hipflask.testing.client import HipflaskClient
from hipflask.wrappers.request import Request

# --- helpers ----------------------------------------------------------------

FORM = "application/x-www-form-urlencoded"


def multipart(boundary: str, *parts: tuple[str, str]) -> bytes:
    """A multipart/form-data body with one text field per part."""
    body = b""
    for name, value in parts:
        body += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
    return body + f"--{boundary}--\r\n".encode()


def run_asgi(
    app: Hipflask,
    method: str,
    path: str,
    chunks: list[bytes],
    headers: list[tuple[bytes, bytes]],
) -> tuple[int, bytes]:
    """Send a request as a server would, the body in several ``http.request`` messages."""
    messages = [
        {"type": "http.request", "body": chunk, "more_body": index < len(chunks) - 1}
        for index, chunk in enumerate(chunks)
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"localhost"), *headers],
        "server": ("localhost", 80),
        "client": ("127.0.0.1", 50000),
    }
    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def run_wsgi(app: Hipflask, environ: dict[str, Any]) -> tuple[str, bytes]:
    """Call the app as a WSGI server would."""
    base = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
    }
    base.update(environ)
    status: list[str] = []
    body = b"".join(app(base, lambda s, h, e=None: status.append(s)))
    return status[0], body


@pytest.fixture
def echo(app: Hipflask) -> Hipflask:
    """An app whose ``/echo`` view answers with the body it read."""

    @app.route("/echo", methods=["POST", "PUT"])
    def echo_view() -> bytes:
        return request.get_data()

    return app


# --- method, URL and addressing ---------------------------------------------


def test_url_parts_describe_the_request(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/items/<int:item_id>")
    def item(item_id: int) -> dict[str, Any]:
        return {
            "method": request.method,
            "path": request.path,
            "full_path": request.full_path,
            "url": request.url,
            "base_url": request.base_url,
            "url_root": request.url_root,
            "host": request.host,
            "scheme": request.scheme,
            "is_secure": request.is_secure,
            "endpoint": request.endpoint,
            "view_args": request.view_args,
            "blueprint": request.blueprint,
        }

    data = client.get("/items/7?q=a+b").get_json()

    assert data == {
        "method": "GET",
        "path": "/items/7",
        "full_path": "/items/7?q=a+b",
        "url": "http://localhost/items/7?q=a+b",
        "base_url": "http://localhost/items/7",
        "url_root": "http://localhost/",
        "host": "localhost",
        "scheme": "http",
        "is_secure": False,
        "endpoint": "item",
        "view_args": {"item_id": 7},
        "blueprint": None,
    }


def test_https_request_is_secure(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return {"scheme": request.scheme, "secure": request.is_secure, "url": request.url}

    data = client.get("/", base_url="https://example.test:8443").get_json()

    assert data == {"scheme": "https", "secure": True, "url": "https://example.test:8443/"}


def test_client_details_come_from_the_connection_and_headers(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return {
            "remote_addr": request.remote_addr,
            "referrer": request.referrer,
            "user_agent": request.user_agent.string,
            "access_route": request.access_route,
        }

    data = client.get(
        "/",
        headers={
            "Referer": "https://example.test/from",
            "User-Agent": "probe/1.0",
            "X-Forwarded-For": "203.0.113.9, 10.0.0.2",
        },
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    ).get_json()

    assert data == {
        "remote_addr": "10.0.0.1",
        "referrer": "https://example.test/from",
        "user_agent": "probe/1.0",
        "access_route": ["203.0.113.9", "10.0.0.2"],
    }


def test_access_route_without_forwarding_is_the_peer(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return {"route": request.access_route}

    assert client.get("/").get_json() == {"route": ["127.0.0.1"]}


def test_blueprint_names_the_handling_blueprint(app: Hipflask, client: HipflaskClient) -> None:
    parent = Blueprint("parent", __name__, url_prefix="/parent")
    child = Blueprint("child", __name__, url_prefix="/child")

    @child.route("/leaf")
    def leaf() -> dict[str, Any]:
        return {
            "endpoint": request.endpoint,
            "blueprint": request.blueprint,
            "blueprints": request.blueprints,
        }

    parent.register_blueprint(child)
    app.register_blueprint(parent)

    data = client.get("/parent/child/leaf").get_json()

    assert data == {
        "endpoint": "parent.child.leaf",
        "blueprint": "parent.child",
        "blueprints": ["parent.child", "parent"],
    }


def test_unmatched_request_has_no_endpoint(app: Hipflask, client: HipflaskClient) -> None:
    seen: list[Any] = []

    @app.errorhandler(404)
    def not_found(error: Exception) -> tuple[str, int]:
        seen.append((request.endpoint, request.blueprint, request.view_args, request.blueprints))
        return "gone", 404

    assert client.get("/nowhere").status_code == 404
    assert seen == [(None, None, None, [])]


# --- query string, headers, cookies ------------------------------------------


def test_args_get_converts_with_type_and_falls_back_to_default(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        args = request.args
        return {
            "page": args.get("page", 1, type=int),
            "bad": args.get("bad", 1, type=int),
            "missing": args.get("missing", 5, type=int),
            "tags": args.getlist("tag"),
        }

    data = client.get("/?page=3&bad=x&tag=a&tag=b").get_json()

    assert data == {"page": 3, "bad": 1, "missing": 5, "tags": ["a", "b"]}


def test_headers_are_case_insensitive(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return {
            "lower": request.headers.get("x-token"),
            "upper": request.headers["X-TOKEN"],
            "missing": request.headers.get("X-Missing"),
        }

    data = client.get("/", headers={"X-Token": "abc"}).get_json()

    assert data == {"lower": "abc", "upper": "abc", "missing": None}


def test_cookies_sent_by_the_client_are_readable(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return dict(request.cookies)

    client.set_cookie("a", "1")
    client.set_cookie("b", "two")
    data = client.get("/").get_json()

    assert data == {"a": "1", "b": "two"}


def test_cookies_parse_as_werkzeug_parses_them(app: Hipflask, protocol: str) -> None:
    from werkzeug.sansio.request import Request as SansIORequest

    @app.route("/")
    def index() -> dict[str, Any]:
        # Werkzeug's request over the same headers: hipflask reads the
        # Cookie header without making the header object, to the same result.
        reference = SansIORequest("GET", "http", None, "", "/", b"", request.headers, None)
        cookies = request.cookies
        assert type(cookies).__name__ == "ImmutableMultiDict"
        return {
            "all": cookies.to_dict(flat=False),
            "reference": reference.cookies.to_dict(flat=False),
            "missing": cookies.get("nope", "default"),
        }

    headers = [("Cookie", 'a=1; b="x y"; c=caf\303\251'), ("Cookie", "a=2; d=\xff")]
    # Without a cookie jar, which would replace the header with its own.
    client = app.test_client(use_cookies=False, protocol=protocol)
    data = client.get("/", headers=headers).get_json()

    assert data["all"] == data["reference"]
    assert data["all"]["b"] == ["x y"]
    assert data["missing"] == "default"


def test_cookies_follow_headers_a_hook_replaced(app: Hipflask, protocol: str) -> None:
    from werkzeug.datastructures import Headers

    @app.before_request
    def rewrite() -> None:
        request.headers = Headers([("Cookie", "rewritten=1")])

    @app.route("/")
    def index() -> dict[str, Any]:
        return dict(request.cookies)

    client = app.test_client(use_cookies=False, protocol=protocol)

    assert client.get("/", headers={"Cookie": "orig=1"}).get_json() == {"rewritten": "1"}


def test_cookies_follow_a_request_class_own_headers(protocol: str) -> None:
    from werkzeug.datastructures import Headers

    class Rewriting(Request):
        @property
        def headers(self) -> Headers:  # type: ignore[override]
            return Headers([("Cookie", "from_class=1")])

    app = Hipflask(__name__)
    app.request_class = Rewriting

    @app.route("/")
    def index() -> dict[str, Any]:
        return dict(request.cookies)

    client = app.test_client(use_cookies=False, protocol=protocol)

    assert client.get("/", headers={"Cookie": "orig=1"}).get_json() == {"from_class": "1"}


# --- form, files, values -------------------------------------------------------


def test_form_fields_and_content_metadata(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        return {
            "form": request.form.to_dict(flat=False),
            "content_type": request.content_type,
            "mimetype": request.mimetype,
            "content_length": request.content_length,
        }

    data = client.post("/", data={"name": "Ada", "lang": ["py", "c"]}).get_json()

    assert data == {
        "form": {"name": ["Ada"], "lang": ["py", "c"]},
        "content_type": "application/x-www-form-urlencoded",
        "mimetype": "application/x-www-form-urlencoded",
        "content_length": len("name=Ada&lang=py&lang=c"),
    }


def test_uploaded_file_can_be_saved(app: Hipflask, client: HipflaskClient, tmp_path: Path) -> None:
    @app.route("/upload", methods=["POST"])
    def upload() -> dict[str, Any]:
        upload = request.files["doc"]
        assert isinstance(upload, FileStorage)
        target = tmp_path / "saved.txt"
        upload.save(target)
        return {
            "filename": upload.filename,
            "mimetype": upload.mimetype,
            "field": request.form["title"],
        }

    response = client.post(
        "/upload",
        data={"title": "notes", "doc": (io.BytesIO(b"file body"), "notes.txt", "text/plain")},
    )

    assert response.get_json() == {
        "filename": "notes.txt",
        "mimetype": "text/plain",
        "field": "notes",
    }
    assert (tmp_path / "saved.txt").read_bytes() == b"file body"


def test_values_combine_args_and_form_except_for_get(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["GET", "POST"])
    def index() -> dict[str, Any]:
        return request.values.to_dict(flat=False)

    posted = client.post("/?a=1", data={"b": "2"}).get_json()
    got = client.get("/?a=1", data={"b": "2"}).get_json()

    assert posted == {"a": ["1"], "b": ["2"]}
    assert got == {"a": ["1"]}


def test_missing_form_field_is_a_400_not_a_500(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> str:
        return request.form["absent"]

    assert client.post("/", data={"other": "x"}).status_code == 400


def test_body_without_content_type_is_data_not_form(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        return {"data": request.data.decode(), "form": request.form.to_dict()}

    response = client.post("/", data=b"a=1")

    assert response.get_json() == {"data": "a=1", "form": {}}


# --- raw body ------------------------------------------------------------------


def test_get_data_reads_the_body_once_and_caches_it(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        first = request.get_data()
        return {
            "first": first.decode(),
            "again": request.get_data(as_text=True),
            "data": request.data.decode(),
        }

    response = client.post("/", data=b"payload", content_type="application/octet-stream")

    assert response.get_json() == {"first": "payload", "again": "payload", "data": "payload"}


def test_stream_gives_the_raw_body_unparsed(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> bytes:
        return request.stream.read()

    response = client.post("/", data={"a": "1"})

    assert response.data == b"a=1"


def test_input_stream_reads_the_body_within_its_length(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/", methods=["POST"])
    def index() -> bytes:
        return request.input_stream.read()

    response = client.post("/", data=b"raw body", content_type="application/octet-stream")

    assert response.data == b"raw body"


def test_the_body_read_by_get_data_is_readable_again_once_the_form_is_loaded(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/echo", methods=["POST"])
    def echo() -> dict[str, str]:
        data = request.get_data(as_text=True)
        assert not request.form  # an extension or a hook may look at it
        return {"data": data, "stream": request.stream.read().decode()}

    @app.route("/held", methods=["POST"])
    def held() -> dict[str, int]:
        spent = request.stream  # code given the stream (or the environ) up front
        data = request.get_data()
        assert not request.form
        return {"data": len(data), "rest": len(spent.read())}

    for content_type in ("application/json", "text/plain"):
        response = client.post("/echo", data='{"x": 1}', content_type=content_type)
        assert response.get_json() == {"data": '{"x": 1}', "stream": '{"x": 1}'}
        response = client.post("/held", data='{"x": 1}', content_type=content_type)
        assert response.get_json() == {"data": 8, "rest": 0}


def test_get_data_as_text_replaces_invalid_utf8(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> str:
        return request.get_data(as_text=True)

    response = client.post("/", data=b"ok\xff", content_type="text/plain")

    assert response.text == "ok\ufffd"


def test_get_data_without_cache_consumes_the_stream(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        first = request.get_data(cache=False)
        return {"first": first.decode(), "second": request.get_data(cache=False).decode()}

    response = client.post("/", data=b"once", content_type="text/plain")

    assert response.get_json() == {"first": "once", "second": ""}


def test_form_can_be_parsed_after_the_body_was_read(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        raw = request.get_data()
        return {"raw": raw.decode(), "form": request.form.to_dict()}

    response = client.post("/", data={"a": "1"})

    assert response.get_json() == {"raw": "a=1", "form": {"a": "1"}}


# --- JSON ------------------------------------------------------------------------


def test_json_body_is_parsed(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        return {"json": request.json, "get_json": request.get_json(), "is_json": request.is_json}

    response = client.post("/", json={"a": [1, 2]})

    assert response.get_json() == {
        "json": {"a": [1, 2]},
        "get_json": {"a": [1, 2]},
        "is_json": True,
    }


def test_invalid_json_is_a_400_with_a_short_message(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> Any:
        return request.get_json()

    response = client.post("/", data="{not json", content_type="application/json")

    assert response.status_code == 400
    assert "The request body is not valid JSON." in response.text
    assert "Traceback" not in response.text


def test_invalid_json_in_debug_mode_says_what_failed(app: Hipflask, client: HipflaskClient) -> None:
    app.config["DEBUG"] = True

    @app.route("/", methods=["POST"])
    def index() -> Any:
        return request.get_json()

    response = client.post("/", data="{not json", content_type="application/json")

    assert response.status_code == 400
    assert "Failed to decode JSON object" in response.text


def test_json_with_the_wrong_content_type_is_a_415(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> Any:
        return request.json

    response = client.post("/", data='{"a": 1}', content_type="text/plain")

    assert response.status_code == 415
    assert "application/json" in response.text


def test_force_parses_json_whatever_the_content_type(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> Any:
        return {"got": request.get_json(force=True)}

    response = client.post("/", data='{"a": 1}', content_type="text/plain")

    assert response.get_json() == {"got": {"a": 1}}


def test_silent_returns_none_for_bad_or_missing_json(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> Any:
        return {"got": request.get_json(silent=True)}

    bad = client.post("/", data="{", content_type="application/json")
    wrong_type = client.post("/", data='{"a": 1}', content_type="text/plain")

    assert bad.get_json() == {"got": None}
    assert wrong_type.get_json() == {"got": None}


def test_silent_failure_does_not_hide_the_error_from_a_later_strict_call(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/", methods=["POST"])
    def index() -> Any:
        assert request.get_json(silent=True) is None
        assert request.get_json(silent=True) is None
        return request.get_json()

    response = client.post("/", data="{", content_type="application/json")

    assert response.status_code == 400


def test_parsed_json_is_cached_unless_asked_not_to(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        first = request.get_json()
        cached = request.get_json()
        fresh = request.get_json(cache=False)
        return {
            "same": first is cached,
            "fresh_is_new": fresh is not first,
            "equal": fresh == first,
        }

    response = client.post("/", json={"a": 1})

    assert response.get_json() == {"same": True, "fresh_is_new": True, "equal": True}


def test_json_null_body_is_none_and_cached(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        return {"first": request.get_json(), "second": request.get_json()}

    response = client.post("/", data="null", content_type="application/json")

    assert response.get_json() == {"first": None, "second": None}


def test_json_content_type_with_suffix_counts_as_json(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/", methods=["POST"])
    def index() -> Any:
        return {"got": request.get_json()}

    response = client.post("/", data='{"a": 1}', content_type="application/problem+json")

    assert response.get_json() == {"got": {"a": 1}}


@pytest.mark.parametrize("provider", ["default", "stdlib"])
def test_deeply_nested_json_is_a_400(app: Hipflask, client: HipflaskClient, provider: str) -> None:
    if provider == "stdlib":

        class StdlibProvider(DefaultJSONProvider):
            def loads(self, s: str | bytes, **kwargs: Any) -> Any:
                return json.loads(s, **kwargs)

        app.json = StdlibProvider(app)

    @app.route("/", methods=["POST"])
    def index() -> Any:
        return {"got": request.get_json()}

    response = client.post("/", data="[" * 100_000, content_type="application/json")

    assert response.status_code == 400


# --- body limits -------------------------------------------------------------------


def test_declared_body_over_max_content_length_is_a_413(
    echo: Hipflask, client: HipflaskClient
) -> None:
    echo.config["MAX_CONTENT_LENGTH"] = 8

    too_big = client.post("/echo", data=b"123456789", content_type="text/plain")
    at_limit = client.post("/echo", data=b"12345678", content_type="text/plain")

    assert too_big.status_code == 413
    assert at_limit.status_code == 200
    assert at_limit.data == b"12345678"


def test_max_content_length_none_accepts_any_size(echo: Hipflask, client: HipflaskClient) -> None:
    echo.config["MAX_CONTENT_LENGTH"] = None

    response = client.post("/echo", data=b"x" * 100_000, content_type="text/plain")

    assert response.status_code == 200
    assert len(response.data) == 100_000


def test_per_request_limit_can_lower_max_content_length(
    echo: Hipflask, client: HipflaskClient
) -> None:
    @echo.before_request
    def tighten() -> None:
        if request.args.get("small"):
            request.max_content_length = 4

    assert client.post("/echo?small=1", data=b"12345", content_type="text/plain").status_code == 413
    assert client.post("/echo?small=1", data=b"1234", content_type="text/plain").data == b"1234"
    assert client.post("/echo", data=b"12345", content_type="text/plain").data == b"12345"


def test_undeclared_asgi_body_over_the_limit_is_a_413(echo: Hipflask) -> None:
    echo.config["MAX_CONTENT_LENGTH"] = 8
    headers = [(b"content-type", b"text/plain"), (b"transfer-encoding", b"chunked")]

    over = run_asgi(echo, "POST", "/echo", [b"12345", b"6789"], headers)
    at_limit = run_asgi(echo, "POST", "/echo", [b"1234", b"5678"], headers)

    assert over[0] == 413
    assert at_limit == (200, b"12345678")


def test_undeclared_asgi_body_honours_a_lowered_per_request_limit(echo: Hipflask) -> None:
    @echo.before_request
    def tighten() -> None:
        request.max_content_length = 4

    headers = [(b"content-type", b"text/plain")]

    assert run_asgi(echo, "POST", "/echo", [b"12", b"345"], headers)[0] == 413
    assert run_asgi(echo, "POST", "/echo", [b"12", b"34"], headers) == (200, b"1234")


def test_terminated_wsgi_body_over_the_limit_is_a_413(echo: Hipflask) -> None:
    echo.config["MAX_CONTENT_LENGTH"] = 8

    def chunked(body: bytes) -> dict[str, Any]:
        return {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/echo",
            "CONTENT_TYPE": "text/plain",
            "HTTP_TRANSFER_ENCODING": "chunked",
            "wsgi.input": io.BytesIO(body),
            "wsgi.input_terminated": True,
        }

    over = run_wsgi(echo, chunked(b"123456789"))
    at_limit = run_wsgi(echo, chunked(b"12345678"))

    assert over[0].startswith("413")
    assert at_limit == ("200 OK", b"12345678")


def test_terminated_wsgi_body_read_in_pieces_stops_at_the_limit(app: Hipflask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 8
    pieces: list[bytes] = []

    @app.route("/", methods=["POST"])
    def index() -> str:
        while chunk := request.stream.read(3):
            pieces.append(chunk)
        return "read"

    def chunked(body: bytes) -> dict[str, Any]:
        return {
            "REQUEST_METHOD": "POST",
            "CONTENT_TYPE": "text/plain",
            "wsgi.input": io.BytesIO(body),
            "wsgi.input_terminated": True,
        }

    assert run_wsgi(app, chunked(b"12345678")) == ("200 OK", b"read")
    assert b"".join(pieces) == b"12345678"
    assert run_wsgi(app, chunked(b"123456789"))[0].startswith("413")


def test_chunked_wsgi_body_without_server_termination_is_not_read(echo: Hipflask) -> None:
    # Without wsgi.input_terminated nothing says where the body ends; reading
    # it could block forever, so it is treated as empty.
    status, body = run_wsgi(
        echo,
        {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/echo",
            "CONTENT_TYPE": "text/plain",
            "wsgi.input": io.BytesIO(b"12345"),
        },
    )

    assert (status, body) == ("200 OK", b"")


def test_urlencoded_field_over_max_form_memory_size_is_a_413(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.config["MAX_FORM_MEMORY_SIZE"] = 10

    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        return request.form.to_dict()

    assert client.post("/", data={"a": "x" * 20}).status_code == 413
    assert client.post("/", data={"a": "x" * 5}).get_json() == {"a": "xxxxx"}


def test_multipart_text_field_over_max_form_memory_size_is_a_413(
    app: Hipflask, client: HipflaskClient
) -> None:
    # The limit bounds text fields held in memory; files are spooled instead.
    app.config["MAX_FORM_MEMORY_SIZE"] = 100_000

    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        return {"form": list(request.form), "files": list(request.files)}

    big_field = client.post(
        "/",
        data={"a": "x" * 150_000, "f": (io.BytesIO(b"y"), "f.txt")},
    )
    big_file = client.post(
        "/",
        data={"a": "x", "f": (io.BytesIO(b"y" * 300_000), "f.txt")},
    )

    assert big_field.status_code == 413
    assert big_file.get_json() == {"form": ["a"], "files": ["f"]}


def test_multipart_with_more_parts_than_max_form_parts_is_a_413(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.config["MAX_FORM_PARTS"] = 3

    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        return request.form.to_dict()

    content_type = "multipart/form-data; boundary=xyz"
    four = multipart("xyz", ("a", "1"), ("b", "2"), ("c", "3"), ("d", "4"))
    two = multipart("xyz", ("a", "1"), ("b", "2"))

    assert client.post("/", data=four, content_type=content_type).status_code == 413
    assert client.post("/", data=two, content_type=content_type).get_json() == {"a": "1", "b": "2"}


def test_form_limits_can_be_set_per_request(app: Hipflask, client: HipflaskClient) -> None:
    @app.before_request
    def tighten() -> None:
        request.max_form_memory_size = 5
        request.max_form_parts = 1

    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        return {
            "memory": request.max_form_memory_size,
            "parts": request.max_form_parts,
            "form": request.form.to_dict(),
        }

    assert client.post("/", data={"a": "xxxx"}).status_code == 413
    assert client.post("/", data="a=1&b=2", content_type=FORM).status_code == 413
    assert client.post("/", data={"a": "xx"}).get_json() == {
        "memory": 5,
        "parts": 1,
        "form": {"a": "xx"},
    }


def test_limits_follow_the_config(app: Hipflask, client: HipflaskClient) -> None:
    app.config.update(MAX_CONTENT_LENGTH=123, MAX_FORM_MEMORY_SIZE=45, MAX_FORM_PARTS=6)

    @app.route("/")
    def index() -> dict[str, Any]:
        return {
            "content": request.max_content_length,
            "memory": request.max_form_memory_size,
            "parts": request.max_form_parts,
        }

    assert client.get("/").get_json() == {"content": 123, "memory": 45, "parts": 6}


# --- environ ---------------------------------------------------------------------------


def test_environ_describes_the_request_under_both_protocols(
    app: Hipflask, client: HipflaskClient, protocol: str
) -> None:
    @app.route("/env", methods=["POST"])
    def env() -> dict[str, Any]:
        environ = request.environ
        return {
            "method": environ["REQUEST_METHOD"],
            "path": environ["PATH_INFO"],
            "script": environ["SCRIPT_NAME"],
            "query": environ["QUERY_STRING"],
            "content_type": environ["CONTENT_TYPE"],
            "content_length": environ["CONTENT_LENGTH"],
            "custom": environ["HTTP_X_CUSTOM"],
            "remote": environ["REMOTE_ADDR"],
            "scheme": environ["wsgi.url_scheme"],
            "server": environ["SERVER_NAME"],
            "body": environ["wsgi.input"].read().decode(),
            "is_asgi": "asgi.scope" in environ,
        }

    data = client.post(
        "/env?x=1", data=b"body!", content_type="text/plain", headers={"X-Custom": "yes"}
    ).get_json()

    assert data == {
        "method": "POST",
        "path": "/env",
        "script": "",
        "query": "x=1",
        "content_type": "text/plain",
        "content_length": "5",
        "custom": "yes",
        "remote": "127.0.0.1",
        "scheme": "http",
        "server": "localhost",
        "body": "body!",
        "is_asgi": protocol == "asgi",
    }


def test_environ_gives_the_request_target_as_sent(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/<path:rest>")
    def target(rest: str) -> dict[str, Any]:
        environ = request.environ
        return {"raw": environ["RAW_URI"], "uri": environ["REQUEST_URI"], "path": rest}

    data = client.get("/a%20b/c?q=%C3%A9").get_json()

    assert data == {"raw": "/a%20b/c?q=%C3%A9", "uri": "/a%20b/c?q=%C3%A9", "path": "a b/c"}


def test_synthesised_environ_target_comes_from_raw_path(app: Hipflask) -> None:
    @app.route("/<path:rest>")
    def target(rest: str) -> dict[str, Any]:
        return {"raw": request.environ["RAW_URI"]}

    def scope(**extra: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "method": "GET",
            "path": "/x y",
            "query_string": b"k=v",
            "headers": [(b"host", b"localhost")],
            **extra,
        }

    for given, expected in ((scope(raw_path=b"/x%20y"), "/x%20y?k=v"), (scope(), "/x%20y?k=v")):
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any], sent: list[dict[str, Any]] = sent) -> None:
            sent.append(message)

        asyncio.run(app(given, receive, send))

        assert json.loads(sent[1]["body"]) == {"raw": expected}


def test_synthesised_environ_joins_repeated_headers(app: Hipflask) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        environ = request.environ
        return {"accept": environ["HTTP_ACCEPT"], "port": environ["SERVER_PORT"]}

    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "query_string": b"",
        "headers": [(b"host", b"localhost"), (b"accept", b"text/html"), (b"accept", b"*/*")],
        "server": ("localhost", 8000),
        "client": ("127.0.0.1", 1),
    }
    asyncio.run(app(scope, receive, send))

    assert json.loads(sent[1]["body"]) == {"accept": "text/html,*/*", "port": "8000"}


def test_reading_the_environ_of_an_oversized_asgi_body_is_not_an_error(app: Hipflask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 2

    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        environ = request.environ
        return {"method": environ["REQUEST_METHOD"], "input": environ["wsgi.input"].read().decode()}

    status, body = run_asgi(app, "POST", "/", [b"12345"], [(b"content-type", b"text/plain")])

    assert status == 200
    assert json.loads(body) == {"method": "POST", "input": ""}


# --- the object on its own -------------------------------------------------------------


def make_request(**kwargs: Any) -> Request:
    headers = Headers(kwargs.pop("headers", {}))
    return Request(
        kwargs.pop("method", "get"),
        "http",
        ("localhost", 80),
        kwargs.pop("root_path", ""),
        kwargs.pop("path", "/"),
        kwargs.pop("query_string", b""),
        headers,
        "127.0.0.1",
        **kwargs,
    )


def test_request_normalises_method_and_paths() -> None:
    req = make_request(method="post", root_path="/app/", path="items")

    assert req.method == "POST"
    assert req.root_path == "/app"
    assert req.script_root == "/app"
    assert req.path == "/items"


def test_request_without_an_app_has_no_limits_and_an_empty_environ() -> None:
    req = make_request()

    assert req.max_content_length is None
    assert req.max_form_memory_size is None
    assert req.max_form_parts is None
    assert req.environ == {}
    assert req.get_data() == b""


def test_request_builds_its_environ_once_on_demand() -> None:
    calls: list[Request] = []

    def build(req: Request) -> dict[str, Any]:
        calls.append(req)
        return {"REQUEST_METHOD": req.method}

    req = make_request(make_environ=build)

    assert calls == []
    assert req.environ == {"REQUEST_METHOD": "GET"}
    assert req.environ is req.environ
    assert calls == [req]


def test_request_without_an_app_parses_json_with_the_stdlib() -> None:
    body = io.BytesIO(b'{"a": 1}')
    req = make_request(headers={"Content-Type": "application/json"}, open_stream=lambda r: body)

    assert req.get_json() == {"a": 1}


def test_request_without_an_app_refuses_bad_json_with_400() -> None:
    body = io.BytesIO(b"{")
    req = make_request(headers={"Content-Type": "application/json"}, open_stream=lambda r: body)

    with pytest.raises(BadRequest, match="not valid JSON"):
        req.get_json()


def test_request_json_of_wrong_type_raises_415() -> None:
    req = make_request(headers={"Content-Type": "text/plain"})

    with pytest.raises(UnsupportedMediaType):
        _ = req.json


def test_declared_length_over_a_limit_set_on_the_request_raises_413() -> None:
    req = make_request(headers={"Content-Length": "10"})
    req.max_content_length = 5

    with pytest.raises(RequestEntityTooLarge):
        req.get_data()


def test_close_closes_uploaded_files_and_the_stream() -> None:
    body = (
        b'--b\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n\r\nhi\r\n--b--\r\n'
    )
    stream = io.BytesIO(body)
    req = make_request(
        method="POST",
        headers={
            "Content-Type": "multipart/form-data; boundary=b",
            "Content-Length": str(len(body)),
        },
        open_stream=lambda r: stream,
    )
    upload = req.files["f"]

    with req:
        assert upload.read() == b"hi"

    assert upload.closed
    assert stream.closed


def test_close_without_reading_anything_is_harmless() -> None:
    req = make_request()

    req.close()

    assert "stream" not in req.__dict__


def test_body_reads_as_empty_once_the_form_consumed_it(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        form = request.form.to_dict()
        return {"form": form, "data": request.get_data(parse_form_data=True).decode()}

    response = client.post("/", data={"a": "1"})

    assert response.get_json() == {"form": {"a": "1"}, "data": ""}


def test_silent_failure_without_cache_is_not_remembered(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/", methods=["POST"])
    def index() -> Any:
        assert request.get_json(silent=True, cache=False) is None
        assert "_cached_json" not in request.__dict__
        return request.get_json()

    assert client.post("/", data="{", content_type="application/json").status_code == 400


# -- hosts that are not valid IDNA ------------------------------------------------


@pytest.mark.parametrize("host", ["xn--.test", "a.xn--.b"])
def test_building_a_url_from_an_invalid_idna_host_is_a_400(app: Hipflask, host: str) -> None:
    from tests.asgi_driver import http_scope
    from tests.asgi_driver import serve

    @app.route("/")
    def index() -> str:
        return request.url

    statuses: list[str] = []
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": host.encode().decode("latin-1"),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
    }
    body = b"".join(app.wsgi_app(environ, lambda status, headers: statuses.append(status)))
    connection = serve(app, http_scope(headers=[]) | {"headers": [(b"host", host.encode())]})

    assert statuses[0].startswith("400"), body
    assert b"not a valid host name" in body
    assert connection.status == 400


def test_url_attributes_of_a_valid_idna_host_are_text(app: Hipflask) -> None:
    with app.test_request_context("/p?q=1", base_url="http://xn--n3h.test/r/"):
        assert request.url == "http://\u2603.test/r/p?q=1"
        assert request.base_url == "http://\u2603.test/r/p"
        assert request.root_url == "http://\u2603.test/r/"
        assert request.host_url == "http://\u2603.test/"


@pytest.mark.parametrize("base_url", ["http://xn--n3h\u2603.test/", "http://a..b/", "http://[::1/"])
def test_test_request_context_with_a_malformed_host_is_the_builders_error(
    app: Hipflask, base_url: str
) -> None:
    # As in Flask: a test that builds a bad request gets the builder's
    # ValueError (UnicodeError for a bad IDNA label), not an HTTP 400.
    with pytest.raises(ValueError):
        app.test_request_context("/", base_url=base_url)


# -- per-request limits -------------------------------------------------------------


def test_max_content_length_set_for_one_request_applies_to_it(client: HipflaskClient) -> None:
    app = client.app

    @app.route("/upload", methods=["POST"])
    def upload() -> str:
        request.max_content_length = 4
        return str(len(request.get_data()))

    @app.route("/other", methods=["POST"])
    def other() -> str:
        return str(len(request.get_data()))

    assert client.post("/upload", data=b"x" * 10).status_code == 413
    assert client.post("/other", data=b"x" * 10).text == "10"


def test_max_form_memory_size_set_for_one_request_applies_to_it(client: HipflaskClient) -> None:
    app = client.app

    @app.route("/form", methods=["POST"])
    def form() -> str:
        request.max_form_memory_size = 8
        return request.form["a"]

    assert client.post("/form", data={"a": "x" * 50}).status_code == 413
    assert client.post("/form", data={"a": "xy"}).text == "xy"


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_query_bytes_that_are_not_utf8_are_kept_percent_encoded(
    app: Hipflask, protocol: str
) -> None:
    from tests.security.test_malformed import send_asgi
    from tests.security.test_malformed import send_wsgi

    @app.route("/args")
    def args() -> Any:
        return request.args.to_dict()

    send = send_wsgi if protocol == "wsgi" else send_asgi
    query = b"raw=\xff\xfe&escaped=%ff&ok=caf%C3%A9"
    answer = send(app, "GET", b"/args", query, [], b"", False)

    assert answer.status == 200
    assert json.loads(answer.body) == {"raw": "%FF%FE", "escaped": "%FF", "ok": "café"}


def test_a_form_read_in_pieces_is_read_to_its_end() -> None:
    class Trickle(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            return super().read(min(3, size if size is not None and size >= 0 else 3))

    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": "17",
        "wsgi.input": Trickle(b"role=user&x=12345"),
        "wsgi.input_terminated": True,
    }
    app = Hipflask("pieces")
    with app.test_request_context(environ_overrides=environ):
        assert request.form.to_dict() == {"role": "user", "x": "12345"}


@pytest.mark.parametrize(
    "content_type",
    [
        "",
        "application/json",
        " Text/HTML\t",
        "text/html; charset=utf-8",
        "TEXT/plain ;",
        'multipart/form-data; boundary="x;y"',
        "text/plain\x0b",
    ],
)
def test_mimetype_is_werkzeugs(content_type: str) -> None:
    from werkzeug.sansio.request import Request as SansIORequest

    headers = Headers({"Content-Type": content_type})
    ours = Request("POST", "http", None, "", "/", b"", headers, None)
    theirs = SansIORequest("POST", "http", None, "", "/", b"", headers, None)

    assert (ours.mimetype, ours.mimetype_params) == (theirs.mimetype, theirs.mimetype_params)


def test_a_request_class_with_its_own_init_is_called_by_the_adapters(
    app: Hipflask, client: HipflaskClient
) -> None:
    class TaggedRequest(Request):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.tag = "made by __init__"

    app.request_class = TaggedRequest

    @app.get("/")
    def index() -> str:
        return request.tag  # type: ignore[attr-defined, no-any-return]

    assert client.get("/").text == "made by __init__"


def test_closing_drops_the_tracebacks_of_the_routing_error_and_its_causes() -> None:
    req = make_request()
    try:
        try:
            raise LookupError("no rule")
        except LookupError:
            raise BadRequest("routing failed") from None
    except BadRequest as exc:
        req.routing_exception = exc
    error = req.routing_exception
    assert error is not None
    assert error.__context__ is not None

    req.close()

    assert error.__traceback__ is None
    assert error.__context__.__traceback__ is None
    assert str(error.description) == "routing failed"


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_a_404_lets_go_of_the_frames_that_hold_its_request(protocol: str) -> None:
    # The traceback holds the frames that hold the request, which holds the
    # error: a cycle that would wait for the cyclic garbage collector.
    app = Hipflask("cycles")
    seen: list[Request] = []

    @app.teardown_request
    def keep(exc: BaseException | None) -> None:
        seen.append(request._get_current_object())  # type: ignore[attr-defined]

    response = app.test_client(protocol=protocol).get("/missing")  # type: ignore[call-arg]

    error = seen[0].routing_exception
    assert response.status_code == 404
    assert error is not None
    assert error.__traceback__ is None


class _FlaskStyleRequest(Request):
    """A subclass written for Flask: ``__init__`` takes the environ first."""

    def __init__(self, environ: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(environ, *args, **kwargs)
        self.request_id = environ.get("HTTP_X_REQUEST_ID") or "none"
        self.seen_path = self.path


def test_a_request_subclass_written_for_flask_is_made_with_its_environ(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.request_class = _FlaskStyleRequest

    @app.post("/items/<int:item>")
    def item(item: int) -> dict[str, Any]:
        current = request._get_current_object()  # type: ignore[attr-defined]
        return {
            "id": current.request_id,
            "path": current.seen_path,
            "item": item,
            "name": request.form["name"],
            "method": request.environ["REQUEST_METHOD"],
        }

    response = client.post("/items/7", data={"name": "pen"}, headers={"X-Request-Id": "abc"})

    assert response.json == {
        "id": "abc",
        "path": "/items/7",
        "item": 7,
        "name": "pen",
        "method": "POST",
    }


def test_a_request_is_not_made_from_an_environ_directly(app: Hipflask) -> None:
    environ = create_environ("/")
    with pytest.raises(TypeError, match=r"app\.request_context\(environ\)"):
        Request(environ)
    with app.request_context(environ):
        assert request.path == "/"


@pytest.mark.parametrize("headers_read_first", [False, True])
def test_the_form_reads_the_content_type_as_request_headers_does(
    app: Hipflask, client: HipflaskClient, headers_read_first: bool
) -> None:
    # The content type is read without making request.headers when nothing
    # made it yet; a hook that made them first must see the same form.
    if headers_read_first:

        @app.before_request
        def read_headers() -> None:
            request.headers.get("X-Note")

    @app.post("/fields")
    def fields() -> dict[str, Any]:
        return {"form": request.form.to_dict(), "mimetype": request.mimetype}

    posted = client.post(
        "/fields", data=b"a=1", headers={"Content-Type": "Application/X-WWW-Form-Urlencoded "}
    )
    assert posted.json == {"form": {"a": "1"}, "mimetype": "application/x-www-form-urlencoded"}
    untyped = client.post("/fields", data=b"a=1")
    assert untyped.json == {"form": {}, "mimetype": ""}


@pytest.mark.parametrize("name", [b"Content-Type", b"CONTENT-TYPE", b"content-type"])
def test_an_asgi_form_is_parsed_whatever_case_the_server_gives(app: Hipflask, name: bytes) -> None:
    @app.post("/fields")
    def fields() -> dict[str, Any]:
        return dict(request.form)

    scope = http_scope(
        "/fields",
        method="POST",
        headers=[(name, b"application/x-www-form-urlencoded"), (b"content-length", b"3")],
    )

    answer = serve(app, scope, *request_body(b"a=1"))

    assert (answer.status, json.loads(answer.body)) == (200, {"a": "1"})
