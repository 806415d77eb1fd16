"""What the login throttle counts as an attempt, and how it answers one refused."""

from __future__ import annotations

import io
from typing import Any

import pytest
from werkzeug.exceptions import TooManyRequests

from hipflask import Hipflask
from hipflask import Response
from hipflask import g
from hipflask import request
from hipflask.login import login_throttled
from hipflask.login import login_user
from hipflask.login import logout_user
from hipflask.login import verify_login
from hipflask.login.throttle import LoginThrottle

from .conftest import build_app


@pytest.mark.parametrize("as_json", [True, False])
def test_a_refusal_answers_in_the_format_it_is_told(as_json: bool) -> None:
    app = build_app(LOGIN_THROTTLE_PER_USER="1/minute")
    throttle = LoginThrottle(app.config)
    throttle.check(("alice",), "192.0.2.1", as_json=as_json)
    with pytest.raises(TooManyRequests) as refused:
        throttle.check(("alice",), "192.0.2.1", as_json=as_json)
    content_type = dict(refused.value.get_headers())["Content-Type"]
    assert (content_type == "application/json") is as_json


def _session_app(**config: Any) -> Hipflask:
    """``/session``: a login by any unsafe method but ``DELETE``, which logs out."""
    app = build_app(WTF_CSRF_ENABLED=False, **config)
    users = app.extensions["test_users"]

    @app.route("/session", methods=["POST", "PUT", "PATCH", "DELETE"])
    @login_throttled
    def session_view() -> Any:
        if request.method == "DELETE" and not request.values and not request.data:
            logout_user()
            return "", 204
        # Whatever the guess looks like, it reaches a password check here.
        user = users.get(request.values.get("username", ""))
        return ("welcome", 200) if verify_login(user, "x") and login_user(user) else ("no", 401)

    return app


_LOGOUTS: list[dict[str, Any]] = [
    {},
    {"query_string": {"next": "/"}},
    {"data": {"csrf_token": "token"}},
    {"json": {}},
    {"data": b"", "content_type": "application/json"},
    {"headers": {"X-CSRFToken": "token"}},
]


@pytest.mark.parametrize("method", ["DELETE", "POST"])
@pytest.mark.parametrize(
    "logout",
    _LOGOUTS,
    ids=["bare", "next", "csrf-field", "empty-json", "empty-body", "csrf-header"],
)
def test_a_request_carrying_no_credentials_never_meets_the_limit(
    protocol: str, method: str, logout: dict[str, Any]
) -> None:
    # A user logging out often (DELETE /session beside POST /session) is not
    # guessing anything: no request of theirs counts as a failed login, and
    # none is refused, even once their address has used up its limit.
    client = _session_app(LOGIN_THROTTLE_PER_ADDRESS="3/minute").test_client(protocol=protocol)
    codes = {client.open("/session", method=method, **logout).status_code for _ in range(8)}
    assert 429 not in codes
    guess = {"username": "alice", "password": "guess"}
    assert [client.post("/session", data=guess).status_code for _ in range(4)] == [401] * 3 + [429]
    assert client.open("/session", method=method, **logout).status_code != 429


_GUESSES: list[dict[str, Any]] = [
    {"data": {"username": "alice", "password": "guess"}},
    {"data": {"password": "guess"}},
    {"data": {"passwd": "guess", "handle": "alice"}},
    {"query_string": {"password": "guess"}},
    {"json": {"password": "guess"}},
    {"json": ["alice", "guess"]},
    {"data": '{"username": "alice"}', "content_type": "text/plain"},
    {"data": "alice:guess", "content_type": "text/plain"},
    {"data": '{"password": "guess"}', "content_type": "application/x-www-form-urlencoded"},
    {"data": {"credentials": (b"alice:guess", "login.txt")}},
    {"headers": {"Authorization": "Basic YWxpY2U6Z3Vlc3M="}},
    {"data": {"csrf_token": "token", "password": "guess"}},
]


