"""Flask-Session's ``session_cleanup`` command, on each SQL backend."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import SECRET
from tests.real_servers import mariadb_database
from tests.real_servers import postgresql_database

from hipflask import Hipflask
from hipflask import session
from hipflask.db import SQLAlchemy
from hipflask.sessions import Session

#: The lifetime of the sessions the tests let expire. Nothing needs them live
#: after the request that writes them, so it can be short: a slow machine only
#: makes them older when the cleanup comes.
LIFETIME = timedelta(milliseconds=200)
PAST_LIFETIME = 0.3


@contextlib.contextmanager
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'sessions.db'}"
        return
    database = postgresql_database if backend == "postgresql" else mariadb_database
    with database("session_cleanup") as url:
        yield url


def make_app(url: str, tmp_path: Path, **config: Any) -> tuple[Hipflask, SQLAlchemy]:
    app = Hipflask("cleanup", instance_path=str(tmp_path / "instance"))
    app.config.update(
        TESTING=True,
        SECRET_KEY=SECRET,
        SESSION_TYPE="sqlalchemy",
        SQLALCHEMY_DATABASE_URI=url,
        PERMANENT_SESSION_LIFETIME=LIFETIME,
        **config,
    )
    db = SQLAlchemy(app)
    Session(app)

    @app.post("/login/<name>")
    def login(name: str) -> Any:
        session["user"] = name
        return {"ok": True}

    return app, db


def stored_keys(app: Hipflask) -> list[str]:
    store: Any = app.session_interface.store
    with store.engine.connect() as conn:
        return [row[0] for row in conn.execute(store.table.select())]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_session_cleanup_deletes_expired_records_only(
    tmp_path: Path, protocol: str, backend: str
) -> None:
    # Flask-Session's documentation has deployments run `flask session_cleanup`
    # from cron; a ported crontab must keep working.
    with database_url(backend, tmp_path) as url:
        app, db = make_app(url, tmp_path)
        client = app.test_client(protocol=protocol)
        client.post("/login/old")
        time.sleep(PAST_LIFETIME)
        app.permanent_session_lifetime = timedelta(hours=1)
        fresh = app.test_client(protocol=protocol)
        fresh.post("/login/new")
        assert len(stored_keys(app)) == 2

        result = app.test_cli_runner().invoke(args=["session_cleanup"])

        assert result.exit_code == 0, result.output
        assert "1 expired" in result.output
        assert len(stored_keys(app)) == 1
        with app.app_context():
            db.engine.dispose()
        app.session_interface.store.close()


def test_session_cleanup_leaves_other_prefixes_alone(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    app, _ = make_app(url, tmp_path, SESSION_KEY_PREFIX="one:")
    other, _ = make_app(url, tmp_path / "other", SESSION_KEY_PREFIX="two:")
    for each in (app, other):
        each.test_client().post("/login/ann")
    time.sleep(PAST_LIFETIME)

    app.test_cli_runner().invoke(args=["session_cleanup"])

    assert [key.split(":")[0] for key in stored_keys(other)] == ["two"]


def test_only_sql_sessions_get_the_command(tmp_path: Path) -> None:
    # As in Flask-Session: the other stores expire their records themselves.
    app = Hipflask("cleanup", instance_path=str(tmp_path / "instance"))
    app.config.update(SECRET_KEY=SECRET, SESSION_TYPE="filesystem")
    Session(app)
    assert "session_cleanup" not in app.cli.commands
