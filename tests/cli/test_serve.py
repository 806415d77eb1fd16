from __future__ import annotations

import re
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from click.testing import Result

from hipflask import Hipflask
from hipflask.cli import serve as serve_module
from hipflask.cli.main import HipflaskGroup
from hipflask.cli.main import cli
from hipflask.serving.tls import local_ca

# Only ever compared or shown; the one real bind to it is bounded (see test_devserver).
ALL_INTERFACES = "0.0.0.0"  # noqa: S104
# hipflask serve refuses a missing, short or well-known key (tests/serving/test_secret_key.py).
KEY_LINE = "app.secret_key = '0c7e3a9f5b1d8e2c6a4f0b9d3e7c1a5f8b2d6e0a4c9f3b7d1e5a8c2f6b0d4e9a'\n"

WriteModule = Callable[[str, str], Path]  # the write_module fixture of tests/cli/conftest.py


@pytest.fixture
def served(write_module: WriteModule, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """An app module, and a recorder instead of granian."""
    write_module("hello.py", f"from hipflask import Hipflask\napp = Hipflask('hello')\n{KEY_LINE}")
    calls: list[dict[str, Any]] = []

    def fake_serve_app(target: str, **options: Any) -> None:
        calls.append({"target": target, **options})
        if options.get("announce") is not None:
            options["announce"]()  # serve_app prints the banner once its checks pass

    monkeypatch.setattr(serve_module, "serve_app", fake_serve_app)
    return calls


def serve(*args: str) -> Result:
    return CliRunner().invoke(cli, ["--app", "hello", "serve", *args])


def test_plain_http_on_all_interfaces_is_refused(served: list[dict[str, Any]]) -> None:
    result = serve("--host", ALL_INTERFACES)

    assert result.exit_code == 1
    assert "Refusing to serve plain HTTP on 0.0.0.0" in result.output
    assert "--proxy" in result.output
    assert "--insecure-http" in result.output
    assert served == []


def test_plain_http_on_loopback_is_served(served: list[dict[str, Any]], project: Path) -> None:
    result = serve("--port", "8001", "--workers", "3")

    assert result.exit_code == 0, result.output
    (call,) = served
    assert call["target"] == "hello:app"
    assert call["sys_path_entry"] == str(project)
    assert (call["host"], call["port"], call["workers"]) == ("127.0.0.1", 8001, 3)
    assert call["interface"] == "wsgi"
    assert call["access_log"] is True
    assert call["proxy"] is None
    # Checked in a child process: this one never imported the app.
    assert "app" not in call
    assert call["facts"].name == "hello" and call["facts"].interface == "wsgi"
    loaded_here = [
        name
        for name, module in list(sys.modules.items())
        if (getattr(module, "__file__", None) or "").startswith(str(project))
    ]
    assert loaded_here == []
    assert " * Open http://127.0.0.1:8001" in result.output


def test_proxy_allows_a_public_address_and_says_what_is_trusted(
    served: list[dict[str, Any]],
) -> None:
    result = serve("--host", ALL_INTERFACES, "--proxy", "--host-name", "example.com")

    assert result.exit_code == 0, result.output
    assert served[0]["proxy"] == 1
    assert "X-Forwarded-For and X-Forwarded-Proto are trusted from 1 proxy" in result.output


def test_proxy_takes_a_count_and_addresses(served: list[dict[str, Any]]) -> None:
    serve("--host", ALL_INTERFACES, "--proxy", "2", "--host-name", "example.com")
    serve("--host", ALL_INTERFACES, "--proxy-address", "10.0.0.0/8", "--host-name", "example.com")

    assert served[0]["proxy"] == 2
    assert served[1]["proxy"] == {"x_for": 1, "x_proto": 1, "peers": ("10.0.0.0/8",)}


def test_insecure_http_allows_a_public_address_with_a_warning(
    served: list[dict[str, Any]],
) -> None:
    result = serve("--host", ALL_INTERFACES, "--insecure-http", "--host-name", "example.com")

    assert result.exit_code == 0, result.output
    assert served[0]["insecure_http"] is True
    assert "WARNING: plain HTTP on 0.0.0.0" in result.output


def test_tls_allows_a_public_address(served: list[dict[str, Any]]) -> None:
    result = serve(
        "--host",
        ALL_INTERFACES,
        "--cert=local",
        "--redirect-http",
        "8080",
        "--host-name",
        "example.com",
    )

    assert result.exit_code == 0, result.output
    assert (served[0]["cert"], served[0]["key"]) == ("local", None)
    assert served[0]["redirect_http"] == 8080
    assert "HTTP/1.1 over TLS" in result.output
    assert served[0]["limits"].http2 is False


def test_debug_is_refused(served: list[dict[str, Any]]) -> None:
    result = serve("--debug")

    assert result.exit_code == 2
    assert "never runs in debug mode" in result.output
    assert served == []


def test_a_debug_app_is_refused_on_a_public_address(
    served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIPFLASK_DEBUG", "1")

    result = serve("--host", ALL_INTERFACES, "--proxy", "--host-name", "example.com")

    assert result.exit_code == 1
    assert "debug-mode app" in result.output
    assert served == []


def test_a_group_that_leaves_debug_alone_still_checks_the_debug_its_workers_apply(
    served: list[dict[str, Any]], write_module: WriteModule, monkeypatch: pytest.MonkeyPatch
) -> None:
    # set_debug_flag=False keeps the app's DEBUG = False when the command
    # loads it, but the workers apply HIPFLASK_DEBUG regardless: the app is
    # served in debug mode.
    write_module(
        "hello.py",
        f"from hipflask import Hipflask\napp = Hipflask('hello')\n{KEY_LINE}"
        "app.config['DEBUG'] = False\n",
    )
    monkeypatch.setenv("HIPFLASK_DEBUG", "1")
    group = HipflaskGroup(name="custom", set_debug_flag=False)

    result = CliRunner().invoke(
        group,
        [
            "--app",
            "hello",
            "serve",
            "--host",
            ALL_INTERFACES,
            "--proxy",
            "--host-name",
            "example.com",
        ],
    )

    assert result.exit_code == 1, result.output
    assert "debug-mode app" in result.output
    assert served == []


def test_an_app_that_is_not_found_is_a_usage_error_as_in_every_command(project: Path) -> None:
    # Found in a child process now, but still discovery's usage error: exit
    # status 2 and the usage line, as 'hipflask run' and 'routes' answer.
    result = CliRunner().invoke(cli, ["--app", "no_such_module_here", "serve"])

    assert result.exit_code == 2, result.output
    assert "Usage: " in result.output
    assert "Could not import 'no_such_module_here'" in result.output


def test_an_app_without_an_import_location_cannot_be_served(app: Hipflask) -> None:
    result = app.test_cli_runner().invoke(cli, ["serve"])

    assert result.exit_code == 1
    assert "needs the app's import location" in result.output


def test_asgi_interface_and_threads_are_passed_on(served: list[dict[str, Any]]) -> None:
    serve("--interface", "asgi", "--threads", "4", "--no-access-log", "--shutdown-timeout", "5")

    call = served[0]
    assert (call["interface"], call["threads"], call["access_log"]) == ("asgi", 4, False)
    assert call["shutdown_timeout"] == 5


def test_limits_have_safe_defaults(served: list[dict[str, Any]]) -> None:
    serve()

    limits = served[0]["limits"]
    assert (limits.header_timeout, limits.body_timeout, limits.body_min_rate) == (10, 10, 1024)
    assert limits.keep_alive and limits.buffer_bodies
    assert limits.backpressure is None


def test_limits_are_passed_on(served: list[dict[str, Any]]) -> None:
    serve(
        "--header-timeout", "2.5", "--body-timeout", "3", "--body-min-rate", "0",
        "--backpressure", "50", "--no-keep-alive", "--no-buffer-bodies",
    )  # fmt: skip

    limits = served[0]["limits"]
    assert (limits.header_timeout, limits.body_timeout, limits.body_min_rate) == (2.5, 3, 0)
    assert (limits.backpressure, limits.keep_alive, limits.buffer_bodies) == (50, False, False)


def test_http2_is_offered_over_tls_when_asked(served: list[dict[str, Any]]) -> None:
    result = serve("--cert=local", "--http2")

    assert result.exit_code == 0, result.output
    assert served[0]["limits"].http2 is True
    assert "HTTP/2 and HTTP/1.1 over TLS" in result.output


@pytest.mark.parametrize("option", [["--header-timeout", "0"], ["--header-timeout", "61"]])
def test_impossible_header_timeouts_are_refused(
    served: list[dict[str, Any]], option: list[str]
) -> None:
    result = serve(*option)

    assert result.exit_code == 2
    assert served == []


def test_a_factory_target_is_handed_to_the_workers(
    write_module: WriteModule, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_module(
        "factory.py",
        "from hipflask import Hipflask\n"
        "def create_app(env):\n"
        "    app = Hipflask(env)\n"
        f"    {KEY_LINE}"
        "    return app\n",
    )
    calls: list[str] = []
    monkeypatch.setattr(serve_module, "serve_app", lambda target, **kw: calls.append(target))

    result = CliRunner().invoke(cli, ["--app", "factory:create_app('prod')", "serve"])

    assert result.exit_code == 0, result.output
    assert calls == ["factory:create_app('prod')"]


def test_an_old_local_ca_is_reported_with_the_command_that_replaces_it(
    served: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIPFLASK_CA_DIR", str(tmp_path / "ca"))
    with monkeypatch.context() as patched:
        patched.setattr(local_ca, "local_ca_extensions", list)
        local_ca.LocalCA().create()

    result = serve("--cert=local")

    assert result.exit_code == 0, result.output
    assert "was made by an older hipflask" in result.output
    assert "certs recreate" in result.output


# -- host names, start-up refusals and the banner ----------------------------------------------


def _module(write_module: WriteModule, name: str, *lines: str) -> None:
    body = "".join(f"{line}\n" for line in lines)
    write_module(
        f"{name}.py", f"from hipflask import Hipflask\napp = Hipflask({name!r})\n{KEY_LINE}{body}"
    )


def serve_app_module(name: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--app", name, "serve", *args])


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def fake_serve_app(target: str, **options: Any) -> None:
        calls.append(options)
        options["announce"]()  # serve_app prints the banner once its checks pass

    monkeypatch.setattr(serve_module, "serve_app", fake_serve_app)
    return calls


def test_server_name_alone_becomes_the_trusted_host_name(
    write_module: WriteModule, recorded: list[dict[str, Any]]
) -> None:
    _module(write_module, "snapp", "app.config['SERVER_NAME'] = 'Example.com:8443'")

    result = serve_app_module("snapp", "--host", ALL_INTERFACES, "--cert=local")

    assert result.exit_code == 0, result.output
    assert " * Answering to host names: example.com\n" in result.output
    assert " * Open https://example.com:8000\n" in result.output


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["app.config['HSTS_PRELOAD'] = True"], "HSTS_PRELOAD needs HSTS_MAX_AGE"),
        (["app.config['FRAME_OPTIONS'] = 'ALLOW'"], "FRAME_OPTIONS"),
        (["app.config['PROXY_FIX'] = {'x_for': 1, 'x_hots': 1}"], "unknown keys ['x_hots']"),
    ],
)
def test_security_settings_the_gate_refuses_stop_the_server_at_start_up(
    write_module: WriteModule, recorded: list[dict[str, Any]], lines: list[str], message: str
) -> None:
    _module(write_module, "badapp", *lines)

    result = serve_app_module("badapp")

    assert result.exit_code == 1
    assert message in result.output
    assert " * Serving" not in result.output
    assert recorded == []


@pytest.mark.parametrize(
    ("args", "lines"),
    [
        (["--cert=local", "--host-name", "shop.example"], [" * Open https://shop.example:8000"]),
        (["--host", "127.0.0.2", "--port", "18082"], [" * Open http://127.0.0.2:18082"]),
        (["--host", "::1", "--port", "18083"], [" * Open http://localhost:18083"]),
        (["--host", "::1", "--cert=local"], [" * Open https://localhost:8000"]),
        (
            ["--host", ALL_INTERFACES, "--port", "443", "--cert=local", "--host-name", "ex.test"],
            [" * Open https://ex.test\n"],
        ),
        (
            [
                "--host",
                ALL_INTERFACES,
                "--cert=local",
                "--redirect-http",
                "80",
                "--host-name",
                "ex.test",
            ],
            [" * Open https://ex.test:8000", " * Redirecting http://ex.test to HTTPS"],
        ),
        (
            ["--host", ALL_INTERFACES, "--proxy", "--host-name", "ex.test"],
            [" * Listening on http://0.0.0.0:8000 for the proxy; visitors open https://ex.test"],
        ),
    ],
)
def test_the_url_shown_is_one_the_server_answers_to(
    served: list[dict[str, Any]], args: list[str], lines: list[str]
) -> None:
    result = serve(*args)

    assert result.exit_code == 0, result.output
    for line in lines:
        assert line in result.output


def test_redirect_http_without_a_certificate_is_refused_before_the_banner(
    served: list[dict[str, Any]],
) -> None:
    result = serve("--redirect-http", "8080")

    assert result.exit_code == 2
    assert "--redirect-http needs HTTPS" in result.output
    assert " * " not in result.output
    assert served == []


def test_a_bad_certificate_is_refused_before_the_banner(
    served: list[dict[str, Any]], project: Path
) -> None:
    (project / "cert.pem").write_text("not a certificate\n", encoding="utf-8")
    (project / "key.pem").write_text("not a key\n", encoding="utf-8")

    result = serve("--cert", "cert.pem", "--key", "key.pem")

    assert result.exit_code == 1
    assert " * Open" not in result.output
    assert served == []


# -- environment variables -------------------------------------------------------------------


def _documented_serve_variables() -> set[str]:
    docs = Path(__file__).parents[2] / "docs" / "deploying.rst"
    return set(re.findall(r"HIPFLASK_SERVE_[A-Z_]*[A-Z]", docs.read_text(encoding="utf-8")))


def test_the_documented_environment_variables_are_the_ones_read() -> None:
    read = {f"HIPFLASK_SERVE_{param.name.upper()}" for param in serve_module.serve_command.params}

    documented = _documented_serve_variables()

    assert documented <= read, documented - read
    assert {"HIPFLASK_SERVE_HOST_NAMES", "HIPFLASK_SERVE_PROXY_ADDRESSES"} <= documented


def test_repeatable_options_come_from_the_plural_variable(
    served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIPFLASK_SERVE_HOST_NAMES", "a.example b.example")
    monkeypatch.setenv("HIPFLASK_SERVE_PROXY_ADDRESSES", "10.0.0.0/8")

    result = serve("--host", ALL_INTERFACES)

    assert result.exit_code == 0, result.output
    assert served[0]["host_names"] == ("a.example", "b.example")
    assert served[0]["proxy"] == {"x_for": 1, "x_proto": 1, "peers": ("10.0.0.0/8",)}


def test_the_check_timeout_reaches_the_server_from_the_option_or_the_environment(
    served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = serve("--check-timeout", "7.5")
    monkeypatch.setenv("HIPFLASK_SERVE_CHECK_TIMEOUT", "12")
    from_environment = serve()

    assert result.exit_code == 0, result.output
    assert from_environment.exit_code == 0, from_environment.output
    assert [call["check_timeout"] for call in served] == [7.5, 12.0]


def test_a_check_timeout_of_zero_is_a_usage_error(served: list[dict[str, Any]]) -> None:
    result = serve("--check-timeout", "0")

    assert result.exit_code == 2
    assert "--check-timeout" in result.output
    assert served == []


def test_a_port_in_use_is_reported_before_any_banner(write_module: WriteModule) -> None:
    # The real serve_app: its checks run before the banner, so the command
    # does not announce a site it then fails to start.
    write_module("hello.py", f"from hipflask import Hipflask\napp = Hipflask('hello')\n{KEY_LINE}")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = serve("--port", str(port))

    assert result.exit_code == 1
    assert f"Port {port} on 127.0.0.1 is in use" in result.output
    assert " * Serving" not in result.output
    assert " * Open" not in result.output


def test_serve_takes_certificate_files_not_an_ssl_context(
    served: list[dict[str, Any]], write_module: WriteModule
) -> None:
    # granian reads the certificate from files; run's SSLContext import name
    # (Flask's form) is refused here with the file error.
    write_module("mytls2.py", "import ssl\ncontext = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n")

    result = serve("--cert", "mytls2.context")

    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert served == []
