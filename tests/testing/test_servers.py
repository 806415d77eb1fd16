"""The loopback server helpers: ports, bounded waits, and process groups that always die."""

from __future__ import annotations

import os
import signal
import socket
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from hipflask.errors import ConfigurationError
from hipflask.testing import servers
from hipflask.testing.servers import LOOPBACK
from hipflask.testing.servers import UVICORN_PROTOCOL
from hipflask.testing.servers import ServerNotInstalledError
from hipflask.testing.servers import ServerProcess
from hipflask.testing.servers import ServerStartError
from hipflask.testing.servers import free_port
from hipflask.testing.servers import install_command
from hipflask.testing.servers import serve
from hipflask.testing.servers import server_command
from hipflask.testing.servers import wait_for_port

pytestmark = pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX process groups")

# A stand-in server: it starts a child that ignores SIGTERM (as a stuck
# worker would) and listens once the child has written its pid, so the child
# is ignoring SIGTERM before any test can stop the group. With "ignore" the
# server ignores SIGTERM too; with "obey" it exits and leaves the child behind.
STUBBORN_CHILD = (
    "import os, signal, sys, time;"
    " signal.signal(signal.SIGTERM, signal.SIG_IGN);"
    " tmp = sys.argv[1] + '.tmp'; open(tmp, 'w').write(str(os.getpid()));"
    " os.replace(tmp, sys.argv[1]); time.sleep(120)"
)
STUBBORN_SERVER = textwrap.dedent(
    f"""
    import os, signal, socket, subprocess, sys, time
    port, pid_file, leader = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    subprocess.Popen([sys.executable, "-c", {STUBBORN_CHILD!r}, pid_file])
    deadline = time.monotonic() + 10
    while not os.path.exists(pid_file) and time.monotonic() < deadline:
        time.sleep(0.01)
    if leader == "ignore":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    listener = socket.create_server(("127.0.0.1", port))
    time.sleep(120)
    """
)

LISTENER = textwrap.dedent(
    """
    import os, socket, sys, time
    listener = socket.create_server(("127.0.0.1", int(sys.argv[1])))
    print("value:", os.environ.get("STUB_VALUE"), flush=True)
    print("to stderr", file=sys.stderr, flush=True)
    time.sleep(120)
    """
)


def is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        # Gone between the two calls, or a system without /proc.
        return not Path("/proc/self").exists()
    # An exited process that its parent has not reaped yet is a zombie, not alive.
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_free_port_can_be_bound_on_loopback() -> None:
    port = free_port()

    with socket.socket() as sock:
        sock.bind((LOOPBACK, port))
        assert sock.getsockname() == (LOOPBACK, port)


