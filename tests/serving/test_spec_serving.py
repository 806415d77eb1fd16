"""Real servers on loopback, probed with the ssl module the way a scanner would.

Each test starts ``hipflask run``, ``hipflask serve`` or a script calling
``app.run()`` in its own process group on free loopback ports (the fixtures
of tests/serving/conftest.py kill the group afterwards), then checks what
the server accepts and what it refuses: legacy TLS versions, plain HTTP sent
to the TLS port, plain HTTP on a public address.
"""

from __future__ import annotations

import http.client
import os
import socket
import ssl
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.serving.https_client import IO_TIMEOUT
from tests.serving.https_client import fetch
from tests.serving.https_client import pinned

from hipflask.serving.tls.adhoc import make_adhoc_certificate
from hipflask.serving.tls.local_ca import LocalCA
from hipflask.testing import servers

# Only passed to a server that must refuse it before anything listens.
ALL_INTERFACES = "0.0.0.0"  # noqa: S104
StartServer = Callable[..., Any]  # the start_server fixture of tests/serving/conftest.py
LEGACY = {"TLSv1": ssl.TLSVersion.TLSv1, "TLSv1_1": ssl.TLSVersion.TLSv1_1}
CURRENT = {"TLSv1.2": ssl.TLSVersion.TLSv1_2, "TLSv1.3": ssl.TLSVersion.TLSv1_3}


def _other_free_port(*taken: int) -> int:
    while True:
        port = servers.free_port()
        if port not in taken:
            return port


def _client_for(version: ssl.TLSVersion) -> ssl.SSLContext:
    """An unverifying client speaking only ``version``, as an old browser or a scanner."""
    with warnings.catch_warnings():
        # Legacy versions are deprecated in ssl and off at OpenSSL's default
        # security level; the client has to re-enable both to offer them.
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
        context.minimum_version = version
        context.maximum_version = version
    return context


def _handshake(port: int, context: ssl.SSLContext) -> str:
    """The negotiated version, or the error that ended the handshake."""
    try:
        with (
            socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT) as raw,
            context.wrap_socket(raw, server_hostname="localhost") as tls,
        ):
            return str(tls.version())
    except (ssl.SSLError, ConnectionError) as exc:
        return f"refused: {exc}"


def _speakable(version: ssl.TLSVersion, tmp_path: Path) -> bool:
    """Whether this machine's OpenSSL can negotiate ``version`` at all.

    Without that, a refused handshake would prove nothing about the server.
    """
    cert_pem, key_pem = make_adhoc_certificate()
    (tmp_path / "probe-cert.pem").write_bytes(cert_pem)
    (tmp_path / "probe-key.pem").write_bytes(key_pem)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_context.set_ciphers("DEFAULT:@SECLEVEL=0")
        server_context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    server_context.load_cert_chain(tmp_path / "probe-cert.pem", tmp_path / "probe-key.pem")
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(IO_TIMEOUT)

        def serve_once() -> None:
            try:
                connection, _address = listener.accept()
                with connection, server_context.wrap_socket(connection, server_side=True):
                    pass
            except (OSError, ssl.SSLError):
                pass

        thread = threading.Thread(target=serve_once)
        thread.start()
        try:
            result = _handshake(listener.getsockname()[1], _client_for(version))
        finally:
            thread.join(IO_TIMEOUT)
    return not result.startswith("refused")


def _plain_http_to(port: int) -> bytes:
    """What a plain-HTTP request to a TLS port gets back (empty when the server hangs up)."""
    received = b""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT) as raw:
            raw.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            while chunk := raw.recv(4096):
                received += chunk
    except ConnectionError:
        pass
    return received


def _assert_tls_policy(port: int, tmp_path: Path) -> None:
    """TLS 1.2 and 1.3 are served; TLS 1.0, 1.1 and plain HTTP on the port are refused."""
    for name, version in CURRENT.items():
        assert _handshake(port, _client_for(version)) == name
    for name, version in LEGACY.items():
        if _speakable(version, tmp_path):
            outcome = _handshake(port, _client_for(version))
            assert outcome.startswith("refused"), f"{name} was accepted: {outcome}"
    answer = _plain_http_to(port)
    assert not answer.startswith(b"HTTP/"), answer[:200]
    assert b"hello from" not in answer
    # The refusals did not take the server down.
    assert _handshake(port, _client_for(ssl.TLSVersion.TLSv1_2)) == "TLSv1.2"


# -- app.run(ssl_context=...) ----------------------------------------------------------------


