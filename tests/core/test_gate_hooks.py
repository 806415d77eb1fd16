"""A failing ``after_request`` hook on the gate's answer: undone, logged sparingly, not a 500."""

from __future__ import annotations

from typing import Any

import pytest
from tests.security.gate_answer_hooks import hook_failures

from hipflask import Hipflask
from hipflask import Response
from hipflask import g
from hipflask import request
from hipflask import session
from hipflask.core import gate_hooks
from hipflask.core import pipeline
from hipflask.core.gate_hooks import HookFailureLog
from hipflask.core.gate_hooks import every_response
from hipflask.core.gate_hooks import hook_failure_log
from hipflask.core.gate_hooks import hook_name
from hipflask.limiter import Limiter
from hipflask.limiter.util import get_remote_address
from hipflask.wrappers.sendable import UnsendableHeaderError


def limited(app: Hipflask, limit: str = "1 per minute") -> None:
    """A page behind a default rate limit, and a timer's ``before_request`` hook.

    The gate answers 429 past ``limit``, before the hook runs.
    """
    Limiter(get_remote_address, app=app, default_limits=[limit])

    @app.before_request
    def start_timer() -> None:
        g.started = 1.0

    @app.get("/")
    def index() -> str:
        return "ok"


def refusals(app: Hipflask, protocol: str, count: int) -> list[Any]:
    """The first request, served, then ``count`` refused ones."""
    client = app.test_client(protocol=protocol)
    served = client.get("/")
    assert served.status_code == 200
    return [client.get("/") for _ in range(count)]


