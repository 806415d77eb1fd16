"""The sites, the command and the client that the tests of ``SIGHUP`` reloads share.

Each test writes a small app into its own folder, serves it with ``hipflask
serve`` on a free port (the ``start_server`` fixture of
``tests/serving/conftest.py``), changes the files, signals the server and
asks it what it answers.
"""

from __future__ import annotations

import http.client
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.serving.https_client import IO_TIMEOUT

StartServer = Callable[..., Any]  # the start_server fixture of tests/serving/conftest.py

#: A strong key: the start-up checks pass it.
KEY = "9e3b7d1f5a8c2e6b0d4f9a3c7e1b5d8f2a6c0e4b8d2f6a0c4e8b2d6f0a4c8e2b"

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


def write_site(folder: Path, version: str, key: str = KEY, extra: str = "") -> None:
    """Write ``shop.py``, whose index answers ``version``, with ``extra`` lines of set-up."""
    source = SITE.format(key=key, version=version, extra=extra)
    (folder / "shop.py").write_text(source, encoding="utf-8")


def serve_args(hipflask: list[str], port: int, interface: str, *options: str) -> list[str]:
    """The command serving ``shop:app`` on ``port``, without the access log."""
    args = ["--app", "shop:app", "serve", "--port", str(port), "--interface", interface]
    return [*hipflask, *args, "--no-access-log", *options]


def answer(port: int, host: str = "127.0.0.1") -> str | None:
    """The status and body the server answers ``GET /`` with, or ``None`` when nothing answers."""
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


def answers_for(port: int, seconds: float, host: str = "127.0.0.1") -> set[str | None]:
    """Every answer to ``GET /`` during ``seconds``: past granian's respawn interval."""
    seen: set[str | None] = set()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        seen.add(answer(port, host))
        time.sleep(0.1)
    return seen


def is_running(pid: int) -> bool:
    """Whether ``pid`` runs: an ended process its new parent has not reaped yet does not.

    Reads ``/proc`` (Linux): a process the app started and a check left
    behind is orphaned, and a zombie until init reaps it.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"
