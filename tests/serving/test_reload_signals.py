"""When ``SIGHUP`` comes: during a check, start-up or shutdown, or to the whole group.

A reload is asked for by a deploy, ``logrotate`` or a terminal's hangup,
whatever the server is doing then. None of these moments may kill the
server, leave what the app started running after it, or log a reload that
does not happen. These tests serve real apps under both interfaces and send
the signals at those moments.
"""

from __future__ import annotations

import concurrent.futures
import os
import signal
import textwrap
import time
from pathlib import Path

import pytest
from tests.serving.reload_sites import KEY
from tests.serving.reload_sites import StartServer
from tests.serving.reload_sites import answer
from tests.serving.reload_sites import answers_for
from tests.serving.reload_sites import is_running
from tests.serving.reload_sites import serve_args
from tests.serving.reload_sites import write_site


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
    write_site(tmp_path, "v1")
    server = start_server(serve_args(hipflask, free_port, interface), free_port, tmp_path)
    server.wait_for_output("Started worker-1")

    write_site(tmp_path, "v2")
    os.killpg(server.process.pid, signal.SIGHUP)
    server.wait_for_output("Stopped old worker-1")

    assert answers_for(free_port, 0.5) == {"200 v2"}
    log = server.log()
    assert log.count("SIGHUP received") == 1, log
    assert log.count("reloading the workers") == 1, log


#: Loads after the first two start a process, record its pid and take
#: their time: the reload's check is still loading when the server is stopped.
SPAWNING_SITE = textwrap.dedent(
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
        spawned = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        Path(__file__).with_name("spawned.pid").write_text(str(spawned.pid))
        time.sleep(30)

    app = Hipflask(__name__)
    app.secret_key = {KEY!r}

    @app.get("/")
    def index():
        return "v1"
    """
)


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
    # child's process group; stopped during a reload's, what the app started
    # must not run on either, orphaned, with nothing left to stop them.
    (tmp_path / "shop.py").write_text(SPAWNING_SITE, encoding="utf-8")
    server = start_server(serve_args(hipflask, free_port, interface), free_port, tmp_path)
    server.wait_for_output("Started worker-1")
    server.signal(signal.SIGHUP)
    recorded = tmp_path / "spawned.pid"
    end = time.monotonic() + 10
    while not recorded.exists() and time.monotonic() < end:
        time.sleep(0.05)
    spawned = int(recorded.read_text())
    try:
        server.signal(signal.SIGTERM)
        assert server.process.wait(timeout=10) == 0
        end = time.monotonic() + 3
        while is_running(spawned) and time.monotonic() < end:
            time.sleep(0.05)
        assert not is_running(spawned)
    finally:
        if is_running(spawned):
            os.kill(spawned, signal.SIGKILL)
    assert "Reload check abandoned: the server is stopping." in server.log()


#: The first load (the start-up check) lasts until the test has signalled.
SLOW_START_SITE = textwrap.dedent(
    f"""
    import time
    from pathlib import Path

    from hipflask import Hipflask

    counter = Path(__file__).with_name("loads.txt")
    with counter.open("a") as loads:
        loads.write("x")
    if len(counter.read_text()) == 1:
        # The start-up check's load: it lasts until the test has sent its
        # signal (check-go), or 30 seconds at most.
        deadline = time.monotonic() + 30
        while not counter.with_name("check-go").exists() and time.monotonic() < deadline:
            time.sleep(0.01)

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
    command = serve_args(hipflask, free_port, interface)
    server = start_server(command, free_port, tmp_path, wait=False)
    end = time.monotonic() + 10
    while not (tmp_path / "loads.txt").exists() and time.monotonic() < end:
        time.sleep(0.05)

    server.signal(signal.SIGHUP)
    (tmp_path / "check-go").touch()
    server.wait_for_port()

    server.wait_for_output("Started worker-1")
    assert answer(free_port) == "200 v1"
    assert "SIGHUP during start-up" in server.log()


#: A view that keeps a request in flight, so that shutting down takes its time:
#: it says it is in the view (``in-view``) and answers once the test has sent
#: its signals (``view-go``), or after 30 seconds at most.
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
        Path(__file__).with_name("in-view").touch()
        deadline = time.monotonic() + 30
        while not Path(__file__).with_name("view-go").exists():
            if time.monotonic() > deadline:
                break
            time.sleep(0.01)
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
    server = start_server(serve_args(hipflask, free_port, interface), free_port, tmp_path)
    server.wait_for_output("Started worker-1")
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        in_flight = pool.submit(answer, free_port)
        end = time.monotonic() + 10
        while not (tmp_path / "in-view").exists() and time.monotonic() < end:
            time.sleep(0.01)
        server.signal(signal.SIGTERM)
        server.wait_for_output("Shutting down granian")
        loads = (tmp_path / "loads.txt").read_text()
        server.signal(signal.SIGHUP)
        (tmp_path / "view-go").touch()
        assert in_flight.result() == "200 v1"

    assert server.process.wait(timeout=10) == 0
    assert (tmp_path / "loads.txt").read_text() == loads
    log = server.log()
    assert "SIGHUP during shutdown" in log
    assert "SIGHUP received" not in log
