from __future__ import annotations

import os
import platform
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from click.testing import Result

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import __version__
from hipflask import current_app
from hipflask.cli import with_appcontext
from hipflask.cli.main import HipflaskGroup
from hipflask.cli.main import cli
from hipflask.cli.main import main

WriteModule = Callable[[str, str], Path]  # the write_module fixture of tests/cli/conftest.py

COMMANDS_MODULE = """
import click
from hipflask import Blueprint, Hipflask, current_app

app = Hipflask("commands_app")

@app.cli.command("greet")
@click.argument("name")
def greet(name):
    click.echo(f"hello {name} from {current_app.name}")

users = Blueprint("users", __name__)

@users.cli.command("create")
def create_user():
    click.echo(f"user created in {current_app.name}")

flat = Blueprint("flat", __name__, cli_group=None)

@flat.cli.command("flat-cmd")
def flat_cmd():
    click.echo("flat command")

app.register_blueprint(users)
app.register_blueprint(flat)
"""


def invoke(*args: str, **kwargs: object) -> Result:
    return CliRunner().invoke(cli, list(args), **kwargs)  # type: ignore[arg-type]


def test_version_lists_python_hipflask_and_werkzeug() -> None:
    result = invoke("--version")

    assert result.exit_code == 0
    assert f"Python {platform.python_version()}" in result.output
    assert f"Hipflask {__version__}" in result.output
    assert "Werkzeug 3." in result.output


def test_app_commands_run_in_the_app_context(write_module: WriteModule) -> None:
    write_module("commands.py", COMMANDS_MODULE)

    result = invoke("--app", "commands", "greet", "ada")

    assert result.exit_code == 0, result.output
    assert "hello ada from commands_app" in result.output


def test_blueprint_commands_appear_in_their_group_or_flat(write_module: WriteModule) -> None:
    write_module("commands.py", COMMANDS_MODULE)

    grouped = invoke("--app", "commands", "users", "create")
    flat = invoke("--app", "commands", "flat-cmd")

    assert grouped.exit_code == 0, grouped.output
    assert "user created in commands_app" in grouped.output
    assert flat.exit_code == 0, flat.output
    assert "flat command" in flat.output


def test_help_lists_builtin_and_app_commands(write_module: WriteModule) -> None:
    write_module("commands.py", COMMANDS_MODULE)

    result = invoke("--app", "commands", "--help")

    assert result.exit_code == 0
    for name in ("run", "serve", "routes", "shell", "certs", "greet", "users", "flat-cmd"):
        assert f"  {name} " in result.output or f"  {name}\n" in result.output, name


def test_help_without_an_app_still_lists_builtin_commands(project: Path) -> None:
    result = invoke("--help")

    assert result.exit_code == 0
    assert "Could not locate a Hipflask application" in result.output
    assert "  run " in result.output


def test_an_unknown_command_without_an_app_explains_both(project: Path) -> None:
    result = invoke("greet")

    assert result.exit_code == 2
    assert "Could not locate a Hipflask application" in result.output
    assert "No such command 'greet'" in result.output


