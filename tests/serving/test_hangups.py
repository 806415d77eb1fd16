"""``SIGHUP`` from the ``hipflask`` command's first line: never fatal to ``serve``.

A deploy tool may send its reload right after starting the server. Until
granian installs its handler, the default action of ``SIGHUP`` would end the
server without a word. These tests stretch the command's start with a
plugin command whose import is slow (an installed package declaring a
``hipflask.commands`` entry point), send the signal while it loads, and look
at what became of the process: ``serve`` survives and serves, any other
command ends as a hangup ends it.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.serving.reload_sites import StartServer
from tests.serving.reload_sites import answer
from tests.serving.reload_sites import serve_args
from tests.serving.reload_sites import write_site

from hipflask.serving.hangups import hangups_deferred
from hipflask.serving.hangups import sighup_before_serving

#: A plugin command whose import announces itself, then goes on loading until
#: the test has sent its signal (``plugin-go``), or for 30 seconds at most.
SLOW_PLUGIN = textwrap.dedent(
    """
    import time
    from pathlib import Path

    import click

    Path("plugin-loading").write_text("x")
    deadline = time.monotonic() + 30
    while not Path("plugin-go").exists() and time.monotonic() < deadline:
        time.sleep(0.01)

    @click.command("slow")
    def command():
        click.echo("slow plugin")
    """
)


def _install_slow_plugin(folder: Path) -> dict[str, str]:
    """Put a package declaring the slow plugin in ``folder``: the environment that finds it."""
    (folder / "slowplug.py").write_text(SLOW_PLUGIN, encoding="utf-8")
    info = folder / "slowplug-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: slowplug\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[hipflask.commands]\nslow = slowplug:command\n")
    path = [str(folder), os.environ.get("PYTHONPATH", "")]
    return {"PYTHONPATH": os.pathsep.join(entry for entry in path if entry)}


def _wait_for(path: Path, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > end:
            pytest.fail(f"{path.name} did not appear within {timeout}s")
        time.sleep(0.01)


@pytest.mark.integration
@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_a_sighup_before_the_serve_command_runs_does_not_kill_the_server(
    tmp_path: Path,
    start_server: StartServer,
    hipflask: list[str],
    free_port: int,
    interface: str,
) -> None:
    # The signal comes while the command line is still being worked out
    # (installed plugin commands loading), before `serve` itself has run.
    write_site(tmp_path, "v1")
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    env = _install_slow_plugin(plugins)
    command = serve_args(hipflask, free_port, interface)
    server = start_server(command, free_port, tmp_path, env=env, wait=False)
    _wait_for(tmp_path / "plugin-loading")

    server.signal(signal.SIGHUP)
    (tmp_path / "plugin-go").touch()
    server.wait_for_port()
    server.wait_for_output("Started worker-1")

    assert answer(free_port) == "200 v1"
    log = server.log()
    assert "SIGHUP during start-up" in log
    assert "SIGHUP received" not in log


@pytest.mark.integration
def test_a_sighup_before_another_command_runs_ends_it_as_a_hangup(
    tmp_path: Path,
    start_server: StartServer,
    hipflask: list[str],
    free_port: int,
) -> None:
    # Only serve answers SIGHUP: any other command (a shell whose terminal
    # closed) must still end of it, even of one that came while deferred.
    write_site(tmp_path, "v1")
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    env = _install_slow_plugin(plugins)
    command = [*hipflask, "--app", "shop:app", "slow"]
    server = start_server(command, free_port, tmp_path, env=env, wait=False)
    _wait_for(tmp_path / "plugin-loading")

    server.signal(signal.SIGHUP)
    (tmp_path / "plugin-go").touch()

    assert server.process.wait(timeout=20) == -signal.SIGHUP
    assert "slow plugin" not in server.log()


@pytest.mark.integration
@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_a_server_started_with_sighup_ignored_survives_one_at_once_and_reloads_later(
    tmp_path: Path, hipflask: list[str], free_port: int, interface: str
) -> None:
    # What the docs advise a deploy tool that reloads right after starting
    # (nohup does the same): ignored before any code of the server runs, and
    # taken over by the reloads once granian installs its handler.
    write_site(tmp_path, "v1")
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            serve_args(hipflask, free_port, interface),
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN),
        )
    try:
        process.send_signal(signal.SIGHUP)  # while Python starts
        end = time.monotonic() + 20
        while "Started worker-1" not in log_path.read_text() and time.monotonic() < end:
            assert process.poll() is None, log_path.read_text()
            time.sleep(0.05)
        write_site(tmp_path, "v2")
        process.send_signal(signal.SIGHUP)
        end = time.monotonic() + 20
        while "Stopped old worker-1" not in log_path.read_text() and time.monotonic() < end:
            time.sleep(0.05)

        assert answer(free_port) == "200 v2"
        assert process.poll() is None
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture
def sighup_handler() -> Iterator[None]:
    """Put back the process's ``SIGHUP`` handler after the test."""
    previous = signal.getsignal(signal.SIGHUP)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    try:
        yield
    finally:
        signal.signal(signal.SIGHUP, previous)


def test_serving_takes_over_a_deferred_sighup_as_one_during_start_up(
    sighup_handler: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="hipflask.serving.reload"), hangups_deferred():
        os.kill(os.getpid(), signal.SIGHUP)
        with sighup_before_serving():
            pass
    # Still running: the deferred signal was taken over, not delivered again,
    # and one after serving (the command exiting) is ignored.
    assert "SIGHUP during start-up" in caplog.text
    assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN


def test_a_handler_of_the_program_is_left_alone(sighup_handler: None) -> None:
    received: list[int] = []
    signal.signal(signal.SIGHUP, lambda signum, frame: received.append(signum))

    with hangups_deferred(), sighup_before_serving():
        os.kill(os.getpid(), signal.SIGHUP)

    assert received == [signal.SIGHUP]
