"""The one-frame WSGI path gives exactly what the general adapter gives.

:mod:`hipflask.core.wsgi_direct` serves the usual WSGI request in one frame
and hands everything else to :func:`hipflask.core.wsgi.handle`. Each case
below is served both ways, on the same app after its first request, and
what reaches the server (status line, header list, body) must be the same;
the cases that the one-frame path serves itself are also checked to never
reach the general functions, so the comparison cannot pass vacuously.
The comparisons are WSGI adapter tests (the ASGI adapter has no such path);
the behaviours the one-frame path shares with the direct path's
``serve_plain``, which sync views under ASGI use, run under both protocols.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from tests.core.direct_changes import CHANGES
from tests.core.direct_changes import apply_change
from tests.core.direct_changes import spy_on
from werkzeug.routing import BaseConverter
from werkzeug.routing import ValidationError
from werkzeug.test import EnvironBuilder

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import Request
from hipflask import Response
from hipflask import abort
from hipflask import after_this_request
from hipflask import g
from hipflask import redirect
from hipflask import request
from hipflask import session
from hipflask import signals
from hipflask import stream_with_context
from hipflask.contexts.globals import _cv_app
from hipflask.contexts.globals import _cv_request
from hipflask.core import wsgi
from hipflask.core import wsgi_direct

SECRET = "test-secret-key-that-is-long-enough-0123456789"
_NONCE = re.compile(r"nonce-[A-Za-z0-9_\-]+")
# The request id an error page and its X-Request-ID header carry.
_REQUEST_ID = re.compile(rb"\b[0-9a-f]{16}\b")


def build_app(**config: Any) -> Hipflask:
    app = Hipflask("wsgi_direct_app")
    app.config.update(SECRET_KEY=SECRET, **config)

    @app.get("/text")
    def text() -> Response:
        return Response(f"{request.method} {request.path}", mimetype="text/plain")

    @app.get("/str")
    def string() -> str:
        return "<p>hi</p>"

    @app.get("/dict")
    def mapping() -> dict[str, Any]:
        return {"q": request.args.get("q"), "g": g.get("unset", "none")}

    @app.get("/user/<int:number>")
    def user(number: int) -> dict[str, int]:
        return {"number": number}

    @app.route("/form", methods=["POST", "PUT"])
    def form() -> dict[str, Any]:
        return dict(request.form)

    @app.get("/count")
    def count() -> dict[str, int]:
        session["n"] = session.get("n", 0) + 1
        return {"n": session["n"]}

    @app.get("/read-session")
    def read_session() -> str:
        return str(session.get("n"))

    @app.get("/tuple")
    def pair() -> tuple[str, int, dict[str, str]]:
        return "made", 201, {"X-Kind": "tuple"}

    @app.get("/own-headers")
    def own_headers() -> Response:
        response = Response("framed")
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers["Cache-Control"] = "public, max-age=60"
        return response

    @app.get("/empty")
    def empty() -> Response:
        return Response(status=204)

    more_routes(app)
    return app


def more_routes(app: Hipflask) -> None:
    @app.get("/abort")
    def aborting() -> str:
        abort(418)

    @app.get("/fail")
    def failing() -> str:
        raise RuntimeError("boom")

    @app.get("/later")
    def later() -> str:
        @after_this_request
        def tag(response: Response) -> Response:
            response.headers["X-Later"] = "yes"
            return response

        return "later"

    @app.get("/go")
    def go() -> Response:
        return redirect("/text")

    @app.get("/stream")
    def stream() -> Response:
        def chunks() -> Iterator[str]:
            yield request.path
            yield "!"

        return Response(stream_with_context(chunks()))

    @app.get("/slash/")
    def slash() -> str:
        return "slash"

    @app.get("/café")
    def cafe() -> str:
        return "café"

    @app.post("/upload")
    def upload() -> str:
        app.extensions.setdefault("uploads", []).append(request.files["f"])
        return "kept"

    shop = Blueprint("shop", __name__, url_prefix="/shop")

    @shop.get("/item")
    def item() -> str:
        return "item"

    app.register_blueprint(shop)


Served = tuple[str, list[tuple[str, str]], bytes]
#: The one-frame path and the general adapter.
HANDLERS = (wsgi_direct.handle, wsgi.handle)


def call(handler: Any, app: Hipflask, **options: Any) -> Served:
    environ = EnvironBuilder(**options).get_environ()
    started: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started.append((status, headers))
        return lambda data: None

    body = handler(app, environ, start_response)
    try:
        data = b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    status, headers = started[0]
    headers = [
        (name, "*" if name == "X-Request-ID" else _NONCE.sub("nonce-*", value))
        for name, value in headers
    ]
    return status, headers, _REQUEST_ID.sub(b"*", data)


@pytest.fixture
def general_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The general adapter functions each request reached."""
    return spy_on(monkeypatch, wsgi, ("handle", "respond"))


