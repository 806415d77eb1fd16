from __future__ import annotations

import http.client
import signal
import socket
import ssl
import stat
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from tests.serving.https_client import IO_TIMEOUT
from tests.serving.https_client import pinned

from hipflask import Hipflask
from hipflask import request
from hipflask.cli.discovery import NoAppException
from hipflask.errors import ConfigurationError
from hipflask.errors import MissingExtraError
from hipflask.serving import production
from hipflask.serving.buffering import BufferedWSGI
from hipflask.serving.limits import ServerLimits
from hipflask.serving.production import PLAIN_HTTP_REFUSED
from hipflask.serving.production import _granian_options
from hipflask.serving.production import check_public_binding
from hipflask.serving.production import load_worker_app
from hipflask.serving.production import resolve_certificate
from hipflask.serving.production import serve_app
from hipflask.serving.proxies import ProxyFix
from hipflask.serving.tls.adhoc import make_adhoc_certificate
from hipflask.serving.tls.local_ca import LocalCA
from hipflask.serving.tls.scratch import remove_private_folder
from hipflask.testing import servers

# Only ever compared or shown; the one real bind to it is bounded (see test_devserver).
ALL_INTERFACES = "0.0.0.0"  # noqa: S104

# A key hipflask serve accepts, so each refusal tested here is the one named.
KEY = "9b4e2a7c1f8d3b6e0a5c9f2d7b1e4a8c3f6d0b9e5a2c7f1d4b8e3a6c0f9d2b5e"
StartServer = Callable[..., Any]  # the start_server fixture of tests/serving/conftest.py


# -- start-up checks -------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_plain_http_on_loopback_is_allowed(host: str) -> None:
    check_public_binding(host, tls=False, proxy=False, insecure_http=False)


def test_plain_http_on_a_public_address_is_refused_with_the_ways_forward() -> None:
    with pytest.raises(ConfigurationError) as caught:
        check_public_binding(ALL_INTERFACES, tls=False, proxy=False, insecure_http=False)

    message = str(caught.value)
    assert message == PLAIN_HTTP_REFUSED.format(host=ALL_INTERFACES)
    assert "--proxy" in message
    assert "--insecure-http" in message


@pytest.mark.parametrize(
    "options",
    [
        {"tls": True, "proxy": False, "insecure_http": False},
        {"tls": False, "proxy": True, "insecure_http": False},
        {"tls": False, "proxy": False, "insecure_http": True},
    ],
)
def test_tls_a_proxy_or_an_explicit_choice_allows_a_public_address(
    options: dict[str, bool],
) -> None:
    check_public_binding(ALL_INTERFACES, **options)


def test_a_debug_app_is_refused_on_a_public_address_even_with_tls() -> None:
    with pytest.raises(ConfigurationError, match="debug-mode app"):
        check_public_binding(ALL_INTERFACES, tls=True, proxy=False, insecure_http=False, debug=True)
    check_public_binding("127.0.0.1", tls=False, proxy=False, insecure_http=False, debug=True)


def test_serve_app_refuses_before_anything_listens(app_module: str) -> None:
    with pytest.raises(ConfigurationError, match="Refusing to serve plain HTTP"):
        serve_app("hipflask_worker_probe:app", sys_path_entry=app_module, host=ALL_INTERFACES)