def test_free_port_is_below_the_range_the_kernel_hands_to_connections(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A port from bind(0) may be taken by any outgoing connection before the
    # server binds it; one below the ephemeral range only by an explicit bind.
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    start = servers._ephemeral_start()

    ports = {free_port() for _ in range(20)}

    assert all(10000 <= port < start for port in ports)


def test_free_port_falls_back_to_the_kernels_choice_when_its_slice_is_taken(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(servers, "_bindable", lambda family, host, port: False)

    port = free_port()

    with socket.socket() as sock:
        sock.bind((LOOPBACK, port))


def test_wait_for_port_returns_once_something_listens() -> None:
    with socket.create_server((LOOPBACK, 0)) as listener:
        port = listener.getsockname()[1]

        wait_for_port(LOOPBACK, port, timeout=5)


def test_wait_for_port_raises_timeout_when_nothing_listens() -> None:
    port = free_port()

    with pytest.raises(TimeoutError, match=f"{LOOPBACK}:{port}"):
        wait_for_port(LOOPBACK, port, timeout=0.2)


def test_server_process_captures_output_and_passes_its_environment() -> None:
    port = free_port()
    command = [sys.executable, "-c", LISTENER, str(port)]

    with ServerProcess(command, port=port, env={"STUB_VALUE": "from-test"}) as process:
        wait_for_port(LOOPBACK, port, timeout=5)
        assert process.url == f"http://{LOOPBACK}:{port}"

    output = process.output()
    assert "value: from-test" in output
    assert "to stderr" in output


def test_server_process_is_stopped_on_leaving_the_block() -> None:
    port = free_port()
    command = [sys.executable, "-c", LISTENER, str(port)]

    with ServerProcess(command, port=port) as process:
        pid = process.pid

    assert pid is not None
    assert process.returncode == -signal.SIGTERM
    assert not is_alive(pid)


def test_server_process_kills_the_whole_group_when_sigterm_is_ignored(tmp_path: Path) -> None:
    port = free_port()
    pid_file = tmp_path / "child.pid"
    command = [sys.executable, "-c", STUBBORN_SERVER, str(port), str(pid_file), "ignore"]

    with ServerProcess(command, port=port, stop_timeout=0.5) as process:
        leader = process.pid
        child = int(pid_file.read_text())
        assert is_alive(child)

    assert leader is not None
    assert process.returncode == -signal.SIGKILL
    assert not is_alive(leader)
    assert not is_alive(child)


def test_server_process_kills_workers_that_outlive_their_master(tmp_path: Path) -> None:
    port = free_port()
    pid_file = tmp_path / "child.pid"
    command = [sys.executable, "-c", STUBBORN_SERVER, str(port), str(pid_file), "obey"]

    with ServerProcess(command, port=port, stop_timeout=0.5) as process:
        child = int(pid_file.read_text())

    assert process.returncode == -signal.SIGTERM
    assert not is_alive(child)


def test_server_process_is_stopped_when_the_block_raises(tmp_path: Path) -> None:
    port = free_port()
    pid_file = tmp_path / "child.pid"
    command = [sys.executable, "-c", STUBBORN_SERVER, str(port), str(pid_file), "ignore"]

    with (
        pytest.raises(KeyError),
        ServerProcess(command, port=port, stop_timeout=0.5),
    ):
        raise KeyError("boom")

    assert not is_alive(int(pid_file.read_text()))


def test_server_that_exits_early_raises_with_its_output() -> None:
    command = [sys.executable, "-c", "print('cannot import app'); raise SystemExit(3)"]
    process = ServerProcess(command, port=free_port())

    with pytest.raises(ServerStartError, match="status 3") as caught:
        process.start()

    assert "cannot import app" in str(caught.value)
    assert process.returncode == 3


def test_server_that_never_listens_raises_and_is_killed() -> None:
    command = [sys.executable, "-c", "import time; time.sleep(120)"]
    process = ServerProcess(command, port=free_port(), start_timeout=0.3, stop_timeout=1)

    with pytest.raises(ServerStartError, match="did not answer"):
        process.start()

    assert process.pid is not None
    assert process.returncode is not None
    assert not is_alive(process.pid)


def test_server_process_cannot_be_started_twice() -> None:
    port = free_port()
    command = [sys.executable, "-c", LISTENER, str(port)]

    with ServerProcess(command, port=port) as process, pytest.raises(RuntimeError):
        process.start()


def test_granian_command_names_the_interface_and_one_worker() -> None:
    wsgi = server_command("pkg:app", "granian-wsgi", 8123)
    asgi = server_command("pkg:app", "granian-asgi", 8123, ["--http", "1"])

    assert wsgi[1:7] == ["-m", "granian", "--interface", "wsgi", "--host", LOOPBACK]
    assert wsgi[7:] == ["--port", "8123", "--workers", "1", "pkg:app"]
    assert asgi[3:5] == ["--interface", "asgi"]
    assert asgi[-3:] == ["--http", "1", "pkg:app"]
    assert wsgi[0] == asgi[0] == sys.executable


def test_gunicorn_command_binds_loopback_with_one_worker() -> None:
    command = server_command("pkg:app", "gunicorn", 8123, ["--threads", "4"])

    assert command[1:7] == ["-m", "gunicorn", "-b", f"{LOOPBACK}:8123", "-w", "1"]
    assert command[-3:] == ["--threads", "4", "pkg:app"]


def test_uvicorn_command_forces_lifespan_and_lets_uvicorn_guess_the_interface() -> None:
    command = server_command("pkg:app", "uvicorn", 8123)

    assert command[1:] == [
        "-m",
        "uvicorn",
        "--host",
        LOOPBACK,
        "--port",
        "8123",
        "--lifespan",
        "on",
        "--http",
        UVICORN_PROTOCOL,
        "pkg:app",
    ]


def test_uvicorn_command_keeps_a_protocol_given_in_extra_args() -> None:
    command = server_command("pkg:app", "uvicorn", 8123, ["--http", "h11"])

    assert UVICORN_PROTOCOL not in command
    assert command[-3:] == ["--http", "h11", "pkg:app"]


def test_hypercorn_command_marks_the_target_as_asgi_unless_told_otherwise() -> None:
    command = server_command("pkg:app", "hypercorn", 8123)
    explicit = server_command("wsgi:pkg:app", "hypercorn", 8123)

    assert command[1:] == ["-m", "hypercorn", "--bind", f"{LOOPBACK}:8123", "asgi:pkg:app"]
    assert explicit[-1] == "wsgi:pkg:app"


def test_unknown_server_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match=r"'waitress'.*granian-wsgi"):
        server_command("pkg:app", "waitress", 8123)


def test_serve_names_the_pip_install_for_a_missing_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    missing = replace(servers._SERVERS["gunicorn"], module="hipflask_no_such_server")
    monkeypatch.setitem(servers._SERVERS, "gunicorn", missing)

    with pytest.raises(ServerNotInstalledError, match="pip install gunicorn") as caught:
        serve("pkg:app", server="gunicorn")

    assert isinstance(caught.value, ImportError)
    assert not servers.is_installed("gunicorn")


def test_granian_is_installed_with_the_server_extra() -> None:
    assert install_command("granian-asgi") == "pip install 'hipflask[server]'"


def test_serve_puts_the_app_folder_first_on_pythonpath(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    monkeypatch.setattr(servers, "is_installed", lambda server: True)

    process = serve("pkg:app", server="uvicorn", port=8123, app_dir=tmp_path, env={"A": "1"})

    assert process.env == {"A": "1", "PYTHONPATH": f"{tmp_path}{os.pathsep}/elsewhere"}
    assert process.port == 8123
    assert process.command[-1] == "pkg:app"


def test_free_port_falls_back_to_the_kernels_choice_when_the_ephemeral_range_starts_low(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # ip_local_port_range "1024 65535" (a common tuning) leaves no room below it.
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    monkeypatch.setattr(servers, "_ephemeral_start", lambda: 1024)

    port = free_port()

    with socket.socket() as sock:
        sock.bind((LOOPBACK, port))


def test_free_port_binds_an_ipv6_host_with_an_ipv6_socket() -> None:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("this machine has no IPv6 loopback")

    port = free_port("::1")

    with socket.socket(socket.AF_INET6) as sock:
        sock.bind(("::1", port))


@pytest.mark.parametrize("count", ["2", "300"])
def test_free_port_keeps_xdist_workers_apart_however_many_there_are(
    monkeypatch: pytest.MonkeyPatch, count: str
) -> None:
    # Each worker draws from ports no other worker is offered, even with 300
    # of them, which leave each fewer than 100 ports of 10000..32767.
    monkeypatch.setattr(servers, "_ephemeral_start", lambda: 32768)
    monkeypatch.setattr(servers, "_bindable", lambda family, host, port: True)
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", count)
    seen = {}
    for worker in ("gw0", "gw1"):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
        seen[worker] = {free_port() for _ in range(50)}

    assert max(seen["gw0"]) < min(seen["gw1"])
