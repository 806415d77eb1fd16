"""``hipflask serve``'s workers load the app themselves, in a process of their own.

The command loads the app once for its start-up checks. Were that done in
the process granian forks its workers from, every worker would share what
the app opened while loading (a pool's connection, a file, a thread), and
would run an app factory a second time in a process where it already ran:
Flask-Admin's tutorial factory (``admin.add_view`` on a module-level
``Admin``) then fails with "already registered". These tests serve such apps
with two workers under both interfaces and ask each worker where its app was
loaded; ``test_inspection.py`` covers the checking child.
"""

from __future__ import annotations

import http.client
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.serving.https_client import IO_TIMEOUT

StartServer = Callable[..., Any]  # the start_server fixture of tests/serving/conftest.py

KEY = "4c8e2a6f0b9d3e7a1c5f8b2d6e0a4c9f3b7d1e5a8c2f6b0d4e9a3c7f1b5d8e2a"

FACTORY_SITE = textwrap.dedent(
    f"""
    import os

    from hipflask import Blueprint, Hipflask

    # Module-level set-up a factory finishes: registering this blueprint's
    # child twice, in one process, raises, as a global Admin's add_view does.
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__)
    LOADED_IN = os.getpid()
    CALLS = []

    @child.get("/child")
    def child_page():
        return "child"

    def create_app():
        CALLS.append(os.getpid())
        if len(CALLS) > 1:
            raise RuntimeError("create_app ran twice in one process")
        parent.register_blueprint(child)
        app = Hipflask(__name__)
        app.secret_key = "{KEY}"

        @app.get("/")
        def where():
            return f"{{LOADED_IN}} {{CALLS[0]}} {{os.getpid()}}"

        app.register_blueprint(parent)
        return app
    """
)

MODULE_SITE = textwrap.dedent(
    f"""
    import os
    import sqlite3
    import tempfile

    from hipflask import Hipflask

    # A connection opened at import: it must belong to the worker that uses it.
    LOADED_IN = os.getpid()
    connection = sqlite3.connect(":memory:", check_same_thread=False)

    app = Hipflask(__name__)
    app.secret_key = "{KEY}"

    @app.get("/")
    async def where():
        return f"{{LOADED_IN}} {{LOADED_IN}} {{os.getpid()}}"
    """
)


def _ask(port: int) -> tuple[int, int, int]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=IO_TIMEOUT)
    try:
        connection.request("GET", "/")
        response = connection.getresponse()
        body = response.read().decode()
        assert response.status == 200, body
    finally:
        connection.close()
    loaded, factory, serving = (int(part) for part in body.split())
    return loaded, factory, serving


def _worker_answers(port: int, wanted: int = 2, deadline: float = 15.0) -> set[tuple[int, ...]]:
    # New connections are spread over the workers by the kernel; ask until
    # both have answered.
    seen: set[tuple[int, ...]] = set()
    end = time.monotonic() + deadline
    while len({answer[2] for answer in seen}) < wanted and time.monotonic() < end:
        seen.add(_ask(port))
    return seen


@pytest.mark.integration
@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
@pytest.mark.parametrize(
    ("source", "target"),
    [(FACTORY_SITE, "shop:create_app()"), (MODULE_SITE, "shop:app")],
    ids=["factory", "module"],
)
def test_each_worker_loads_the_app_in_its_own_process(
    tmp_path: Path,
    start_server: StartServer,
    hipflask: list[str],
    free_port: int,
    interface: str,
    source: str,
    target: str,
) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "shop.py").write_text(source, encoding="utf-8")
    args = [*hipflask, "--app", target, "serve", "--port", str(free_port), "--workers", "2"]
    args += ["--interface", interface, "--no-access-log"]
    server = start_server(args, free_port, folder)
    server.wait_for_output("Started worker-2")

    answers = _worker_answers(free_port)

    serving = {answer[2] for answer in answers}
    assert len(serving) == 2, (answers, server.log())
    assert server.process.pid not in serving
    for loaded, factory, worker in answers:
        # Module code and factory ran in the worker that answers, once.
        assert (loaded, factory) == (worker, worker), (answers, server.log())
    assert "ran twice" not in server.log()
    assert "already registered" not in server.log()