def test_a_hook_returning_another_response_replaces_the_answer_as_in_flask(
    app: Hipflask, protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Flask's process_response sends what each hook returns, a refusal's too.
    limited(app)

    @app.after_request
    def replace(response: Response) -> Response:
        if response.status_code == 429:
            return Response('{"error": "slow down"}', 429, mimetype="application/json")
        return response

    [refused] = refusals(app, protocol, 1)

    assert refused.status_code == 429
    assert refused.json == {"error": "slow down"}
    # The gate's finishers still ran on the new response.
    assert refused.headers["X-Content-Type-Options"] == "nosniff"
    assert hook_failures(caplog, app) == []


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_what_a_failing_hook_changed_before_raising_is_undone(
    app: Hipflask, protocol: str, is_async: bool, caplog: pytest.LogCaptureFixture
) -> None:
    limited(app)

    def half_done(response: Response) -> Response:
        if response.status_code != 429:
            return response
        response.status_code = 500
        response.set_data(b"replaced body")
        response.headers["X-Started"] = "yes"
        del response.headers["Retry-After"]
        response.set_cookie("tracker", "1")
        response.headers["X-Elapsed"] = str(g.started)
        return response

    if is_async:

        async def hook(response: Response) -> Response:
            return half_done(response)

        app.after_request(hook)
    else:
        app.after_request(half_done)

    @app.after_request
    def earlier(response: Response) -> Response:
        response.headers["X-Request-ID"] = "kept"
        return response

    [refused] = refusals(app, protocol, 1)

    assert refused.status_code == 429
    assert "Too Many Requests" in refused.get_data(as_text=True)
    assert "Retry-After" in refused.headers
    assert refused.headers["X-Request-ID"] == "kept"
    for name in ("X-Started", "X-Elapsed", "Set-Cookie"):
        assert name not in refused.headers
    assert int(refused.headers["Content-Length"]) == len(refused.get_data())
    [line] = hook_failures(caplog, app)
    assert ("half_done" if not is_async else ".hook") in line.getMessage()


def test_a_hook_returning_no_response_is_a_failure_too(
    app: Hipflask, protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    # A forgotten ``return response``: the session save and the finishers
    # would fail on it, and the 429 would become a 500.
    limited(app)

    @app.after_request
    def forgetful(response: Response) -> Response | None:
        if response.status_code != 429:
            return response
        response.headers["X-Half"] = "1"
        return None

    [refused] = refusals(app, protocol, 1)

    assert refused.status_code == 429
    assert "X-Half" not in refused.headers
    assert refused.headers["X-Content-Type-Options"] == "nosniff"
    [line] = hook_failures(caplog, app)
    assert line.exc_info is not None
    assert line.exc_info[0] is TypeError
    assert "forgetful" in line.getMessage()


def test_a_hook_echoing_an_unsendable_value_into_the_answer_is_a_failure_too(
    app: Hipflask, protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    # An attacker's request id with a control character: sent as it is, a
    # server would drop the connection, and checked later it would make the
    # 429 a 500. The hook's header is left out instead.
    limited(app)

    @app.after_request
    def echo_request_id(response: Response) -> Response:
        response.headers["X-Request-ID"] = request.args.get("id", "none")
        return response

    client = app.test_client(protocol=protocol)
    assert client.get("/", query_string={"id": "first"}).headers["X-Request-ID"] == "first"
    refused = client.get("/", query_string={"id": "a\x00b"})
    plain = client.get("/", query_string={"id": "abc"})

    assert refused.status_code == 429
    assert "X-Request-ID" not in refused.headers
    assert "Retry-After" in refused.headers
    assert plain.status_code == 429
    assert plain.headers["X-Request-ID"] == "abc"
    [line] = hook_failures(caplog, app)
    assert "echo_request_id" in line.getMessage()
    assert line.exc_info is not None
    assert line.exc_info[0] is UnsendableHeaderError


def test_after_a_failure_only_every_response_hooks_run_and_each_failure_is_logged(
    app: Hipflask, protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    limited(app)
    ran: list[str] = []

    @app.after_request
    def skipped(response: Response) -> Response:
        ran.append("skipped")
        return response

    @every_response
    def marked(response: Response) -> Response:
        ran.append("marked")
        response.headers["X-Marked"] = "1"
        return response

    @every_response
    def marked_but_failing(response: Response) -> Response:
        ran.append("marked_but_failing")
        if response.status_code != 429:
            return response
        response.headers["X-Broken"] = "1"
        raise KeyError("broken")

    app.after_request(marked)
    app.after_request(marked_but_failing)

    @app.after_request
    def failing(response: Response) -> Response:
        ran.append("failing")
        response.headers["X-Elapsed"] = str(g.get("started"))
        if response.status_code == 429:
            raise LookupError("the timer never started")
        return response

    [refused] = refusals(app, protocol, 1)

    assert ran[-3:] == ["failing", "marked_but_failing", "marked"]
    assert ran.count("skipped") == 1  # on the served page only
    assert refused.status_code == 429
    assert refused.headers["X-Marked"] == "1"
    assert "X-Broken" not in refused.headers
    names = [line.getMessage() for line in hook_failures(caplog, app)]
    assert len(names) == 2
    assert ".failing " in names[0]
    assert ".marked_but_failing " in names[1]


def test_a_flood_of_refusals_logs_one_traceback_then_a_count_a_minute(
    app: Hipflask, protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    limited(app)
    now = [1000.0]
    log = hook_failure_log(app)
    log.clock = lambda: now[0]

    @app.after_request
    def add_timing(response: Response) -> Response:
        response.headers["X-Elapsed"] = str(g.started)
        return response

    client = app.test_client(protocol=protocol)
    assert client.get("/").status_code == 200
    codes = [client.get("/").status_code for _ in range(50)]
    now[0] += 59.0
    codes += [client.get("/").status_code for _ in range(10)]
    lines = hook_failures(caplog, app)
    assert [line.levelname for line in lines] == ["ERROR"]

    now[0] += 2.0
    codes.append(client.get("/").status_code)
    now[0] += 30.0
    codes.append(client.get("/").status_code)

    assert codes == [429] * 62
    lines = hook_failures(caplog, app)
    assert [line.levelname for line in lines] == ["ERROR", "WARNING"]
    assert lines[0].exc_info is not None
    assert "on the 429 " in lines[0].getMessage()
    warning = lines[1]
    assert warning.exc_info is None
    assert "add_timing failed 60 more times in 61 seconds" in warning.getMessage()
    assert "AttributeError" in warning.getMessage()
    assert "Traceback" not in warning.getMessage()


def test_another_kind_of_failure_of_the_same_hook_gets_its_own_traceback(
    app: Hipflask, protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    limited(app)
    errors: list[type[Exception]] = [KeyError, ValueError, ValueError]

    @app.after_request
    def flaky(response: Response) -> Response:
        if response.status_code == 429:
            raise errors.pop(0)("x")
        return response

    refusals(app, protocol, 3)

    lines = hook_failures(caplog, app)
    assert [line.levelname for line in lines] == ["ERROR", "ERROR"]
    assert [line.exc_info[0] for line in lines if line.exc_info] == [KeyError, ValueError]


def test_a_repeated_failures_message_is_quoted_and_cut_short(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # An exception's message may carry what the attacker sent: one line, bounded.
    app = Hipflask("quoting")
    log = HookFailureLog(interval=0.0)
    log.report(app.logger, "hooks.echo", 400, ValueError("first"))
    log.report(app.logger, "hooks.echo", 400, ValueError("forged\nERROR line" + "x" * 1000))

    warning = hook_failures(caplog, app)[1].getMessage()
    assert "\n" not in warning
    assert "forged\\nERROR line" in warning
    assert len(warning) < 600


def test_a_repeated_failure_whose_message_cannot_be_read_is_still_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Unreadable(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no message")

    app = Hipflask("unreadable")
    log = HookFailureLog(interval=0.0)
    log.report(app.logger, "hooks.odd", 429, Unreadable())
    log.report(app.logger, "hooks.odd", 429, Unreadable())

    lines = [line.getMessage() for line in hook_failures(caplog, app)]
    assert len(lines) == 2
    assert "could not be read" in lines[1]


def test_hook_names_say_where_the_hook_lives() -> None:
    class Extension:
        def after(self, response: Response) -> Response:
            return response

    def plain(response: Response) -> Response:
        return response

    assert hook_name(plain) == f"{__name__}.{plain.__qualname__}"
    assert hook_name(Extension().after).endswith("Extension.after")
    assert hook_name(every_response(Extension().after)).endswith("Extension.after")

    class Callable:
        def __call__(self, response: Response) -> Response:
            return response

        def __repr__(self) -> str:
            return "<callable hook>"

    assert hook_name(Callable()) == "<callable hook>"


def test_a_failing_hook_on_a_page_the_gate_let_through_is_still_a_500(
    app: Hipflask, protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Only the gate's answers are kept: elsewhere Flask's rule holds.
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.after_request
    def broken(response: Response) -> Response:
        raise RuntimeError("a bug in the hook")

    @app.get("/")
    def index() -> str:
        return "ok"

    answer = app.test_client(protocol=protocol).get("/")

    assert answer.status_code == 500
    assert hook_failures(caplog, app) == []


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_only_what_the_gate_answered_goes_through_the_guarded_hooks(
    app: Hipflask, protocol: str, is_async: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The requests the gate let through run their hooks as before, on the
    # direct path where it applies: no snapshot, no extra step.
    calls: list[int] = []
    guarded = gate_hooks.after_gate_answer

    def spy(app: Hipflask, hooks: tuple[Any, ...], response: Response) -> pipeline.Step:
        calls.append(response.status_code)
        return guarded(app, hooks, response)

    monkeypatch.setattr(pipeline, "after_gate_answer", spy)
    Limiter(get_remote_address, app=app, default_limits=["2 per minute"])
    if is_async:

        @app.get("/")
        async def index() -> str:
            return "ok"

    else:

        @app.get("/")
        def index() -> str:
            return "ok"

    @app.after_request
    def tag(response: Response) -> Response:
        response.headers["X-Tag"] = "1"
        return response

    client = app.test_client(protocol=protocol)
    answers = [client.get("/") for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert [answer.headers["X-Tag"] for answer in answers] == ["1"] * 3
    assert calls == [429]


@pytest.mark.parametrize("fails", [False, True], ids=["passing", "failing"])
def test_a_hooks_session_write_on_the_gates_answer_is_saved(
    app: Hipflask, protocol: str, fails: bool, caplog: pytest.LogCaptureFixture
) -> None:
    # As in Flask for a passing hook. A failing one's write is kept too (in
    # Flask the 500 saves nothing): the session is not part of the answer,
    # and the other hooks' and handlers' writes (a logout) must be saved.
    limited(app)

    @app.after_request
    def remember_refusal(response: Response) -> Response:
        if response.status_code == 429:
            session["refused"] = True
            if fails:
                response.headers["X-Elapsed"] = str(g.started)
        return response

    client = app.test_client(protocol=protocol)
    assert client.get("/").status_code == 200
    refused = client.get("/")

    assert refused.status_code == 429
    assert "X-Elapsed" not in refused.headers
    with client.session_transaction() as saved:
        assert saved.get("refused") is True
    assert len(hook_failures(caplog, app)) == (1 if fails else 0)
