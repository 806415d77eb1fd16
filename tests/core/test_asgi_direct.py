"""The one-frame ASGI path gives exactly what the general adapter gives.

:mod:`hipflask.core.asgi_direct` serves the usual ASGI request in one frame
and hands everything else to :func:`hipflask.core.asgi.http` (before the
request is made) or :func:`hipflask.core.asgi.respond` (once it is routed).
Each case below is served both ways, on the same app after its first
request, and the messages sent to the server must be the same; the cases
the one-frame path serves itself are also checked never to reach the
general functions, so the comparison cannot pass vacuously. These are ASGI
adapter tests, as ``test_wsgi_direct.py`` is for WSGI; every other test of
the suite runs under both protocols and so through both paths.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import pytest
from tests.core.direct_changes import CHANGES
from tests.core.direct_changes import apply_change
from tests.core.direct_changes import spy_on
from werkzeug.datastructures import Headers

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import Response
from hipflask import abort
from hipflask import after_this_request
from hipflask import copy_current_request_context
from hipflask import flash
from hipflask import g
from hipflask import redirect
from hipflask import request
from hipflask import session
from hipflask import signals
from hipflask import stream_with_context
from hipflask.contexts.globals import _cv_app
from hipflask.contexts.globals import _cv_request
from hipflask.core import asgi
from hipflask.core import asgi_direct
from hipflask.core import serve
from hipflask.sessions.cookie import SecureCookieSessionInterface

SECRET = "test-secret-key-that-is-long-enough-0123456789"
_NONCE = re.compile(rb"nonce-[A-Za-z0-9_\-]+")
# The request id an error page and its X-Request-ID header carry.
_REQUEST_ID = re.compile(rb"\b[0-9a-f]{16}\b")


def build_app(**config: Any) -> Hipflask:
    app = Hipflask("asgi_direct_app")
    app.config.update(SECRET_KEY=SECRET, **config)

    @app.get("/text")
    async def text() -> Response:
        return Response(f"{request.method} {request.path}", mimetype="text/plain")

    @app.get("/str")
    async def string() -> str:
        return "<p>hi</p>"

    @app.get("/dict")
    async def mapping() -> dict[str, Any]:
        return {"q": request.args.get("q"), "g": g.get("unset", "none"), "root": request.root_path}

    @app.get("/user/<int:number>")
    async def user(number: int) -> dict[str, int]:
        return {"number": number}

    @app.route("/form", methods=["POST", "PUT"])
    async def form() -> dict[str, Any]:
        return dict(request.form)

    @app.get("/count")
    async def count() -> dict[str, int]:
        session["n"] = session.get("n", 0) + 1
        return {"n": session["n"]}

    @app.get("/read-session")
    async def read_session() -> str:
        return str(session.get("n"))

    @app.get("/tuple")
    async def pair() -> tuple[str, int, dict[str, str]]:
        return "made", 201, {"X-Kind": "tuple"}

    @app.get("/own-headers")
    async def own_headers() -> Response:
        response = Response("framed")
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        return response

    @app.get("/empty")
    async def empty() -> Response:
        return Response(status=204)

    more_routes(app)
    sync_routes(app)
    worker_routes(app)
    worker_context_routes(app)
    return app


def sync_routes(app: Hipflask) -> None:
    @app.get("/big")
    async def big() -> bytes:
        return b"x" * 100_000

    @app.get("/where")
    async def where() -> dict[str, Any]:
        return {
            "url": request.url,
            "remote": request.remote_addr,
            "environ": request.environ["PATH_INFO"],
        }

    @app.get("/sync")
    def sync() -> dict[str, Any]:
        return {"sync": request.path, "q": request.args.get("q")}

    @app.post("/sync-form")
    def sync_form() -> dict[str, Any]:
        return dict(request.form)


def worker_routes(app: Hipflask) -> None:
    """def views that asgi_direct.serve_sync serves in their worker thread."""

    @app.get("/sync-text")
    def sync_text() -> Response:
        return Response(f"{request.method} {request.path}", mimetype="text/plain")

    @app.get("/sync-abort")
    def sync_abort() -> str:
        abort(418)

    @app.get("/sync-fail")
    def sync_fail() -> str:
        raise RuntimeError("boom")

    @app.get("/sync-later")
    def sync_later() -> str:
        @after_this_request
        def tag(response: Response) -> Response:
            response.headers["X-Later"] = "yes"
            return response

        return "later"

    @app.get("/sync-count")
    def sync_count() -> dict[str, int]:
        session["n"] = session.get("n", 0) + 1
        return {"n": session["n"]}

    @app.get("/sync-tuple")
    def sync_tuple() -> tuple[str, int, dict[str, str]]:
        return "made", 201, {"X-Made": "1"}

    @app.get("/sync-g")
    def sync_g() -> dict[str, Any]:
        return {"g": g.get("unset")}

    sync_shop = Blueprint("sync_shop", __name__, url_prefix="/sync-shop")

    @sync_shop.get("/item")
    def sync_item() -> str:
        return "item"

    app.register_blueprint(sync_shop)


def worker_context_routes(app: Hipflask) -> None:
    """def views of serve_sync that use the request's context: files, flashes, contexts, streams."""

    @app.post("/sync-upload")
    def sync_upload() -> dict[str, Any]:
        upload = request.files["doc"]
        return {"name": upload.filename, "size": len(upload.read()), "form": request.form["a"]}

    @app.get("/sync-flash")
    def sync_flash() -> str:
        flash("saved")
        return "flashed"

    @app.get("/sync-own-context")
    def sync_own_context() -> str:
        # The view pushes and pops a context of its own.
        with app.app_context():
            g.inner = "inner"
        return f"own {g.get('inner', 'unset')}"

    @app.get("/sync-stream")
    def sync_stream() -> Response:
        @stream_with_context
        def pieces() -> Iterator[str]:
            yield request.path
            yield "|end"

        return Response(pieces())

    @app.get("/sync-copied")
    def sync_copied() -> str:
        @copy_current_request_context
        def later() -> str:
            return request.path

        return f"copied {later()}"

    @app.get("/sync-none")
    def sync_none() -> None:
        return None


