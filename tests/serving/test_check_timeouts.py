"""The check of the app has a time limit, at start-up and on each ``SIGHUP`` reload.

An app whose import waits on a network call that never answers must neither
hold ``hipflask serve`` at start-up forever nor wedge its reloads: past
``--check-timeout`` the checking child is killed with what it started, the
server refuses to start (or the reload is refused and the old workers keep
serving), and the next reload is checked as usual. These tests serve real
apps whose import hangs while a file says so.
"""

from __future__ import annotations

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

#: While ``hang`` exists, the import starts a process, records its pid and
#: waits as on a network call that never answers; the index answers what
#: ``version.txt`` says at import.
HANGING_SITE = textwrap.dedent(
    f"""
    import subprocess
    import sys
    import time
    from pathlib import Path

    from hipflask import Hipflask

    here = Path(__file__).parent
    if (here / "hang").exists():
        spawned = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        (here / "spawned.pid").write_text(str(spawned.pid))
        time.sleep(600)
    VERSION = (here / "version.txt").read_text()

    app = Hipflask(__name__)
    app.secret_key = {KEY!r}

    @app.get("/")
    def index():
        return VERSION
    """
)


def _write_hanging_site(folder: Path, version: str, hang: bool) -> None:
    (folder / "shop.py").write_text(HANGING_SITE, encoding="utf-8")
    (folder / "version.txt").write_text(version, encoding="utf-8")
    if hang:
        (folder / "hang").write_text("")


def _assert_ended(recorded: Path) -> None:
    """The process whose pid the hanging import recorded has ended (with the check)."""
    spawned = int(recorded.read_text())
    try:
        end = time.monotonic() + 5
        while is_running(spawned) and time.monotonic() < end:
            time.sleep(0.05)
        assert not is_running(spawned)
    finally:
        if is_running(spawned):
            os.kill(spawned, signal.SIGKILL)


@pytest.mark.integration
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_a_start_up_check_past_its_time_limit_refuses_to_start(
    tmp_path: Path,
    start_server: StartServer,
    hipflask: list[str],
    free_port: int,
    interface: str,
) -> None:
    _write_hanging_site(tmp_path, "v1", hang=True)
    command = serve_args(hipflask, free_port, interface, "--check-timeout", "1")
    server = start_server(command, free_port, tmp_path, wait=False)

    assert server.process.wait(timeout=20) == 1
    log = server.log()
    assert "took longer than 1 seconds" in log
    assert "--check-timeout" in log
    assert "Serving Hipflask app" not in log
    _assert_ended(tmp_path / "spawned.pid")


@pytest.mark.integration
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_a_reload_check_past_its_time_limit_is_refused_and_the_next_reload_works(
    tmp_path: Path,
    start_server: StartServer,
    hipflask: list[str],
    free_port: int,
    interface: str,
) -> None:
    _write_hanging_site(tmp_path, "v1", hang=False)
    command = serve_args(hipflask, free_port, interface, "--check-timeout", "1")
    server = start_server(command, free_port, tmp_path)
    server.wait_for_output("Started worker-1")

    (tmp_path / "hang").write_text("")
    server.signal(signal.SIGHUP)
    output = server.wait_for_output("Reload refused")

    assert "did not finish in time" in output
    assert "took longer than 1 seconds" in output
    _assert_ended(tmp_path / "spawned.pid")
    assert answers_for(free_port, 1.0) == {"200 v1"}
    assert server.process.poll() is None

    # The check no longer holds the reloads: the next deploy is served.
    (tmp_path / "hang").unlink()
    (tmp_path / "version.txt").write_text("v2", encoding="utf-8")
    server.signal(signal.SIGHUP)
    server.wait_for_output("Stopped old worker-1")
    assert answer(free_port) == "200 v2"