def _fresh(guess: dict[str, Any]) -> dict[str, Any]:
    """``guess`` with a new stream for each file in it (the client closes what it sent)."""
    data = guess.get("data")
    if not isinstance(data, dict):
        return guess
    files = {
        name: (io.BytesIO(value[0]), value[1]) if isinstance(value, tuple) else value
        for name, value in data.items()
    }
    return {**guess, "data": files}


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize(
    "guess",
    _GUESSES,
    ids=[
        "form",
        "password-alone",
        "fields-not-listed",
        "query",
        "json-password-alone",
        "json-list",
        "json-as-text",
        "raw-body",
        "json-as-form",
        "file",
        "basic-auth",
        "csrf-and-password",
    ],
)
def test_a_request_that_may_check_a_password_is_counted_by_every_method(
    protocol: str, method: str, guess: dict[str, Any]
) -> None:
    # The view chooses where it reads a password from; the attacker chooses
    # what to send. Only a request carrying nothing a view could check is
    # left alone, so no guess escapes the count by its shape or its method.
    client = _session_app(LOGIN_THROTTLE_PER_ADDRESS="3/minute").test_client(protocol=protocol)
    codes = [client.open("/session", method=method, **_fresh(guess)).status_code for _ in range(4)]
    assert codes[-1] == 429
    assert 429 not in codes[:-1]


def test_a_credential_in_the_url_path_is_counted(protocol: str) -> None:
    # A login by a one-time code in the path (a magic link's POST) sends no
    # field at all: the path is what the view checks, so each guess counts.
    app = build_app(WTF_CSRF_ENABLED=False, LOGIN_THROTTLE_PER_ADDRESS="3/minute")

    @app.route("/magic/<code>", methods=["POST"])
    @login_throttled
    def magic(code: str) -> Any:
        return ("welcome", 200) if code == "right" else ("no", 401)

    client = app.test_client(protocol=protocol)
    codes = [client.post(f"/magic/guess{n}").status_code for n in range(4)]
    assert codes == [401] * 3 + [429]


def test_a_proxy_authorization_header_is_counted(protocol: str) -> None:
    client = _session_app(LOGIN_THROTTLE_PER_ADDRESS="3/minute").test_client(protocol=protocol)
    headers = {"Proxy-Authorization": "Basic YWxpY2U6Z3Vlc3M="}
    codes = [client.delete("/session", headers=headers).status_code for _ in range(4)]
    assert codes[-1] == 429
    assert 429 not in codes[:-1]


@pytest.mark.parametrize("path", ["/login", "/async-login"])
def test_a_refusal_runs_the_after_request_hooks_and_one_failing_there_keeps_the_429(
    protocol: str, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    # A ported Flask app's timing pair: Flask-Login has no throttle, so such
    # a pair never met a refusal there that skips the before_request hook.
    # The after_request hooks run on it (the request id reaches the 429), the
    # timer's fails there, and is logged; the 429 is sent as it was.
    # The async view puts the check on the event loop under ASGI.
    app = build_app(TESTING=False, LOGIN_THROTTLE_PER_USER="1/minute")

    @app.post("/async-login")
    @login_throttled
    async def async_login() -> Any:
        return "wrong password", 401

    @app.before_request
    def start_timer() -> None:
        g.started = 1.0

    @app.after_request
    def add_timing(response: Response) -> Response:
        response.headers["X-Elapsed"] = str(g.started)
        return response

    @app.after_request
    def add_request_id(response: Response) -> Response:
        response.headers["X-Request-ID"] = "req-1"
        return response

    client = app.test_client(protocol=protocol)
    failed = client.post(path, data={"username": "alice", "password": "x"})
    assert failed.status_code == 401
    assert failed.headers["X-Elapsed"] == "1.0"
    refused = client.post(path, data={"username": "alice", "password": "x"})
    assert refused.status_code == 429
    assert "X-Elapsed" not in refused.headers
    assert refused.headers["X-Request-ID"] == "req-1"
    assert "Retry-After" in refused.headers
    failures = [r for r in caplog.records if "add_timing" in r.getMessage()]
    assert [r.levelname for r in failures] == ["ERROR"]