def test_serve_app_refuses_a_debug_app_it_loads_itself(
    app_module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIPFLASK_DEBUG", "1")

    with pytest.raises(ConfigurationError, match="debug-mode app"):
        serve_app(
            "hipflask_worker_probe:app", sys_path_entry=app_module, host=ALL_INTERFACES, proxy=1
        )


@pytest.fixture
def checks_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """serve_app up to granian, which fails the test if the checks let it start."""
    real_require = production.require

    def no_server(*args: Any, **kwargs: Any) -> Any:
        pytest.fail("the checks passed a debug-mode app on a public address")

    def granian_without_server(module: str, extra: str) -> Any:
        loaded = real_require(module, extra)
        return SimpleNamespace(Granian=no_server) if module == "granian" else loaded

    monkeypatch.setattr(production, "require", granian_without_server)
    monkeypatch.setattr(production, "ensure_free", lambda host, port: None)


def test_serve_app_checks_the_debug_mode_its_workers_will_have(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, checks_only: None
) -> None:
    # The workers apply HIPFLASK_DEBUG over the app's own DEBUG = False; a
    # check that did not would pass an app served in debug mode publicly.
    (tmp_path / "hipflask_debug_probe.py").write_text(
        f"from hipflask import Hipflask\napp = Hipflask(__name__)\n"
        f"app.secret_key = {KEY!r}\napp.config['DEBUG'] = False\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HIPFLASK_DEBUG", "1")

    with pytest.raises(ConfigurationError, match="debug-mode app"):
        serve_app(
            "hipflask_debug_probe:app",
            sys_path_entry=str(tmp_path),
            host=ALL_INTERFACES,
            proxy=1,
            host_names=["example.com"],
        )
    assert load_worker_app("hipflask_debug_probe:app", sys_path_entry=str(tmp_path)).debug


def test_serve_app_checks_the_debug_mode_of_a_given_app_as_its_workers_will_have_it(
    monkeypatch: pytest.MonkeyPatch, checks_only: None
) -> None:
    # Checked in this process (app=), the app must still be judged as the
    # workers load it: with HIPFLASK_DEBUG over its own DEBUG = False.
    app = Hipflask(__name__)
    app.secret_key = KEY
    monkeypatch.setenv("HIPFLASK_DEBUG", "1")

    with pytest.raises(ConfigurationError, match="debug-mode app"):
        serve_app(
            "hipflask_given_debug_probe:app",
            host=ALL_INTERFACES,
            proxy=1,
            host_names=["example.com"],
            app=app,
        )
    assert not app.debug  # the caller's app is judged, not changed


def test_serve_app_reports_a_target_that_does_not_load(tmp_path: Path) -> None:
    with pytest.raises(NoAppException, match="Could not import 'no_such_module_here'"):
        serve_app("no_such_module_here:app", sys_path_entry=str(tmp_path))


def test_redirect_http_needs_a_certificate() -> None:
    with pytest.raises(ConfigurationError, match="--redirect-http needs HTTPS"):
        serve_app("hello:app", redirect_http=8080)


def test_a_missing_granian_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(module: str, extra: str) -> Any:
        raise MissingExtraError(module, extra)

    monkeypatch.setattr(production, "require", missing)

    with pytest.raises(MissingExtraError, match=r"pip install 'hipflask\[server\]'"):
        serve_app("hello:app")


# -- certificates ------------------------------------------------------------------------


def test_adhoc_certificate_files_are_private_and_listed_for_cleanup() -> None:
    scratch: list[Path] = []

    cert_path, key_path = resolve_certificate("adhoc", None, "127.0.0.1", scratch)

    assert scratch == [cert_path.parent]
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert b"BEGIN PRIVATE KEY" in key_path.read_bytes()
    for directory in scratch:
        remove_private_folder(directory)
        assert not directory.exists()


def test_local_certificate_comes_from_the_local_ca(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIPFLASK_CA_DIR", str(tmp_path / "ca"))

    cert_path, _key_path = resolve_certificate("local", None, "127.0.0.1", [])

    assert cert_path.parent.parent == LocalCA(tmp_path / "ca").path


def _certificate_dns_names(path: Path) -> set[str]:
    from cryptography import x509

    certificate = x509.load_pem_x509_certificate(path.read_bytes())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    return set(names.value.get_values_for_type(x509.DNSName))


def test_local_and_adhoc_certificates_cover_the_sites_host_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # serve --cert local --host-name .myapp.test: a browser at myapp.test (or
    # a subdomain) must get a certificate for it. The local CA may not sign a
    # public name, so example.com is left to a real certificate.
    monkeypatch.setenv("HIPFLASK_CA_DIR", str(tmp_path / "ca"))
    names = [".myapp.test", "example.com"]

    local, _key = resolve_certificate("local", None, "127.0.0.1", [], host_names=names)
    scratch: list[Path] = []
    adhoc, _key = resolve_certificate("adhoc", None, "127.0.0.1", scratch, host_names=names)

    assert {"myapp.test", "*.myapp.test", "localhost"} <= _certificate_dns_names(local)
    assert "example.com" not in _certificate_dns_names(local)
    assert {"myapp.test", "*.myapp.test", "example.com"} <= _certificate_dns_names(adhoc)
    for directory in scratch:
        remove_private_folder(directory)
        assert not directory.exists()


def test_a_key_that_does_not_match_the_certificate_is_refused(tmp_path: Path) -> None:
    cert_pem, _key = make_adhoc_certificate()
    _other_cert, other_key = make_adhoc_certificate()
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    (tmp_path / "key.pem").write_bytes(other_key)

    with pytest.raises(ConfigurationError, match="does not belong"):
        resolve_certificate(tmp_path / "cert.pem", tmp_path / "key.pem", "127.0.0.1", [])


def test_a_certificate_file_needs_its_key() -> None:
    with pytest.raises(ConfigurationError, match="--key is required"):
        resolve_certificate("cert.pem", None, "127.0.0.1", [])
    with pytest.raises(ConfigurationError, match="not used with --cert=adhoc"):
        resolve_certificate("adhoc", "key.pem", "127.0.0.1", [])


# -- the worker's app --------------------------------------------------------------------


@pytest.fixture
def app_module(tmp_path: Path) -> Iterator[str]:
    import sys

    name = "hipflask_worker_probe"
    source = f"from hipflask import Hipflask\napp = Hipflask(__name__)\napp.secret_key = {KEY!r}\n"
    (tmp_path / f"{name}.py").write_text(source, encoding="utf-8")
    yield str(tmp_path)
    sys.modules.pop(name, None)
    if str(tmp_path) in sys.path:
        sys.path.remove(str(tmp_path))


def test_the_worker_loads_the_app_from_the_recorded_target(app_module: str) -> None:
    loaded = load_worker_app("hipflask_worker_probe:app", sys_path_entry=app_module)

    assert isinstance(loaded, Hipflask)
    assert loaded.import_name == "hipflask_worker_probe"


def test_the_worker_trusts_a_declared_proxy(app_module: str) -> None:
    loaded = load_worker_app("hipflask_worker_probe:app", sys_path_entry=app_module, proxy=2)

    # The app applies the setting to its own requests; no wrapper is needed.
    assert not isinstance(loaded, ProxyFix)
    assert loaded.config["PROXY_FIX"] == 2
    loaded.add_url_rule("/who", "who", lambda: f"{request.remote_addr} {request.scheme}")
    forwarded = {"X-Forwarded-For": "198.51.100.1, 203.0.113.9", "X-Forwarded-Proto": "https, http"}
    assert loaded.test_client().get("/who", headers=forwarded).text == "198.51.100.1 https"


def test_the_worker_refuses_a_malformed_proxy_setting(app_module: str) -> None:
    with pytest.raises(ConfigurationError, match="PROXY_FIX"):
        load_worker_app("hipflask_worker_probe:app", sys_path_entry=app_module, proxy="yes")


def test_the_worker_sizes_the_asgi_thread_pool(app_module: str) -> None:
    loaded = load_worker_app("hipflask_worker_probe:app", sys_path_entry=app_module, asgi_threads=7)

    assert loaded.config["ASGI_THREAD_POOL_SIZE"] == 7


# -- interfaces and limits ---------------------------------------------------------------


def _options(interface: str, tls: Any = None, **limits: Any) -> dict[str, Any]:
    return _granian_options(
        host="127.0.0.1",
        port=8000,
        interface=interface,
        workers=1,
        threads=7,
        tls=tls,
        access_log=False,
        shutdown_timeout=5,
        limits=ServerLimits(**limits),
    )


def test_wsgi_apps_are_served_behind_the_buffering_front_by_default() -> None:
    options = _options("wsgi")

    assert str(options["interface"].value) == "asginl"
    assert "blocking_threads" not in options
    assert options["http1_settings"].header_read_timeout == 10_000


def test_wsgi_without_body_buffering_is_granians_own_with_its_threads() -> None:
    options = _options("wsgi", buffer_bodies=False)

    assert str(options["interface"].value) == "wsgi"
    assert options["blocking_threads"] == 7


def test_tls_speaks_http1_unless_http2_is_asked_for(tmp_path: Path) -> None:
    pair = (tmp_path / "cert.pem", tmp_path / "key.pem")

    assert str(_options("asgi", tls=pair)["http"].value) == "1"
    assert str(_options("asgi", tls=pair, http2=True)["http"].value) == "auto"
    # Plain HTTP has no ALPN to negotiate HTTP/2 with.
    assert str(_options("asgi", http2=True)["http"].value) == "1"


def test_asgi_apps_get_the_limits_too() -> None:
    options = _options("asgi", header_timeout=2, backpressure=10)

    assert str(options["interface"].value) == "asgi"
    assert options["http1_settings"].header_read_timeout == 2000
    assert options["backpressure"] == 10


def test_the_worker_app_is_wrapped_only_when_bodies_are_buffered(tmp_path: Path) -> None:
    (tmp_path / "limited.py").write_text(
        "from hipflask import Hipflask\napp = Hipflask('limited')\n", encoding="utf-8"
    )
    limits = ServerLimits(body_timeout=3, body_min_rate=5)

    wrapped = load_worker_app(
        "limited:app", sys_path_entry=str(tmp_path), limits=limits, wsgi_threads=2
    )
    plain = load_worker_app("limited:app", sys_path_entry=str(tmp_path), limits=limits)

    assert isinstance(wrapped, BufferedWSGI)
    wrapped.threads.shutdown()
    assert wrapped.config["BODY_READ_TIMEOUT"] == 3
    assert plain.config["BODY_MIN_RATE"] == 5
    assert not isinstance(plain, BufferedWSGI)


def _plain_request(port: int, method: str, path: str, host: str | None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=IO_TIMEOUT)
    connection.putrequest(method, path, skip_host=True)
    if host is not None:
        connection.putheader("Host", host)
    connection.endheaders(b"a=1" if method == "POST" else None)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


# -- granian, for real --------------------------------------------------------------------


def _tls_get(port: int, path: str, context: ssl.SSLContext) -> tuple[int, str]:
    connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=IO_TIMEOUT, context=context)
    try:
        connection.request("GET", path, headers={"Host": "localhost"})
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


@pytest.fixture
def tls_server(
    app_dir: Path,
    start_server: StartServer,
    hipflask: list[str],
    free_port: int,
    tmp_path: Path,
) -> tuple[Any, int, str]:
    ca_dir = tmp_path / "ca"
    redirect_port = _other_port(free_port)
    args = ["--app", "hello", "serve", "--port", str(free_port), "--cert=local"]
    args += ["--workers", "2", "--redirect-http", str(redirect_port)]
    server = start_server(
        [*hipflask, *args], free_port, app_dir, env={"HIPFLASK_CA_DIR": str(ca_dir)}
    )
    server.wait_for_port(redirect_port)
    server.wait_for_output("Started worker-2")
    return server, redirect_port, str(LocalCA(ca_dir).cert_path)


def _other_port(taken: int) -> int:
    port = servers.free_port()
    return port if port != taken else _other_port(taken)


@pytest.mark.integration
def test_serve_with_tls_answers_concurrent_requests_and_redirects_http(
    tls_server: tuple[Any, int, str],
) -> None:
    server, redirect_port, ca_file = tls_server
    port = server.port
    context = ssl.create_default_context(cafile=ca_file)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: _tls_get(port, "/slow?seconds=2", context), range(2)))
    elapsed = time.monotonic() - started

    # Served one after the other they take 4 s; the rest is room for a loaded machine.
    assert [status for status, _body in results] == [200, 200]
    assert elapsed < 3.5, f"two 2 s requests took {elapsed:.2f} s: they were serialised"

    status, body = _tls_get(port, "/", context)
    assert (status, body.endswith("over https")) == (200, True)

    with socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT) as raw:
        h2_context = ssl.create_default_context(cafile=ca_file)
        h2_context.set_alpn_protocols(["h2", "http/1.1"])
        with h2_context.wrap_socket(raw, server_hostname="localhost") as tls:
            # HTTP/1.1 alone unless --http2: see test_limits and hipflask.serving.limits.
            assert tls.selected_alpn_protocol() in (None, "http/1.1")
            assert tls.version() in ("TLSv1.2", "TLSv1.3")

    response = _plain_request(redirect_port, "GET", "/slow?seconds=0", f"localhost:{redirect_port}")
    assert response.status == 308
    assert response.headers["Location"] == f"https://localhost:{port}/slow?seconds=0"
    assert "Serving Hipflask app 'hello' (hello:app) with granian" in server.log()


