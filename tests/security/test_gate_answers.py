"""What the gate's parts refuse or answer runs none of the app's request hooks.

Every part of the gate (the suites' checks included) runs before the app's
``before_request`` hooks, so what one refuses or answers there leaves out
the app's ``after_request`` hooks too: a hook pair such as a request timer
(``before_request`` puts the start on ``g``, ``after_request`` reads it)
would otherwise turn each refusal into a 500. Hooks marked
``every_response`` still run. A refusal raised later, inside a view, runs
the hooks as Flask runs them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import Response
from hipflask import g
from hipflask.core.pipeline import every_response
from hipflask.forms import CSRFProtect
from hipflask.limiter import Limiter
from hipflask.limiter.util import get_remote_address
from hipflask.talisman import Talisman
from hipflask.testing.client import HipflaskClient


@pytest.fixture
def timed(app: Hipflask) -> list[int]:
    """The timer pair, and an ``every_response`` hook recording each status."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    seen: list[int] = []

    @app.before_request
    def start_timer() -> None:
        g.started = 1.0

    @app.after_request
    def add_timing(response: Response) -> Response:
        response.headers["X-Elapsed"] = str(g.started)
        return response

    @every_response
    def record(response: Response) -> Response:
        seen.append(response.status_code)
        return response

    app.after_request(record)
    return seen


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


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("kind", list(LIMITS))
def test_a_rate_limit_counted_before_the_hooks_leaves_out_their_after_hooks(
    app: Hipflask, timed: list[int], protocol: str, kind: str, is_async: bool
) -> None:
    path = LIMITS[kind](app, is_async)
    client = app.test_client(protocol=protocol)

    answers = [client.get(path) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert [answer.headers.get("X-Elapsed") for answer in answers] == ["1.0", "1.0", None]
    assert "Retry-After" in answers[2].headers
    assert timed == [200, 200, 429]


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_a_view_limit_counted_in_the_view_runs_the_after_hooks(
    app: Hipflask, timed: list[int], protocol: str, is_async: bool
) -> None:
    # Counted when the decorated view is called, after the before_request
    # hooks, as in Flask-Limiter: its 429 is the view's, and gets them.
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
    assert timed == [200, 200, 429]


def test_a_limit_block_in_the_view_runs_the_after_hooks(
    app: Hipflask, timed: list[int], protocol: str
) -> None:
    limiter = Limiter(get_remote_address, app=app)

    @app.get("/block")
    def block() -> str:
        with limiter.limit("1 per minute"):
            return "ok"

    client = app.test_client(protocol=protocol)
    refused = [client.get("/block") for _ in range(2)][1]

    assert refused.status_code == 429
    assert refused.headers["X-Elapsed"] == "1.0"


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_a_csrf_refusal_by_the_gate_leaves_out_the_after_hooks(
    app: Hipflask, timed: list[int], protocol: str, is_async: bool
) -> None:
    CSRFProtect(app)
    add_view(app, "/submit", is_async)
    client = app.test_client(protocol=protocol)

    # A forged form post: no token, no Origin (a script outside a browser).
    refused = client.post("/submit", data={"amount": "100"})
    page = client.get("/submit")

    assert refused.status_code == 400
    assert "X-Elapsed" not in refused.headers
    assert page.headers["X-Elapsed"] == "1.0"
    assert timed == [400, 200]


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_csrf_protect_called_by_a_view_runs_the_after_hooks(
    app: Hipflask, timed: list[int], protocol: str, is_async: bool
) -> None:
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
    assert timed == [400]


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_the_https_redirect_and_its_host_refusal_leave_out_the_after_hooks(
    app: Hipflask, timed: list[int], protocol: str, is_async: bool
) -> None:
    Talisman(app)
    add_view(app, "/", is_async)
    client = app.test_client(protocol=protocol)

    redirected = client.get("/")
    refused = client.get("/", headers={"Host": "x/evil.example"})
    served = client.get("/", base_url="https://localhost")

    assert redirected.status_code == 302
    assert refused.status_code == 400
    assert served.status_code == 200
    assert "X-Elapsed" not in redirected.headers
    assert "X-Elapsed" not in refused.headers
    assert served.headers["X-Elapsed"] == "1.0"
    assert timed == [302, 400, 200]


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
def test_a_check_an_app_adds_to_the_gate_leaves_out_the_after_hooks(
    app: Hipflask,
    timed: list[int],
    protocol: str,
    is_async: bool,
    check: Part,
    check_async: Part,
    code: int,
) -> None:
    from hipflask.security.gate import ORDER_AUTH

    app.gate.add_check("app.maintenance", check, order=ORDER_AUTH, check_async=check_async)
    add_view(app, "/", is_async)
    client: HipflaskClient = app.test_client(protocol=protocol)

    denied = client.get("/?deny=1")
    served = client.get("/")

    assert denied.status_code == code
    assert "X-Elapsed" not in denied.headers
    assert served.headers["X-Elapsed"] == "1.0"
    assert timed == [code, 200]


def test_an_error_handlers_answer_to_a_gate_refusal_leaves_out_the_after_hooks(
    app: Hipflask, timed: list[int], protocol: str
) -> None:
    # The handler runs, but still no before_request hook has: its answer is
    # the refusal's, and the timer's after_request hook must not read g.
    Limiter(get_remote_address, app=app, default_limits=["1 per minute"])
    add_view(app, "/", is_async=False)

    @app.errorhandler(429)
    def slow_down(error: Exception) -> tuple[str, int]:
        return "slow down", 429

    client = app.test_client(protocol=protocol)
    refused = [client.get("/") for _ in range(2)][1]

    assert refused.status_code == 429
    assert refused.get_data(as_text=True) == "slow down"
    assert "X-Elapsed" not in refused.headers
    assert timed == [200, 429]
