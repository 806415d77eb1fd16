"""``after_serving`` runs once in each worker of ``hipflask serve`` that stops gracefully.

Under ASGI the lifespan shutdown runs it; under WSGI (bodies buffered or
not) the worker runs it itself as it ends. A worker stops on ``SIGTERM`` or
``SIGINT`` to the server, and an old worker when a ``SIGHUP`` reload
replaces it. These tests serve a real app whose hook writes the worker's
pid to a file.
"""

from __future__ import annotations

import signal
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest
from tests.serving.reload_sites import KEY
from tests.serving.reload_sites import StartServer
from tests.serving.reload_sites import answer
from tests.serving.reload_sites import answers_for
from tests.serving.reload_sites import serve_args

SITE = textwrap.dedent(
    f"""
    import os
    from pathlib import Path

    from hipflask import Hipflask

    app = Hipflask(__name__)
    app.secret_key = {KEY!r}
    stopped = Path(__file__).with_name("stopped.txt")

    @app.after_serving
    def record_stop():
        with stopped.open("a") as record:
            record.write(f"{{os.getpid()}}\\n")

    @app.get("/")
    def index():
        return str(os.getpid())
    """
)

#: The interface, and how WSGI bodies are read.
MODES = [("wsgi", "--buffer-bodies"), ("wsgi", "--no-buffer-bodies"), ("asgi", "--buffer-bodies")]


def _stops(folder: Path) -> list[str]:
    path = folder / "stopped.txt"
    return path.read_text().split() if path.exists() else []


def _exit_status(server: Any) -> int:
    try:
        return server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the server did not stop within 20s:\n{server.log()}")


def _worker_pid(port: int) -> str:
    status, _, body = (answer(port) or "").partition(" ")
    assert status == "200"
    return body


@pytest.mark.integration
@pytest.mark.parametrize(("interface", "bodies"), MODES)
def test_after_serving_runs_once_in_an_old_worker_and_in_a_stopped_one(
    tmp_path: Path,
    start_server: StartServer,
    hipflask: list[str],
    free_port: int,
    interface: str,
    bodies: str,
) -> None:
    (tmp_path / "shop.py").write_text(SITE, encoding="utf-8")
    command = serve_args(hipflask, free_port, interface, bodies)
    server = start_server(command, free_port, tmp_path)
    server.wait_for_output("Started worker-1")
    old = _worker_pid(free_port)

    server.signal(signal.SIGHUP)
    server.wait_for_output("Stopped old worker-1")
    new = _worker_pid(free_port)
    assert _stops(tmp_path) == [old]

    server.signal(signal.SIGTERM)
    assert _exit_status(server) == 0
    assert _stops(tmp_path) == [old, new]


@pytest.mark.integration
@pytest.mark.parametrize(("interface", "bodies"), MODES)
def test_after_serving_runs_when_the_server_is_interrupted(
    tmp_path: Path,
    start_server: StartServer,
    hipflask: list[str],
    free_port: int,
    interface: str,
    bodies: str,
) -> None:
    # Ctrl-C sent to the main process alone (see the deployment docs).
    (tmp_path / "shop.py").write_text(SITE, encoding="utf-8")
    command = serve_args(hipflask, free_port, interface, bodies, "--workers", "2")
    server = start_server(command, free_port, tmp_path)
    # Both serving for a while: granian 2.8.9 now and then ignores a stop
    # that reaches a WSGI worker just started (hipflask's code or not), and
    # kills it once --shutdown-timeout has passed. Either may start first.
    server.wait_for_output("Started worker-1")
    server.wait_for_output("Started worker-2")
    assert None not in answers_for(free_port, 1.0)

    server.signal(signal.SIGINT)

    assert _exit_status(server) == 0
    stops = _stops(tmp_path)
    assert len(stops) == 2
    assert len(set(stops)) == 2
