"""Server-side sessions on the direct request path: the general pipeline's answers.

An interface with async methods as well as sync ones (``hipflask.sessions``)
is awaited on the event loop; off it (WSGI, a sync view's thread under ASGI)
its sync methods serve, and the direct path serves the request. The same
round trips are made through both paths, on every store backend, and must
give the same answers.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from tests.sessions.backends import BACKENDS
from tests.sessions.backends import close_clients
from tests.sessions.backends import session_app

from hipflask import Hipflask
from hipflask import g
from hipflask import session
from hipflask.core import direct
from hipflask.core import serve


def views(app: Hipflask, events: list[str]) -> None:
    @app.get("/count")
    def count() -> dict[str, int]:
        session["n"] = session.get("n", 0) + 1
        return {"n": session["n"]}

    @app.get("/read")
    def read() -> dict[str, Any]:
        return {"n": session.get("n")}

    @app.get("/plain")
    def plain() -> str:
        return "untouched"

    @app.get("/clear")
    def clear() -> str:
        session.clear()
        return "cleared"

    @app.before_request
    def before() -> None:
        g.seen = True

    @app.teardown_appcontext
    def teardown(error: BaseException | None) -> None:
        events.append(f"teardown {error!r}")


_EXPIRES = re.compile(r"Expires=[^;]+")
STEPS = ["/plain", "/count", "/count", "/plain", "/read", "/clear", "/read", "/count"]


def round_trips(app: Hipflask, client: Any, events: list[str]) -> list[Any]:
    seen = []
    for path in STEPS:
        response = client.get(path)
        cookies = [
            _EXPIRES.sub("Expires=*", value.split(";", 1)[1])
            for value in response.headers.getlist("Set-Cookie")
        ]
        seen.append((path, response.status_code, response.get_data(), cookies))
    seen.append(list(events))
    return seen


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_direct_path_serves_server_side_sessions_as_the_pipeline_does(
    backend: str, protocol: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken: list[str] = []
    original = direct.serve_plain

    def spy(*args: Any) -> Any:
        taken.append("direct")
        return original(*args)

    answers = []
    for through_pipeline in (False, True):
        if through_pipeline:
            monkeypatch.setattr(
                direct,
                "serve_plain",
                lambda app, req, state, chain: serve.run_pipeline_sync(app, req, state),
            )
        else:
            monkeypatch.setattr(direct, "serve_plain", spy)
        events: list[str] = []
        with session_app(backend, tmp_path / str(through_pipeline), suite="direct_sessions") as app:
            views(app, events)
            client = app.test_client(protocol=protocol)
            try:
                answers.append(round_trips(app, client, events))
            finally:
                close_clients(app, [client])

    assert len(taken) == len(STEPS) - 1  # all but the app's first request
    assert answers[0] == answers[1]
    counts = [step[2] for step in answers[0][: len(STEPS)] if step[0] in ("/count", "/read")]
    assert counts == [b'{"n":1}\n', b'{"n":2}\n', b'{"n":2}\n', b'{"n":null}\n', b'{"n":1}\n']
