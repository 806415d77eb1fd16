from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask.cli.main import cli
from hipflask.cli.shell import shell_banner


@pytest.fixture
def interact(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Replace the interactive loop with a recorder of what it would have shown."""
    calls: list[dict[str, Any]] = []

    def fake_interact(banner: str | None = None, local: dict[str, Any] | None = None) -> None:
        from hipflask import current_app

        calls.append({"banner": banner, "local": local, "app": current_app.name})

    monkeypatch.setattr("code.interact", fake_interact)
    monkeypatch.delattr(sys, "__interactivehook__", raising=False)
    monkeypatch.delenv("PYTHONSTARTUP", raising=False)
    return calls


def test_shell_has_the_app_context_and_its_shell_context(
    app: Hipflask, interact: list[dict[str, Any]]
) -> None:
    @app.shell_context_processor
    def extra() -> dict[str, Any]:
        return {"answer": 42}

    result = app.test_cli_runner().invoke(cli, ["shell"])

    assert result.exit_code == 0, result.output
    (call,) = interact
    assert call["app"] == app.name
    assert call["local"]["app"] is app
    assert call["local"]["g"] is not None
    assert call["local"]["answer"] == 42
    assert f"App: {app.name}" in call["banner"]
    assert f"Instance: {app.instance_path}" in call["banner"]
    assert call["banner"].startswith(f"Python {sys.version}")


def test_pythonstartup_runs_first_and_the_app_context_wins(
    app: Hipflask,
    interact: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    startup = tmp_path / "startup.py"
    startup.write_text("from_startup = 'yes'\napp = 'overridden'\n", encoding="utf-8")
    monkeypatch.setenv("PYTHONSTARTUP", str(startup))

    app.test_cli_runner().invoke(cli, ["shell"])

    assert interact[0]["local"]["from_startup"] == "yes"
    assert interact[0]["local"]["app"] is app


def test_shell_help_describes_the_namespace(app: Hipflask) -> None:
    result = app.test_cli_runner().invoke(cli, ["shell", "--help"])

    assert result.exit_code == 0
    assert "shell_context_processor" in result.output


def test_banner_names_the_app(app: Hipflask) -> None:
    assert f"App: {app.name}" in shell_banner(app)
