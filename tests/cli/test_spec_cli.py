"""The ``hipflask run`` and ``hipflask serve`` options a deployment relies on.

The servers themselves are replaced by recorders here; tests/serving boots
the real ones.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from click.testing import Result

from hipflask.cli import run as run_module
from hipflask.cli import serve as serve_module
from hipflask.cli.main import cli

WriteModule = Callable[[str, str], Path]  # the write_module fixture of tests/cli/conftest.py

# hipflask serve refuses a missing, short or well-known key.
# Only ever compared or shown: hipflask serve refuses it before anything listens.
ALL_INTERFACES = "0.0.0.0"  # noqa: S104

HELLO = (
    "from hipflask import Hipflask\n"
    "app = Hipflask('hello')\n"
    "app.secret_key = '5e0b8d3f1a7c9e2b4d6f0a8c1e3b5d7f9a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b'\n"
)


@pytest.fixture
def served(write_module: WriteModule, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """An app module, and recorders instead of the development and production servers."""
    write_module("hello.py", HELLO)
    calls: list[dict[str, Any]] = []

    def fake_development(app: Any, host: str, port: int, **options: Any) -> None:
        calls.append({"server": "run", "debug": app.debug, "host": host, "port": port, **options})

    def fake_production(target: str, **options: Any) -> None:
        calls.append({"server": "serve", "target": target, **options})
        options["announce"]()  # serve_app prints the banner once its checks pass

    monkeypatch.setattr(run_module, "serve_development", fake_development)
    monkeypatch.setattr(serve_module, "serve_app", fake_production)
    return calls


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, ["--app", "hello", *args])


# -- hipflask run -----------------------------------------------------------------------------


def test_run_no_debug_wins_over_debug_from_the_environment(
    served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIPFLASK_DEBUG", "1")

    result = invoke("run", "--no-debug")

    assert result.exit_code == 0, result.output
    (call,) = served
    assert call["debug"] is False
    assert (call["use_reloader"], call["use_debugger"]) == (False, False)
    assert " * Debug mode: off" in result.output


def test_run_debug_from_the_environment_turns_on_reloader_and_debugger(
    served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLASK_DEBUG", "1")

    result = invoke("run")

    assert result.exit_code == 0, result.output
    (call,) = served
    assert call["debug"] is True
    assert (call["use_reloader"], call["use_debugger"]) == (True, True)


def test_run_reload_without_debug_mode_watches_files_but_shows_no_debugger(
    served: list[dict[str, Any]], project: Path
) -> None:
    (project / "settings.toml").write_text("", encoding="utf-8")

    result = invoke("run", "--reload", "--extra-files", "settings.toml")

    assert result.exit_code == 0, result.output
    (call,) = served
    assert call["debug"] is False
    assert (call["use_reloader"], call["use_debugger"]) == (True, False)
    assert call["extra_files"] == [str(project / "settings.toml")]


@pytest.mark.parametrize("port", ["0", "65536", "http"])
def test_run_refuses_a_port_that_cannot_be_bound(served: list[dict[str, Any]], port: str) -> None:
    result = invoke("run", "--port", port)

    assert result.exit_code == 2
    assert "--port" in result.output
    assert served == []


# -- hipflask serve -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "host", [ALL_INTERFACES, "::", "192.168.1.10", "10.0.0.7", "example.com", "0", "127.1"]
)
def test_serve_refuses_plain_http_on_any_address_not_known_to_be_loopback(
    served: list[dict[str, Any]], host: str
) -> None:
    result = invoke("serve", "--host", host)

    assert result.exit_code == 1
    assert f"Refusing to serve plain HTTP on {host}" in result.output
    assert served == []


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1"])
def test_serve_allows_plain_http_on_loopback(served: list[dict[str, Any]], host: str) -> None:
    result = invoke("serve", "--host", host)

    assert result.exit_code == 0, result.output
    assert served[0]["host"] == host
    assert served[0]["cert"] is None


@pytest.mark.parametrize("flag", [["--proxy"], ["--insecure-http"], ["--cert=adhoc"]])
def test_serve_allows_a_public_address_with_a_reason(
    served: list[dict[str, Any]], flag: list[str]
) -> None:
    result = invoke("serve", "--host", "192.168.1.10", "--host-name", "example.com", *flag)

    assert result.exit_code == 0, result.output
    assert served[0]["host"] == "192.168.1.10"


def test_serve_passes_workers_threads_and_tls_files(
    served: list[dict[str, Any]], project: Path
) -> None:
    from hipflask.serving.tls.adhoc import make_adhoc_certificate

    cert_pem, key_pem = make_adhoc_certificate()
    (project / "cert.pem").write_bytes(cert_pem)
    (project / "key.pem").write_bytes(key_pem)

    result = invoke(
        "serve",
        "--workers",
        "2",
        "--threads",
        "3",
        "--cert",
        "cert.pem",
        "--key",
        "key.pem",
        "--redirect-http",
        "8080",
    )

    assert result.exit_code == 0, result.output
    (call,) = served
    assert (call["workers"], call["threads"]) == (2, 3)
    assert (call["cert"], call["key"]) == (str(project / "cert.pem"), str(project / "key.pem"))
    assert call["redirect_http"] == 8080
    assert " * Open https://localhost:8000" in result.output
    assert " * Redirecting http://127.0.0.1:8080 to HTTPS" in result.output


@pytest.mark.parametrize("workers", ["0", "-1"])
def test_serve_refuses_fewer_than_one_worker(served: list[dict[str, Any]], workers: str) -> None:
    result = invoke("serve", "--workers", workers)

    assert result.exit_code == 2
    assert served == []


def test_serve_interface_auto_is_the_default_and_picks_wsgi_for_sync_views(
    served: list[dict[str, Any]],
) -> None:
    result = invoke("serve")

    assert result.exit_code == 0, result.output
    assert served[0]["interface"] == "wsgi"
    assert " * WSGI, 1 worker(s)" in result.output


def test_serve_interface_auto_picks_asgi_when_a_view_is_async(
    served: list[dict[str, Any]], write_module: WriteModule
) -> None:
    write_module(
        "hello.py",
        HELLO + "@app.get('/')\nasync def index():\n    return 'hi'\n",
    )

    result = invoke("serve", "--interface", "auto")

    assert result.exit_code == 0, result.output
    assert served[0]["interface"] == "asgi"
    assert " * ASGI, 1 worker(s)" in result.output


def test_serve_interface_given_explicitly_is_kept(
    served: list[dict[str, Any]], write_module: WriteModule
) -> None:
    write_module(
        "hello.py",
        HELLO + "@app.get('/')\nasync def index():\n    return 'hi'\n",
    )

    result = invoke("serve", "--interface", "wsgi")

    assert result.exit_code == 0, result.output
    assert served[0]["interface"] == "wsgi"
