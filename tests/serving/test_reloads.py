"""``SIGHUP`` to ``hipflask serve`` reloads only an app that passes the start-up checks.

A deploy writes new code or settings and sends ``SIGHUP``. The server that
refused to start with a well-known ``SECRET_KEY`` (anyone could sign a
session cookie with it) must not start serving one on a reload: the reload
is refused, logged with its reason, and the old workers go on answering,
while good new code is served as before. These tests serve real apps under
both interfaces, change the file on disk, send the signal the way an
operator does (to the main process) and ask the server what it answers.
"""

from __future__ import annotations

import functools
import logging
import os
import signal
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.serving.https_client import fetch
from tests.serving.https_client import pinned
from tests.serving.reload_sites import KEY
from tests.serving.reload_sites import StartServer
from tests.serving.reload_sites import answer
from tests.serving.reload_sites import answers_for
from tests.serving.reload_sites import serve_args
from tests.serving.reload_sites import write_site

from hipflask import Hipflask
from hipflask.serving.inspection import StartupChecks
from hipflask.serving.reloads import CheckedReload
from hipflask.serving.tls.adhoc import make_adhoc_certificate

ALL_INTERFACES = "0.0.0.0"  # noqa: S104
LOOPBACK = StartupChecks(host="127.0.0.1", tls=False, proxy=False, insecure_http=False)

#: Loads 1 and 2 (the start-up check, the worker) and 3 (the reload's
#: check) see a strong key, load 4 (the new worker) a well-known one: the
#: files changed between the reload's check and the worker's import.
CHANGING_SITE = textwrap.dedent(
    f"""
    from pathlib import Path

    from hipflask import Hipflask

    counter = Path(__file__).with_name("loads.txt")
    with counter.open("a") as loads:
        loads.write("x")
    LOADS = len(counter.read_text())

    app = Hipflask(__name__)
    app.secret_key = {KEY!r} if LOADS <= 3 else "changeme"

    @app.get("/")
    def index():
        return "weak" if LOADS > 3 else "v1"
    """
)


#: How long a refused reload is watched. Granian logs "HUP signal received"
#: and "Respawning worker-1" the moment it takes a reload, and the refusal is
#: logged where the reload would have been handed to it: a reload let through
#: shows in the log within milliseconds, where waiting out granian's respawn
#: interval (3.5 s, after which the old worker is stopped) shows nothing more.
NO_RELOAD_WINDOW = 1.0


def assert_no_respawn(server: Any) -> None:
    """Fail if granian began a reload: it logs one before it starts the new worker."""
    log = server.log()
    assert "HUP signal received" not in log
    assert "Respawning" not in log