def both_ways(app: Hipflask, general_calls: list[str], **options: Any) -> tuple[Served, bool]:
    """The answer, served by the one-frame path and by the general one (the same).

    Also whether the one-frame path served it whole.
    """
    general_calls.clear()
    direct = call(wsgi_direct.handle, app, **options)
    whole = not general_calls
    general = call(wsgi.handle, app, **options)
    assert direct == general
    return direct, whole


SERVED_WHOLE = [
    {"path": "/text"},
    {"path": "/text", "method": "HEAD"},
    {"path": "/str"},
    {"path": "/dict", "query_string": "q=1&q=2"},
    {"path": "/user/42"},
    {"path": "/form", "method": "POST", "data": {"name": "alice", "age": "30"}},
    {"path": "/form", "method": "PUT", "data": {"a": "1"}},
    {"path": "/text", "base_url": "https://shop.example/"},
    {"path": "/text", "headers": {"Accept": "text/plain"}},
    {"path": "/empty"},
    {"path": "/tuple"},
    {"path": "/own-headers"},
    {"path": "/abort"},
    {"path": "/later"},
    {"path": "/go"},
    {"path": "/stream"},
    {"path": "/shop/item"},
    {"path": "/count"},
    {"path": "/read-session", "headers": {"Cookie": "other=1"}},
    {"path": "/text", "headers": {"Authorization": "Bearer abc"}},
    {"path": "/text", "method": "OPTIONS"},
    {"path": "/text", "method": "get"},
    {"path": "/text", "environ_overrides": {"PATH_INFO": "//text"}},
    {"path": "/text", "environ_overrides": {"PATH_INFO": "text"}},
    {"path": "/user/7", "environ_overrides": {"PATH_INFO": "///user/7"}},
    {"path": "/text", "environ_overrides": {"SERVER_PORT": "x"}},
    {"path": "/text", "environ_overrides": {"SERVER_PORT": 8080}},
    {"path": "/text", "environ_overrides": {"SERVER_NAME": "other.example"}},
    {"path": "/text", "environ_overrides": {"SCRIPT_NAME": "/app/"}},
    {"path": "/form", "method": "POST", "data": "", "content_type": "text/plain"},
]

HANDED_OVER = [
    {"path": "/missing"},
    {"path": "/slash"},
    {"path": "/text", "method": "POST"},
    {"path": "/café"},
    {"path": "/text", "headers": {"Transfer-Encoding": "chunked"}},
    {
        "path": "/form",
        "method": "POST",
        "data": "a=1",
        "environ_overrides": {"CONTENT_LENGTH": "x3"},
    },
    {
        "path": "/form",
        "method": "POST",
        "data": "a=1",
        "content_type": "application/x-www-form-urlencoded, text/plain",
    },
    {"path": "/text", "headers": {"Host": "a.example, b.example"}},
    {"path": "/%00"},
    {"path": "/text", "environ_overrides": {"PATH_INFO": ""}},
    {"path": "/text", "environ_overrides": {"PATH_INFO": "/te\x00xt"}},
]


@pytest.mark.parametrize("options", SERVED_WHOLE + HANDED_OVER, ids=repr)
@pytest.mark.parametrize(
    "config",
    [
        {},
        {"SECURITY_HEADERS": False},
        {"CONTENT_SECURITY_POLICY": "default-src 'self'; script-src 'nonce'"},
        {"TRUSTED_HOSTS": ["localhost", "shop.example"]},
    ],
    ids=["defaults", "headers-off", "csp-nonce", "trusted-hosts"],
)
def test_the_same_answer_either_way(
    options: dict[str, Any], config: dict[str, Any], general_calls: list[str]
) -> None:
    app = build_app(**config)
    # The app's first request fixes its hooks; a blueprint's, its hook chain.
    call(wsgi.handle, app, path="/text")
    call(wsgi.handle, app, **options)

    served, whole = both_ways(app, general_calls, **options)

    assert served[0][:3] != "500" or options["path"] == "/fail"
    if options in HANDED_OVER:
        assert not whole
    elif "TRUSTED_HOSTS" not in config:
        assert whole


