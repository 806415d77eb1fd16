"""db.cli: add_models_to_shell, Flask-SQLAlchemy's shell context processor."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask.cli.main import cli
from hipflask.db import SQLAlchemy
from hipflask.db.cli import add_models_to_shell
from hipflask.errors import ConfigurationError

from .conftest import define_models
from .conftest import make_app


@pytest.fixture
def interact(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Replace the interactive loop with a recorder of the names it would have had."""
    calls: list[dict[str, Any]] = []

    def fake_interact(banner: str | None = None, local: dict[str, Any] | None = None) -> None:
        calls.append(dict(local or {}))

    monkeypatch.setattr("code.interact", fake_interact)
    monkeypatch.delattr(sys, "__interactivehook__", raising=False)
    monkeypatch.delenv("PYTHONSTARTUP", raising=False)
    return calls


def _database(tmp_path: Path, **options: Any) -> Iterator[tuple[Hipflask, SQLAlchemy]]:
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'shell.db'}")
    db = SQLAlchemy(app, **options)
    yield app, db
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[Hipflask, SQLAlchemy]]:
    yield from _database(tmp_path)


@pytest.fixture
def database_without_shell(tmp_path: Path) -> Iterator[tuple[Hipflask, SQLAlchemy]]:
    yield from _database(tmp_path, add_models_to_shell=False)


def test_the_shell_command_has_db_and_every_model(
    database: tuple[Hipflask, SQLAlchemy], interact: list[dict[str, Any]]
) -> None:
    app, db = database
    User, Post = define_models(db)

    result = app.test_cli_runner().invoke(cli, ["shell"])

    assert result.exit_code == 0, result.output
    (names,) = interact
    assert (names["db"], names["User"], names["Post"], names["app"]) == (db, User, Post, app)


def test_it_is_the_processor_the_extension_registers(
    database: tuple[Hipflask, SQLAlchemy],
) -> None:
    app, _db = database
    assert add_models_to_shell in app.shell_context_processors


def test_turned_off_the_shell_has_no_models_until_the_app_registers_it(
    database_without_shell: tuple[Hipflask, SQLAlchemy], interact: list[dict[str, Any]]
) -> None:
    app, db = database_without_shell
    User, _Post = define_models(db)
    runner = app.test_cli_runner()

    runner.invoke(cli, ["shell"])
    assert "User" not in interact[-1]
    assert "db" not in interact[-1]

    # Flask-SQLAlchemy's documented way back: register the function yourself.
    app.shell_context_processor(add_models_to_shell)
    runner.invoke(cli, ["shell"])
    assert interact[-1]["User"] is User
    assert interact[-1]["db"] is db


def test_a_model_named_db_does_not_shadow_the_extension(
    database: tuple[Hipflask, SQLAlchemy],
) -> None:
    app, db = database

    class db_(db.Model):
        __tablename__ = "shadow"
        id = db.Column(db.Integer, primary_key=True)

    db_.__name__ = "db"
    with app.app_context():
        names = add_models_to_shell()
    assert names["db"] is db


def test_an_app_without_the_extension_is_told_how_to_add_it(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    with app.app_context(), pytest.raises(ConfigurationError, match=r"SQLAlchemy\(app\)"):
        add_models_to_shell()
