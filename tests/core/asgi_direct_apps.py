"""What the one-frame ASGI path tests share: an app, and a request served both ways.

:mod:`hipflask.core.asgi_direct` serves the usual ASGI request in one frame
and hands everything else to :func:`hipflask.core.asgi.http` (before the
request is made) or :func:`hipflask.core.asgi.respond` (once it is routed).
Each case is served both ways, on the same app after its first request, and
the messages sent to the server must be the same; the cases the one-frame
path serves itself are also checked never to reach the general functions, so
the comparison cannot pass vacuously. These are ASGI adapter tests, as
``test_wsgi_direct.py`` is for WSGI; every other test of the suite runs under
both protocols and so through both paths.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import pytest
from tests.core.direct_changes import spy_on

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
from hipflask import stream_with_context
from hipflask.core import asgi
from hipflask.core import asgi_direct

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