@pytest.mark.integration
@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_sigterm_lets_the_request_in_flight_finish(
    app_dir: Path, start_server: StartServer, hipflask: list[str], free_port: int, interface: str
) -> None:
    # Plain HTTP on 127.0.0.1 needs neither --proxy nor --insecure-http.
    args = ["--app", "hello", "serve", "--port", str(free_port), "--no-access-log"]
    args += ["--interface", interface]
    server = start_server([*hipflask, *args], free_port, app_dir)
    server.wait_for_output("Started worker-1")
    outcome: dict[str, Any] = {}

    def slow_request() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", free_port, timeout=IO_TIMEOUT)
        try:
            connection.request("GET", "/slow?seconds=1.5")
            response = connection.getresponse()
            outcome["status"] = response.status
            outcome["body"] = response.read().decode()
        except Exception as exc:
            outcome["error"] = exc
        finally:
            connection.close()

    client = threading.Thread(target=slow_request)
    client.start()
    # Waited on rather than slept for: a loaded core may take longer than any
    # fixed time to get the request into the view.
    server.wait_for_output("slow view entered")
    server.signal(signal.SIGTERM)
    client.join(IO_TIMEOUT)
    server.process.wait(timeout=IO_TIMEOUT)

    assert outcome.get("status") == 200, outcome
    assert outcome["body"].startswith("slow done")
    assert server.process.returncode == 0
    assert "Granian shutdown completed" in server.log()
    assert f" * {interface.upper()}, 1 worker(s)" in server.log()


