"""Real servers on loopback, for tests that must cross a socket.

The test client calls the app in-process, so it cannot show what a server
does with the app: how it detects the protocol, whether it streams or
buffers, what it sends for ``HEAD``, whether lifespan events arrive. These
helpers boot a real server in a child process on ``127.0.0.1``::

    from hipflask.testing.servers import serve

    with serve("myapp:app", server="uvicorn", app_dir="src") as server:
        urllib.request.urlopen(server.url + "/health")

Every wait is bounded, and the server is stopped however the ``with`` block
ends: the whole process group gets ``SIGTERM``, then ``SIGKILL`` after a grace
period, so worker processes a server forked cannot outlive the test (a
leaked worker keeps the port, and the next run fails far from the cause).
POSIX only: it relies on process groups.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from typing import TYPE_CHECKING

from ..errors import ConfigurationError
from ..errors import HipflaskError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from collections.abc import Sequence
    from types import TracebackType

__all__ = [
    "LOOPBACK",
    "SERVERS",
    "UVICORN_PROTOCOL",
    "ServerNotInstalledError",
    "ServerProcess",
    "ServerStartError",
    "free_port",
    "install_command",
    "is_installed",
    "serve",
    "server_command",
    "wait_for_port",
]

#: The only address these helpers bind: a test server is never reachable
#: from the network.
LOOPBACK = "127.0.0.1"

_POLL_INTERVAL = 0.05
_CONNECT_TIMEOUT = 0.25
# Enough of a log to see why a server died, bounded so a chatty server
# cannot fill memory.
_OUTPUT_LIMIT = 1024 * 1024
_ERROR_TAIL = 4000


@dataclass(frozen=True)
class _Server:
    module: str
    install: str
    protocol: str


#: The ``--http`` protocol :func:`serve` gives uvicorn: its own h11 protocol
#: plus a request head deadline (see :mod:`hipflask.serving.uvicorn`).
UVICORN_PROTOCOL = "hipflask.serving.uvicorn:HeaderTimeoutProtocol"

_SERVERS: dict[str, _Server] = {
    "granian-wsgi": _Server("granian", "pip install 'hipflask[server]'", "wsgi"),
    "granian-asgi": _Server("granian", "pip install 'hipflask[server]'", "asgi"),
    "gunicorn": _Server("gunicorn", "pip install gunicorn", "wsgi"),
    "uvicorn": _Server("uvicorn", "pip install uvicorn", "asgi"),
    "hypercorn": _Server("hypercorn", "pip install hypercorn", "asgi"),
}

#: The server names :func:`serve` knows, each with the protocol it speaks to the app.
SERVERS: dict[str, str] = {name: spec.protocol for name, spec in _SERVERS.items()}


class ServerNotInstalledError(HipflaskError, ImportError):
    """The server asked for is not installed; the message names the ``pip install``."""

    def __init__(self, server: str, install: str) -> None:
        self.server = server
        self.install = install
        super().__init__(f"The {server!r} server is not installed: {install}")


class ServerStartError(HipflaskError):
    """A server exited, or never answered on its port, while starting.

    The message ends with the tail of the server's output, where the reason
    (an import error in the app, a port already taken) usually is.
    """


def free_port(host: str = LOOPBACK) -> int:
    """Return a TCP port that nothing listens on right now, for a server to bind.

    Not one the kernel picks (``bind(0)``): those come from its ephemeral
    range, which it also hands to every outgoing connection, so between this
    call and the server's bind a connection the tests open (to a database,
    to another server) may take the port, and the server fails to start.
    A port below that range is only ever taken by an explicit bind. Each
    pytest-xdist worker (``PYTEST_XDIST_WORKER``) draws from its own slice of
    it, so two workers are never offered the same port. When no port of the
    slice is free, or there is no room below the range (it may be tuned to
    start at 1024), the kernel picks after all.

    :param host: an IPv4 or IPv6 address, or a name that resolves to one.
    """
    family = _family(host)
    first, last = _port_slice(_ephemeral_start())
    tries = 64 if first <= last else 0
    for _ in range(tries):
        port = random.randint(first, last)  # noqa: S311 - a port, not a secret
        if _bindable(family, host, port):
            return port
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        chosen: int = sock.getsockname()[1]
        return chosen


#: The lowest port :func:`free_port` offers: clear of the well-known and
#: commonly configured service ports.
_FIRST_FREE_PORT = 10000


def _ephemeral_start() -> int:
    """The first port of the kernel's ephemeral range (IANA's where it cannot be read)."""
    try:
        text = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text()
        return int(text.split()[0])
    except (OSError, ValueError, IndexError):
        return 49152


def _port_slice(end: int) -> tuple[int, int]:
    """This process's share of ``[_FIRST_FREE_PORT, end)``: an xdist worker's, or all of it.

    Empty (``first > last``) when there is no room: the range is below
    ``_FIRST_FREE_PORT``, or there are more workers than ports. Workers
    never share a slice, however small, since two offered the same port
    both start a server on it and one fails.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = os.environ.get("PYTEST_XDIST_WORKER_COUNT", "")
    first, last = _FIRST_FREE_PORT, end - 1
    if worker.startswith("gw") and worker[2:].isdigit() and count.isdigit() and int(count) > 0:
        size = max(0, end - _FIRST_FREE_PORT) // int(count)
        first = _FIRST_FREE_PORT + int(worker[2:]) % int(count) * size
        last = first + size - 1
    return first, last


