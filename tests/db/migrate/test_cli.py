"""``hipflask db ...`` for real, against SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.conftest import SECRET
from tests.real_servers import postgresql_database

from hipflask import Hipflask
from hipflask.db import SQLAlchemy
from hipflask.db.migrate import Migrate


def make_versioned_app(url: str, tmp_path: Path, version: int) -> tuple[Hipflask, SQLAlchemy]:
    """The same app at two points in its history: v2 adds a column and a table."""
    app = Hipflask("migrated", instance_path=str(tmp_path / "instance"))
    app.config.update(TESTING=True, SECRET_KEY=SECRET, SQLALCHEMY_DATABASE_URI=url)
    db = SQLAlchemy(app)

    class User(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        username = db.Column(db.String(80), nullable=False)
        if version >= 2:
            email = db.Column(db.String(120), nullable=True)

    if version >= 2:

        class Tag(db.Model):
            id = db.Column(db.Integer, primary_key=True)

    Migrate(app, db)
    return app, db


def invoke(app: Hipflask, *args: str) -> Any:
    result = app.test_cli_runner().invoke(args=list(args))
    return result


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'app.db'}"
    else:
        with postgresql_database("migrate") as url:
            yield url


def columns(app: Hipflask, db: SQLAlchemy, table: str) -> set[str]:
    with app.app_context():
        inspector = sa.inspect(db.engine)
        if not inspector.has_table(table):
            return set()
        return {c["name"] for c in inspector.get_columns(table)}


def test_init_migrate_upgrade_downgrade_current_history_stamp(url: str, tmp_path: Path) -> None:
    directory = str(tmp_path / "migrations")
    app, db = make_versioned_app(url, tmp_path, version=1)

    result = invoke(app, "db", "init", "-d", directory)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "migrations" / "env.py").exists()
    assert (tmp_path / "migrations" / "alembic.ini").exists()

    result = invoke(app, "db", "migrate", "-d", directory, "-m", "create users")
    assert result.exit_code == 0, result.output
    [first] = list((tmp_path / "migrations" / "versions").glob("*.py"))
    assert "create users" in first.read_text()
    assert columns(app, db, "user") == set()

    assert invoke(app, "db", "upgrade", "-d", directory).exit_code == 0
    assert columns(app, db, "user") == {"id", "username"}

    # Nothing changed: no empty revision is written.
    invoke(app, "db", "migrate", "-d", directory, "-m", "nothing")
    assert len(list((tmp_path / "migrations" / "versions").glob("*.py"))) == 1

    app2, db2 = make_versioned_app(url, tmp_path, version=2)
    result = invoke(app2, "db", "migrate", "-d", directory, "-m", "add email")
    assert result.exit_code == 0, result.output
    assert invoke(app2, "db", "upgrade", "-d", directory).exit_code == 0
    assert columns(app2, db2, "user") == {"id", "username", "email"}
    assert columns(app2, db2, "tag") == {"id"}

    current = invoke(app2, "db", "current", "-d", directory)
    assert current.exit_code == 0
    history = invoke(app2, "db", "history", "-d", directory)
    assert "add email" in history.output
    assert "create users" in history.output
    lines = history.output.strip().splitlines()  # newest first: "<down> -> <rev> (head), msg"
    head = lines[0].split()[2].rstrip(",")
    first = lines[-1].split()[2].rstrip(",")

    assert invoke(app2, "db", "downgrade", "-d", directory).exit_code == 0
    assert columns(app2, db2, "user") == {"id", "username"}
    assert columns(app2, db2, "tag") == set()

    assert invoke(app2, "db", "stamp", "-d", directory, "head").exit_code == 0
    current = invoke(app2, "db", "current", "-d", directory)
    assert head in current.output
    assert invoke(app2, "db", "stamp", "-d", directory, first).exit_code == 0
    assert first in invoke(app2, "db", "current", "-d", directory).output
    assert invoke(app2, "db", "downgrade", "-d", directory, "base").exit_code == 0
    assert columns(app2, db2, "user") == set()
    with app2.app_context():
        db2.drop_all()
        sa.Table("alembic_version", sa.MetaData()).drop(db2.engine, checkfirst=True)
        db2.engine.dispose()
    with app.app_context():
        db.engine.dispose()


def test_upgrade_without_init_says_to_run_init(tmp_path: Path) -> None:
    app, _ = make_versioned_app(f"sqlite:///{tmp_path / 'a.db'}", tmp_path, version=1)
    result = invoke(app, "db", "upgrade", "-d", str(tmp_path / "missing"))
    assert result.exit_code == 1
    assert "hipflask db init" in result.output


def test_upgrade_sql_prints_the_statements(tmp_path: Path) -> None:
    directory = str(tmp_path / "migrations")
    app, _ = make_versioned_app(f"sqlite:///{tmp_path / 'a.db'}", tmp_path, version=1)
    invoke(app, "db", "init", "-d", directory)
    invoke(app, "db", "migrate", "-d", directory, "-m", "users")
    result = invoke(app, "db", "upgrade", "-d", directory, "--sql")
    assert result.exit_code == 0
    assert "CREATE TABLE user" in result.output


def test_a_custom_command_name(tmp_path: Path) -> None:
    app = Hipflask("named", instance_path=str(tmp_path))
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    db = SQLAlchemy(app)
    Migrate(app, db, command="database")
    assert "database" in app.cli.commands
    assert "db" not in app.cli.commands


def make_multidb_app(tmp_path: Path, version: int) -> tuple[Hipflask, SQLAlchemy]:
    """A default database and a ``users`` bind; v2 adds a column in the bind."""
    app = Hipflask("multidb", instance_path=str(tmp_path / "instance"))
    app.config.update(
        TESTING=True,
        SECRET_KEY=SECRET,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'main.db'}",
        SQLALCHEMY_BINDS={"users": f"sqlite:///{tmp_path / 'users.db'}"},
    )
    db = SQLAlchemy(app)

    class Item(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    class User(db.Model):
        __bind_key__ = "users"
        id = db.Column(db.Integer, primary_key=True)
        if version >= 2:
            email = db.Column(db.String(120), nullable=True)

    Migrate(app, db, directory=str(tmp_path / "migrations"))
    return app, db


def tables(tmp_path: Path, database: str) -> set[str]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / database}")
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_multidb_migrates_every_bind_with_one_folder(tmp_path: Path) -> None:
    # Flask-Migrate's ``flask db init --multidb``: one revision per change,
    # with an upgrade_<bind>() per database ("" for the default one).
    app, _ = make_multidb_app(tmp_path, version=1)
    assert invoke(app, "db", "init", "--multidb").exit_code == 0
    assert invoke(app, "db", "migrate", "-m", "first").exit_code == 0
    (revision,) = (tmp_path / "migrations" / "versions").glob("*_first.py")
    source = revision.read_text()
    for function in ("upgrade_", "downgrade_", "upgrade_users", "downgrade_users"):
        assert f"def {function}():" in source
    assert source.index("def upgrade_()") < source.index("def upgrade_users()")

    assert invoke(app, "db", "upgrade").exit_code == 0
    assert tables(tmp_path, "main.db") == {"alembic_version", "item"}
    assert tables(tmp_path, "users.db") == {"alembic_version", "user"}

    unchanged = invoke(app, "db", "migrate", "-m", "nothing")
    assert unchanged.exit_code == 0
    assert not list((tmp_path / "migrations" / "versions").glob("*_nothing.py"))

    app, db = make_multidb_app(tmp_path, version=2)
    assert invoke(app, "db", "migrate", "-m", "email").exit_code == 0
    assert invoke(app, "db", "upgrade").exit_code == 0
    with app.app_context():
        engine = db.get_engine("users")
        assert {c["name"] for c in sa.inspect(engine).get_columns("user")} == {"id", "email"}
    assert invoke(app, "db", "downgrade", "base").exit_code == 0
    assert tables(tmp_path, "main.db") == {"alembic_version"}
    assert tables(tmp_path, "users.db") == {"alembic_version"}


def test_multidb_sql_is_written_to_a_file_per_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app, _ = make_multidb_app(tmp_path, version=1)
    assert invoke(app, "db", "init", "--multidb").exit_code == 0
    assert invoke(app, "db", "migrate", "-m", "first").exit_code == 0

    assert invoke(app, "db", "upgrade", "--sql").exit_code == 0

    assert "CREATE TABLE item" in (tmp_path / ".sql").read_text()
    assert "CREATE TABLE user" in (tmp_path / "users.sql").read_text()
    assert "user" not in tables(tmp_path, "users.db")


def test_group_options_apply_to_every_command(tmp_path: Path) -> None:
    # Flask-Migrate's ``flask db -d dir -x key=value <command>``.
    directory = str(tmp_path / "migs")
    app, db = make_versioned_app(f"sqlite:///{tmp_path / 'a.db'}", tmp_path, version=1)
    assert invoke(app, "db", "-d", directory, "init").exit_code == 0
    assert (tmp_path / "migs" / "env.py").is_file()
    assert invoke(app, "db", "-d", directory, "migrate", "-m", "users").exit_code == 0
    assert invoke(app, "db", "-d", directory, "-x", "tenant=a", "upgrade").exit_code == 0
    assert columns(app, db, "user") == {"id", "username"}
    # A command's own -d wins over the group's.
    elsewhere = invoke(app, "db", "-d", str(tmp_path / "none"), "current", "-d", directory)
    assert elsewhere.exit_code == 0
    with app.app_context():
        migrate: Migrate = app.extensions["migrate"].migrate
        # Outside the command line only the call's own arguments count.
        assert migrate.get_config(directory, x_arg=["own=1"]).cmd_opts.x == ["own=1"]


def test_two_heads_are_merged_and_branches_listed(tmp_path: Path) -> None:
    directory = str(tmp_path / "migrations")
    app, _ = make_versioned_app(f"sqlite:///{tmp_path / 'a.db'}", tmp_path, version=1)
    invoke(app, "db", "init", "-d", directory)
    invoke(app, "db", "revision", "-d", directory, "-m", "base", "--rev-id", "base1")
    for rev in ("left1", "right1"):
        result = invoke(
            app, "db", "revision", "-d", directory, "-m", rev, "--rev-id", rev,
            "--head", "base1", "--splice",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    refused = invoke(app, "db", "upgrade", "-d", directory)
    assert refused.exit_code == 1
    assert "Multiple head revisions" in refused.output
    assert "base1" in invoke(app, "db", "branches", "-d", directory).output
    merged = invoke(app, "db", "merge", "-d", directory, "-m", "join", "--rev-id", "m1", "heads")
    assert merged.exit_code == 0, merged.output
    assert invoke(app, "db", "upgrade", "-d", directory).exit_code == 0
    assert "m1 (head)" in invoke(app, "db", "current", "-d", directory).output


def test_list_templates_and_edit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app, _ = make_versioned_app(f"sqlite:///{tmp_path / 'a.db'}", tmp_path, version=1)
    listed = invoke(app, "db", "list-templates")
    assert listed.exit_code == 0
    assert "hipflask - Database migrations for a hipflask app" in listed.output
    directory = str(tmp_path / "migrations")
    invoke(app, "db", "init", "-d", directory)
    invoke(app, "db", "revision", "-d", directory, "-m", "base", "--rev-id", "base1")
    # The editor is a command that records which file it was asked to open.
    record = tmp_path / "opened.txt"
    editor = tmp_path / "editor.sh"
    editor.write_text(f'#!/bin/sh\necho "$1" > {record}\n')
    editor.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(editor))
    assert invoke(app, "db", "edit", "-d", directory, "base1").exit_code == 0
    assert record.read_text().strip().endswith("base1_base.py")


@pytest.mark.parametrize(
    ("name", "shipped"), [("flask", "hipflask"), ("flask-multidb", "hipflask-multidb")]
)
def test_init_takes_flask_migrate_s_template_names(tmp_path: Path, name: str, shipped: str) -> None:
    # A project's scripts and docs keep "db init --template flask-multidb".
    import hipflask.db.migrate

    app, _ = make_versioned_app(f"sqlite:///{tmp_path / 'a.db'}", tmp_path, version=1)
    directory = tmp_path / "mig"
    result = invoke(app, "db", "init", "-d", str(directory), "--template", name)
    assert result.exit_code == 0, result.output
    templates = Path(hipflask.db.migrate.__file__).parent / "templates"
    assert (directory / "env.py").read_text() == (templates / shipped / "env.py").read_text()


def test_init_takes_a_template_folder_of_the_app_s_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    import hipflask.db.migrate

    shipped = Path(hipflask.db.migrate.__file__).parent / "templates" / "hipflask"
    shutil.copytree(shipped, tmp_path / "templates" / "ours")
    with (tmp_path / "templates" / "ours" / "env.py").open("a") as env:
        env.write("# our env.py\n")
    monkeypatch.chdir(tmp_path)  # a relative path is read from the current folder
    app, _ = make_versioned_app(f"sqlite:///{tmp_path / 'a.db'}", tmp_path, version=1)
    result = invoke(app, "db", "init", "-d", "mig", "--template", "templates/ours")
    assert result.exit_code == 0, result.output
    assert "# our env.py" in (tmp_path / "mig" / "env.py").read_text()
    assert invoke(app, "db", "migrate", "-d", "mig", "-m", "users").exit_code == 0
    assert invoke(app, "db", "upgrade", "-d", "mig").exit_code == 0
    assert "user" in table_names(app)


def test_init_takes_a_template_folder_in_the_current_folder_with_a_trailing_slash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "ours/" (as a shell completes a folder name) is a path too, not the
    # name of a shipped template.
    import shutil

    import hipflask.db.migrate

    shipped = Path(hipflask.db.migrate.__file__).parent / "templates" / "hipflask"
    shutil.copytree(shipped, tmp_path / "ours")
    with (tmp_path / "ours" / "env.py").open("a") as env:
        env.write("# our env.py\n")
    monkeypatch.chdir(tmp_path)
    app, _ = make_versioned_app(f"sqlite:///{tmp_path / 'a.db'}", tmp_path, version=1)
    result = invoke(app, "db", "init", "-d", "mig", "--template", "ours/")
    assert result.exit_code == 0, result.output
    assert "# our env.py" in (tmp_path / "mig" / "env.py").read_text()


def table_names(app: Hipflask) -> set[str]:
    db = app.extensions["sqlalchemy"]
    with app.app_context():
        return set(sa.inspect(db.engine).get_table_names())


def test_multidb_error_in_one_database_rolls_back_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PostgreSQL for the default database: its DDL is transactional.
    with postgresql_database("multidb") as main_url:
        app = Hipflask("multidb", instance_path=str(tmp_path / "instance"))
        app.config.update(
            TESTING=True,
            SECRET_KEY=SECRET,
            SQLALCHEMY_DATABASE_URI=main_url,
            SQLALCHEMY_BINDS={"users": f"sqlite:///{tmp_path / 'users.db'}"},
        )
        db = SQLAlchemy(app)
        Migrate(app, db, directory=str(tmp_path / "migrations"))
        assert invoke(app, "db", "init", "--multidb").exit_code == 0
        assert invoke(app, "db", "revision", "-m", "broken").exit_code == 0
        (revision,) = (tmp_path / "migrations" / "versions").glob("*_broken.py")
        source = revision.read_text()
        source = source.replace(
            "def upgrade_():\n    pass",
            "def upgrade_():\n    op.create_table('item', sa.Column('id', sa.Integer))",
        ).replace("def upgrade_users():\n    pass", "def upgrade_users():\n    1 / 0")
        revision.write_text(source)

        result = invoke(app, "db", "upgrade")

        assert isinstance(result.exception, ZeroDivisionError)
        with app.app_context():
            assert not sa.inspect(db.engine).has_table("item")
            db.engine.dispose()


@pytest.mark.parametrize(
    "url",
    [
        # A database that was never created (the first run of a new app).
        "postgresql://postgres:s3cret@127.0.0.1:5432/hipflask_no_such_database_{uuid}",
        # No server listening there.
        "postgresql://postgres:s3cret@127.0.0.1:1/app",
    ],
)
def test_a_database_that_cannot_be_reached_is_one_line_saying_what_to_check(
    url: str, tmp_path: Path
) -> None:
    url = url.format(uuid=uuid.uuid4().hex)
    app, _ = make_versioned_app(url, tmp_path, version=1)
    folder = str(tmp_path / "migrations")
    assert invoke(app, "db", "init", "-d", folder).exit_code == 0
    for command in (["upgrade"], ["migrate", "-m", "users"], ["current"]):
        result = invoke(app, "db", *command, "-d", folder)
        assert result.exit_code == 1
        assert isinstance(result.exception, SystemExit), result.exception
        message = result.output.strip().splitlines()[-1]
        assert message.startswith("Error: Cannot connect to the database"), result.output
        assert "SQLALCHEMY_DATABASE_URI" in message
        assert "s3cret" not in result.output


def test_a_ported_env_py_still_reading_flasks_current_app_is_named(tmp_path: Path) -> None:
    # A Flask-Migrate folder keeps "from flask import current_app" until its
    # env.py is renamed too; with Flask installed beside hipflask, that proxy
    # is unbound here and Flask's "Working outside of application context"
    # sends the reader to app_context(), which the command already pushed.
    pytest.importorskip("flask")
    app, _ = make_versioned_app(f"sqlite:///{tmp_path / 'app.db'}", tmp_path, version=1)
    folder = tmp_path / "migrations"
    assert invoke(app, "db", "init", "-d", str(folder)).exit_code == 0
    env = folder / "env.py"
    env.write_text(env.read_text().replace("from hipflask import", "from flask import"))
    for command in (["upgrade"], ["migrate", "-m", "users"], ["current"]):
        result = invoke(app, "db", *command, "-d", str(folder))
        assert result.exit_code == 1
        message = result.output.strip().splitlines()[-1]
        assert message.startswith("Error: "), result.output
        assert str(env) in message
        assert "'from hipflask import current_app'" in message
