from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from click.testing import Result

from hipflask.cli import run as run_module
from hipflask.cli.discovery import ScriptInfo
from hipflask.cli.main import cli
from hipflask.cli.run import ssl_spec
from hipflask.serving.tls import local_ca

# Only ever compared or shown; the one real bind to it is bounded (see test_devserver).
ALL_INTERFACES = "0.0.0.0"  # noqa: S104

WriteModule = Callable[[str, str], Path]  # the write_module fixture of tests/cli/conftest.py


@pytest.fixture
def served(write_module: WriteModule, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """An app module, and a recorder instead of the development server."""
    write_module("hello.py", "from hipflask import Hipflask\napp = Hipflask('hello')\n")
    calls: list[dict[str, Any]] = []

    def fake_serve(app: Any, host: str, port: int, **options: Any) -> None:
        calls.append({"app": app, "host": host, "port": port, "debug": app.debug, **options})

    monkeypatch.setattr(run_module, "serve_development", fake_serve)
    return calls


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["--app", "hello", "run", *args])


def test_defaults_are_loopback_port_5000_threaded_without_tls(
    served: list[dict[str, Any]],
) -> None:
    result = run()

    assert result.exit_code == 0, result.output
    (call,) = served
    assert (call["host"], call["port"]) == ("127.0.0.1", 5000)
    assert call["ssl_context"] is None
    assert call["threaded"] is True
    assert call["use_reloader"] is False
    assert call["use_debugger"] is False
    assert call["io_timeout"] == 10
    assert " * Serving Hipflask app 'hello'" in result.output
    assert " * Debug mode: off" in result.output
    assert os.environ["HIPFLASK_RUN_FROM_CLI"] == "true"


def test_io_timeout_is_passed_on(served: list[dict[str, Any]]) -> None:
    result = run("--io-timeout", "2.5")

    assert result.exit_code == 0, result.output
    assert served[0]["io_timeout"] == 2.5


def test_debug_turns_on_the_reloader_and_the_debugger(served: list[dict[str, Any]]) -> None:
    result = run("--debug", "--host", ALL_INTERFACES, "--port", "8080")

    assert result.exit_code == 0, result.output
    (call,) = served
    assert call["debug"] is True
    assert (call["use_reloader"], call["use_debugger"]) == (True, True)
    assert call["unsafe_remote_debugger"] is False
    assert (call["host"], call["port"]) == (ALL_INTERFACES, 8080)


def test_run_debug_sets_flask_debug_as_flask_does(served: list[dict[str, Any]]) -> None:
    os.environ["FLASK_DEBUG"] = "1"

    run("--no-debug")

    assert os.environ["FLASK_DEBUG"] == "0"
    assert served[0]["debug"] is False


def test_reload_and_debugger_can_be_turned_off_in_debug_mode(
    served: list[dict[str, Any]],
) -> None:
    run("--debug", "--no-reload", "--no-debugger", "--without-threads")

    call = served[0]
    assert (call["use_reloader"], call["use_debugger"], call["threaded"]) == (False, False, False)


def test_the_remote_debugger_override_is_passed_on(served: list[dict[str, Any]]) -> None:
    run("--debug", "--unsafe-remote-debugger")

    assert served[0]["unsafe_remote_debugger"] is True


def test_extra_files_are_split_like_path(served: list[dict[str, Any]], project: Path) -> None:
    run("--extra-files", os.pathsep.join(["a.toml", "b.ini"]))

    assert served[0]["extra_files"] == [str(project / "a.toml"), str(project / "b.ini")]


@pytest.mark.parametrize("kind", ["adhoc", "local", "ADHOC"])
def test_generated_certificates_are_passed_by_name(served: list[dict[str, Any]], kind: str) -> None:
    result = run(f"--cert={kind}")

    assert result.exit_code == 0, result.output
    assert served[0]["ssl_context"] == kind.lower()


def test_certificate_files_are_passed_as_a_pair(
    served: list[dict[str, Any]], project: Path
) -> None:
    (project / "cert.pem").write_text("c", encoding="utf-8")
    (project / "key.pem").write_text("k", encoding="utf-8")

    run("--cert", "cert.pem", "--key", "key.pem")

    assert served[0]["ssl_context"] == (str(project / "cert.pem"), str(project / "key.pem"))


def test_a_certificate_file_without_a_key_is_refused(
    served: list[dict[str, Any]], project: Path
) -> None:
    (project / "cert.pem").write_text("c", encoding="utf-8")

    result = run("--cert", "cert.pem")

    assert result.exit_code == 2
    assert '"--key" is required' in result.output
    assert served == []


