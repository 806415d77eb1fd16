from __future__ import annotations

import importlib.util

import click
import pytest

from hipflask import Hipflask
from hipflask import current_app
from hipflask.cli.discovery import ScriptInfo
from hipflask.cli.main import cli
from hipflask.testing.runner import HipflaskCliRunner


@pytest.fixture(autouse=True)
def _restore_cli_marker(monkeypatch: pytest.MonkeyPatch) -> None:
    # The hipflask group marks the process as run from the command line; the
    # marker must not outlive the test that invoked it.
    monkeypatch.setenv("HIPFLASK_RUN_FROM_CLI", "")


def test_invoke_runs_an_app_command_in_the_app_context(app: Hipflask) -> None:
    @app.cli.command("hello")
    @click.option("--name", default="World")
    def hello(name: str) -> None:
        click.echo(f"Hello, {name} from {current_app.name}!")

    runner = app.test_cli_runner()
    result = runner.invoke(args=["hello", "--name", "Ada"])

    assert isinstance(runner, HipflaskCliRunner)
    assert result.exit_code == 0, result.output
    assert result.output == f"Hello, Ada from {app.name}!\n"


def test_invoke_takes_a_command_object(app: Hipflask) -> None:
    @app.cli.command("hello")
    def hello() -> None:
        click.echo(current_app.name)

    result = app.test_cli_runner().invoke(hello)

    assert result.output == f"{app.name}\n"


def test_builtin_commands_see_the_runner_app(app: Hipflask) -> None:
    @app.get("/only-here")
    def only_here() -> str:
        return ""

    result = app.test_cli_runner().invoke(cli, ["routes"])

    assert result.exit_code == 0, result.output
    assert "/only-here" in result.output


def test_an_explicit_obj_is_kept(app: Hipflask) -> None:
    other = Hipflask("other_app")

    @app.cli.command("which")
    def which() -> None:
        click.echo(current_app.name)

    result = app.test_cli_runner().invoke(args=["which"], obj=ScriptInfo(create_app=lambda: other))

    assert result.output == "other_app\n"


def test_a_failing_command_reports_its_exception(app: Hipflask) -> None:
    @app.cli.command("fail")
    def fail() -> None:
        raise RuntimeError("broken command")

    result = app.test_cli_runner().invoke(args=["fail"])

    assert result.exit_code == 1
    assert isinstance(result.exception, RuntimeError)


@pytest.mark.skipif(
    importlib.util.find_spec("hipflask.testing.runner") is None,
    reason="hipflask.testing.runner (the CLI test runner) is not available",
)
def test_cli_runner_invokes_the_apps_commands(app: Hipflask) -> None:
    @app.cli.command("hello")
    def hello() -> None:
        import click

        from hipflask import current_app

        click.echo(f"hello from {current_app.name}")

    runner = app.test_cli_runner()
    result = runner.invoke(args=["hello"])

    assert result.exit_code == 0
    assert result.output == "hello from tests_app\n"