def _family(host: str) -> socket.AddressFamily:
    """The address family ``host`` binds with: IPv6 for ``::1``, IPv4 for ``127.0.0.1``.

    :raises socket.gaierror: ``host`` is neither an address nor a name that resolves.
    """
    return socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)[0][0]


def _bindable(family: socket.AddressFamily, host: str, port: int) -> bool:
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=_CONNECT_TIMEOUT):
            return True
    except OSError:
        return False


def wait_for_port(host: str, port: int, timeout: float) -> None:
    """Return once ``host:port`` accepts a TCP connection.

    :raises TimeoutError: nothing accepted a connection within ``timeout``
        seconds.
    """
    deadline = time.monotonic() + timeout
    while not _accepts(host, port):
        if time.monotonic() >= deadline:
            raise TimeoutError(f"Nothing accepted a connection on {host}:{port} within {timeout}s.")
        time.sleep(_POLL_INTERVAL)


def _group_has_live_members(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    proc = Path("/proc")
    if not proc.is_dir():
        return True
    # A member that exited but whose parent has not reaped it yet (a zombie)
    # still counts for killpg(); it holds no port and runs no code, so it
    # must not make the stop wait out its whole grace period.
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the parenthesised command name: state, ppid, pgrp, ...
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def _signal_group(pgid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


class ServerProcess:
    """A command started in its own process group, stopped with everything it forked.

    Use it as a context manager: entering starts the command and waits (at
    most ``start_timeout`` seconds) until ``host:port`` accepts connections;
    leaving sends ``SIGTERM`` to the group, waits at most ``stop_timeout``
    seconds, then sends ``SIGKILL`` to whatever is left. Standard output and
    standard error go to one temporary file, readable with :meth:`output`
    while the process runs and after it stopped.

    :param env: variables added to (or replacing) this process's environment.
    """

    def __init__(
        self,
        command: Sequence[str],
        *,
        port: int,
        host: str = LOOPBACK,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        start_timeout: float = 20.0,
        stop_timeout: float = 5.0,
    ) -> None:
        self.command = list(command)
        self.host = host
        self.port = port
        self.env = dict(env or {})
        self.cwd = cwd
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._final_output = ""

    @property
    def url(self) -> str:
        """The server's base URL, without a trailing slash."""
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        """The started command's process id (also its process group id)."""
        return None if self._process is None else self._process.pid

    @property
    def returncode(self) -> int | None:
        """The exit status once the command ended (negative: killed by that signal)."""
        return None if self._process is None else self._process.poll()

    def output(self) -> str:
        """Everything the server wrote to standard output and standard error so far."""
        if self._log is None:
            return self._final_output
        fd = self._log.fileno()
        size = os.fstat(fd).st_size
        start = max(0, size - _OUTPUT_LIMIT)
        # pread leaves the file offset alone: the server shares that offset
        # and would otherwise overwrite its own log.
        return os.pread(fd, size - start, start).decode("utf-8", "replace")

    def start(self) -> None:
        """Start the command and wait until its port answers.

        :raises ServerStartError: the command exited first, or the port did
            not answer in time; the process group is stopped before raising.
        """
        if self._process is not None:
            raise RuntimeError("This server process was already started.")
        environ = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
        self._log = tempfile.TemporaryFile()  # noqa: SIM115  # closed by stop()
        try:
            self._process = subprocess.Popen(  # noqa: S603  # the caller's own command, no shell
                self.command,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                env=environ,
                cwd=self.cwd,
                start_new_session=True,
            )
            self._wait_until_listening()
        except BaseException:
            self.stop()
            raise

    def _wait_until_listening(self) -> None:
        process = self._process
        if process is None:  # pragma: no cover - start() sets it first
            raise RuntimeError("The server process is not started.")
        deadline = time.monotonic() + self.start_timeout
        while not _accepts(self.host, self.port):
            code = process.poll()
            if code is not None:
                raise ServerStartError(
                    f"{self._name()} exited with status {code} before listening on"
                    f" {self.host}:{self.port}.{self._tail()}"
                )
            if time.monotonic() >= deadline:
                raise ServerStartError(
                    f"{self._name()} did not answer on {self.host}:{self.port} within"
                    f" {self.start_timeout}s.{self._tail()}"
                )
            time.sleep(_POLL_INTERVAL)

    def stop(self) -> None:
        """Stop the process group: ``SIGTERM``, a bounded wait, then ``SIGKILL``.

        Safe to call more than once, and on a process that already exited.
        """
        process = self._process
        try:
            if process is not None:
                self._terminate_group(process)
        finally:
            if self._log is not None:
                self._final_output = self.output()
                self._log.close()
                self._log = None

    def _terminate_group(self, process: subprocess.Popen[bytes]) -> None:
        pgid = process.pid
        _signal_group(pgid, signal.SIGTERM)
        if self._wait_for_group(process, self.stop_timeout):
            return
        # Whatever ignored SIGTERM or is stuck finishing a request; a leaked
        # worker would keep the port and the next test run would fail.
        _signal_group(pgid, signal.SIGKILL)
        self._wait_for_group(process, self.stop_timeout)

    def _wait_for_group(self, process: subprocess.Popen[bytes], timeout: float) -> bool:
        # Signals are delivered asynchronously: wait until the leader is
        # reaped and no member runs, so the port is free once stop() returns.
        deadline = time.monotonic() + timeout
        while process.poll() is None or _group_has_live_members(process.pid):
            if time.monotonic() >= deadline:
                return False
            time.sleep(_POLL_INTERVAL)
        return True

    def _name(self) -> str:
        return " ".join(self.command[:3]) if self.command else "The server"

    def _tail(self) -> str:
        text = self.output().strip()
        if not text:
            return " It wrote nothing."
        return f" Its output ends with:\n{text[-_ERROR_TAIL:]}"

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<ServerProcess {self._name()!r} on {self.url} pid={self.pid}>"


def _spec(server: str) -> _Server:
    try:
        return _SERVERS[server]
    except KeyError:
        raise ConfigurationError(
            f"Unknown server {server!r}; use one of: {', '.join(_SERVERS)}."
        ) from None


def is_installed(server: str) -> bool:
    """Whether the server's package can be imported by this interpreter."""
    return importlib.util.find_spec(_spec(server).module) is not None


def install_command(server: str) -> str:
    """The ``pip install`` command that provides the server."""
    return _spec(server).install


def _gunicorn_has_control_socket() -> bool:
    # gunicorn 25.1 added a control socket under the home folder; tests
    # should neither write there nor race other runs for the same path.
    try:
        version = importlib.metadata.version("gunicorn")
    except importlib.metadata.PackageNotFoundError:
        return False
    parts = [int(part) for part in version.split(".")[:2] if part.isdigit()]
    return parts >= [25, 1]


def server_command(
    app_target: str, server: str, port: int, extra_args: Sequence[str] = ()
) -> list[str]:
    """The command line that serves ``app_target`` (``module:app``) with ``server``.

    Each server runs under this interpreter (``python -m``), so it imports
    the same hipflask as the test. uvicorn is given the app as it is (it
    guesses ASGI 2 from the plain ``__call__``, which the app answers);
    hypercorn would guess WSGI, so it is told ``asgi:``. uvicorn runs with
    :data:`UVICORN_PROTOCOL`, which times out request heads, unless
    ``extra_args`` names another ``--http``.
    """
    spec = _spec(server)
    python = [sys.executable, "-m", spec.module]
    extra = list(extra_args)
    if server.startswith("granian-"):
        interface = ["--interface", spec.protocol]
        where = ["--host", LOOPBACK, "--port", str(port), "--workers", "1"]
        return [*python, *interface, *where, *extra, app_target]
    if server == "gunicorn":
        quiet = ["--no-control-socket"] if _gunicorn_has_control_socket() else []
        return [*python, "-b", f"{LOOPBACK}:{port}", "-w", "1", *quiet, *extra, app_target]
    if server == "uvicorn":
        where = ["--host", LOOPBACK, "--port", str(port)]
        # uvicorn alone never times out a request head (slowloris).
        timed = [] if "--http" in extra else ["--http", UVICORN_PROTOCOL]
        return [*python, *where, "--lifespan", "on", *timed, *extra, app_target]
    target = app_target if app_target.startswith(("asgi:", "wsgi:")) else f"asgi:{app_target}"
    return [*python, "--bind", f"{LOOPBACK}:{port}", *extra, target]


def serve(
    app_target: str,
    server: str = "granian-wsgi",
    port: int | None = None,
    extra_args: Sequence[str] = (),
    *,
    app_dir: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    start_timeout: float = 20.0,
    stop_timeout: float = 5.0,
) -> ServerProcess:
    """A :class:`ServerProcess` serving ``app_target`` on loopback; enter it to start.

    :param app_target: ``module:attribute``, imported by the server process.
    :param server: a key of :data:`SERVERS`.
    :param port: a free port is chosen when omitted.
    :param extra_args: more options for the server, placed before the target.
    :param app_dir: a folder put first on ``PYTHONPATH`` so the server can
        import the target's module.
    :raises ServerNotInstalledError: the server's package is missing.
    """
    spec = _spec(server)
    if not is_installed(server):
        raise ServerNotInstalledError(server, spec.install)
    chosen = free_port() if port is None else port
    environ = dict(env or {})
    if app_dir is not None:
        paths = [os.fspath(app_dir)]
        inherited = environ.get("PYTHONPATH", os.environ.get("PYTHONPATH"))
        if inherited:
            paths.append(inherited)
        environ["PYTHONPATH"] = os.pathsep.join(paths)
    return ServerProcess(
        server_command(app_target, server, chosen, extra_args),
        port=chosen,
        env=environ,
        start_timeout=start_timeout,
        stop_timeout=stop_timeout,
    )