def test_a_key_without_a_certificate_or_with_adhoc_is_refused(
    served: list[dict[str, Any]], project: Path
) -> None:
    (project / "key.pem").write_text("k", encoding="utf-8")

    assert '"--cert" must also be given' in run("--key", "key.pem").output
    assert (
        '"--key" is not used with "--cert=adhoc"' in run("--cert=adhoc", "--key", "key.pem").output
    )
    assert served == []


def test_a_certificate_that_does_not_exist_is_refused(served: list[dict[str, Any]]) -> None:
    result = run("--cert", "missing.pem")

    assert result.exit_code == 2
    assert "'missing.pem' does not exist" in result.output


@pytest.mark.parametrize("name", ["mytls.context", "mytls:context"])
def test_the_import_name_of_an_ssl_context_is_passed_as_the_context(
    served: list[dict[str, Any]], write_module: WriteModule, name: str
) -> None:
    # As Flask's run command: a context the app's code configures itself.
    write_module(
        "mytls.py", "import ssl\ncontext = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\nother = 1\n"
    )
    import mytls  # type: ignore[import-not-found]

    result = run("--cert", name)

    assert result.exit_code == 0, result.output
    assert served[0]["ssl_context"] is mytls.context
    with_key = run("--cert", name, "--key", "mytls.py")
    assert with_key.exit_code == 2
    assert '"--key" is not used when "--cert" is an SSLContext object' in with_key.output
    assert "does not exist" in run("--cert", "mytls.other").output


def test_ssl_spec_forms() -> None:
    assert ssl_spec(None, None) is None
    assert ssl_spec("local", None) == "local"
    assert ssl_spec("c.pem", "k.pem") == ("c.pem", "k.pem")


def test_tls_setup_errors_are_one_line(write_module: WriteModule, project: Path) -> None:
    write_module("hello.py", "from hipflask import Hipflask\napp = Hipflask('hello')\n")
    (project / "cert.pem").write_text("not a certificate", encoding="utf-8")
    (project / "key.pem").write_text("not a key", encoding="utf-8")

    result = run("--cert", "cert.pem", "--key", "key.pem")

    assert result.exit_code == 1
    assert "Error: The TLS certificate file" in result.output
    assert "Traceback" not in result.output