def test_choose_interface_follows_the_views() -> None:
    from hipflask.serving.production import choose_interface
    from hipflask.views import MethodView

    app = Hipflask("choose")
    app.add_url_rule("/sync", "sync", lambda: "sync")
    assert choose_interface(app) == "wsgi"

    class Items(MethodView):
        async def get(self) -> str:
            return "items"

    app.add_url_rule("/items", view_func=Items.as_view("items"))
    assert choose_interface(app) == "asgi"


@pytest.mark.integration
@pytest.mark.parametrize(
    ("extra", "allowed", "refused"),
    [
        ([], "127.0.0.1", "evil.example"),
        (["--host-name", "shop.example"], "shop.example", "127.0.0.1"),
    ],
    ids=["loopback-names", "host-name"],
)
def test_serve_answers_only_to_known_host_names(
    app_dir: Path,
    start_server: StartServer,
    hipflask: list[str],
    free_port: int,
    extra: list[str],
    allowed: str,
    refused: str,
) -> None:
    # A forged Host (host header poisoning, DNS rebinding) is refused with 400.
    args = ["--app", "hello", "serve", "--port", str(free_port), "--no-access-log", *extra]
    server = start_server([*hipflask, *args], free_port, app_dir)
    server.wait_for_output("Started worker-1")

    good = _plain_request(free_port, "GET", "/", f"{allowed}:{free_port}")
    bad = _plain_request(free_port, "GET", "/", f"{refused}:{free_port}")

    assert good.status == 200
    assert bad.status == 400
    assert "Answering to host names:" in server.log()