def more_routes(app: Hipflask) -> None:
    @app.get("/abort")
    async def aborting() -> str:
        abort(418)

    @app.get("/fail")
    async def failing() -> str:
        raise RuntimeError("boom")

    @app.get("/later")
    async def later() -> str:
        @after_this_request
        def tag(response: Response) -> Response:
            response.headers["X-Later"] = "yes"
            return response

        return "later"

    @app.get("/go")
    async def go() -> Response:
        return redirect("/text")

    @app.get("/stream")
    async def stream() -> Response:
        def chunks() -> Iterator[str]:
            yield request.path
            yield "!"

        return Response(stream_with_context(chunks()))

    @app.get("/slash/")
    async def slash() -> str:
        return "slash"

    shop = Blueprint("shop", __name__, url_prefix="/shop")

    @shop.get("/item")
    async def item() -> str:
        return "item"

    app.register_blueprint(shop)


Served = list[Any]


def scope_for(
    path: str = "/",
    method: str = "GET",
    query: bytes = b"",
    headers: list[tuple[bytes, bytes]] | None = None,
    body: bytes = b"",
    **extra: Any,
) -> dict[str, Any]:
    raw = [(b"host", b"localhost"), *(headers or [])]
    if body:
        raw.append((b"content-length", str(len(body)).encode()))
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("utf-8"),
        "query_string": query,
        "root_path": "",
        "headers": raw,
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 80),
    }
    scope.update(extra)
    return scope


def call(handler: Any, app: Hipflask, body: bytes = b"", **options: Any) -> Served:
    """What ``handler`` sends for the request: the messages, normalised."""
    scope = scope_for(body=body, **options)
    pending = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if pending:
            return pending.pop(0)
        await asyncio.Event().wait()  # the client stays until the response is sent
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(handler(app, scope, receive, send))
    finally:
        loop.close()
    served: Served = []
    for message in sent:
        if message["type"] == "http.response.start":
            headers = [
                (name, b"*" if name == b"x-request-id" else _NONCE.sub(b"nonce-*", value))
                for name, value in message["headers"]
            ]
            served.append((message["status"], headers))
        else:
            served.append(
                (_REQUEST_ID.sub(b"*", message.get("body", b"")), message.get("more_body"))
            )
    return served


