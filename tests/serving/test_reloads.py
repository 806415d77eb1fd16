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

import concurrent.futures
import functools
import http.client
import os
import signal
import textwrap
import time
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.serving.https_client import IO_TIMEOUT
from tests.serving.https_client import fetch
from tests.serving.https_client import pinned

from hipflask import Hipflask
from hipflask.serving.inspection import StartupChecks
from hipflask.serving.reloads import CheckedReload
from hipflask.serving.tls.adhoc import make_adhoc_certificate

StartServer = Callable[..., Any]  # the start_server fixture of tests/serving/conftest.py

KEY = "9e3b7d1f5a8c2e6b0d4f9a3c7e1b5d8f2a6c0e4b8d2f6a0c4e8b2d6f0a4c8e2b"
ALL_INTERFACES = "0.0.0.0"  # noqa: S104
LOOPBACK = StartupChecks(host="127.0.0.1", tls=False, proxy=False, insecure_http=False)

SITE = textwrap.dedent(
    """
    from hipflask import Hipflask

    app = Hipflask(__name__)
    app.secret_key = {key!r}
    {extra}

    @app.get("/")
    def index():
        return {version!r}
    """
)

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


def _write_site(folder: Path, version: str, key: str = KEY, extra: str = "") -> None:
    source = SITE.format(key=key, version=version, extra=extra)
    (folder / "shop.py").write_text(source, encoding="utf-8")


def _answer(port: int, host: str = "127.0.0.1") -> str | None:
    """The body the server answers ``GET /`` with, or ``None`` when nothing answers."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=IO_TIMEOUT)
    try:
        connection.request("GET", "/", headers={"Host": host})
        response = connection.getresponse()
        body = response.read().decode()
    except OSError:
        return None
    finally:
        connection.close()
    return f"{response.status} {body}"


def _answers_for(port: int, seconds: float, host: str = "127.0.0.1") -> set[str | None]:
    """Every answer to ``GET /`` during ``seconds``: past granian's respawn interval."""
    seen: set[str | None] = set()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        seen.add(_answer(port, host))
        time.sleep(0.1)
    return seen