@pytest.mark.parametrize("variable", ["HIPFLASK_APP", "FLASK_APP"])
def test_the_app_can_come_from_the_environment(
    write_module: WriteModule, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    write_module("commands.py", COMMANDS_MODULE)
    monkeypatch.setenv(variable, "commands")

    result = invoke("greet", "grace")

    assert result.exit_code == 0, result.output
    assert "hello grace" in result.output


def test_the_app_option_wins_over_the_environment(
    write_module: WriteModule, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_module("commands.py", COMMANDS_MODULE)
    write_module("other.py", "from hipflask import Hipflask\napp = Hipflask('other')\n")
    monkeypatch.setenv("HIPFLASK_APP", "other")

    result = invoke("--app", "commands", "greet", "x")

    assert "from commands_app" in result.output


def test_the_default_app_file_is_used_without_app_option(write_module: WriteModule) -> None:
    write_module("app.py", COMMANDS_MODULE)

    result = invoke("greet", "linus")

    assert result.exit_code == 0, result.output
    assert "hello linus" in result.output


def test_a_broken_app_module_shows_the_real_traceback(write_module: WriteModule) -> None:
    write_module(
        "broken.py", "from hipflask import Hipflask\napp = Hipflask('b')\nundefined_name\n"
    )

    result = invoke("--app", "broken", "routes")

    assert result.exit_code == 2
    assert "While importing 'broken'" in result.output
    assert 'broken.py", line 3' in result.output
    assert "NameError: name 'undefined_name' is not defined" in result.output


def test_debug_option_sets_debug_for_the_app(write_module: WriteModule) -> None:
    write_module(
        "dbg.py",
        """
        import click
        from hipflask import Hipflask, current_app
        app = Hipflask("dbg")
        @app.cli.command()
        def show():
            click.echo(f"debug={current_app.debug}")
        """,
    )

    on = invoke("--app", "dbg", "--debug", "show")
    assert "debug=True" in on.output
    assert os.environ["HIPFLASK_DEBUG"] == "1"
    off = invoke("--app", "dbg", "--no-debug", "show")
    assert "debug=False" in off.output


def test_debug_option_sets_flask_debug_too_for_code_that_reads_it(
    write_module: WriteModule,
) -> None:
    # Flask's --debug sets FLASK_DEBUG; a ported app may read it directly.
    write_module(
        "dbg.py",
        """
        import os
        import click
        from hipflask import Hipflask
        app = Hipflask("dbg")
        @app.cli.command()
        def show():
            click.echo(f"FLASK_DEBUG={os.environ.get('FLASK_DEBUG')}")
        """,
    )
    os.environ["FLASK_DEBUG"] = "1"

    off = invoke("--app", "dbg", "--no-debug", "show")
    assert "FLASK_DEBUG=0" in off.output
    on = invoke("--app", "dbg", "--debug", "show")
    assert "FLASK_DEBUG=1" in on.output


def test_an_unguarded_app_run_in_the_module_does_not_block_commands(
    write_module: WriteModule, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HIPFLASK_RUN_FROM_CLI", raising=False)
    write_module(
        "script.py",
        "from hipflask import Hipflask\napp = Hipflask('script')\napp.run()\n",
    )

    result = invoke("--app", "script", "routes")

    assert result.exit_code == 0, result.output
    assert "Ignoring a call to 'app.run()'" in result.output
    assert "static" in result.output
    assert os.environ["HIPFLASK_RUN_FROM_CLI"] == "true"


def test_env_file_option_loads_variables_before_the_app(
    write_module: WriteModule, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_module("commands.py", COMMANDS_MODULE)
    (project / "settings.env").write_text("HIPFLASK_APP=commands\n", encoding="utf-8")
    monkeypatch.setenv("HIPFLASK_SKIP_DOTENV", "1")

    result = invoke("--env-file", "settings.env", "greet", "env")

    assert result.exit_code == 0, result.output
    assert "hello env" in result.output


def test_run_options_can_come_from_prefixed_variables(
    write_module: WriteModule, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_module("commands.py", COMMANDS_MODULE)
    seen: dict[str, object] = {}

    def fake_serve(app: Hipflask, host: str, port: int, **options: object) -> None:
        seen.update(host=host, port=port)

    monkeypatch.setattr("hipflask.cli.run.serve_development", fake_serve)
    monkeypatch.setenv("HIPFLASK_RUN_PORT", "8123")

    result = invoke("--app", "commands", "run")

    assert result.exit_code == 0, result.output
    assert seen == {"host": "127.0.0.1", "port": 8123}


def test_a_custom_group_uses_its_factory() -> None:
    app = Hipflask("factory_made")

    @app.cli.command()
    def where() -> None:
        click.echo(current_app.name)

    group = HipflaskGroup(name="manage", create_app=lambda: app)

    result = CliRunner().invoke(group, ["where"])

    assert result.exit_code == 0, result.output
    assert "factory_made" in result.output


def test_a_custom_group_can_leave_out_the_default_commands() -> None:
    group = HipflaskGroup(
        name="manage", add_default_commands=False, create_app=lambda: Hipflask("x")
    )

    assert CliRunner().invoke(group, ["routes"]).exit_code == 2


def test_main_runs_the_group(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])

    assert exited.value.code == 0
    assert f"Hipflask {__version__}" in capsys.readouterr().out


def test_blueprint_cli_is_an_app_group() -> None:
    blueprint = Blueprint("bp", __name__)

    assert isinstance(blueprint.cli, click.Group)


OPTION_MODULE = """
import click
from hipflask import Hipflask

app = Hipflask("options_app")

@app.cli.command("greet")
@click.option("--greeting", default="hello")
def greet(greeting):
    click.echo(f"{greeting} from the app")
"""


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"FLASK_GREET_GREETING": "ahoy"}, "ahoy"),
        ({"HIPFLASK_GREET_GREETING": "hi"}, "hi"),
        ({"FLASK_GREET_GREETING": "ahoy", "HIPFLASK_GREET_GREETING": "hi"}, "hi"),
        ({}, "hello"),
    ],
)
def test_options_of_app_commands_come_from_flask_or_hipflask_variables(
    write_module: WriteModule,
    monkeypatch: pytest.MonkeyPatch,
    environ: dict[str, str],
    expected: str,
) -> None:
    write_module("options.py", OPTION_MODULE)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)

    result = invoke("--app", "options", "greet")

    assert result.exit_code == 0, result.output
    assert result.output == f"{expected} from the app\n"