def _https_status(port: int, host: str, context: ssl.SSLContext) -> int:
    connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=IO_TIMEOUT, context=context)
    try:
        connection.request("GET", "/", headers={"Host": host})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _raw_reply(port: int, request: bytes) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT) as sock:
        sock.sendall(request)
        reply = b""
        while chunk := sock.recv(4096):
            reply += chunk
    return reply.decode("latin-1")


@pytest.mark.integration
@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_server_name_alone_pins_the_host_for_the_app_and_the_redirect_listener(
    app_dir: Path,
    start_server: StartServer,
    hipflask: list[str],
    free_port: int,
    tmp_path: Path,
    interface: str,
) -> None:
    # SERVER_NAME is the only host setting: a forged Host must get 400 from
    # the app and from the listener (host header poisoning, open redirect),
    # and both must read the name as DNS does (case, one trailing dot).
    (app_dir / "snapp.py").write_text(
        "from hello import app\napp.config['SERVER_NAME'] = 'MyApp.test'\n", encoding="utf-8"
    )
    cert_pem, key_pem = make_adhoc_certificate()
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    (tmp_path / "key.pem").write_bytes(key_pem)
    redirect_port = _other_port(free_port)
    args = ["--app", "snapp", "serve", "--host", ALL_INTERFACES, "--port", str(free_port)]
    args += ["--cert", str(tmp_path / "cert.pem"), "--key", str(tmp_path / "key.pem")]
    args += ["--redirect-http", str(redirect_port), "--interface", interface]
    server = start_server([*hipflask, *args], free_port, app_dir)
    server.wait_for_port(redirect_port)
    output = server.wait_for_output("Started worker-1")
    context = pinned(cert_pem)
    context.check_hostname = False  # the Host header varies; the certificate is pinned

    assert " * Answering to host names: myapp.test\n" in output
    assert f" * Open https://myapp.test:{free_port}\n" in output
    assert f" * Redirecting http://myapp.test:{redirect_port} to HTTPS\n" in output
    assert _https_status(free_port, "evil.example", context) == 400
    assert _https_status(free_port, f"myapp.test:{free_port}", context) == 200
    assert _https_status(free_port, "MYAPP.Test.", context) == 200
    assert _https_status(free_port, "myapp.test..", context) == 400
    assert _plain_request(redirect_port, "GET", "/x", "evil.example").status == 400
    assert _plain_request(redirect_port, "GET", "/x", "myapp.test..").status == 400
    moved = _plain_request(redirect_port, "GET", "/x?a=1", "MYAPP.Test.")
    assert moved.status == 308
    assert moved.headers["Location"] == f"https://myapp.test:{free_port}/x?a=1"
    absolute = _raw_reply(
        redirect_port, b"GET http://evil.example/x/y HTTP/1.1\r\nHost: myapp.test\r\n\r\n"
    )
    assert f"\r\nLocation: https://myapp.test:{free_port}/x/y\r\n" in absolute


