"""Real servers on loopback: start a process, wait for its port, always kill it.

Every server runs in its own session so the whole process group (reloader
child, granian workers, the redirect listener) is killed in ``finally``,
whatever the test did. Waiting is a bounded poll loop, never a bare sleep.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hipflask.testing import servers

START_TIMEOUT = 20.0
# Variables the parent test process may carry from in-process CLI tests; a
# server must start from a clean slate (HIPFLASK_RUN_FROM_CLI would turn
# app.run() into a no-op).
_SCRUBBED = ("HIPFLASK_RUN_FROM_CLI", "HIPFLASK_APP", "FLASK_APP", "HIPFLASK_DEBUG", "FLASK_DEBUG")


@pytest.fixture
def free_port() -> int:
    """A loopback port nothing listens on now (:func:`~hipflask.testing.servers.free_port`)."""
    return servers.free_port()


@pytest.fixture
def hipflask() -> list[str]:
    """The ``hipflask`` command, run with this interpreter (no reliance on PATH)."""
    return [sys.executable, "-c", "from hipflask.cli.main import main; main()"]


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_port(self, port: int | None = None, timeout: float = START_TIMEOUT) -> None:
        port = port or self.port
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"server exited with {self.process.returncode}:\n{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        pytest.fail(f"port {port} did not open within {timeout}s:\n{self.log()}")

    def wait_for_output(self, text: str, timeout: float = START_TIMEOUT) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            output = self.log()
            if text in output:
                return output
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        pytest.fail(f"{text!r} not printed within {timeout}s:\n{self.log()}")

    def signal(self, number: int) -> None:
        os.kill(self.process.pid, number)

    def kill(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):  # it may exit meanwhile
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


StartServer = Callable[..., Server]


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[StartServer]:
    """Start ``args`` (in ``cwd``) on ``port``; the process group is killed after the test."""
    started: list[Server] = []

    def start(
        args: list[str],
        port: int,
        cwd: Path,
        env: dict[str, str] | None = None,
        wait: bool = True,
    ) -> Server:
        environ = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
        environ["PYTHONUNBUFFERED"] = "1"
        environ.update(env or {})
        log_path = tmp_path / f"server-{len(started)}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                args,
                cwd=cwd,
                env=environ,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = Server(process, port, log_path)
        started.append(server)
        if wait:
            server.wait_for_port()
        return server

    try:
        yield start
    finally:
        for server in started:
            server.kill()


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    """A folder holding ``hello.py``: an index, a slow view and a view that raises."""
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "hello.py").write_text(
        textwrap.dedent(
            """
            import os
            import sys
            import time

            from hipflask import Hipflask, request

            app = Hipflask(__name__)
            # hipflask serve refuses a missing, short or well-known key.
            app.secret_key = "6d1f0c9a4e7b2d8f3a5c0e1b9d7f2a4c8e6b0d3f5a1c7e9b2d4f6a8c0e3b5d7f"

            @app.get("/")
            def index():
                return f"hello from {os.getpid()} over {request.scheme}"

            @app.get("/slow")
            def slow():
                # Tests wait for this line, not a fixed time, to know the
                # request is inside the view.
                print(f"slow view entered in {os.getpid()}", flush=True)
                time.sleep(float(request.args.get("seconds", "1")))
                return f"slow done in {os.getpid()}"

            @app.get("/boom")
            def boom():
                raise RuntimeError("kaboom")

            if __name__ == "__main__":
                import ast
                host, port, extra = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
                if extra == ["debug"]:
                    app.run(host=host, port=port, debug=True)
                else:
                    ssl_context = ast.literal_eval(extra[0]) if extra else None
                    app.run(host=host, port=port, ssl_context=ssl_context)
            """
        ),
        encoding="utf-8",
    )
    return folder