@pytest.fixture
def general_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The general adapter functions each request reached."""
    return spy_on(monkeypatch, asgi, ("http", "respond"))


def both_ways(app: Hipflask, general_calls: list[str], **options: Any) -> tuple[Served, bool]:
    """The answer, served by the one-frame path and by the general one (the same).

    Also whether the one-frame path served it whole.
    """
    general_calls.clear()
    direct = call(asgi_direct.handle, app, **options)
    whole = not general_calls
    general = call(asgi.http, app, **options)
    assert direct == general
    return direct, whole


FORM = b"name=alice&age=30"
URLENCODED = (b"content-type", b"application/x-www-form-urlencoded")
UPLOAD = (
    b'--b0\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n'
    b'--b0\r\nContent-Disposition: form-data; name="doc"; filename="d.txt"\r\n'
    b"Content-Type: text/plain\r\n\r\nhello\r\n--b0--\r\n"
)

#: Requests to def views that asgi_direct.serve_sync serves whole.
SYNC_WHOLE: list[dict[str, Any]] = [
    {"path": "/sync"},
    {"path": "/sync-text"},
    {"path": "/sync-text", "method": "HEAD"},
    {"path": "/sync-text", "method": "OPTIONS"},
    {"path": "/sync-text", "scheme": "https"},
    {"path": "/sync-text", "headers": [(b"authorization", b"Bearer abc")]},
    {"path": "/sync-text", "headers": [(b"cookie", b"other=1")]},
    {"path": "/sync-abort"},
    {"path": "/sync-later"},
    {"path": "/sync-count"},
    {"path": "/sync-tuple"},
    {"path": "/sync-shop/item"},
    {
        "path": "/sync-upload",
        "method": "POST",
        "body": UPLOAD,
        "headers": [(b"content-type", b"multipart/form-data; boundary=b0")],
    },
    {"path": "/sync-flash"},
    {"path": "/sync-own-context"},
    {"path": "/sync-stream"},
    {"path": "/sync-copied"},
]

SERVED_WHOLE: list[dict[str, Any]] = [
    {"path": "/text"},
    {"path": "/text", "method": "HEAD"},
    {"path": "/str"},
    {"path": "/dict", "query": b"q=1&q=2"},
    {"path": "/user/42"},
    {"path": "/form", "method": "POST", "body": FORM, "headers": [URLENCODED]},
    {"path": "/form", "method": "PUT", "body": b"a=1", "headers": [URLENCODED]},
    {"path": "/form", "method": "POST"},
    {"path": "/text", "scheme": "https"},
    {"path": "/text", "headers": [(b"accept", b"text/plain")]},
    {"path": "/empty"},
    {"path": "/big"},
    {"path": "/tuple"},
    {"path": "/own-headers"},
    {"path": "/abort"},
    {"path": "/later"},
    {"path": "/go"},
    {"path": "/stream"},
    {"path": "/shop/item"},
    {"path": "/count"},
    {"path": "/read-session", "headers": [(b"cookie", b"other=1")]},
    {"path": "/text", "headers": [(b"authorization", b"Bearer abc")]},
    {"path": "/text", "method": "OPTIONS"},
    {"path": "/text", "method": "get"},
    {"path": "//text"},
    {"path": "text"},
    {"path": "///user/7"},
    {"path": "/app/dict", "root_path": "/app/"},
    {"path": "/dict", "root_path": "/app"},
    {"path": "/where", "server": ("other.example", 8080), "client": None},
    {"path": "/where", "server": None},
    {"path": "/sync", "query": b"q=1"},
    {"path": "/sync", "method": "HEAD"},
    {"path": "/sync-form", "method": "POST", "body": FORM, "headers": [URLENCODED]},
    {"path": "/form", "method": "POST", "headers": [(b"content-type", b"text/plain")]},
    *SYNC_WHOLE,
]

HANDED_OVER: list[dict[str, Any]] = [
    {"path": "/missing"},
    {"path": "/slash"},
    {"path": "/text", "method": "POST"},
    {"path": "/%00"},
    {"path": "/te\x00xt"},
    {"path": "/text", "headers": [(b"host", b"a.example")]},
    {
        "path": "/form",
        "method": "POST",
        "body": b"a=1",
        "headers": [(b"content-type", b"application/x-www-form-urlencoded, text/plain")],
    },
    {"path": "/text", "headers": [(b"content-length", b"x3")]},
    {"path": "/text", "headers": [(b"content-length", b"1"), (b"content-length", b"2")]},
]


@pytest.mark.parametrize("options", SERVED_WHOLE + HANDED_OVER, ids=repr)
@pytest.mark.parametrize(
    "config",
    [
        {},
        {"SECURITY_HEADERS": False},
        {"CONTENT_SECURITY_POLICY": "default-src 'self'; script-src 'nonce'"},
        {"TRUSTED_HOSTS": ["localhost", "shop.example"]},
        {"ASGI_SYNC_ON_LOOP": True},
    ],
    ids=["defaults", "headers-off", "csp-nonce", "trusted-hosts", "sync-on-loop"],
)
def test_the_same_answer_either_way(
    options: dict[str, Any], config: dict[str, Any], general_calls: list[str]
) -> None:
    app = build_app(**config)
    # The app's first request fixes its hooks; each view's, where it runs.
    call(asgi.http, app, path="/text")
    call(asgi.http, app, **options)

    served, whole = both_ways(app, general_calls, **options)

    assert served[0][0] != 500
    if options in HANDED_OVER:
        assert not whole
    else:
        assert whole


@pytest.mark.parametrize("path", ["/fail", "/sync-fail", "/sync-none"])
def test_an_error_is_the_same_500_either_way(path: str, general_calls: list[str]) -> None:
    app = build_app(PROPAGATE_EXCEPTIONS=False)
    call(asgi.http, app, path="/text")
    call(asgi.http, app, path=path)

    served, whole = both_ways(app, general_calls, path=path)

    assert served[0][0] == 500
    assert whole


@pytest.mark.parametrize("path", ["/count", "/sync-count"])
def test_a_session_cookie_is_the_same_either_way(
    path: str, general_calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The signed cookie carries the time: hold it still for both calls.
    import time

    monkeypatch.setattr(time, "time", lambda: 1_800_000_000.0)
    app = build_app()
    call(asgi.http, app, path="/text")
    (_status, headers), _body = call(asgi.http, app, path=path)
    cookie = dict(headers)[b"set-cookie"].split(b";")[0]

    served, whole = both_ways(app, general_calls, path=path, headers=[(b"cookie", cookie)])

    assert b'"n":2' in served[1][0].replace(b" ", b"")
    assert whole


def test_a_view_not_served_yet_is_handed_over_once(general_calls: list[str]) -> None:
    app = build_app()
    call(asgi.http, app, path="/text")

    general_calls.clear()
    first = call(asgi_direct.handle, app, path="/sync")
    assert general_calls == ["respond"]  # where it runs is found out there
    general_calls.clear()
    second = call(asgi_direct.handle, app, path="/sync")

    assert first == second
    assert general_calls == []


@pytest.mark.parametrize("change", CHANGES)
def test_what_the_one_frame_path_leaves_to_the_general_one(
    change: str, general_calls: list[str]
) -> None:
    app = build_app()
    call(asgi.http, app, path="/text")
    call(asgi.http, app, path="/dict")
    received: list[Any] = []

    def receiver(sender: Any, **extra: Any) -> None:
        received.append(sender)

    apply_change(app, change, receiver)
    try:
        if change == "outer-context":
            with app.app_context():
                g.unset = "outer"
                served, whole = both_ways(app, general_calls, path="/dict")
            assert b'"g":"outer"' in served[1][0].replace(b" ", b"")
        else:
            served, whole = both_ways(app, general_calls, path="/text")
    finally:
        signals.request_started.disconnect(receiver, app)

    assert served[0][0] == 200
    if change == "outer-context":
        # The app context a test pushed is kept, through RequestContext.push.
        assert whole
    else:
        assert not whole
    if change == "signal":
        assert received == [app, app]


def test_headers_given_as_a_tuple_are_handed_over(general_calls: list[str]) -> None:
    # Any iterable will do (a middleware may pass one); the general path lists it.
    app = build_app()
    call(asgi.http, app, path="/text")
    scope = scope_for("/text")
    scope["headers"] = tuple(scope["headers"])
    sent: list[Any] = []

    async def send(message: Any) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        raise AssertionError("a GET without a body is not read")

    general_calls.clear()
    asyncio.run(asgi_direct.handle(app, scope, receive, send))

    assert general_calls == ["http", "respond"]
    assert sent[0]["status"] == 200
    assert sent[1]["body"] == b"GET /text"


@pytest.mark.parametrize(("sent", "body"), [("GET", b""), ("HEAD", b"body")])
def test_the_body_follows_the_method_the_view_left(sent: str, body: bytes) -> None:
    app = Hipflask(__name__)

    @app.route("/", methods=["GET", "HEAD"])
    async def flip() -> str:
        request.method = "HEAD" if request.method == "GET" else "GET"
        return "body"

    call(asgi.http, app, path="/")
    answers = [
        call(handler, app, path="/", method=sent)[1][0]
        for handler in (asgi_direct.handle, asgi.http)
    ]

    assert answers == [body, body]


def test_the_contexts_are_left_after_a_request() -> None:
    app = build_app()
    call(asgi.http, app, path="/text")

    call(asgi_direct.handle, app, path="/text")
    call(asgi_direct.handle, app, path="/fail")

    assert _cv_request.get(None) is None
    assert _cv_app.get(None) is None


# -- cases the one-frame path once served differently -----------------------


def test_a_path_with_a_nul_is_refused_even_if_a_route_has_one(general_calls: list[str]) -> None:
    # The general path refuses any path with a NUL before routing (null-byte
    # injection); the static table is asked before that check.
    app = build_app()

    @app.get("/report.pdf\x00.png")
    async def report() -> str:
        return "opened"

    call(asgi.http, app, path="/text")

    served, _whole = both_ways(app, general_calls, path="/report.pdf\x00.png")

    assert served[0][0] == 400


def sent_messages(handler: Any, app: Hipflask, path: str) -> list[dict[str, Any]] | str:
    """The messages ``handler`` sends, as sent, or the error it raised."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    try:
        asyncio.run(handler(app, scope_for(path), receive, send))
    except TypeError as exc:
        return type(exc).__name__
    return sent


