from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import click
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


def test_without_python_dotenv_a_named_file_is_an_error(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_dotenv, "is_installed", lambda module: False)

    with pytest.raises(click.BadParameter, match="pip install python-dotenv"):
        load_dotenv(_write(project, "prod.env", PROBE_A="x"))


def test_a_missing_named_file_is_an_error(project: Path) -> None:
    with pytest.raises(click.BadParameter, match="does not exist"):
        load_dotenv(project / "missing.env")


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
