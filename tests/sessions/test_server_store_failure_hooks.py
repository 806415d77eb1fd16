"""A session store that is down, met by a gate check: the 503 runs the app's response hooks.

CSRF protection reads the session's secret to check a submitted token. With
the store down that read raises the store's 503 inside the gate, before any
``before_request`` hook: like the gate's other answers, the 503 runs the
app's ``after_request`` hooks, and a hook failing on it (a request timer)
leaves it a 503, not a 500. An async view under ASGI opens the session on
the event loop through the interface's async methods, before the gate; an
interface of coroutines is opened so everywhere, and its own 503 then comes
before the hooks too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.redis_helper import closed_port
from tests.security.gate_answer_hooks import add_hooks
from tests.security.gate_answer_hooks import assert_answered_with_hooks
from tests.sessions.server_sessions import make_app

from hipflask import Hipflask
from hipflask.forms import CSRFProtect
from hipflask.sessions import Session
from hipflask.sessions.base import SessionStoreUnavailable
from hipflask.sessions.cookie import SecureCookieSessionInterface


def _session_cookie(tmp_path: Path) -> str:
    """A valid signed session cookie, made by a working app with the same key."""
    working = make_app(tmp_path / "working")
    Session(working)
    client = working.test_client()
    client.get("/set/a/1")
    cookie = client.get_cookie("session")
    assert cookie is not None
    return str(cookie.value)


def _down_store_app(tmp_path: Path) -> Hipflask:
    """Sessions on Redis at a closed port, CSRF protection, a sync and an async form view."""
    app = make_app(tmp_path / "down", SESSION_TYPE="redis")
    app.config["SESSION_REDIS"] = f"redis://127.0.0.1:{closed_port()}/0"
    Session(app)
    CSRFProtect(app)

    @app.post("/transfer")
    def transfer() -> str:
        return "sent"

    @app.post("/async-transfer")
    async def async_transfer() -> str:
        return "sent"

    return app


@pytest.mark.parametrize("path", ["/transfer", "/async-transfer"])
def test_the_stores_503_met_by_the_csrf_check_runs_the_hooks_and_stays_a_503(
    tmp_path: Path, protocol: str, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    cookie = _session_cookie(tmp_path)
    app = _down_store_app(tmp_path)
    seen = add_hooks(app)
    client = app.test_client(protocol=protocol)
    client.set_cookie("session", cookie)

    answer = client.post(path, data={"csrf_token": "forged"})

    assert_answered_with_hooks(answer, 503, seen, caplog, app)
    assert "session service is unavailable" in answer.get_data(as_text=True)
    assert seen.torn_down == [None]


@pytest.mark.parametrize("path", ["/transfer", "/async-transfer"])
def test_the_apps_503_handler_answering_the_gates_503_runs_the_hooks(
    tmp_path: Path, protocol: str, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    cookie = _session_cookie(tmp_path)
    app = _down_store_app(tmp_path)
    seen = add_hooks(app)

    @app.errorhandler(503)
    def unavailable(error: Any) -> Any:
        return {"retry": "later"}, 503

    client = app.test_client(protocol=protocol)
    client.set_cookie("session", cookie)

    answer = client.post(path, data={"csrf_token": "forged"})

    assert_answered_with_hooks(answer, 503, seen, caplog, app)
    assert answer.json == {"retry": "later"}


class _DownInterface(SecureCookieSessionInterface):
    """A session interface of coroutines whose store is down: opening it raises the 503.

    Such an interface is opened before the gate and the request hooks (the
    ``session`` proxy cannot await), so its 503 comes before any
    ``before_request`` hook, as the gate's answers do.
    """

    async def open_session(self, app: Any, request: Any) -> Any:
        raise SessionStoreUnavailable()

    async def save_session(self, app: Any, session: Any, response: Any) -> None:
        return None


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_an_async_interfaces_503_when_opened_runs_the_hooks_and_stays_a_503(
    app: Hipflask, protocol: str, is_async: bool, caplog: pytest.LogCaptureFixture
) -> None:
    app.session_interface = _DownInterface()
    seen = add_hooks(app)
    if is_async:

        @app.get("/")
        async def index() -> str:
            return "ok"

    else:

        @app.get("/")
        def index() -> str:
            return "ok"

    answer = app.test_client(protocol=protocol).get("/")

    assert_answered_with_hooks(answer, 503, seen, caplog, app)
    assert "session service is unavailable" in answer.get_data(as_text=True)
    assert seen.torn_down == [None]