@pytest.mark.parametrize("chunk", [bytearray(b"chunk"), memoryview(b"chunk"), "chunk"], ids=type)
def test_a_chunk_passed_through_is_sent_as_the_general_path_sends_it(chunk: Any) -> None:
    # ASGI bodies are bytes: the general path joins the list into bytes (and
    # fails on a str) rather than handing the server the object itself.
    app = build_app()

    @app.get("/passed")
    async def passed() -> Response:
        return Response([chunk], direct_passthrough=True)

    call(asgi.http, app, path="/text")
    sent_messages(asgi.http, app, "/passed")

    answers = [
        sent_messages(handler, app, "/passed") for handler in (asgi_direct.handle, asgi.http)
    ]

    assert answers[0] == answers[1]
    for answer in answers:
        if not isinstance(answer, str):
            bodies = [message["body"] for message in answer if "body" in message]
            assert [type(body) for body in bodies] == [bytes]


class _StoreSessions(SecureCookieSessionInterface):
    """An interface whose saving may wait on I/O (a server-side store's)."""

    def save_session(self, app: Any, session: Any, response: Response) -> None:
        super().save_session(app, session, response)


def test_a_session_is_renewed_for_the_cookie_of_headers_the_view_set(
    general_calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The credentials follow replaced request headers (credential_headers),
    # as the direct path's run_async reads them to decide the renewal.
    import time

    monkeypatch.setattr(time, "time", lambda: 1_800_000_000.0)
    app = build_app()
    app.session_interface = _StoreSessions()

    @app.get("/login")
    async def login() -> str:
        session.permanent = True
        session["user"] = "alice"
        return "in"

    @app.get("/relayed")
    async def relayed() -> str:
        # A view re-reading a request relayed with the caller's cookie.
        request.headers = Headers([("Host", "localhost"), ("Cookie", cookie)])
        return "relayed"

    call(asgi.http, app, path="/text")
    (_status, headers), _body = call(asgi.http, app, path="/login")
    cookie = dict(headers)[b"set-cookie"].split(b";")[0].decode()
    call(asgi.http, app, path="/relayed")

    served, _whole = both_ways(app, general_calls, path="/relayed")

    assert b"set-cookie" in dict(served[0][1])


@pytest.mark.parametrize("options", SYNC_WHOLE, ids=repr)
def test_a_def_view_is_served_in_one_frame_in_its_worker(
    options: dict[str, Any], general_calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app()
    call(asgi.http, app, path="/text")
    call(asgi.http, app, **options)
    run_sync_calls = spy_on(monkeypatch, serve, ("run_sync",))

    both_ways(app, general_calls, **options)

    # Only the general path's request reached serve.run_sync.
    assert run_sync_calls == ["run_sync"]


@pytest.mark.parametrize("change", CHANGES)
def test_what_the_worker_leaves_to_the_general_path(
    change: str, general_calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app()
    call(asgi.http, app, path="/text")
    call(asgi.http, app, path="/sync-g")
    received: list[Any] = []

    def receiver(sender: Any, **extra: Any) -> None:
        received.append(sender)

    apply_change(app, change, receiver)
    run_sync_calls = spy_on(monkeypatch, serve, ("run_sync",))
    try:
        if change == "outer-context":
            with app.app_context():
                g.unset = "outer"
                served, whole = both_ways(app, general_calls, path="/sync-g")
            assert b'"g":"outer"' in served[1][0].replace(b" ", b"")
        else:
            served, whole = both_ways(app, general_calls, path="/sync-g")
    finally:
        signals.request_started.disconnect(receiver, app)

    assert served[0][0] == 200
    if change in ("hook", "teardown", "signal"):
        # The worker's one frame hands it to serve.run_sync, which runs them.
        assert whole
        assert run_sync_calls == ["run_sync", "run_sync"]
    elif change == "outer-context":
        # The app context a test pushed is kept, through RequestContext.push.
        assert whole
        assert run_sync_calls == ["run_sync"]
    else:
        assert not whole
        assert run_sync_calls == ["run_sync", "run_sync"]
    if change == "signal":
        assert received == [app, app]