def test_a_load_error_in_the_reloader_child_is_reported_not_fatal(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    info = ScriptInfo(app_import_path="nowhere")

    loaded = run_module._load_app_or_report(info)

    assert isinstance(loaded, Exception)


def test_a_load_error_outside_the_reloader_stops_the_command(project: Path) -> None:
    result = CliRunner().invoke(cli, ["--app", "nowhere", "run"])

    assert result.exit_code == 2
    assert "Could not import 'nowhere'" in result.output


def test_the_stand_in_after_a_load_error_answers_500_without_details(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from werkzeug.test import Client

    served: list[Any] = []
    monkeypatch.setattr(
        "werkzeug.serving.run_simple",
        lambda host, port, application, **options: served.append((application, options)),
    )

    run_module._serve_load_error(RuntimeError("secret detail"), "127.0.0.1", 5000, None, None)

    application, options = served[0]
    assert options["use_reloader"] is True
    response = Client(application).get("/")
    assert response.status_code == 500
    assert b"secret detail" not in response.data


def test_debug_set_in_the_apps_code_does_not_start_the_reloader_or_debugger(
    write_module: WriteModule, served: list[dict[str, Any]]
) -> None:
    write_module(
        "hello.py",
        "from hipflask import Hipflask\napp = Hipflask('hello')\napp.config['DEBUG'] = True\n",
    )

    result = run()

    assert result.exit_code == 0, result.output
    (call,) = served
    assert (call["use_reloader"], call["use_debugger"]) == (False, False)


@pytest.mark.parametrize("variable", ["HIPFLASK_DEBUG", "FLASK_DEBUG"])
def test_the_environment_turns_debug_mode_on_for_run(
    variable: str, served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, "1")

    result = run()

    assert result.exit_code == 0, result.output
    assert (served[0]["use_reloader"], served[0]["use_debugger"]) == (True, True)


def test_flask_run_variables_set_options_when_hipflask_ones_are_absent(
    served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLASK_RUN_PORT", "8123")
    monkeypatch.setenv("FLASK_RUN_HOST", "localhost")

    result = run()

    assert result.exit_code == 0, result.output
    assert (served[0]["host"], served[0]["port"]) == ("localhost", 8123)
    # Read, not copied for good: the environment is as it was before the command.
    assert "HIPFLASK_RUN_PORT" not in os.environ


def test_hipflask_run_variables_win_over_flask_ones(
    served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLASK_RUN_PORT", "8123")
    monkeypatch.setenv("HIPFLASK_RUN_PORT", "8124")

    result = run()

    assert result.exit_code == 0, result.output
    assert served[0]["port"] == 8124


def test_flaskenv_run_options_apply(
    write_module: WriteModule, served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_module(".flaskenv", "FLASK_APP=hello\nFLASK_RUN_PORT=8125\n")
    monkeypatch.delenv("HIPFLASK_SKIP_DOTENV", raising=False)
    monkeypatch.delenv("FLASK_SKIP_DOTENV", raising=False)

    result = CliRunner().invoke(cli, ["run"])

    assert result.exit_code == 0, result.output
    assert served[0]["port"] == 8125


def test_an_old_local_ca_is_reported_with_the_command_that_replaces_it(
    served: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIPFLASK_CA_DIR", str(tmp_path / "ca"))
    with monkeypatch.context() as patched:
        patched.setattr(local_ca, "local_ca_extensions", list)
        local_ca.LocalCA().create()

    result = run("--cert=local")

    assert result.exit_code == 0, result.output
    assert "was made by an older hipflask" in result.output
    assert "certs recreate" in result.output


def test_a_current_local_ca_is_not_reported(
    served: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIPFLASK_CA_DIR", str(tmp_path / "ca"))
    local_ca.LocalCA().create()

    result = run("--cert=local")

    assert result.exit_code == 0, result.output
    assert "older hipflask" not in result.output


@pytest.fixture
def run_simple_calls(
    write_module: WriteModule, monkeypatch: pytest.MonkeyPatch
) -> list[dict[str, Any]]:
    """The real development-server setup, with Werkzeug's server replaced by a recorder."""
    write_module("hello.py", "from hipflask import Hipflask\napp = Hipflask('hello')\n")
    calls: list[dict[str, Any]] = []

    def fake_run_simple(hostname: str, port: int, application: Any, **options: Any) -> None:
        calls.append({"host": hostname, "port": port, **options})

    monkeypatch.setattr("werkzeug.serving.run_simple", fake_run_simple)
    return calls


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX-only")
@pytest.mark.parametrize(
    ("part", "mode", "fix"),
    [
        ("", 0o777, "chmod 700"),
        ("rootCA-key.pem", 0o644, "chmod 600"),
        ("rootCA.pem", 0o666, "chmod 644"),
        ("..", 0o777, "chmod go-w"),
    ],
)
def test_cert_local_refuses_a_ca_others_could_replace_or_read(
    run_simple_calls: list[dict[str, Any]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    part: str,
    mode: int,
    fix: str,
) -> None:
    ca_dir = tmp_path / "data" / "ca"
    monkeypatch.setenv("HIPFLASK_CA_DIR", str(ca_dir))
    local_ca.LocalCA().ensure_leaf()
    (ca_dir / part if part != ".." else ca_dir.parent).chmod(mode)

    result = run("--cert=local")

    assert result.exit_code == 1, result.output
    assert fix in result.output
    assert "Traceback" not in result.output
    assert run_simple_calls == []


def test_cert_local_on_another_loopback_address_certifies_it_and_prints_its_url(
    run_simple_calls: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIPFLASK_CA_DIR", str(tmp_path / "ca"))

    result = run("--cert=local", "--host", "127.0.0.2", "--port", "5004")

    assert result.exit_code == 0, result.output
    assert " * Open https://127.0.0.2:5004" in result.output
    assert "localhost:5004" not in result.output
    ca = local_ca.LocalCA()
    cert_path, _key_path = ca.leaf_paths(["127.0.0.2"])
    assert not ca.leaf_needs_renewal(cert_path, ["127.0.0.2"])
    assert run_simple_calls[0]["host"] == "127.0.0.2"


def test_an_unresolvable_host_name_is_one_line_saying_what_to_do(
    run_simple_calls: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    def unknown(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unknown)

    result = run("--cert=adhoc", "--host", "myapp.test")

    assert result.exit_code == 1, result.output
    assert "127.0.0.1 myapp.test" in result.output
    assert "Traceback" not in result.output
    assert run_simple_calls == []
