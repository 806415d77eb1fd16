"""A blueprint's CLI commands and the group they are put in."""

from __future__ import annotations

import pytest

from hipflask import Blueprint
from hipflask import Hipflask


def test_blueprint_cli_commands_get_a_group(app: Hipflask) -> None:
    bp = Blueprint("tools", __name__)

    @bp.cli.command("hello")
    def hello() -> None:
        """Say hello."""

    app.register_blueprint(bp)
    assert "tools" in app.cli.commands
    assert "hello" in app.cli.commands["tools"].commands  # type: ignore[attr-defined]


@pytest.mark.parametrize(("cli_group", "expected"), [(None, "hello"), ("custom", "custom")])
def test_blueprint_cli_group_option(app: Hipflask, cli_group: str | None, expected: str) -> None:
    bp = Blueprint("tools", __name__, cli_group=cli_group)

    @bp.cli.command("hello")
    def hello() -> None:
        """Say hello."""

    app.register_blueprint(bp)
    assert expected in app.cli.commands


def test_blueprint_cli_group_is_named_after_the_blueprint(app: Hipflask) -> None:
    bp = Blueprint("tools", __name__, cli_group=None)

    @bp.cli.command("hello")
    def hello() -> None:
        """Say hello."""

    assert bp.cli.name == "tools"
    app.cli.add_command(bp.cli)
    result = app.test_cli_runner().invoke(args=["tools", "hello", "--help"])
    assert result.exit_code == 0, result.output
    assert "Say hello." in result.output
