"""The one-frame ASGI path answers as the general path does: bodies, errors, sessions, refusals."""

from __future__ import annotations

from typing import Any

import pytest
from tests.core.asgi_direct_apps import SYNC_WHOLE
from tests.core.asgi_direct_apps import both_ways
from tests.core.asgi_direct_apps import build_app
from tests.core.asgi_direct_apps import call
from tests.core.asgi_direct_apps import general_calls as general_calls
from tests.core.direct_changes import CHANGES
from tests.core.direct_changes import apply_change
from werkzeug.datastructures import Headers

from hipflask import Hipflask
from hipflask import Response
from hipflask import g
from hipflask import request
from hipflask import session
from hipflask import signals
from hipflask.core import asgi
from hipflask.core import asgi_direct
from hipflask.sessions.cookie import SecureCookieSessionInterface

FORM = b"name=alice&age=30"


URLENCODED = (b"content-type", b"application/x-www-form-urlencoded")


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


def test_a_response_class_with_its_own_close_is_closed_once() -> None:
    closed: list[int] = []

    class Closing(Response):
        def close(self) -> None:
            closed.append(self.status_code)
            super().close()

    app = Hipflask(__name__)

    @app.get("/")
    async def index() -> Closing:
        return Closing("hi")

    call(asgi_direct.handle, app, path="/")
    closed.clear()

    assert call(asgi_direct.handle, app, path="/")[1][0] == b"hi"
    assert closed == [200]