def _wait_for_answer(port: int, wanted: str, timeout: float = 15.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if answer(port) == wanted:
            return
        time.sleep(0.1)
    pytest.fail(f"{wanted!r} was not answered within {timeout}s")


@pytest.mark.integration
@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_a_reload_onto_a_well_known_key_is_refused_and_the_old_app_answers(
    tmp_path: Path,
    start_server: StartServer,
    hipflask: list[str],
    free_port: int,
    interface: str,
) -> None:
    write_site(tmp_path, "v1")
    server = start_server(serve_args(hipflask, free_port, interface), free_port, tmp_path)
    server.wait_for_output("Started worker-1")
    assert answer(free_port) == "200 v1"

    write_site(tmp_path, "weak", key="changeme")
    server.signal(signal.SIGHUP)
    output = server.wait_for_output("Reload refused")

    assert answers_for(free_port, NO_RELOAD_WINDOW) == {"200 v1"}
    assert server.process.poll() is None
    assert "well-known SECRET_KEY" in output
    assert_no_respawn(server)


@pytest.mark.integration
@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_a_reload_onto_code_that_fails_to_import_is_refused(
    tmp_path: Path,
    start_server: StartServer,
    hipflask: list[str],
    free_port: int,
    interface: str,
) -> None:
    # Left to granian, the new worker would die at import and take the
    # whole server down with it a few seconds later.
    write_site(tmp_path, "v1")
    server = start_server(serve_args(hipflask, free_port, interface), free_port, tmp_path)
    server.wait_for_output("Started worker-1")

    (tmp_path / "shop.py").write_text("raise RuntimeError('half-copied deploy')\n")
    server.signal(signal.SIGHUP)
    output = server.wait_for_output("Reload refused")

    assert "half-copied deploy" in output
    assert answers_for(free_port, NO_RELOAD_WINDOW) == {"200 v1"}
    assert server.process.poll() is None
    assert_no_respawn(server)


@pytest.mark.integration
@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_a_reload_onto_good_code_serves_the_new_code(
    tmp_path: Path,
    start_server: StartServer,
    hipflask: list[str],
    free_port: int,
    interface: str,
) -> None:
    write_site(tmp_path, "v1")
    server = start_server(serve_args(hipflask, free_port, interface), free_port, tmp_path)
    server.wait_for_output("Started worker-1")

    write_site(tmp_path, "v2")
    server.signal(signal.SIGHUP)
    server.wait_for_output("Stopped old worker-1")

    assert answers_for(free_port, 0.5) == {"200 v2"}
    assert "passes the start-up checks: reloading the workers" in server.log()
    assert "Reload refused" not in server.log()


@pytest.mark.integration
@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_a_good_deploy_after_a_refused_one_is_served(
    tmp_path: Path,
    start_server: StartServer,
    hipflask: list[str],
    free_port: int,
    interface: str,
) -> None:
    # The fix for a refused deploy is the next deploy, with no restart.
    write_site(tmp_path, "v1")
    server = start_server(serve_args(hipflask, free_port, interface), free_port, tmp_path)
    server.wait_for_output("Started worker-1")
    write_site(tmp_path, "weak fallback", extra="app.config['SECRET_KEY_FALLBACKS'] = ['dev']")
    server.signal(signal.SIGHUP)
    output = server.wait_for_output("Reload refused")
    assert "SECRET_KEY_FALLBACKS" in output

    write_site(tmp_path, "v3")
    server.signal(signal.SIGHUP)

    _wait_for_answer(free_port, "200 v3")
    server.wait_for_output("Stopped old worker-1")
    assert answers_for(free_port, 0.5) == {"200 v3"}


@pytest.mark.integration
@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_a_reload_judges_the_debug_mode_the_workers_will_have(
    tmp_path: Path,
    start_server: StartServer,
    hipflask: list[str],
    free_port: int,
    interface: str,
) -> None:
    # On an address other machines reach, a debug-mode app is refused; the
    # new code turning DEBUG on is refused on reload as it would be at start.
    options = ("--host", ALL_INTERFACES, "--insecure-http", "--host-name", "localhost")
    write_site(tmp_path, "v1")
    command = serve_args(hipflask, free_port, interface, *options)
    server = start_server(command, free_port, tmp_path)
    server.wait_for_output("Started worker-1")

    write_site(tmp_path, "debug", extra="app.debug = True")
    server.signal(signal.SIGHUP)
    output = server.wait_for_output("Reload refused")

    assert "debug-mode app" in output
    assert answers_for(free_port, NO_RELOAD_WINDOW, host="localhost") == {"200 v1"}
    assert_no_respawn(server)


@pytest.mark.integration
@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_a_reload_judges_the_number_of_workers(
    tmp_path: Path,
    start_server: StartServer,
    hipflask: list[str],
    free_port: int,
    interface: str,
) -> None:
    # Sessions kept in each worker's memory: a login would hold in one worker
    # and be missing in the other. Refused at start with two workers, so on
    # a reload of a server that runs two.
    write_site(tmp_path, "v1")
    command = serve_args(hipflask, free_port, interface, "--workers", "2")
    server = start_server(command, free_port, tmp_path)
    server.wait_for_output("Started worker-2")

    memory_sessions = "\n".join(
        [
            "from hipflask.sessions import Session",
            "app.config['SESSION_TYPE'] = 'memory'",
            "Session(app)",
        ]
    )
    write_site(tmp_path, "memory sessions", extra=memory_sessions)
    server.signal(signal.SIGHUP)
    output = server.wait_for_output("Reload refused")

    assert "Refusing to start 2 workers" in output
    assert "SESSION_TYPE" in output
    assert answers_for(free_port, NO_RELOAD_WINDOW) == {"200 v1"}
    assert_no_respawn(server)


@pytest.mark.integration
def test_a_reload_keeps_the_debug_mode_the_environment_forces(
    tmp_path: Path,
    start_server: StartServer,
    hipflask: list[str],
    free_port: int,
) -> None:
    # HIPFLASK_DEBUG=0 wins over the app's DEBUG in the workers: the check
    # must judge that app, which is fine to serve, not the one in the file.
    options = ("--host", ALL_INTERFACES, "--insecure-http", "--host-name", "localhost")
    write_site(tmp_path, "v1")
    command = serve_args(hipflask, free_port, "wsgi", *options)
    server = start_server(command, free_port, tmp_path, env={"HIPFLASK_DEBUG": "0"})
    server.wait_for_output("Started worker-1")

    write_site(tmp_path, "v2", extra="app.debug = True")
    server.signal(signal.SIGHUP)
    server.wait_for_output("Stopped old worker-1")

    assert answer(free_port, host="localhost") == "200 v2"
    assert "passes the start-up checks" in server.log()


@pytest.mark.integration
@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_a_worker_refuses_an_app_changed_after_the_reload_check(
    tmp_path: Path,
    start_server: StartServer,
    hipflask: list[str],
    free_port: int,
    interface: str,
) -> None:
    # The app the new worker imports is not the one the check saw: the
    # worker refuses it, and granian, its new worker gone, stops the
    # server. Nothing may answer with the weak-key app meanwhile.
    (tmp_path / "shop.py").write_text(CHANGING_SITE, encoding="utf-8")
    server = start_server(serve_args(hipflask, free_port, interface), free_port, tmp_path)
    server.wait_for_output("Started worker-1")

    server.signal(signal.SIGHUP)
    server.wait_for_output("Respawning worker-1")
    answers: set[str | None] = set()
    end = time.monotonic() + 15
    while server.process.poll() is None and time.monotonic() < end:
        answers.add(answer(free_port))
        time.sleep(0.05)

    assert server.process.wait(timeout=5) != 0
    assert answers <= {"200 v1", None}, answers
    log = server.log()
    assert "refused to serve the app" in log
    assert "well-known SECRET_KEY" in log


@pytest.mark.integration
@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_a_reload_onto_a_certificate_its_key_does_not_match_is_refused(
    tmp_path: Path,
    start_server: StartServer,
    hipflask: list[str],
    free_port: int,
    interface: str,
) -> None:
    # A renewal copied in halves (the new certificate, the old key): the
    # new workers would fail their handshake set-up and granian would then
    # stop the whole site. Checked at start-up, so on a reload too.
    write_site(tmp_path, "v1")
    cert_pem, key_pem = make_adhoc_certificate()
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    (tmp_path / "key.pem").write_bytes(key_pem)
    tls = ("--cert", "cert.pem", "--key", "key.pem")
    server = start_server(serve_args(hipflask, free_port, interface, *tls), free_port, tmp_path)
    server.wait_for_output("Started worker-1")
    url = f"https://127.0.0.1:{free_port}/"
    assert fetch(url, pinned(cert_pem)) == (200, "v1")

    (tmp_path / "cert.pem").write_bytes(make_adhoc_certificate()[0])
    server.signal(signal.SIGHUP)
    output = server.wait_for_output("Reload refused")

    assert "does not belong to the certificate" in output
    time.sleep(NO_RELOAD_WINDOW)
    assert fetch(url, pinned(cert_pem)) == (200, "v1")
    assert server.process.poll() is None
    assert_no_respawn(server)


# -- the handler in front of granian's ---------------------------------------------------


def _strong_app_after(seconds: float) -> tuple[Hipflask, str | None, str | None]:
    time.sleep(seconds)  # in the checking child: a slow import
    app = Hipflask("shop")
    app.secret_key = KEY
    return app, None, None


@pytest.fixture
def sighup_handler() -> Iterator[None]:
    """Put back the process's ``SIGHUP``, ``SIGINT`` and ``SIGTERM`` handlers after the test."""
    signals = (signal.SIGHUP, signal.SIGINT, signal.SIGTERM)
    previous = {signum: signal.getsignal(signum) for signum in signals}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def test_sighups_during_a_check_ask_for_one_more_check(sighup_handler: None) -> None:
    # The files may change again while a check runs: the last SIGHUP must be
    # judged on what is on disk after it, and the signals between coalesce.
    reloads: list[int] = []
    signal.signal(signal.SIGHUP, lambda signum, frame: reloads.append(signum))
    checked = CheckedReload(functools.partial(_strong_app_after, 0.5), LOOPBACK)
    checked.install()

    for _ in range(3):
        os.kill(os.getpid(), signal.SIGHUP)
        time.sleep(0.05)
    end = time.monotonic() + 10
    while len(reloads) < 2 and time.monotonic() < end:
        time.sleep(0.05)
    time.sleep(1.0)  # a third reload would come by now

    assert reloads == [signal.SIGHUP, signal.SIGHUP]


def test_a_sighup_during_a_check_is_logged(
    sighup_handler: None, caplog: pytest.LogCaptureFixture
) -> None:
    # Nothing else shows that the signal was taken: a check that hangs (an
    # import waiting on a database that does not answer) would swallow every
    # later SIGHUP without a word.
    signal.signal(signal.SIGHUP, lambda signum, frame: None)
    checked = CheckedReload(functools.partial(_strong_app_after, 2.0), LOOPBACK)
    checked.install()

    with caplog.at_level(logging.INFO, logger="hipflask.serving.reload"):
        os.kill(os.getpid(), signal.SIGHUP)
        time.sleep(0.3)
        os.kill(os.getpid(), signal.SIGHUP)
        end = time.monotonic() + 5
        while "SIGHUP during a check" not in caplog.text and time.monotonic() < end:
            time.sleep(0.05)
        checked.stop()

    assert (
        "SIGHUP during a check: the app on disk is checked again once this one ends." in caplog.text
    )


def test_no_reload_is_passed_on_once_the_server_stops(sighup_handler: None) -> None:
    reloads: list[int] = []
    signal.signal(signal.SIGHUP, lambda signum, frame: reloads.append(signum))
    checked = CheckedReload(functools.partial(_strong_app_after, 0.3), LOOPBACK)
    checked.install()

    os.kill(os.getpid(), signal.SIGHUP)
    checked.stop()
    time.sleep(1.5)

    assert reloads == []


def test_without_a_handler_to_pass_on_sighup_is_left_alone(sighup_handler: None) -> None:
    signal.signal(signal.SIGHUP, signal.SIG_IGN)

    CheckedReload(functools.partial(_strong_app_after, 0), LOOPBACK).install()

    assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN


def _counted_app(counter: Path) -> tuple[Hipflask, str | None, str | None]:
    # In the checking child: the first check passes slowly, any later one is refused.
    with counter.open("a") as loads:
        loads.write("x")
    app = Hipflask("shop")
    if len(counter.read_text()) == 1:
        time.sleep(0.5)
        app.secret_key = KEY
    else:
        app.secret_key = "changeme"
    return app, None, None


def test_a_refusal_after_a_passed_check_says_that_reload_goes_ahead(
    tmp_path: Path, sighup_handler: None, caplog: pytest.LogCaptureFixture
) -> None:
    # The SIGHUP during the first check asks for a second one, which fails:
    # the reload the first one handed to granian is under way all the same,
    # so "the workers keep serving the code they loaded" would be untrue.
    reloads: list[int] = []
    signal.signal(signal.SIGHUP, lambda signum, frame: reloads.append(signum))
    checked = CheckedReload(functools.partial(_counted_app, tmp_path / "loads.txt"), LOOPBACK)
    checked.install()

    with caplog.at_level(logging.INFO, logger="hipflask.serving.reload"):
        os.kill(os.getpid(), signal.SIGHUP)
        time.sleep(0.2)
        os.kill(os.getpid(), signal.SIGHUP)
        end = time.monotonic() + 10
        while "Reload refused" not in caplog.text and time.monotonic() < end:
            time.sleep(0.05)
        checked.stop()

    assert reloads == [signal.SIGHUP]
    assert "Checking the app on disk again, for the SIGHUP received during the last check." in (
        caplog.text
    )
    assert "The reload the previous check passed goes ahead all the same" in caplog.text
    assert "well-known SECRET_KEY" in caplog.text
    assert "keep serving the code they loaded" not in caplog.text


def test_a_refusal_with_no_reload_under_way_says_the_workers_keep_serving(
    tmp_path: Path, sighup_handler: None, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "loads.txt").write_text("x")  # past the first load: refused
    signal.signal(signal.SIGHUP, lambda signum, frame: None)
    checked = CheckedReload(functools.partial(_counted_app, tmp_path / "loads.txt"), LOOPBACK)
    checked.install()

    with caplog.at_level(logging.INFO, logger="hipflask.serving.reload"):
        os.kill(os.getpid(), signal.SIGHUP)
        end = time.monotonic() + 10
        while "Reload refused" not in caplog.text and time.monotonic() < end:
            time.sleep(0.05)
        checked.stop()

    assert "Reload refused, the workers keep serving the code they loaded" in caplog.text
    assert "goes ahead" not in caplog.text