def _wait_for_answer(port: int, wanted: str, timeout: float = 15.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if _answer(port) == wanted:
            return
        time.sleep(0.1)
    pytest.fail(f"{wanted!r} was not answered within {timeout}s")


def _serve(hipflask: list[str], port: int, interface: str, *options: str) -> list[str]:
    args = ["--app", "shop:app", "serve", "--port", str(port), "--interface", interface]
    return [*hipflask, *args, "--no-access-log", *options]


@pytest.mark.integration
@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_a_reload_onto_a_well_known_key_is_refused_and_the_old_app_answers(
    tmp_path: Path,
    start_server: StartServer,
    hipflask: list[str],
    free_port: int,
    interface: str,
) -> None:
    _write_site(tmp_path, "v1")
    server = start_server(_serve(hipflask, free_port, interface), free_port, tmp_path)
    server.wait_for_output("Started worker-1")
    assert _answer(free_port) == "200 v1"

    _write_site(tmp_path, "weak", key="changeme")
    server.signal(signal.SIGHUP)
    output = server.wait_for_output("Reload refused")

    # Past granian's respawn interval: no worker was replaced, none stopped.
    assert _answers_for(free_port, 4.5) == {"200 v1"}
    assert server.process.poll() is None
    assert "well-known SECRET_KEY" in output
    assert "Respawning" not in server.log()


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
    _write_site(tmp_path, "v1")
    server = start_server(_serve(hipflask, free_port, interface), free_port, tmp_path)
    server.wait_for_output("Started worker-1")

    (tmp_path / "shop.py").write_text("raise RuntimeError('half-copied deploy')\n")
    server.signal(signal.SIGHUP)
    output = server.wait_for_output("Reload refused")

    assert "half-copied deploy" in output
    assert _answers_for(free_port, 4.5) == {"200 v1"}
    assert server.process.poll() is None


@pytest.mark.integration
@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_a_reload_onto_good_code_serves_the_new_code(
    tmp_path: Path,
    start_server: StartServer,
    hipflask: list[str],
    free_port: int,
    interface: str,
) -> None:
    _write_site(tmp_path, "v1")
    server = start_server(_serve(hipflask, free_port, interface), free_port, tmp_path)
    server.wait_for_output("Started worker-1")

    _write_site(tmp_path, "v2")
    server.signal(signal.SIGHUP)
    server.wait_for_output("Stopped old worker-1")

    assert _answers_for(free_port, 0.5) == {"200 v2"}
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
    _write_site(tmp_path, "v1")
    server = start_server(_serve(hipflask, free_port, interface), free_port, tmp_path)
    server.wait_for_output("Started worker-1")
    _write_site(tmp_path, "weak fallback", extra="app.config['SECRET_KEY_FALLBACKS'] = ['dev']")
    server.signal(signal.SIGHUP)
    output = server.wait_for_output("Reload refused")
    assert "SECRET_KEY_FALLBACKS" in output

    _write_site(tmp_path, "v3")
    server.signal(signal.SIGHUP)

    _wait_for_answer(free_port, "200 v3")
    server.wait_for_output("Stopped old worker-1")
    assert _answers_for(free_port, 0.5) == {"200 v3"}


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
    _write_site(tmp_path, "v1")
    command = _serve(hipflask, free_port, interface, *options)
    server = start_server(command, free_port, tmp_path)
    server.wait_for_output("Started worker-1")

    _write_site(tmp_path, "debug", extra="app.debug = True")
    server.signal(signal.SIGHUP)
    output = server.wait_for_output("Reload refused")

    assert "debug-mode app" in output
    assert _answers_for(free_port, 4.5, host="localhost") == {"200 v1"}


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
    _write_site(tmp_path, "v1")
    command = _serve(hipflask, free_port, interface, "--workers", "2")
    server = start_server(command, free_port, tmp_path)
    server.wait_for_output("Started worker-2")

    memory_sessions = "\n".join(
        [
            "from hipflask.sessions import Session",
            "app.config['SESSION_TYPE'] = 'memory'",
            "Session(app)",
        ]
    )
    _write_site(tmp_path, "memory sessions", extra=memory_sessions)
    server.signal(signal.SIGHUP)
    output = server.wait_for_output("Reload refused")

    assert "Refusing to start 2 workers" in output
    assert "SESSION_TYPE" in output
    assert _answers_for(free_port, 4.5) == {"200 v1"}


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
    _write_site(tmp_path, "v1")
    command = _serve(hipflask, free_port, "wsgi", *options)
    server = start_server(command, free_port, tmp_path, env={"HIPFLASK_DEBUG": "0"})
    server.wait_for_output("Started worker-1")

    _write_site(tmp_path, "v2", extra="app.debug = True")
    server.signal(signal.SIGHUP)
    server.wait_for_output("Stopped old worker-1")

    assert _answer(free_port, host="localhost") == "200 v2"
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
    server = start_server(_serve(hipflask, free_port, interface), free_port, tmp_path)
    server.wait_for_output("Started worker-1")

    server.signal(signal.SIGHUP)
    server.wait_for_output("Respawning worker-1")
    answers: set[str | None] = set()
    end = time.monotonic() + 15
    while server.process.poll() is None and time.monotonic() < end:
        answers.add(_answer(free_port))
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
    _write_site(tmp_path, "v1")
    cert_pem, key_pem = make_adhoc_certificate()
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    (tmp_path / "key.pem").write_bytes(key_pem)
    tls = ("--cert", "cert.pem", "--key", "key.pem")
    server = start_server(_serve(hipflask, free_port, interface, *tls), free_port, tmp_path)
    server.wait_for_output("Started worker-1")
    url = f"https://127.0.0.1:{free_port}/"
    assert fetch(url, pinned(cert_pem)) == (200, "v1")

    (tmp_path / "cert.pem").write_bytes(make_adhoc_certificate()[0])
    server.signal(signal.SIGHUP)
    output = server.wait_for_output("Reload refused")

    assert "does not belong to the certificate" in output
    time.sleep(4.5)  # past granian's respawn interval
    assert fetch(url, pinned(cert_pem)) == (200, "v1")
    assert server.process.poll() is None
    assert "Respawning" not in server.log()


@pytest.mark.integration
@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_a_sighup_to_the_whole_process_group_is_checked_once_by_the_main_process(
    tmp_path: Path,
    start_server: StartServer,
    hipflask: list[str],
    free_port: int,
    interface: str,
) -> None:
    # A terminal's hangup, or kill -HUP -- -<pid>, reaches the workers too.
    # They inherit the main process's handler, but reloading is its job: a
    # worker must neither load the app again nor log a reload it cannot do.
    _write_site(tmp_path, "v1")
    server = start_server(_serve(hipflask, free_port, interface), free_port, tmp_path)
    server.wait_for_output("Started worker-1")

    _write_site(tmp_path, "v2")
    os.killpg(server.process.pid, signal.SIGHUP)
    server.wait_for_output("Stopped old worker-1")

    assert _answers_for(free_port, 0.5) == {"200 v2"}
    log = server.log()
    assert log.count("SIGHUP received") == 1, log
    assert log.count("reloading the workers") == 1, log


#: Loads after the first two start a helper process, record its pid and take
#: their time: the reload's check is still loading when the server is stopped.
HELPER_SITE = textwrap.dedent(
    f"""
    import subprocess
    import sys
    import time
    from pathlib import Path

    from hipflask import Hipflask

    counter = Path(__file__).with_name("loads.txt")
    with counter.open("a") as loads:
        loads.write("x")
    if len(counter.read_text()) > 2:
        helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        Path(__file__).with_name("helper.pid").write_text(str(helper.pid))
        time.sleep(30)

    app = Hipflask(__name__)
    app.secret_key = {KEY!r}

    @app.get("/")
    def index():
        return "v1"
    """
)


def _is_running(pid: int) -> bool:
    """Whether ``pid`` runs: an ended process its new parent has not reaped yet does not."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


@pytest.mark.integration
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_a_server_stopped_during_a_reload_check_ends_what_the_check_started(
    tmp_path: Path,
    start_server: StartServer,
    hipflask: list[str],
    free_port: int,
    interface: str,
) -> None:
    # Stopped during its start-up checks, the server ends the checking
    # child's process group; stopped during a reload's, the app's helpers
    # must not run on either, orphaned, with nothing left to stop them.
    (tmp_path / "shop.py").write_text(HELPER_SITE, encoding="utf-8")
    server = start_server(_serve(hipflask, free_port, interface), free_port, tmp_path)
    server.wait_for_output("Started worker-1")
    server.signal(signal.SIGHUP)
    recorded = tmp_path / "helper.pid"
    end = time.monotonic() + 10
    while not recorded.exists() and time.monotonic() < end:
        time.sleep(0.05)
    helper = int(recorded.read_text())
    try:
        server.signal(signal.SIGTERM)
        assert server.process.wait(timeout=10) == 0
        end = time.monotonic() + 3
        while _is_running(helper) and time.monotonic() < end:
            time.sleep(0.05)
        assert not _is_running(helper)
    finally:
        if _is_running(helper):
            os.kill(helper, signal.SIGKILL)
    assert "Reload check abandoned: the server is stopping." in server.log()


#: The first load (the start-up check) takes its time.
SLOW_START_SITE = textwrap.dedent(
    f"""
    import time
    from pathlib import Path

    from hipflask import Hipflask

    counter = Path(__file__).with_name("loads.txt")
    with counter.open("a") as loads:
        loads.write("x")
    if len(counter.read_text()) == 1:
        time.sleep(2)

    app = Hipflask(__name__)
    app.secret_key = {KEY!r}

    @app.get("/")
    def index():
        return "v1"
    """
)


@pytest.mark.integration
@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_a_sighup_during_the_start_up_checks_does_not_kill_the_server(
    tmp_path: Path,
    start_server: StartServer,
    hipflask: list[str],
    free_port: int,
    interface: str,
) -> None:
    # A deploy's reload (or logrotate's) that comes while the server is still
    # starting: the default action of SIGHUP would end it without a word.
    # The workers about to start load the code on disk anyway.
    (tmp_path / "shop.py").write_text(SLOW_START_SITE, encoding="utf-8")
    command = _serve(hipflask, free_port, interface)
    server = start_server(command, free_port, tmp_path, wait=False)
    end = time.monotonic() + 10
    while not (tmp_path / "loads.txt").exists() and time.monotonic() < end:
        time.sleep(0.05)

    server.signal(signal.SIGHUP)
    server.wait_for_port()

    server.wait_for_output("Started worker-1")
    assert _answer(free_port) == "200 v1"
    assert "SIGHUP during start-up" in server.log()


#: A view that keeps a request in flight, so that shutting down takes its time.
SLOW_VIEW_SITE = textwrap.dedent(
    f"""
    import time
    from pathlib import Path

    from hipflask import Hipflask

    with Path(__file__).with_name("loads.txt").open("a") as loads:
        loads.write("x")

    app = Hipflask(__name__)
    app.secret_key = {KEY!r}

    @app.get("/")
    def index():
        time.sleep(3)
        return "v1"
    """
)


@pytest.mark.integration
@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_a_sighup_while_the_server_shuts_down_checks_and_reloads_nothing(
    tmp_path: Path,
    start_server: StartServer,
    hipflask: list[str],
    free_port: int,
    interface: str,
) -> None:
    # The workers are finishing their requests and no reload will follow:
    # loading the app again (its import's side effects) and logging
    # "reloading the workers" would both be for nothing.
    (tmp_path / "shop.py").write_text(SLOW_VIEW_SITE, encoding="utf-8")
    server = start_server(_serve(hipflask, free_port, interface), free_port, tmp_path)
    server.wait_for_output("Started worker-1")
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        in_flight = pool.submit(_answer, free_port)
        time.sleep(0.5)  # the request has reached the view
        server.signal(signal.SIGTERM)
        server.wait_for_output("Shutting down granian")
        loads = (tmp_path / "loads.txt").read_text()
        server.signal(signal.SIGHUP)
        assert in_flight.result() == "200 v1"

    assert server.process.wait(timeout=10) == 0
    assert (tmp_path / "loads.txt").read_text() == loads
    log = server.log()
    assert "SIGHUP during shutdown" in log
    assert "SIGHUP received" not in log


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
