"""Attacks on session logins sent over real HTTP to real servers.

A replayed cookie after logout, a planted pre-login session (fixation), an
open ``next``, user enumeration by message, status or timing, password
guessing until 429 (by any method, a logout at the login URL never
refused), and answers a shared cache must keep apart by ``Accept``.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from hipflask.testing.servers import LOOPBACK
from hipflask.testing.servers import ServerProcess
from hipflask.testing.servers import install_command
from hipflask.testing.servers import is_installed
from hipflask.testing.servers import serve

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent
TIMEOUT = 20.0
PASSWORD = "correct horse battery staple"


class Reply:
    def __init__(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
        self.status = status
        self.body = body
        self.headers = headers

    def header(self, name: str) -> str | None:
        found = [v for k, v in self.headers if k.lower() == name.lower()]
        return found[0] if found else None

    def cookies(self) -> dict[str, str]:
        jar = {}
        for key, value in self.headers:
            if key.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                jar[name] = rest.split(";")[0]
        return jar


def boot(name: str, env: dict[str, str] | None = None) -> ServerProcess:
    if not is_installed(name):
        message = f"{name} is not installed; run: {install_command(name)}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return serve("loginapp:app", server=name, app_dir=HERE, env=env, start_timeout=TIMEOUT)


def send(
    server: ServerProcess,
    method: str,
    path: str,
    form: dict[str, str] | None = None,
    cookies: dict[str, str] | None = None,
    *,
    accept: str = "text/html",
    json_body: str | None = None,
) -> Reply:
    headers = {"Accept": accept}
    body = None if json_body is None else json_body.encode()
    if form is not None:
        body = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    connection = http.client.HTTPConnection(LOOPBACK, server.port, timeout=TIMEOUT)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return Reply(response.status, response.read(), response.getheaders())
    finally:
        connection.close()


def log_in(server: ServerProcess, cookies: dict[str, str] | None = None, **form: str) -> Reply:
    data = {"username": "alice", "password": PASSWORD, **form}
    return send(server, "POST", "/login", data, cookies)


@pytest.fixture(scope="module", params=["gunicorn", "uvicorn"])
def server(request: pytest.FixtureRequest) -> Iterator[ServerProcess]:
    env = {
        "LOGINAPP_THROTTLE_PER_USER": "1000/minute",
        "LOGINAPP_THROTTLE_PER_ADDRESS": "1000/minute",
    }
    with boot(request.param, env) as process:
        yield process


def test_session_cookie_replayed_after_logout_is_refused(server: ServerProcess) -> None:
    session = log_in(server).cookies()
    assert send(server, "GET", "/dashboard", cookies=session).body == b"Hello alice"
    assert send(server, "POST", "/logout", cookies=session).status == 302
    replay = send(server, "GET", "/dashboard", cookies=session)
    assert replay.status == 302
    assert (
        replay.header(
            "Location",
        )
        == "/login?next=%2Fdashboard"
    )


def test_remember_cookie_replayed_after_logout_is_refused(server: ServerProcess) -> None:
    jar = log_in(server, remember="1").cookies()
    remember = {"remember_token": jar["remember_token"]}
    assert send(server, "GET", "/dashboard", cookies=remember).body == b"Hello alice"
    send(server, "POST", "/logout", cookies=jar)
    assert send(server, "GET", "/dashboard", cookies=remember).status == 302


def test_planted_pre_login_session_does_not_become_the_victims(server: ServerProcess) -> None:
    planted = send(server, "POST", "/login", {"username": "mallory", "password": "x"})
    attacker_jar = planted.cookies() or {"session": "attacker-chosen"}
    victim = log_in(server, cookies=attacker_jar)
    assert victim.status == 302
    victim_jar = victim.cookies()
    assert victim_jar["session"] != attacker_jar.get("session")
    assert send(server, "GET", "/dashboard", cookies=victim_jar).body == b"Hello alice"
    assert send(server, "GET", "/dashboard", cookies=attacker_jar).status == 302


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "%2F%2Fevil.example",
    ],
)
def test_open_next_goes_to_the_dashboard_instead(server: ServerProcess, target: str) -> None:
    reply = send(
        server,
        "POST",
        "/login?next=" + urllib.parse.quote(target, safe=""),
        {"username": "alice", "password": PASSWORD},
    )
    assert reply.status == 302
    assert reply.header("Location") == "/dashboard"


def test_login_redirect_carries_only_a_path(server: ServerProcess) -> None:
    reply = send(server, "GET", "/dashboard?tab=1")
    location = reply.header("Location") or ""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    assert query["next"] == ["/dashboard?tab=1"]


def _median_difference(server: ServerProcess, replies: set[tuple[int, bytes]]) -> float:
    """The median difference of a pair's timings, as a share of one password check."""
    wrong: list[float] = []
    paired: list[float] = []
    for attempt in range(16):
        taken = {}
        names = [f"ghost{attempt}", "alice"]
        if attempt % 2:
            # Each goes first in half the pairs: on a loaded machine the first
            # request of a pair can be slower or faster as a rule, which must
            # not count as a difference between the two.
            names.reverse()
        for name in names:
            started = time.perf_counter()
            reply = send(server, "POST", "/login", {"username": name, "password": "guess"})
            taken[name] = time.perf_counter() - started
            replies.add((reply.status, reply.body))
        wrong.append(taken["alice"])
        # Back-to-back pairs: load on the machine shifts both alike.
        paired.append(taken[f"ghost{attempt}"] - taken["alice"])
    # Without the dummy hash check an unknown user would answer a whole
    # password hash faster; make sure one costs enough to be told from noise.
    check = statistics.median(wrong)
    assert check > 0.02
    # As a share of one check: a loaded machine stretches both alike, and
    # an unknown user answered without the dummy hash differs by a whole one.
    return abs(statistics.median(paired)) / check


