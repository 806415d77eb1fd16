"""Real servers for the over-the-wire benchmark: granian on 127.0.0.1, always stopped.

Each server is started in its own session, so that its process group holds
granian and every worker it forks; stopping the group stops them all, and
:func:`running_server` does so on every way out, errors and Ctrl-C included.
Before any load, each app is checked over the wire with the same checks as
the in-process benchmark: a server that answers wrongly is not measured.
"""

from __future__ import annotations

import contextlib
import datetime
import http.client
import ipaddress
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.oid import NameOID

from common import BENCH_DIR
from common import ENDPOINTS_BY_NAME
from common import ROUND_TRIP_ENDPOINTS
from common import CheckFailed
from common import Endpoint
from common import Framework
from common import Reply
from common import check_reply
from common import check_session_round_trip

# The only address this benchmark ever sends traffic to.
HOST = "127.0.0.1"
SERVER_START_TIMEOUT = 30.0
SERVER_STOP_TIMEOUT = 10.0
CHECK_TIMEOUT = 10.0
USER_AGENT = "hipflask-bench/1.0"

# "ImportError: cannot import name ...", "hipflask.errors.ConfigurationError: ..."
_EXCEPTION_LINE = re.compile(r"^[\w.]*(Error|Exception|Exit)\b.*:")


@dataclass(frozen=True)
class Tools:
    """The programs the benchmark runs, by absolute path, found once at start."""

    granian: str
    wrk: str
    taskset: str | None

    @classmethod
    def find(cls, *, with_wrk: bool = True) -> Tools | str:
        """The tools, or a one-line message naming the one that is missing.

        ``with_wrk=False`` is for runs that start servers but send no load
        (the memory benchmark); ``wrk`` is then left empty and must not be run.
        """
        found: dict[str, str] = {"wrk": ""}
        programs = [("granian", "pip install granian")]
        if with_wrk:
            programs.insert(0, ("wrk", "apt-get install wrk"))
        for program, install in programs:
            # The environment running the benchmark first (a virtualenv that
            # is not activated has granian beside its python, not on PATH).
            beside = Path(sys.executable).parent / program
            path = str(beside) if beside.is_file() else shutil.which(program)
            if path is None:
                return f"{program} is not installed ({install}); nothing was measured."
            found[program] = path
        return cls(found["granian"], found["wrk"], shutil.which("taskset"))

    def pinned(self, cpu: int | None, command: list[str]) -> list[str]:
        """``command`` run on one core only, when pinning is possible."""
        if cpu is None or self.taskset is None:
            return command
        return [self.taskset, "-c", str(cpu), *command]


