from __future__ import annotations

import logging
import os
import ssl
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.serving.https_client import IO_TIMEOUT
from tests.serving.https_client import fetch
from tests.serving.https_client import pinned
from werkzeug.debug import DebuggedApplication

from hipflask import Hipflask
from hipflask.errors import ConfigurationError
from hipflask.serving import devserver
from hipflask.serving.devserver import REMOTE_DEBUGGER_REFUSED
from hipflask.serving.devserver import display_url
from hipflask.serving.devserver import is_loopback
from hipflask.serving.devserver import run_app
from hipflask.serving.devserver import watched_files
from hipflask.serving.devtimeouts import DeferredHandshakeContext
from hipflask.serving.tls.adhoc import make_adhoc_certificate
from hipflask.serving.tls.local_ca import LocalCA

# Only ever compared or shown; the one real bind to it is bounded (the last test).
ALL_INTERFACES = "0.0.0.0"  # noqa: S104

StartServer = Callable[..., Any]  # the start_server fixture of tests/serving/conftest.py


@pytest.fixture
def run_simple_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Replace Werkzeug's server with a recorder: what would have been served."""
    calls: list[dict[str, Any]] = []

    def fake_run_simple(hostname: str, port: int, application: Any, **options: Any) -> None:
        calls.append({"host": hostname, "port": port, "application": application, **options})

    monkeypatch.setattr("werkzeug.serving.run_simple", fake_run_simple)
    monkeypatch.delenv("HIPFLASK_RUN_FROM_CLI", raising=False)
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    monkeypatch.setenv("HIPFLASK_SKIP_DOTENV", "1")
    return calls


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "::1", "[::1]", "::ffff:127.0.0.1"],
)
def test_loopback_addresses_are_recognised(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize(
    "host", [ALL_INTERFACES, "::", "", "192.168.1.10", "10.0.0.1", "example.com", "unix:///tmp/s"]
)
def test_other_addresses_are_not_loopback(host: str) -> None:
    assert not is_loopback(host)


def test_display_url_uses_localhost_for_tls_so_certificates_match() -> None:
    assert display_url("127.0.0.1", 5000, tls=True) == "https://localhost:5000"
    assert display_url(ALL_INTERFACES, 8443, tls=True) == "https://localhost:8443"
    assert display_url("127.0.0.1", 5000, tls=False) == "http://127.0.0.1:5000"
    assert display_url(ALL_INTERFACES, 5000, tls=False) == "http://127.0.0.1:5000"
    assert display_url("::1", 5000, tls=False) == "http://[::1]:5000"
    assert display_url("192.168.1.10", 5000, tls=True) == "https://192.168.1.10:5000"


def test_debug_on_loopback_attaches_the_interactive_debugger(
    app: Hipflask, run_simple_calls: list[dict[str, Any]]
) -> None:
    run_app(app, debug=True, use_reloader=False)

    (call,) = run_simple_calls
    assert isinstance(call["application"], DebuggedApplication)
    assert call["application"].evalex is True
    assert call["use_debugger"] is False  # hipflask wraps the app itself
    assert call["host"] == "127.0.0.1"
    assert call["port"] == 5000
    assert call["threaded"] is True


def test_debug_on_a_public_address_runs_without_the_debugger_and_says_why(
    app: Hipflask, run_simple_calls: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    run_app(app, host=ALL_INTERFACES, port=5001, debug=True)

    (call,) = run_simple_calls
    assert not isinstance(call["application"], DebuggedApplication)
    assert call["use_reloader"] is True
    assert app.debug is True
    assert app.logger.getEffectiveLevel() == logging.DEBUG
    err = capsys.readouterr().err
    expected = REMOTE_DEBUGGER_REFUSED.format(host=ALL_INTERFACES)
    assert expected in err
    assert err.count("remote code execution") == 1
    assert "unsafe_remote_debugger=True" in expected


def test_unsafe_remote_debugger_override_attaches_the_debugger_with_a_warning(
    app: Hipflask, run_simple_calls: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    run_app(app, host=ALL_INTERFACES, debug=True, use_reloader=False, unsafe_remote_debugger=True)

    (call,) = run_simple_calls
    assert isinstance(call["application"], DebuggedApplication)
    assert "anyone who can connect can run code" in capsys.readouterr().err


def test_an_explicit_use_debugger_cannot_bypass_the_loopback_rule(
    app: Hipflask, run_simple_calls: list[dict[str, Any]]
) -> None:
    run_app(app, host="192.0.2.10", debug=True, use_debugger=True, use_reloader=False)

    assert not isinstance(run_simple_calls[0]["application"], DebuggedApplication)


def test_run_does_nothing_when_the_command_line_already_serves_the_app(
    app: Hipflask,
    run_simple_calls: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HIPFLASK_RUN_FROM_CLI", "true")

    run_app(app)

    assert run_simple_calls == []
    assert "Ignoring a call to 'app.run()'" in capsys.readouterr().err


def test_server_name_gives_the_default_host_and_port(
    app: Hipflask, run_simple_calls: list[dict[str, Any]]
) -> None:
    app.config["SERVER_NAME"] = "localhost:8123"

    run_app(app)

    assert (run_simple_calls[0]["host"], run_simple_calls[0]["port"]) == ("localhost", 8123)


def test_ssl_context_adhoc_is_turned_into_a_tls12_context(
    app: Hipflask, run_simple_calls: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    run_app(app, ssl_context="adhoc")

    served = run_simple_calls[0]["ssl_context"]
    # Handed over wrapped, so handshakes run in each connection's thread.
    assert isinstance(served, DeferredHandshakeContext)
    context = served.context
    assert isinstance(context, ssl.SSLContext)
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert " * Open https://localhost:5000" in capsys.readouterr().out


def test_proxy_fix_setting_is_applied_by_the_app_not_a_wrapper(
    app: Hipflask, run_simple_calls: list[dict[str, Any]]
) -> None:
    app.config["PROXY_FIX"] = 1

    run_app(app)

    assert run_simple_calls[0]["application"] is app


def test_malformed_proxy_fix_setting_stops_the_server(
    app: Hipflask, run_simple_calls: list[dict[str, Any]]
) -> None:
    app.config["PROXY_FIX"] = {"x_for": -1}

    with pytest.raises(ConfigurationError, match="x_for"):
        run_app(app)

    assert run_simple_calls == []


def test_run_loads_dotenv_unless_told_not_to(
    app: Hipflask,
    run_simple_calls: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.delenv("HIPFLASK_SKIP_DOTENV")
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("HIPFLASK_DEVSERVER_PROBE=loaded\n", encoding="utf-8")
    monkeypatch.delenv("HIPFLASK_DEVSERVER_PROBE", raising=False)

    run_app(app, load_dotenv=False)
    assert "HIPFLASK_DEVSERVER_PROBE" not in os.environ

    run_app(app)
    assert os.environ["HIPFLASK_DEVSERVER_PROBE"] == "loaded"
    monkeypatch.delenv("HIPFLASK_DEVSERVER_PROBE")


def test_the_reloader_watches_templates_and_extra_files(tmp_path: Path) -> None:
    (tmp_path / "templates" / "sub").mkdir(parents=True)
    (tmp_path / "templates" / "sub" / "page.html").write_text("x", encoding="utf-8")
    app = Hipflask("watched", root_path=str(tmp_path))

    files = watched_files(app, ["settings.toml"])

    assert str(tmp_path / "templates" / "sub" / "page.html") in files
    assert "settings.toml" in files


@pytest.mark.parametrize(
    ("port", "server_name", "expected"),
    [(0, None, 0), (None, "localhost:0", 0), (0, "localhost:8080", 0), (None, None, 5000)],
)
def test_port_zero_asks_the_system_for_a_free_port_as_in_flask(
    app: Hipflask,
    run_simple_calls: list[dict[str, Any]],
    port: int | None,
    server_name: str | None,
    expected: int,
) -> None:
    app.config["SERVER_NAME"] = server_name
    run_app(app, host="127.0.0.1", port=port, use_reloader=False)

    assert run_simple_calls[-1]["port"] == expected


def test_a_port_out_of_range_is_a_configuration_error(
    app: Hipflask, run_simple_calls: list[dict[str, Any]]
) -> None:
    with pytest.raises(devserver.ConfigurationError, match="out of range"):
        run_app(app, port=70000)


# -- real servers --------------------------------------------------------------------


@pytest.mark.integration
def test_hipflask_run_cert_adhoc_serves_https(
    app_dir: Path, start_server: StartServer, free_port: int, hipflask: list[str]
) -> None:
    port = free_port
    args = ["--app", "hello", "run", "--cert=adhoc", "--port", str(port)]
    server = start_server([*hipflask, *args], port, app_dir)

    served = ssl.get_server_certificate(("127.0.0.1", port), timeout=IO_TIMEOUT)
    status, body = fetch(f"https://127.0.0.1:{port}/", pinned(served))

    assert status == 200
    assert body.endswith("over https")
    assert f" * Open https://localhost:{port}" in server.log()


@pytest.mark.integration
def test_hipflask_run_cert_local_is_verified_by_the_local_ca(
    app_dir: Path, start_server: StartServer, tmp_path: Path, free_port: int, hipflask: list[str]
) -> None:
    ca_dir = tmp_path / "ca"
    port = free_port
    start_server(
        [*hipflask, "--app", "hello", "run", "--cert=local", "--port", str(port)],
        port,
        app_dir,
        env={"HIPFLASK_CA_DIR": str(ca_dir)},
    )

    context = ssl.create_default_context(cafile=str(LocalCA(ca_dir).cert_path))
    status, body = fetch(f"https://127.0.0.1:{port}/", context)

    assert status == 200
    assert body.endswith("over https")
    with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
        fetch(f"https://127.0.0.1:{port}/", ssl.create_default_context())


@pytest.mark.integration
def test_hipflask_run_with_cert_and_key_files(
    app_dir: Path, start_server: StartServer, tmp_path: Path, free_port: int, hipflask: list[str]
) -> None:
    cert_pem, key_pem = make_adhoc_certificate()
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    (tmp_path / "key.pem").write_bytes(key_pem)
    port = free_port
    args = ["--app", "hello", "run", f"--cert={tmp_path / 'cert.pem'}"]
    args += [f"--key={tmp_path / 'key.pem'}", "--port", str(port)]
    start_server([*hipflask, *args], port, app_dir)

    status, body = fetch(f"https://127.0.0.1:{port}/", pinned(cert_pem))

    assert status == 200
    assert body.endswith("over https")


@pytest.mark.integration
def test_app_run_with_an_ssl_context_tuple_serves_https(
    app_dir: Path, start_server: StartServer, tmp_path: Path, free_port: int
) -> None:
    cert_pem, key_pem = make_adhoc_certificate()
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    (tmp_path / "key.pem").write_bytes(key_pem)
    spec = repr((str(tmp_path / "cert.pem"), str(tmp_path / "key.pem")))
    port = free_port
    start_server([sys.executable, "hello.py", "127.0.0.1", str(port), spec], port, app_dir)

    status, body = fetch(f"https://127.0.0.1:{port}/", pinned(cert_pem))

    assert status == 200
    assert body.endswith("over https")


@pytest.mark.integration
def test_app_run_debug_on_all_interfaces_refuses_the_debugger_console(
    app_dir: Path, start_server: StartServer, free_port: int
) -> None:
    port = free_port
    # Bound to every interface only for as long as this test reads one line and
    # sends one request over loopback; the process group is killed right after.
    server = start_server(
        [sys.executable, "hello.py", ALL_INTERFACES, str(port), "debug"], port, app_dir
    )
    output = server.wait_for_output("remote code execution")

    status, body = fetch(f"http://127.0.0.1:{port}/boom")

    assert REMOTE_DEBUGGER_REFUSED.format(host=ALL_INTERFACES) in output
    assert "Restarting with" in server.wait_for_output("Restarting with")  # the reloader runs
    assert output.count("remote code execution") == 1
    assert status == 500
    assert "Internal Server Error" in body
    assert "__debugger__" not in body
    assert "console" not in body.lower()
    assert "kaboom" not in body


# -- the address given is the one printed and certified ------------------------


def test_display_url_shows_another_loopback_address_as_given() -> None:
    assert display_url("127.0.0.2", 5004, tls=True) == "https://127.0.0.2:5004"
    assert display_url("myapp.test", 5004, tls=True) == "https://myapp.test:5004"
    assert display_url("localhost", 5004, tls=True) == "https://localhost:5004"
    assert display_url("::1", 5004, tls=True) == "https://localhost:5004"


def test_a_local_certificate_covers_another_loopback_address_and_its_url_is_printed(
    app: Hipflask,
    run_simple_calls: list[dict[str, Any]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HIPFLASK_CA_DIR", str(tmp_path / "ca"))

    run_app(app, host="127.0.0.2", port=5004, ssl_context="local", use_reloader=False)

    ca = LocalCA(tmp_path / "ca")
    assert not ca.leaf_needs_renewal(ca.leaf_paths(["127.0.0.2"])[0], ["127.0.0.2"])
    assert " * Open https://127.0.0.2:5004" in capsys.readouterr().out


def test_a_host_name_this_machine_cannot_resolve_says_how_to_map_it(
    app: Hipflask, run_simple_calls: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    def unknown(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unknown)

    with pytest.raises(ConfigurationError, match=r"127\.0\.0\.1 myapp\.test") as caught:
        run_app(app, host="myapp.test", use_reloader=False)
    assert "hosts" in str(caught.value)
    assert run_simple_calls == []


# -- on loopback, the local names are the trusted hosts -----------------------


def _external_app() -> Hipflask:
    from hipflask import url_for

    app = Hipflask("external")
    app.config["SECRET_KEY"] = "a development secret that is long enough"

    @app.get("/")
    def index() -> str:
        return url_for("index", _external=True)

    return app


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
@pytest.mark.parametrize(
    ("host", "base_url"),
    [
        ("127.0.0.1", "https://127.0.0.1:5000"),
        ("127.0.0.1", "https://localhost:5000"),
        ("127.0.0.1", "https://myapp.localhost:5000"),
        ("127.0.0.2", "https://127.0.0.2:5000"),
    ],
)
def test_external_urls_work_on_loopback_without_debug_or_trusted_hosts(
    run_simple_calls: list[dict[str, Any]], protocol: str, host: str, base_url: str
) -> None:
    app = _external_app()
    run_app(app, host=host, use_reloader=False)

    response = app.test_client(protocol=protocol).get("/", base_url=base_url)

    assert response.status_code == 200
    assert response.get_data(as_text=True) == f"{base_url}/"


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_on_an_ipv6_loopback_its_address_is_a_trusted_host(
    run_simple_calls: list[dict[str, Any]], protocol: str
) -> None:
    app = _external_app()
    run_app(app, host="::1", use_reloader=False)
    client = app.test_client(protocol=protocol)

    response = client.get("/", base_url="http://[::1]:5000")

    assert app.config["TRUSTED_HOSTS"] == ["localhost", "127.0.0.1", ".localhost", "[::1]"]
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "http://[::1]:5000/"
    assert client.get("/", base_url="http://[::2]:5000").status_code == 400


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_on_loopback_a_foreign_host_header_is_refused(
    run_simple_calls: list[dict[str, Any]], protocol: str
) -> None:
    app = _external_app()
    run_app(app, use_reloader=False)

    response = app.test_client(protocol=protocol).get("/", base_url="http://evil.example")

    assert response.status_code == 400


def test_the_trusted_local_names_are_announced(
    run_simple_calls: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    app = _external_app()
    run_app(app, use_reloader=False)

    assert app.config["TRUSTED_HOSTS"] == ["localhost", "127.0.0.1", ".localhost"]
    out = capsys.readouterr().out
    assert " * Answering to host names: localhost, 127.0.0.1, .localhost" in out
    assert "TRUSTED_HOSTS" in out


@pytest.mark.parametrize(
    ("host", "config"),
    [
        ("127.0.0.1", {"TRUSTED_HOSTS": ["myapp.test"]}),
        ("127.0.0.1", {"SERVER_NAME": "myapp.test:5000"}),
        ("127.0.0.1", {"PROXY_FIX": {"x_for": 1, "x_proto": 1}}),
        (ALL_INTERFACES, {}),
        ("192.0.2.10", {}),
    ],
)
def test_the_apps_own_host_settings_and_reachable_servers_are_left_alone(
    run_simple_calls: list[dict[str, Any]], host: str, config: dict[str, Any]
) -> None:
    app = _external_app()
    app.config.update(config)
    before = app.config["TRUSTED_HOSTS"]

    run_app(app, host=host, use_reloader=False)

    assert app.config["TRUSTED_HOSTS"] == before
