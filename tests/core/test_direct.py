from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import Request
from hipflask import Response
from hipflask import abort
from hipflask import after_this_request
from hipflask import g
from hipflask import request
from hipflask import session
from hipflask import signals
from hipflask.core import asgi_direct
from hipflask.core import direct
from hipflask.core import wsgi_direct
from hipflask.testing.client import HipflaskClient


@pytest.fixture
def decisions(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each request took the direct path (True) or the pipeline (False).

    A request that a one-frame path served whole (a WSGI request in
    :func:`hipflask.core.wsgi_direct.handle`, an ASGI one's ``def`` view in
    :func:`hipflask.core.asgi_direct.serve_sync`) asks no one: it counts
    as direct.
    """
    seen: list[bool] = []
    original = direct.plain_chain

    def spy(*args: Any) -> Any:
        chain = original(*args)
        seen.append(chain is not None)
        return chain

    def counted(entry: Any) -> Any:
        def served(*args: Any) -> Any:
            before = len(seen)
            result = entry(*args)
            if len(seen) == before:
                seen.append(True)
            return result

        return served

    monkeypatch.setattr(direct, "plain_chain", spy)
    monkeypatch.setattr(wsgi_direct, "handle", counted(wsgi_direct.handle))
    monkeypatch.setattr(asgi_direct, "serve_sync", counted(asgi_direct.serve_sync))
    return seen


def plain_routes(app: Hipflask) -> None:
    @app.get("/text")
    def text() -> Response:
        return Response(f"{request.method} {request.path}", mimetype="text/plain")

    @app.get("/async")
    async def asynchronous() -> dict[str, Any]:
        await asyncio.sleep(0)
        return {"async": True}

    @app.get("/count")
    def count() -> dict[str, int]:
        session["n"] = session.get("n", 0) + 1
        return {"n": session["n"]}

    @app.post("/form")
    def form() -> str:
        return request.form.get("name", "")


def test_a_plain_app_takes_the_direct_path_after_its_first_request(
    app: Hipflask, client: HipflaskClient, decisions: list[bool]
) -> None:
    plain_routes(app)

    assert client.get("/text").data == b"GET /text"
    assert client.get("/text").data == b"GET /text"
    assert client.get("/async").json == {"async": True}

    assert decisions == [False, True, True]


def test_the_direct_path_adds_the_security_headers(
    app: Hipflask, client: HipflaskClient, decisions: list[bool]
) -> None:
    plain_routes(app)
    client.get("/text")

    response = client.get("/text")

    assert decisions[-1] is True
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_the_direct_path_saves_a_session_the_view_changed(
    app: Hipflask, client: HipflaskClient, decisions: list[bool]
) -> None:
    plain_routes(app)

    assert client.get("/count").json == {"n": 1}
    assert client.get("/count").json == {"n": 2}
    assert decisions == [False, True]


def test_the_direct_path_refuses_a_cross_origin_post(
    app: Hipflask, client: HipflaskClient, decisions: list[bool]
) -> None:
    plain_routes(app)
    client.get("/text")

    refused = client.post("/form", data={"name": "x"}, headers={"Origin": "https://evil.example"})
    allowed = client.post("/form", data={"name": "alice"})

    assert decisions[1:] == [True, True]
    assert refused.status_code == 403
    assert allowed.data == b"alice"


def test_the_direct_path_answers_404_405_and_automatic_options(
    app: Hipflask, client: HipflaskClient, decisions: list[bool]
) -> None:
    plain_routes(app)
    client.get("/text")

    assert client.get("/nowhere").status_code == 404
    assert client.delete("/text").status_code == 405
    options = client.options("/text")

    assert options.status_code == 200
    assert "GET" in options.headers["Allow"]
    assert all(decisions[1:])


def test_errors_on_the_direct_path_reach_the_error_handlers(
    app: Hipflask, client: HipflaskClient, decisions: list[bool]
) -> None:
    @app.get("/teapot")
    def teapot() -> str:
        abort(418)

    @app.get("/broken")
    def broken() -> str:
        raise LookupError("gone")

    @app.errorhandler(418)
    def short_and_stout(error: Exception) -> tuple[str, int]:
        return "handled", 418

    @app.errorhandler(LookupError)
    def lookup(error: Exception) -> tuple[str, int]:
        return f"lookup: {error}", 409

    client.get("/teapot")
    teapot_response = client.get("/teapot")
    broken_response = client.get("/broken")

    assert decisions[1:] == [True, True]
    assert (teapot_response.status_code, teapot_response.data) == (418, b"handled")
    assert (broken_response.status_code, broken_response.data) == (409, b"lookup: gone")


def test_an_unhandled_error_on_the_direct_path_is_a_logged_500(
    app: Hipflask, client: HipflaskClient, decisions: list[bool], caplog: pytest.LogCaptureFixture
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/crash")
    def crash() -> str:
        raise RuntimeError("boom")

    client.get("/crash")
    response = client.get("/crash")

    assert decisions[-1] is True
    assert response.status_code == 500
    assert "boom" in caplog.text


def test_after_this_request_runs_on_the_direct_path(
    app: Hipflask, client: HipflaskClient, decisions: list[bool]
) -> None:
    @app.get("/")
    def index() -> str:
        @after_this_request
        def tag(response: Response) -> Response:
            response.headers["X-Tagged"] = "yes"
            return response

        return "ok"

    client.get("/")
    response = client.get("/")

    assert decisions[-1] is True
    assert response.headers["X-Tagged"] == "yes"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_g_lives_for_one_request_on_the_direct_path(
    app: Hipflask, client: HipflaskClient, decisions: list[bool]
) -> None:
    @app.get("/")
    def index() -> str:
        seen = g.get("seen", "fresh")
        g.seen = "stale"
        return seen

    assert [client.get("/").data for _ in range(3)] == [b"fresh"] * 3
    assert decisions[1:] == [True, True]


def test_hooks_and_teardowns_take_the_direct_path(
    app: Hipflask, client: HipflaskClient, decisions: list[bool]
) -> None:
    events: list[str] = []

    @app.get("/")
    def index() -> str:
        return "ok"

    @app.before_request
    def before() -> None:
        events.append("before")

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        events.append("teardown")

    @app.teardown_appcontext
    def teardown_app(error: BaseException | None) -> None:
        events.append("teardown app")

    client.get("/")
    client.get("/")

    assert decisions == [False, True]
    assert events == ["before", "teardown", "teardown app"] * 2


def test_a_request_signal_receiver_takes_the_pipeline(
    app: Hipflask, client: HipflaskClient, decisions: list[bool]
) -> None:
    events: list[str] = []

    @app.get("/")
    def index() -> str:
        return "ok"

    def started(sender: Hipflask, **extra: Any) -> None:
        events.append("started")

    client.get("/")
    with signals.request_started.connected_to(started, app):
        client.get("/")

    assert decisions == [False, False]
    assert events == ["started"]


def test_checks_and_finishers_added_to_the_gate_run_on_the_direct_path(
    app: Hipflask, client: HipflaskClient, decisions: list[bool]
) -> None:
    @app.get("/")
    def index() -> str:
        return "ok"

    def finisher(req: Request, response: Response) -> None:
        response.headers["X-Finished"] = req.path

    client.get("/")
    app.gate.add_check(
        "refuse",
        lambda req: Response("no", 401) if req.args.get("refuse") else None,
        order=450,
    )
    app.gate.add_finisher("tag", finisher, order=850)
    refused = client.get("/?refuse=1")
    allowed = client.get("/")

    assert decisions == [False, True, True]
    assert (refused.status_code, refused.data) == (401, b"no")
    assert (allowed.status_code, allowed.data) == (200, b"ok")
    for response in (refused, allowed):
        assert response.headers["X-Finished"] == "/"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


class _TrappingApp(Hipflask):
    def trap_http_exception(self, e: Exception) -> bool:
        return getattr(e, "code", None) == 404 or super().trap_http_exception(e)


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_an_apps_own_trap_http_exception_sees_routing_404s(protocol: str) -> None:
    app = _TrappingApp(__name__)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    plain_routes(app)
    client = app.test_client(protocol=protocol)

    assert client.get("/text").status_code == 200
    # Trapped: the 404 is an unhandled error, as Flask makes it.
    assert client.get("/missing").status_code == 500
    assert client.get("/missing").status_code == 500


def test_a_routing_404_on_the_direct_path_uses_the_apps_404_handler(
    app: Hipflask, client: HipflaskClient
) -> None:
    plain_routes(app)

    @app.errorhandler(404)
    def not_found(error: Exception) -> tuple[str, int]:
        return "nothing here", 404

    assert client.get("/text").status_code == 200
    response = client.get("/missing")
    assert (response.status_code, response.data) == (404, b"nothing here")


class _GoneApp(Hipflask):
    def raise_routing_exception(self, request: Request) -> None:
        abort(410)


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
@pytest.mark.parametrize("replaced_on", ["class", "instance"])
def test_a_replaced_raise_routing_exception_decides_routing_404s(
    protocol: str, replaced_on: str, decisions: list[bool]
) -> None:
    # The direct path answers an unhandled 404 without raising it, but only
    # when nothing replaced the method that raises it.
    if replaced_on == "class":
        app: Hipflask = _GoneApp(__name__)
    else:
        app = Hipflask(__name__)

        def gone(request: Request) -> None:
            abort(410)

        app.raise_routing_exception = gone  # type: ignore[method-assign]
    plain_routes(app)
    client = app.test_client(protocol=protocol)

    assert client.get("/text").status_code == 200
    assert [client.get("/missing").status_code for _ in range(2)] == [410, 410]
    assert decisions[-1] is True


class _DeclaredLength(Request):
    @property
    def content_length(self) -> int | None:
        return 3


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_a_request_class_with_its_own_content_length_keeps_it(protocol: str) -> None:
    app = Hipflask(__name__)
    app.request_class = _DeclaredLength

    @app.post("/")
    def index() -> str:
        return str(request.content_length)

    client = app.test_client(protocol=protocol)
    for _ in range(2):
        response = client.post("/", data=b"hello", content_type="text/plain")
        assert (response.status_code, response.data) == (200, b"3")


class _PinnedHost(Request):
    trusted_hosts = ["app.example"]  # noqa: RUF012 - Werkzeug's class attribute


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_a_request_classs_trusted_hosts_refuse_unsafe_requests(protocol: str) -> None:
    app = Hipflask(__name__)
    app.request_class = _PinnedHost

    @app.post("/")
    def index() -> str:
        return "ok"

    client = app.test_client(protocol=protocol)
    for _ in range(2):
        forged = client.post("/", headers={"Host": "evil.example", "Sec-Fetch-Site": "same-origin"})
        assert forged.status_code == 400
    assert client.post("/", headers={"Host": "app.example"}).status_code == 200