@pytest.mark.integration
@pytest.mark.parametrize("host", ["127.0.0.2", "::1"])
def test_the_url_printed_at_start_up_is_answered(
    app_dir: Path, start_server: StartServer, hipflask: list[str], free_port: int, host: str
) -> None:
    if host == "::1" and not socket.has_ipv6:
        pytest.skip("this machine has no IPv6 loopback")
    args = ["--app", "hello", "serve", "--host", host, "--port", str(free_port)]
    server = start_server([*hipflask, *args], free_port, app_dir, wait=False)
    output = server.wait_for_output("Started worker-1")
    url = next(line for line in output.splitlines() if line.startswith(" * Open ")).split()[-1]
    name = url.split("//")[1].rsplit(":", 1)[0]

    # As a browser would: resolve the name (browsers and curl send localhost
    # to ::1 and 127.0.0.1 whatever /etc/hosts says, RFC 6761), connect, and
    # send the name as the Host.
    addresses = ["::1", "127.0.0.1"] if name == "localhost" else [name]
    deadline = time.monotonic() + 20
    status = None
    while status is None:
        for address in addresses:
            connection = http.client.HTTPConnection(address, free_port, timeout=IO_TIMEOUT)
            try:
                connection.request("GET", "/", headers={"Host": f"{name}:{free_port}"})
                response = connection.getresponse()
                response.read()
                status = response.status
                break
            except OSError:
                continue
            finally:
                connection.close()
        if status is None and time.monotonic() > deadline:
            pytest.fail(f"{url} did not answer:\n{server.log()}")
        time.sleep(0.05)

    assert url == f"http://{name}:{free_port}"
    assert status == 200


def test_a_port_another_program_listens_on_is_refused_with_a_sentence() -> None:
    from hipflask.serving.production import ensure_free

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigurationError, match=f"Port {port} on 127.0.0.1 is in use"):
            ensure_free("127.0.0.1", port)
    ensure_free("127.0.0.1", port)  # free again once closed


def test_a_port_another_server_listens_on_with_reuseport_is_refused() -> None:
    # granian binds with SO_REUSEPORT: a probe that set it too saw the port
    # of a server still running as free, and the kernel then shared the
    # connections between the two servers.
    from hipflask.serving.production import ensure_free

    with socket.socket() as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigurationError, match="another server still running"):
            ensure_free("127.0.0.1", port)


@pytest.mark.integration
def test_a_second_serve_on_the_port_of_a_running_one_is_refused(
    app_dir: Path, start_server: StartServer, hipflask: list[str], free_port: int
) -> None:
    args = ["--app", "hello", "serve", "--port", str(free_port), "--no-access-log"]
    first = start_server([*hipflask, *args], free_port, app_dir)
    first.wait_for_output("Started worker-1")

    second = start_server([*hipflask, *args], free_port, app_dir, wait=False)

    assert second.process.wait(timeout=30) == 1
    assert f"Port {free_port} on 127.0.0.1 is in use" in second.log()
    assert "Started worker" not in second.log()
    assert first.process.poll() is None


@pytest.mark.parametrize("host", ["localhost", "example.com", "::1x"])
def test_a_host_that_is_not_an_address_is_refused_with_a_sentence(host: str) -> None:
    from hipflask.serving.production import ensure_free

    with pytest.raises(ConfigurationError, match="--host takes an IP address"):
        ensure_free(host, 8000)


def test_a_bracketed_ipv6_address_is_an_address() -> None:
    from hipflask.serving.production import ensure_free

    if not socket.has_ipv6:  # pragma: no cover - depends on the machine
        pytest.skip("this machine has no IPv6")
    with socket.socket(socket.AF_INET6) as taken:
        try:
            taken.bind(("::1", 0))
        except OSError:  # pragma: no cover - IPv6 configured off
            pytest.skip("::1 is not configured here")
        port = taken.getsockname()[1]
    ensure_free("[::1]", port)
