from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from hipflask.cli import dotenv as cli_dotenv
from hipflask.cli.dotenv import DOTENV_TIP
from hipflask.cli.dotenv import load_dotenv
from hipflask.cli.dotenv import should_load_dotenv
from hipflask.cli.main import cli

WriteModule = Callable[[str, str], Path]  # the write_module fixture of tests/cli/conftest.py
PROBES = ("PROBE_A", "PROBE_B", "PROBE_C", "PROBE_D")


@pytest.fixture(autouse=True)
def _no_probes(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*PROBES, "HIPFLASK_SKIP_DOTENV", "FLASK_SKIP_DOTENV"):
        monkeypatch.delenv(name, raising=False)


def _write(folder: Path, name: str, **values: str) -> Path:
    path = folder / name
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")
    return path


def test_env_wins_over_hipflaskenv_which_wins_over_flaskenv(project: Path) -> None:
    _write(project, ".flaskenv", PROBE_A="flaskenv", PROBE_B="flaskenv", PROBE_C="flaskenv")
    _write(project, ".hipflaskenv", PROBE_A="hipflaskenv", PROBE_B="hipflaskenv")
    _write(project, ".env", PROBE_A="env")

    assert load_dotenv() is True

    assert (os.environ["PROBE_A"], os.environ["PROBE_B"], os.environ["PROBE_C"]) == (
        "env",
        "hipflaskenv",
        "flaskenv",
    )


def test_a_named_file_wins_over_the_defaults(project: Path) -> None:
    _write(project, ".env", PROBE_A="env", PROBE_B="env")
    named = _write(project, "prod.env", PROBE_A="prod")

    load_dotenv(named)

    assert (os.environ["PROBE_A"], os.environ["PROBE_B"]) == ("prod", "env")


def test_the_real_environment_always_wins(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROBE_A", "shell")
    _write(project, ".env", PROBE_A="file")

    load_dotenv()

    assert os.environ["PROBE_A"] == "shell"


def test_files_are_found_in_parent_folders(project: Path) -> None:
    _write(project, ".env", PROBE_D="parent")
    child = project / "sub" / "dir"
    child.mkdir(parents=True)
    os.chdir(child)

    load_dotenv()

    assert os.environ["PROBE_D"] == "parent"


def test_nothing_to_load_returns_false(project: Path) -> None:
    assert load_dotenv(load_defaults=False) is False


@pytest.mark.parametrize("variable", ["HIPFLASK_SKIP_DOTENV", "FLASK_SKIP_DOTENV"])
def test_skip_variable_turns_default_loading_off(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    assert should_load_dotenv() is True
    monkeypatch.setenv(variable, "1")
    assert should_load_dotenv() is False
    assert should_load_dotenv(True) is True
    monkeypatch.setenv(variable, "0")
    assert should_load_dotenv() is True


def test_without_python_dotenv_a_tip_names_the_install(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli_dotenv, "is_installed", lambda module: False)
    assert load_dotenv() is False
    assert capsys.readouterr().err == ""

    _write(project, ".env", PROBE_A="x")
    assert load_dotenv() is False

    err = capsys.readouterr().err
    assert err.strip() == DOTENV_TIP.strip()
    assert "pip install python-dotenv" in err
    assert "PROBE_A" not in os.environ


def test_without_python_dotenv_a_named_file_is_skipped_with_the_tip(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Flask's load_dotenv is a no-op without python-dotenv; --env-file refuses instead.
    monkeypatch.setattr(cli_dotenv, "is_installed", lambda module: False)

    assert load_dotenv(_write(project, "prod.env", PROBE_A="x")) is False

    assert "pip install python-dotenv" in capsys.readouterr().err
    assert "PROBE_A" not in os.environ


def test_without_python_dotenv_the_env_file_option_is_refused(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ``hipflask.cli.main`` the attribute is the ``main()`` function; the module:
    cli_main = importlib.import_module("hipflask.cli.main")
    monkeypatch.setattr(cli_main, "is_installed", lambda module: False)
    _write(project, "prod.env", PROBE_A="x")

    result = CliRunner().invoke(cli, ["--env-file", "prod.env", "routes"])

    assert result.exit_code == 2
    assert "python-dotenv is not installed" in result.output
    assert "PROBE_A" not in os.environ


@pytest.mark.parametrize("load_defaults", [True, False])
def test_a_named_path_that_is_not_a_file_is_ignored(project: Path, load_defaults: bool) -> None:
    _write(project, ".env", PROBE_A="env")
    (project / "folder.env").mkdir()

    assert load_dotenv(project / "missing.env", load_defaults=load_defaults) is load_defaults
    assert load_dotenv(project / "folder.env", load_defaults=load_defaults) is load_defaults

    assert os.environ.get("PROBE_A") == ("env" if load_defaults else None)


def test_the_env_file_option_still_refuses_a_missing_file(project: Path) -> None:
    result = CliRunner().invoke(cli, ["--env-file", "missing.env", "routes"])

    assert result.exit_code == 2
    assert "missing.env" in result.output
    assert "does not exist" in result.output


def test_files_without_variables_load_nothing(project: Path) -> None:
    # Flask returns whether any variable was read, not whether a file was found.
    (project / ".env").write_text("# nothing yet\n", encoding="utf-8")
    named = project / "empty.env"
    named.write_text("", encoding="utf-8")

    assert load_dotenv() is False
    assert load_dotenv(named, load_defaults=False) is False


def test_variables_already_set_still_count_as_loaded(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROBE_A", "shell")
    named = _write(project, "prod.env", PROBE_A="file")

    assert load_dotenv(named, load_defaults=False) is True
    assert os.environ["PROBE_A"] == "shell"


def test_the_command_line_reads_the_app_from_hipflaskenv(
    write_module: WriteModule, project: Path
) -> None:
    write_module("webapp.py", "from hipflask import Hipflask\napp = Hipflask('from_dotenv')\n")
    _write(project, ".hipflaskenv", HIPFLASK_APP="webapp")

    result = CliRunner().invoke(cli, ["routes"])

    assert result.exit_code == 0, result.output
    assert "static" in result.output


def test_the_command_line_skips_dotenv_when_asked(
    write_module: WriteModule, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_module("webapp.py", "from hipflask import Hipflask\napp = Hipflask('from_dotenv')\n")
    _write(project, ".hipflaskenv", HIPFLASK_APP="webapp")
    monkeypatch.setenv("HIPFLASK_SKIP_DOTENV", "1")

    result = CliRunner().invoke(cli, ["routes"])

    assert result.exit_code == 2
    assert "Could not locate a Hipflask application" in result.output