def test_an_error_is_the_same_500_either_way(general_calls: list[str]) -> None:
    app = build_app(PROPAGATE_EXCEPTIONS=False)
    call(wsgi.handle, app, path="/text")

    (status, _headers, _body), whole = both_ways(app, general_calls, path="/fail")

    assert status.startswith("500")
    assert whole


def test_a_session_cookie_is_the_same_either_way(
    general_calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The signed cookie carries the time: hold it still for both calls.
    import time

    monkeypatch.setattr(time, "time", lambda: 1_800_000_000.0)
    app = build_app()
    call(wsgi.handle, app, path="/text")
    _status, headers, _body = call(wsgi.handle, app, path="/count")
    cookie = dict(headers)["Set-Cookie"].split(";")[0]

    (_status, _headers, body), whole = both_ways(
        app, general_calls, path="/count", headers={"Cookie": cookie}
    )

    assert body == b'{"n":2}\n' or b'"n": 2' in body
    assert whole


def test_an_upload_is_closed_once_the_request_is_over(general_calls: list[str]) -> None:
    app = build_app()
    call(wsgi.handle, app, path="/text")
    upload = {"path": "/upload", "method": "POST", "data": {"f": (io.BytesIO(b"x"), "a.txt")}}

    general_calls.clear()
    status, _headers, _body = call(wsgi_direct.handle, app, **upload)

    assert status == "200 OK"
    assert not general_calls
    assert [file.stream.closed for file in app.extensions["uploads"]] == [True]


@pytest.mark.parametrize("change", CHANGES)
def test_what_the_one_frame_path_leaves_to_the_general_one(
    change: str, general_calls: list[str]
) -> None:
    app = build_app()
    call(wsgi.handle, app, path="/text")
    received: list[Any] = []

    def receiver(sender: Any, **extra: Any) -> None:
        received.append(sender)

    apply_change(app, change, receiver)
    try:
        if change == "outer-context":
            with app.app_context():
                g.unset = "outer"
                served, whole = both_ways(app, general_calls, path="/dict")
            assert b'"g":"outer"' in served[2].replace(b" ", b"")
        else:
            served, whole = both_ways(app, general_calls, path="/text")
    finally:
        signals.request_started.disconnect(receiver, app)

    assert served[0] == "200 OK"
    if change == "outer-context":
        # The app context a test pushed is kept, through RequestContext.push.
        assert whole
    else:
        assert not whole
    if change == "signal":
        assert received == [app, app]


# -- cases the one-frame path once served differently -----------------------


class _FailingClose(Request):
    """A request whose close fails, as an upload stream finishing a remote write may."""

    def close(self) -> None:
        super().close()
        if self.path == "/login":
            raise OSError("close failed")


def test_a_failing_close_still_leaves_the_contexts(protocol: str) -> None:
    app = Hipflask(__name__)
    app.request_class = _FailingClose

    @app.get("/login")
    def login() -> str:
        g.user = "alice"
        return "in"

    @app.get("/who")
    def who() -> str:
        return str(g.get("user", "nobody"))

    client = app.test_client(protocol=protocol)
    assert client.get("/who").data == b"nobody"  # the first request
    with pytest.raises(OSError, match="close failed"):
        client.get("/login")

    assert _cv_request.get(None) is None
    assert _cv_app.get(None) is None
    assert client.get("/who").data == b"nobody"


class _MarkingApp(Hipflask):
    def make_response(self, rv: Any) -> Response:
        response = super().make_response(rv)
        response.headers.add("X-Made", "1")
        return response


@pytest.mark.parametrize("path", ["/response", "/str"])
def test_a_replaced_make_response_runs_once_per_response(path: str, protocol: str) -> None:
    app = _MarkingApp(__name__)

    @app.get("/response")
    def made() -> Response:
        return Response("made")

    @app.get("/str")
    def text() -> str:
        return "text"

    client = app.test_client(protocol=protocol)
    client.get(path)

    assert client.get(path).headers.getlist("X-Made") == ["1"]


def _marking(make_response: Any) -> Any:
    @functools.wraps(make_response)
    def wrapper(rv: Any) -> Response:
        response = make_response(rv)
        response.headers.add("X-Made", "1")
        return response

    return wrapper


@pytest.mark.parametrize("when", ["before-serving", "after-serving"])
def test_make_response_replaced_on_the_app_is_called_for_a_response_too(
    when: str, protocol: str
) -> None:
    # An instance attribute (a plugin, pytest's monkeypatch), made with
    # functools.wraps, before or after the first request.
    app = Hipflask(__name__)

    @app.get("/response")
    def made() -> Response:
        return Response("made")

    client = app.test_client(protocol=protocol)
    if when == "before-serving":
        app.make_response = _marking(app.make_response)  # type: ignore[method-assign]
    client.get("/response")
    if when == "after-serving":
        app.make_response = _marking(app.make_response)  # type: ignore[method-assign]

    assert client.get("/response").headers.getlist("X-Made") == ["1"]


def test_a_refusing_converter_is_asked_as_often_either_way() -> None:
    asked: list[str] = []

    class UserConverter(BaseConverter):
        def to_python(self, value: str) -> str:
            asked.append(value)  # loading the model: a query per call
            if value != "alice":
                raise ValidationError()
            return value

    app = Hipflask(__name__)
    app.url_map.converters["user"] = UserConverter

    @app.get("/u/<user:name>")
    def user(name: str) -> str:
        return name

    call(wsgi.handle, app, path="/u/alice")
    counts = []
    for handler in (wsgi_direct.handle, wsgi.handle):
        asked.clear()
        assert call(handler, app, path="/u/bob")[0] == "404 NOT FOUND"
        counts.append(len(asked))

    assert counts[0] == counts[1]


def test_a_request_class_with_its_own_new_is_made_by_it(protocol: str) -> None:
    class Tagged(Request):
        def __new__(cls, *args: Any, **kwargs: Any) -> Tagged:
            self = super().__new__(cls)
            self.tag = "made by __new__"
            return self

    app = Hipflask(__name__)
    app.request_class = Tagged

    @app.get("/")
    def index() -> str:
        return str(getattr(request, "tag", "no tag"))

    client = app.test_client(protocol=protocol)
    client.get("/")

    assert client.get("/").data == b"made by __new__"


@pytest.mark.parametrize(("sent", "body"), [("GET", b""), ("HEAD", b"body")])
def test_the_body_follows_the_method_the_view_left(sent: str, body: bytes) -> None:
    app = Hipflask(__name__)

    @app.route("/", methods=["GET", "HEAD"])
    def flip() -> str:
        request.method = "HEAD" if request.method == "GET" else "GET"
        return "body"

    call(wsgi.handle, app, path="/")
    answers = [call(handler, app, path="/", method=sent)[2] for handler in HANDLERS]

    assert answers == [body, body]


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/"), ("HEAD", "/"), ("GET", "/empty"), ("GET", "/stream")]
)
def test_functions_given_to_call_on_close_run_once(method: str, path: str, protocol: str) -> None:
    # When the server closes the body, as Werkzeug's response iterable does
    # (complete bodies, HEAD and 204 included).
    app = Hipflask(__name__)
    calls: list[str] = []

    @app.route("/", methods=["GET", "HEAD"])
    def index() -> Response:
        response = Response("hi")
        response.call_on_close(lambda: calls.append("closed"))
        return response

    @app.get("/empty")
    def empty() -> Response:
        response = Response(status=204)
        response.call_on_close(lambda: calls.append("closed"))
        return response

    @app.get("/stream")
    def stream() -> Response:
        response = Response(iter([b"a", b"b"]))
        response.call_on_close(lambda: calls.append("closed"))
        return response

    client = app.test_client(protocol=protocol)
    client.get("/empty").close()
    calls.clear()

    response = client.open(path, method=method)
    response.close()

    assert calls == ["closed"]


def test_a_path_with_a_nul_is_refused_even_if_a_route_has_one(general_calls: list[str]) -> None:
    # The general path refuses any path with a NUL before routing (null-byte
    # injection); the static table is asked before that check.
    app = build_app()

    @app.get("/report.pdf\x00.png")
    def report() -> str:
        return "opened"

    call(wsgi.handle, app, path="/text")

    served, _whole = both_ways(
        app, general_calls, path="/", environ_overrides={"PATH_INFO": "/report.pdf\x00.png"}
    )

    assert served[0] == "400 BAD REQUEST"