def test_unknown_user_and_wrong_password_look_identical(server: ServerProcess) -> None:
    log_in(server, password="warm-up")
    send(server, "POST", "/login", {"username": "warm-up", "password": "x"})
    replies: set[tuple[int, bytes]] = set()
    # The machine running the tests may be busy; a systematic difference
    # shows in every round, noise rarely in three in a row.
    differences = []
    for _ in range(3):
        differences.append(_median_difference(server, replies))
        if differences[-1] < 0.2:
            break
    assert replies == {(401, b"Invalid user name or password.")}
    assert min(differences) < 0.2, f"median timings differ by {differences} of a check"


def test_password_guessing_is_cut_off_with_429() -> None:
    with boot("uvicorn") as process:
        codes = [log_in(process, password=f"guess{i}").status for i in range(6)]
        assert codes == [401] * 5 + [429]
        blocked = log_in(process)
        assert blocked.status == 429
        assert int(blocked.header("Retry-After") or 0) >= 1


@pytest.mark.parametrize("name", ["gunicorn", "uvicorn"])
def test_a_decoy_user_name_does_not_lift_the_limit_of_the_guessed_address(name: str) -> None:
    # The view reads ``email``; a fresh ``username`` beside it on every guess
    # must not make the guesses count against names nobody has.
    with boot(name) as process:
        codes = [
            send(
                process,
                "POST",
                "/email-login",
                {"email": "alice@example.com", "username": uuid.uuid4().hex, "password": "x"},
            ).status
            for _ in range(6)
        ]
        assert codes == [401] * 5 + [429]


def _vary(reply: Reply) -> list[str]:
    values = [value for key, value in reply.headers if key.lower() == "vary"]
    return [item.strip().lower() for value in values for item in value.split(",")]


@pytest.mark.parametrize("name", ["gunicorn", "uvicorn"])
def test_answers_chosen_by_accept_say_so_in_vary(name: str) -> None:
    # A shared cache keeps one answer per URL and the headers Vary names:
    # without Accept among them, a browser could be served an API client's
    # JSON 401 (or 429), or the API client the browser's redirect.
    with boot(name, {"LOGINAPP_THROTTLE_PER_USER": "1/minute"}) as process:
        browser = send(process, "GET", "/dashboard")
        api = send(process, "GET", "/dashboard", accept="application/json")
        assert (browser.status, api.status) == (302, 401)
        assert "cookie" in _vary(browser)  # the flashed message's, kept
        send(process, "POST", "/login", {"username": "alice", "password": "x"})
        refusals = [
            send(process, "POST", "/login", {"username": "alice", "password": "x"}, accept=accept)
            for accept in ("text/html", "application/json")
        ]
        assert [reply.status for reply in refusals] == [429, 429]
        assert refusals[1].header("Content-Type") == "application/json"
        for reply in (browser, api, *refusals):
            assert "accept" in _vary(reply)
            assert len(_vary(reply)) == len(set(_vary(reply)))


@pytest.mark.parametrize("name", ["gunicorn", "uvicorn"])
def test_logouts_at_the_login_url_never_meet_the_limit_but_guesses_do(name: str) -> None:
    with boot(name, {"LOGINAPP_THROTTLE_PER_ADDRESS": "5/minute"}) as process:
        login = json.dumps({"username": "alice", "password": PASSWORD})
        jar = send(process, "POST", "/session", json_body=login).cookies()
        codes = {send(process, "DELETE", "/session", cookies=jar).status for _ in range(12)}
        assert codes == {204}
        # A guess is counted whatever the method; a password is enough.
        guess = json.dumps({"password": "guess"})
        codes_of_guesses = [
            send(process, "DELETE", "/session", json_body=guess).status for _ in range(5)
        ]
        assert codes_of_guesses == [401] * 4 + [429]
        assert send(process, "POST", "/session", json_body=login).status == 429
        assert send(process, "DELETE", "/session", cookies=jar).status == 204
