"""A worker checks the app it loaded, with the start-up checks' own code.

The checking child and a worker import the app at different moments, and
the files may change in between (a deploy under way at start-up or during a
``SIGHUP`` reload). What a worker serves is what it imported, so it judges
that app itself: a refusal ends the worker before it serves a request, and
the host names it trusts are the ones its own check decides.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest

from hipflask.serving.inspection import StartupChecks
from hipflask.serving.loading import load_worker_app

MODULE = "hipflask_loading_probe"
KEY = "2f6a0c4e8b2d6f0a4c8e2b9e3b7d1f5a8c2e6b0d4f9a3c7e1b5d8f2a6c0e4b8d"
LOOPBACK = StartupChecks(host="127.0.0.1", tls=False, proxy=False, insecure_http=False)

WriteApp = Callable[[str], str]


@pytest.fixture
def write_app(tmp_path: Path) -> Iterator[WriteApp]:
    """Write the probe module with ``settings`` after the app's creation; its folder."""

    def write(settings: str) -> str:
        source = (
            "from hipflask import Hipflask\n"
            "app = Hipflask(__name__)\n"
            f"app.secret_key = {KEY!r}\n"
            "app.add_url_rule('/', 'index', lambda: 'shop')\n"
            f"{settings}\n"
        )
        (tmp_path / f"{MODULE}.py").write_text(source, encoding="utf-8")
        return str(tmp_path)

    yield write
    sys.modules.pop(MODULE, None)
    if str(tmp_path) in sys.path:
        sys.path.remove(str(tmp_path))


def test_a_worker_refuses_an_app_with_a_well_known_key(
    write_app: WriteApp, caplog: pytest.LogCaptureFixture
) -> None:
    folder = write_app("app.secret_key = 'changeme'")

    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as stopped:
        load_worker_app(f"{MODULE}:app", sys_path_entry=folder, checks=LOOPBACK)

    assert stopped.value.code == 1
    assert "refused to serve the app" in caplog.text
    assert "well-known SECRET_KEY" in caplog.text


def test_a_worker_refuses_what_only_several_workers_make_unsafe(write_app: WriteApp) -> None:
    # The checks judge the server the worker belongs to, not the worker alone.
    folder = write_app(
        "from hipflask.sessions import Session\napp.config['SESSION_TYPE'] = 'memory'\nSession(app)"
    )
    alone = load_worker_app(f"{MODULE}:app", sys_path_entry=folder, checks=LOOPBACK)
    sys.modules.pop(MODULE, None)

    with pytest.raises(SystemExit):
        load_worker_app(
            f"{MODULE}:app",
            sys_path_entry=folder,
            checks=StartupChecks(
                host="127.0.0.1", tls=False, proxy=False, insecure_http=False, workers=2
            ),
        )
    assert alone.config["SESSION_TYPE"] == "memory"


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_a_worker_answers_only_to_the_host_names_its_checks_decide(
    write_app: WriteApp, protocol: str
) -> None:
    # SERVER_NAME alone restricts nothing in Flask; the checks make it the
    # one trusted name, in the worker as in the checking child.
    folder = write_app("app.config['SERVER_NAME'] = 'shop.example'")

    app = load_worker_app(f"{MODULE}:app", sys_path_entry=folder, checks=LOOPBACK)

    client = app.test_client(protocol=protocol)
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/", headers={"Host": "shop.example"}).text == "shop"


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_host_names_given_to_the_worker_win_over_its_checks(
    write_app: WriteApp, protocol: str
) -> None:
    folder = write_app("")

    app = load_worker_app(
        f"{MODULE}:app", sys_path_entry=folder, checks=LOOPBACK, trusted_hosts=["a.example"]
    )

    client = app.test_client(protocol=protocol)
    assert client.get("/", headers={"Host": "localhost"}).status_code == 400
    assert client.get("/", headers={"Host": "a.example"}).text == "shop"