@pytest.mark.integration
def test_app_run_with_ssl_context_adhoc_serves_https(
    app_dir: Path, start_server: StartServer, free_port: int
) -> None:
    server = start_server(
        [sys.executable, "hello.py", "127.0.0.1", str(free_port), "'adhoc'"], free_port, app_dir
    )

    served = ssl.get_server_certificate(("127.0.0.1", free_port), timeout=IO_TIMEOUT)
    status, body = fetch(f"https://127.0.0.1:{free_port}/", pinned(served))

    assert (status, body.endswith("over https")) == (200, True)
    assert f" * Open https://localhost:{free_port}" in server.log()


@pytest.mark.integration
def test_app_run_with_ssl_context_local_is_verified_by_the_local_ca(
    app_dir: Path, start_server: StartServer, free_port: int, tmp_path: Path
) -> None:
    ca_dir = tmp_path / "ca"
    start_server(
        [sys.executable, "hello.py", "127.0.0.1", str(free_port), "'local'"],
        free_port,
        app_dir,
        env={"HIPFLASK_CA_DIR": str(ca_dir)},
    )
    trusting = ssl.create_default_context(cafile=str(LocalCA(ca_dir).cert_path))

    for host in ("127.0.0.1", "localhost"):
        if host == "localhost" and not _resolves_to_ipv4_loopback("localhost"):
            continue
        status, body = fetch(f"https://{host}:{free_port}/", trusting)
        assert (status, body.endswith("over https")) == (200, True)
    with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
        fetch(f"https://127.0.0.1:{free_port}/", ssl.create_default_context())


def _resolves_to_ipv4_loopback(name: str) -> bool:
    try:
        return any(info[4][0] == "127.0.0.1" for info in socket.getaddrinfo(name, None))
    except OSError:
        return False


@pytest.mark.integration
def test_app_run_with_an_ssl_context_object(
    start_server: StartServer, free_port: int, tmp_path: Path
) -> None:
    cert_pem, key_pem = make_adhoc_certificate()
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    (tmp_path / "key.pem").write_bytes(key_pem)
    (tmp_path / "contextapp.py").write_text(
        textwrap.dedent(
            f"""
            import ssl
            import sys

            from hipflask import Hipflask, request

            app = Hipflask(__name__)

            @app.get("/")
            def index():
                return f"hello from context over {{request.scheme}}"

            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.minimum_version = ssl.TLSVersion.TLSv1_3
            context.load_cert_chain({str(tmp_path / "cert.pem")!r}, {str(tmp_path / "key.pem")!r})
            app.run(host="127.0.0.1", port=int(sys.argv[1]), ssl_context=context)
            """
        ),
        encoding="utf-8",
    )
    start_server([sys.executable, "contextapp.py", str(free_port)], free_port, tmp_path)

    status, body = fetch(f"https://127.0.0.1:{free_port}/", pinned(cert_pem))

    assert (status, body) == (200, "hello from context over https")
    # The context given is the one used: this one allows TLS 1.3 only.
    assert _handshake(free_port, _client_for(ssl.TLSVersion.TLSv1_2)).startswith("refused")


# -- protocol policy of the running servers ---------------------------------------------------


@pytest.mark.integration
def test_hipflask_run_refuses_legacy_tls_and_plain_http_on_its_tls_port(
    app_dir: Path, start_server: StartServer, hipflask: list[str], free_port: int, tmp_path: Path
) -> None:
    args = ["--app", "hello", "run", "--cert=adhoc", "--port", str(free_port)]
    start_server([*hipflask, *args], free_port, app_dir)

    _assert_tls_policy(free_port, tmp_path)