@dataclass(frozen=True)
class Harness:
    """What every server and load run of one benchmark shares."""

    tools: Tools
    folder: Path
    certificate: Path
    key: Path
    server_cpu: int | None
    load_cpu: int | None
    #: A program the server runs under (a profiler), and the longer start it needs.
    wrapper: tuple[str, ...] = ()
    start_timeout: float = SERVER_START_TIMEOUT


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """Write a throwaway self-signed certificate for 127.0.0.1, and its key.

    The key is PKCS#8 because granian reads no other format.  The certificate
    is valid for one day and lives in a temporary folder: it exists for one
    run.  It is its own CA, so the checks verify the server against it
    instead of switching verification off.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench.localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path = folder / "cert.pem"
    key_path = folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """One granian process serving one app on 127.0.0.1."""

    framework: Framework
    scheme: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    cafile: Path

    def log_tail(self, lines: int = 3) -> str:
        """Why the server did not come up, from its output.

        The last exception line (an app that does not import, say) is the
        reason; failing that, the last few lines of the log.
        """
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no server log)"
        kept = [line.strip() for line in text.splitlines() if line.strip()]
        errors = [line for line in kept if _EXCEPTION_LINE.match(line)]
        return errors[-1] if errors else " | ".join(kept[-lines:]) or "(empty server log)"

    def connection(self) -> http.client.HTTPConnection:
        if self.scheme == "https":
            context = ssl.create_default_context(cafile=str(self.cafile))
            return http.client.HTTPSConnection(
                HOST, self.port, timeout=CHECK_TIMEOUT, context=context
            )
        return http.client.HTTPConnection(HOST, self.port, timeout=CHECK_TIMEOUT)

    def url(self, endpoint: Endpoint) -> str:
        return f"{self.scheme}://{HOST}:{self.port}{endpoint.target}"


def _granian_command(framework: Framework, scheme: str, port: int, harness: Harness) -> list[str]:
    """granian's own command line, one worker, for a row's app module."""
    command = [
        harness.tools.granian,
        "--interface",
        framework.interface,
        "--workers",
        "1",
        "--host",
        HOST,
        "--port",
        str(port),
        "--http",
        "1",
        "--no-access-log",
        "--working-dir",
        str(BENCH_DIR),
    ]
    if scheme == "https":
        command += [
            "--ssl-certificate",
            str(harness.certificate),
            "--ssl-keyfile",
            str(harness.key),
        ]
    command.append(f"{framework.module}:app")
    return command


def _serve_command(target: str, scheme: str, port: int, harness: Harness) -> list[str]:
    """``hipflask serve`` with one worker, as a user runs it in production."""
    command = [
        sys.executable,
        "-m",
        "hipflask",
        "--app",
        target,
        "serve",
        "--workers",
        "1",
        "--host",
        HOST,
        "--port",
        str(port),
        "--no-access-log",
    ]
    if scheme == "https":
        command += ["--cert", str(harness.certificate), "--key", str(harness.key)]
    return command


def start_server(harness: Harness, framework: Framework, scheme: str) -> Server:
    """Start granian with one worker for one app, in a process group of its own."""
    port = free_port()
    if framework.serve_target is not None:
        command = _serve_command(framework.serve_target, scheme, port, harness)
    else:
        command = _granian_command(framework, scheme, port, harness)
    if harness.wrapper:
        # The wrapper runs the interpreter itself, not granian's launcher script.
        if command[0] == harness.tools.granian:
            command[:1] = [sys.executable, "-m", "granian"]
        command = [*harness.wrapper, *command]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BENCH_DIR), env.get("PYTHONPATH")]))
    log_path = harness.folder / f"{framework.key}-{scheme}-{port}.log"
    with log_path.open("wb") as log:
        # The command is built from constants and absolute tool paths only.
        process = subprocess.Popen(  # noqa: S603
            harness.tools.pinned(harness.server_cpu, command),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=BENCH_DIR,
            env=env,
            start_new_session=True,
        )
    return Server(framework, scheme, port, process, log_path, harness.certificate)


def stop_server(server: Server) -> None:
    """Stop granian and its workers: TERM to the group, KILL if it lingers."""
    process = server.process
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=SERVER_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=SERVER_STOP_TIMEOUT)
    # A worker can outlive a master that died first.  While any member of the
    # group lives, its id cannot be handed to anyone else, so this reaches
    # only our own leftovers (or nothing).
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


@contextlib.contextmanager
def running_server(harness: Harness, framework: Framework, scheme: str) -> Iterator[Server]:
    """A server that is up and answering, and that is stopped on the way out."""
    server = start_server(harness, framework, scheme)
    try:
        wait_until_serving(server, harness.start_timeout)
        yield server
    finally:
        stop_server(server)


def wait_until_serving(server: Server, timeout: float = SERVER_START_TIMEOUT) -> None:
    """Wait until the app answers any HTTP request, or say why it never did."""
    deadline = time.monotonic() + timeout
    last_error = "no answer"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise CheckFailed(
                f"granian exited with code {server.process.returncode}: {server.log_tail()}"
            )
        try:
            fetch(server, ENDPOINTS_BY_NAME["missing"], None)
            return
        except (OSError, http.client.HTTPException) as exc:
            last_error = f"{type(exc).__name__}: {exc}"
            time.sleep(0.2)
    raise CheckFailed(f"no answer within {timeout:.0f} s ({last_error}): {server.log_tail()}")


def fetch(server: Server, endpoint: Endpoint, cookie: str | None) -> Reply:
    """One request over a fresh connection, read whole."""
    headers = {"User-Agent": USER_AGENT, "Accept": "*/*"}
    if endpoint.content_type is not None:
        headers["Content-Type"] = endpoint.content_type
    if cookie:
        headers["Cookie"] = cookie
    connection = server.connection()
    try:
        connection.request(
            endpoint.method,
            endpoint.target,
            body=endpoint.body if endpoint.method == "POST" else None,
            headers=headers,
        )
        response = connection.getresponse()
        body = response.read()
        pairs = [(key.lower(), value) for key, value in response.getheaders()]
        return Reply(response.status, pairs, body)
    finally:
        connection.close()


def check_endpoint(server: Server, endpoint: Endpoint) -> str | None:
    """Check one endpoint over the wire; return the cookie the load must carry."""
    if endpoint.name not in ROUND_TRIP_ENDPOINTS:
        check_reply(endpoint, fetch(server, endpoint, None))
        return None
    first = fetch(server, endpoint, None)
    second = fetch(server, endpoint, first.cookie_header() or None)
    return check_session_round_trip(first, second)
