"""The request object on its own: construction, subclasses, parsing without an app, closing."""

from __future__ import annotations

import io
from typing import Any

import pytest
from werkzeug.datastructures import Headers
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.exceptions import UnsupportedMediaType
from werkzeug.test import create_environ

from hipflask import Hipflask
from hipflask import request
from hipflask.testing.client import HipflaskClient
from hipflask.wrappers.request import Request


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