@pytest.mark.integration
def test_hipflask_serve_with_tls_speaks_http2_logs_access_and_redirects_plain_http(
    app_dir: Path, start_server: StartServer, hipflask: list[str], free_port: int, tmp_path: Path
) -> None:
    httpx = pytest.importorskip("httpx")
    pytest.importorskip("h2", reason="httpx needs the h2 package to speak HTTP/2")
    redirect_port = _other_free_port(free_port)
    args = ["--app", "hello", "serve", "--port", str(free_port), "--cert=adhoc", "--http2"]
    args += ["--redirect-http", str(redirect_port)]
    server = start_server([*hipflask, *args], free_port, app_dir)
    server.wait_for_port(redirect_port)
    server.wait_for_output("Started worker-1")

    _assert_tls_policy(free_port, tmp_path)

    trusted = pinned(ssl.get_server_certificate(("127.0.0.1", free_port), timeout=IO_TIMEOUT))
    with httpx.Client(http2=True, verify=trusted, timeout=IO_TIMEOUT) as client:
        page = client.get(f"https://127.0.0.1:{free_port}/")
        slow = client.get(f"https://127.0.0.1:{free_port}/slow?seconds=0")
    assert page.http_version == "HTTP/2"
    assert (page.status_code, page.text.endswith("over https")) == (200, True)
    assert page.headers["strict-transport-security"].startswith("max-age=")
    assert (slow.http_version, slow.status_code) == ("HTTP/2", 200)
    # The access log (on by default) has a line per request.
    server.wait_for_output('"GET /slow HTTP/2" 200')

    # A form posted to http:// is re-sent to https:// with its method: 308.
    connection = http.client.HTTPConnection("127.0.0.1", redirect_port, timeout=IO_TIMEOUT)
    try:
        connection.request(
            "POST",
            "/form?next=%2Fhome",
            body=b"user=ann",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        redirect = connection.getresponse()
        redirect.read()
    finally:
        connection.close()
    assert redirect.status == 308
    assert redirect.headers["Location"] == f"https://127.0.0.1:{free_port}/form?next=%2Fhome"

    # A Host header that is not a host name is not echoed into a Location.
    with socket.create_connection(("127.0.0.1", redirect_port), timeout=IO_TIMEOUT) as raw:
        raw.sendall(b"GET / HTTP/1.1\r\nHost: user@evil.example/\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := raw.recv(4096):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400")
    assert b"evil.example" not in answer


@pytest.mark.integration
def test_hipflask_serve_over_tls_closes_a_silent_connection_after_its_handshake(
    app_dir: Path, start_server: StartServer, hipflask: list[str], free_port: int
) -> None:
    # HTTP/1.1 alone (the default): the header timeout runs from the handshake
    # on. With HTTP/2 offered granian would wait for such a client forever,
    # and enough of them take every connection slot.
    args = ["--app", "hello", "serve", "--port", str(free_port), "--cert=adhoc"]
    server = start_server([*hipflask, *args, "--header-timeout", "1"], free_port, app_dir)
    server.wait_for_output("Started worker-1")
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.check_hostname = False
    client.verify_mode = ssl.CERT_NONE
    client.set_alpn_protocols(["h2", "http/1.1"])
    raw = socket.create_connection(("127.0.0.1", free_port), timeout=IO_TIMEOUT)
    with client.wrap_socket(raw, server_hostname="localhost") as silent:
        assert silent.selected_alpn_protocol() in (None, "http/1.1")
        started = time.monotonic()
        assert silent.recv(1) == b""
        assert time.monotonic() - started < 4.0


@pytest.mark.integration
@pytest.mark.parametrize("host", [ALL_INTERFACES, "::"])
def test_hipflask_serve_refuses_plain_http_on_a_public_address_before_listening(
    app_dir: Path, hipflask: list[str], free_port: int, host: str
) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("HIPFLASK_", "FLASK_"))}
    started = time.monotonic()

    finished = subprocess.run(
        [*hipflask, "--app", "hello", "serve", "--host", host, "--port", str(free_port)],
        cwd=app_dir,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert finished.returncode == 1, finished.stdout + finished.stderr
    assert f"Refusing to serve plain HTTP on {host}" in finished.stderr
    assert "--proxy" in finished.stderr
    assert "--insecure-http" in finished.stderr
    assert "Listening at" not in finished.stdout + finished.stderr
    assert time.monotonic() - started < 60
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", free_port)) != 0


# -- the reloader ---------------------------------------------------------------------------


@pytest.mark.integration
def test_hipflask_run_reload_restarts_when_an_extra_file_changes(
    app_dir: Path, start_server: StartServer, hipflask: list[str], free_port: int
) -> None:
    settings = app_dir / "settings.toml"
    settings.write_text("colour = 'red'\n", encoding="utf-8")
    args = ["--app", "hello", "run", "--reload", "--extra-files", "settings.toml"]
    server = start_server([*hipflask, *args, "--port", str(free_port)], free_port, app_dir)
    server.wait_for_output("Restarting with")
    assert fetch(f"http://127.0.0.1:{free_port}/")[0] == 200

    settings.write_text("colour = 'blue'\n", encoding="utf-8")
    moved = time.time() + 10  # clearly newer, whatever the file system's time resolution
    os.utime(settings, (moved, moved))

    output = server.wait_for_output("Detected change in")
    assert str(settings) in output
    assert "Debugger is active" not in output  # --reload alone is not debug mode
    server.wait_for_port()
    deadline = time.monotonic() + IO_TIMEOUT
    status = 0
    while time.monotonic() < deadline:
        try:
            status = fetch(f"http://127.0.0.1:{free_port}/")[0]
            break
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    assert status == 200