def test_an_option_on_the_command_line_wins_over_flask_variables(
    write_module: WriteModule, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_module("options.py", OPTION_MODULE)
    monkeypatch.setenv("FLASK_GREET_GREETING", "ahoy")

    result = invoke("--app", "options", "greet", "--greeting", "yo")

    assert result.output == "yo from the app\n"


def test_commands_installed_packages_declare_are_added(
    write_module: WriteModule, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Flask's plugin commands, under hipflask's own entry point group: a
    # package declares them in its metadata and every hipflask command
    # line lists and runs them.
    from importlib import import_module
    from importlib.metadata import EntryPoint

    # The module: hipflask.cli's attribute "main" is the console entry function.
    main_module = import_module("hipflask.cli.main")

    write_module("hello.py", "from hipflask import Hipflask\napp = Hipflask('hello')\n")
    write_module(
        "shop_cli.py",
        "import click\n@click.command()\ndef export():\n    click.echo('exported')\n",
    )
    declared = [EntryPoint("shop-export", "shop_cli:export", main_module.PLUGIN_GROUP)]

    def entry_points(*, group: str) -> list[EntryPoint]:
        return declared if group == main_module.PLUGIN_GROUP else []

    monkeypatch.setattr(main_module, "entry_points", entry_points)
    group = HipflaskGroup(name="shop")

    listed = CliRunner().invoke(group, ["--app", "hello", "--help"])
    ran = CliRunner().invoke(group, ["--app", "hello", "shop-export"])

    assert "shop-export" in listed.output
    assert ran.exit_code == 0, ran.output
    assert ran.output == "exported\n"


def test_with_appcontext_in_a_plain_click_group_finds_the_app_py(
    write_module: WriteModule, project: Path
) -> None:
    # A manage.py without FlaskGroup: Flask's with_appcontext creates the
    # ScriptInfo itself, which finds app.py in the working directory.
    write_module("app.py", "from hipflask import Hipflask\napp = Hipflask('plain')\n")

    @click.group()
    @click.pass_context
    def manage(ctx: click.Context) -> None:
        ctx.obj = {"settings": "kept out of the way"}

    @manage.command()
    @with_appcontext
    def seed() -> None:
        click.echo(f"seeded {current_app.name}")

    result = CliRunner().invoke(manage, ["seed"])

    assert result.exit_code == 0, result.output
    assert "seeded plain" in result.output
