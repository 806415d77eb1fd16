"""What the gate's parts refuse or answer runs the app's ``after_request`` hooks.

Every part of the gate (the suites' checks included) runs before the app's
``before_request`` hooks, as Flask-Limiter's, Flask-WTF's and
Flask-Talisman's refusals come from ``before_request`` hooks of their own.
As in Flask, the app's ``after_request`` hooks run on such an answer (a
header every response must carry reaches the 429 too); the
``before_request`` hooks do not. A hook reading what its ``before_request``
partner put on ``g`` (a request timer) fails there: Flask answers a 500,
here the failure is logged and the answer is sent as it was before that
hook. A refusal raised later, inside a view, runs the hooks as any
response does. The app's ``TESTING`` is on: the failure is not one a test
should see raised either.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tests.security.gate_answer_hooks import REQUEST_ID
from tests.security.gate_answer_hooks import add_hooks
from tests.security.gate_answer_hooks import assert_answered_with_hooks
from tests.security.gate_answer_hooks import assert_served_with_hooks
from tests.security.gate_answer_hooks import hook_failures

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import Response
from hipflask.cors import CORS
from hipflask.forms import CSRFProtect
from hipflask.limiter import Limiter
from hipflask.limiter.util import get_remote_address
from hipflask.security.gate import ORDER_AUTH
from hipflask.talisman import Talisman
from hipflask.testing.client import HipflaskClient


def add_view(app: Hipflask, rule: str, is_async: bool, target: Any = None) -> None:
    """A view answering GET and POST at ``rule``, sync or ``async def``."""
    where = target if target is not None else app
    if is_async:

        async def answer() -> str:
            return "ok"

    else:

        def answer() -> str:
            return "ok"

    where.add_url_rule(rule, "answer", answer, methods=["GET", "POST"])


def default_limits(app: Hipflask, is_async: bool) -> str:
    Limiter(get_remote_address, app=app, default_limits=["2 per minute"])
    add_view(app, "/", is_async)
    return "/"


def application_limits(app: Hipflask, is_async: bool) -> str:
    Limiter(get_remote_address, app=app, application_limits=["2 per minute"])
    add_view(app, "/", is_async)
    return "/"


def blueprint_limits(app: Hipflask, is_async: bool) -> str:
    limiter = Limiter(get_remote_address, app=app)
    bp = Blueprint("api", __name__)
    limiter.limit("2 per minute")(bp)
    add_view(app, "/", is_async, target=bp)
    app.register_blueprint(bp, url_prefix="/api")
    return "/api/"


LIMITS = {
    "default": default_limits,
    "application": application_limits,
    "blueprint": blueprint_limits,
}


@pytest.mark.parametrize("hooks_first", [True, False], ids=["hooks-first", "limiter-first"])
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("kind", list(LIMITS))
def test_a_rate_limit_counted_before_the_hooks_runs_the_after_hooks_and_stays_a_429(
    app: Hipflask,
    protocol: str,
    kind: str,
    is_async: bool,
    hooks_first: bool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # In Flask, with the limiter set up before the timer pair, this 429
    # became a 500; either order gives the same answer here.
    if hooks_first:
        seen = add_hooks(app)
        path = LIMITS[kind](app, is_async)
    else:
        path = LIMITS[kind](app, is_async)
        seen = add_hooks(app)
    client = app.test_client(protocol=protocol)

    answers = [client.get(path) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert_served_with_hooks(answers[0], seen)
    assert_answered_with_hooks(answers[2], 429, seen, caplog, app)
    assert "Retry-After" in answers[2].headers
    assert [status for status, _ in seen.recorded] == [200, 200, 429]
    assert seen.late == [200, 200]
    assert seen.torn_down == [None, None, None]


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_async_hooks_run_on_a_rate_limits_429(
    app: Hipflask, protocol: str, is_async: bool, caplog: pytest.LogCaptureFixture
) -> None:
    # The failing hook is a coroutine: its error comes back through the driver.
    seen = add_hooks(app, is_async=True)
    path = default_limits(app, is_async)
    client = app.test_client(protocol=protocol)

    answers = [client.get(path) for _ in range(3)]

    assert_served_with_hooks(answers[1], seen)
    assert_answered_with_hooks(answers[2], 429, seen, caplog, app)


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_a_blueprints_hooks_run_on_its_limits_429(
    app: Hipflask, protocol: str, is_async: bool, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = Limiter(get_remote_address, app=app)
    bp = Blueprint("api", __name__)
    limiter.limit("1 per minute")(bp)
    add_view(app, "/", is_async, target=bp)
    seen = add_hooks(app, target=bp)
    app.register_blueprint(bp, url_prefix="/api")
    client = app.test_client(protocol=protocol)

    served, refused = client.get("/api/"), client.get("/api/")

    assert_served_with_hooks(served, seen)
    assert_answered_with_hooks(refused, 429, seen, caplog, app)


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_a_view_limit_counted_in_the_view_runs_the_after_hooks(
    app: Hipflask, protocol: str, is_async: bool, caplog: pytest.LogCaptureFixture
) -> None:
    # Counted when the decorated view is called, after the before_request
    # hooks, as in Flask-Limiter: its 429 is the view's, and nothing fails.
    seen = add_hooks(app)
    limiter = Limiter(get_remote_address, app=app)
    if is_async:

        async def limited() -> str:
            return "ok"

    else:

        def limited() -> str:
            return "ok"

    app.add_url_rule("/limited", "limited", limiter.limit("2 per minute")(limited))
    client = app.test_client(protocol=protocol)

    answers = [client.get("/limited") for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert [answer.headers.get("X-Elapsed") for answer in answers] == ["1.0"] * 3
    assert seen.late == [200, 200, 429]
    assert hook_failures(caplog, app) == []


def test_a_limit_block_in_the_view_runs_the_after_hooks(
    app: Hipflask, protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    seen = add_hooks(app)
    limiter = Limiter(get_remote_address, app=app)

    @app.get("/block")
    def block() -> str:
        with limiter.limit("1 per minute"):
            return "ok"

    client = app.test_client(protocol=protocol)
    refused = [client.get("/block") for _ in range(2)][1]

    assert refused.status_code == 429
    assert refused.headers["X-Elapsed"] == "1.0"
    assert seen.late == [200, 429]
    assert hook_failures(caplog, app) == []


@pytest.mark.parametrize("hooks_first", [True, False], ids=["hooks-first", "csrf-first"])
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_a_csrf_refusal_by_the_gate_runs_the_after_hooks_and_stays_a_400(
    app: Hipflask,
    protocol: str,
    is_async: bool,
    hooks_first: bool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    if hooks_first:
        seen = add_hooks(app)
        CSRFProtect(app)
    else:
        CSRFProtect(app)
        seen = add_hooks(app)
    add_view(app, "/submit", is_async)
    client = app.test_client(protocol=protocol)

    # A forged form post: no token, no Origin (a script outside a browser).
    refused = client.post("/submit", data={"amount": "100"})
    page = client.get("/submit")

    assert_answered_with_hooks(refused, 400, seen, caplog, app)
    assert "CSRF" in refused.get_data(as_text=True)
    assert_served_with_hooks(page, seen)
    assert [status for status, _ in seen.recorded] == [400, 200]


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_csrf_protect_called_by_a_view_runs_the_after_hooks(
    app: Hipflask, protocol: str, is_async: bool, caplog: pytest.LogCaptureFixture
) -> None:
    seen = add_hooks(app)
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf = CSRFProtect(app)
    if is_async:

        async def submit() -> str:
            csrf.protect()
            return "ok"

    else:

        def submit() -> str:
            csrf.protect()
            return "ok"

    app.add_url_rule("/submit", "submit", submit, methods=["POST"])
    refused = app.test_client(protocol=protocol).post("/submit")

    assert refused.status_code == 400
    assert refused.headers["X-Elapsed"] == "1.0"
    assert seen.late == [400]
    assert hook_failures(caplog, app) == []


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_the_https_redirect_and_its_host_refusal_run_the_after_hooks(
    app: Hipflask, protocol: str, is_async: bool, caplog: pytest.LogCaptureFixture
) -> None:
    seen = add_hooks(app)
    Talisman(app)
    add_view(app, "/", is_async)
    client = app.test_client(protocol=protocol)

    redirected = client.get("/")
    refused = client.get("/", headers={"Host": "x/evil.example"})
    served = client.get("/", base_url="https://localhost")

    assert_answered_with_hooks(redirected, 302, seen, caplog, app)
    assert redirected.headers["Location"] == "https://localhost/"
    assert_answered_with_hooks(refused, 400, seen, caplog, app)
    assert_served_with_hooks(served, seen)
    assert [status for status, _ in seen.recorded] == [302, 400, 200]
    assert seen.late == [200]


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_a_cors_preflight_runs_the_after_hooks_and_keeps_its_cors_headers(
    app: Hipflask, protocol: str, is_async: bool, caplog: pytest.LogCaptureFixture
) -> None:
    # Flask-CORS answers preflights after the app's hooks ran; here the gate
    # answers before, so the timer fails, and the preflight is still sent.
    seen = add_hooks(app)
    CORS(app, resources={r"/api/*": {"origins": ["https://good.example"]}})
    add_view(app, "/api/items", is_async)
    client = app.test_client(protocol=protocol)

    preflight = client.options(
        "/api/items",
        headers={"Origin": "https://good.example", "Access-Control-Request-Method": "POST"},
    )

    assert_answered_with_hooks(preflight, 200, seen, caplog, app)
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://good.example"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_a_cross_origin_refusal_and_an_unknown_host_run_the_after_hooks(
    app: Hipflask, protocol: str, is_async: bool, caplog: pytest.LogCaptureFixture
) -> None:
    # A hand-written hook allowing one origin (pattern 1): a cross-origin
    # page must be able to read the refusal.
    app.config["TRUSTED_HOSTS"] = ["localhost"]
    seen = add_hooks(app)
    add_view(app, "/items", is_async)
    client = app.test_client(protocol=protocol)

    cross_site = client.post("/items", headers={"Origin": "https://evil.example"})
    unknown_host = client.get("/items", headers={"Host": "evil.example"})
    same_origin = client.post("/items", headers={"Origin": "http://localhost"})

    assert_answered_with_hooks(cross_site, 403, seen, caplog, app)
    assert_answered_with_hooks(unknown_host, 400, seen, caplog, app)
    assert_served_with_hooks(same_origin, seen)


Part = Callable[[Any], Any]


def refuse(request: Any) -> None:
    from werkzeug.exceptions import Forbidden

    if request.args.get("deny"):
        raise Forbidden("Denied by the app's own gate check.")


async def refuse_async(request: Any) -> None:
    refuse(request)


def answer(request: Any) -> Response | None:
    return Response("maintenance", status=503) if request.args.get("deny") else None


async def answer_async(request: Any) -> Response | None:
    return answer(request)


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize(
    ("check", "check_async", "code"),
    [(refuse, refuse_async, 403), (answer, answer_async, 503)],
    ids=["raises", "returns"],
)
def test_a_check_an_app_adds_to_the_gate_runs_the_after_hooks(
    app: Hipflask,
    protocol: str,
    is_async: bool,
    check: Part,
    check_async: Part,
    code: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen = add_hooks(app)
    app.gate.add_check("app.maintenance", check, order=ORDER_AUTH, check_async=check_async)
    add_view(app, "/", is_async)
    client: HipflaskClient = app.test_client(protocol=protocol)

    denied = client.get("/?deny=1")
    served = client.get("/")

    assert_answered_with_hooks(denied, code, seen, caplog, app)
    assert_served_with_hooks(served, seen)
    assert [status for status, _ in seen.recorded] == [code, 200]
    assert seen.torn_down == [None, None]


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_an_error_handlers_answer_to_a_gate_refusal_runs_the_after_hooks(
    app: Hipflask, protocol: str, is_async: bool, caplog: pytest.LogCaptureFixture
) -> None:
    # The handler runs, but still no before_request hook has: the timer
    # fails on the handler's answer, which is sent as the handler made it.
    seen = add_hooks(app)
    Limiter(get_remote_address, app=app, default_limits=["1 per minute"])
    add_view(app, "/", is_async)

    if is_async:

        @app.errorhandler(429)
        async def slow_down(error: Exception) -> tuple[str, int]:
            return "slow down", 429

    else:

        @app.errorhandler(429)
        def slow_down(error: Exception) -> tuple[str, int]:
            return "slow down", 429

    client = app.test_client(protocol=protocol)
    refused = [client.get("/") for _ in range(2)][1]

    assert_answered_with_hooks(refused, 429, seen, caplog, app)
    assert refused.get_data(as_text=True) == "slow down"
    assert [status for status, _ in seen.recorded] == [200, 429]


def test_a_hook_that_needs_nothing_from_before_request_runs_on_every_answer(
    app: Hipflask, protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Pattern 1 alone: no timer, so nothing fails and nothing is logged.
    Limiter(get_remote_address, app=app, default_limits=["1 per minute"])
    add_view(app, "/", is_async=False)

    @app.after_request
    def allow_the_spa(response: Response) -> Response:
        response.headers["Access-Control-Allow-Origin"] = "https://spa.example"
        response.headers["X-Request-ID"] = REQUEST_ID
        return response

    client = app.test_client(protocol=protocol)
    answers = [client.get("/") for _ in range(2)]

    assert [answer.status_code for answer in answers] == [200, 429]
    for each in answers:
        assert each.headers["Access-Control-Allow-Origin"] == "https://spa.example"
        assert each.headers["X-Request-ID"] == REQUEST_ID
    assert hook_failures(caplog, app) == []
