"""The tutorial app, ported by renaming imports, on SQLite, PostgreSQL and MariaDB.

Loaded as ``python app.py`` runs it (``create_all`` in ``__main__``, the
server start replaced), with only ``DATABASE_URL`` switched between backends.
"""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.real_servers import mariadb_database
from tests.real_servers import postgresql_database
from tests.real_servers import redis_prefix
from tests.real_servers import redis_url

from hipflask import Hipflask

APP = Path(__file__).parents[2] / "examples" / "tutorial" / "app.py"
ROOT = Path(__file__).parents[2]


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tutorial.db'}"
    elif request.param == "postgresql":
        # The tutorial's URL form, without a driver name.
        with postgresql_database("tutorial") as url:
            yield url.replace("postgresql+psycopg://", "postgresql://")
    else:
        with mariadb_database("tutorial") as url:
            yield url.replace("mysql+pymysql://", "mysql://").split("?")[0]


@pytest.fixture
def tutorial(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    with redis_prefix("tutorial") as prefix:
        monkeypatch.setenv("DATABASE_URL", database_url)
        monkeypatch.setenv("REDIS_URL", redis_url())
        monkeypatch.setenv("SESSION_KEY_PREFIX", prefix)
        monkeypatch.setattr(Hipflask, "run", lambda self, *a, **k: None)
        namespace = runpy.run_path(str(APP), run_name="__main__")
        yield namespace
        app, db = namespace["app"], namespace["db"]
        with app.app_context():
            db.drop_all()
            db.engine.dispose()


def test_the_tutorial_runs_on_each_database(tutorial: dict[str, Any], protocol: str) -> None:
    app = tutorial["app"]
    client = app.test_client(protocol=protocol)
    for n in range(12):
        city = "Oslo" if n % 2 else "Lima"
        response = client.post(
            "/register", data={"username": f"u{n:02}", "email": f"u{n}@example.com", "city": city}
        )
        assert response.status_code == 201
    with app.app_context():
        User, Post, db = tutorial["User"], tutorial["Post"], tutorial["db"]
        db.session.add(Post(title="first post", author=User.query.filter_by(username="u01").one()))
        db.session.commit()
    assert client.get("/users/2").json == {"username": "u01", "posts": ["first post"]}
    assert client.get("/users/999").status_code == 404
    page = client.get("/cities/Oslo?page=2").json
    assert page == {"users": ["u11"], "page": 2, "pages": 2, "next": None, "prev": 1}
    assert client.get("/cities/Oslo?page=x").json["page"] == 1  # type=int falls back
    assert client.get("/me").json == {"user": None}
    assert client.post("/login", data={"username": "u03"}).json == {"ok": True}
    assert client.get("/me").json == {"user": "u03"}
    assert client.get("/logout").json == {"ok": True}
    assert client.get("/me").json == {"user": None}
    if protocol == "asgi":
        client._shim._run(app.session_interface.store.aclose())


def test_the_migration_commands_through_the_cli(tmp_path: Path) -> None:
    with redis_prefix("tutorial_cli") as prefix:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
            "SESSION_KEY_PREFIX": prefix,
            "PYTHONPATH": str(ROOT),
        }
        hipflask = str(Path(sys.executable).parent / "hipflask")
        migrations = str(tmp_path / "migrations")

        def run(*args: str) -> str:
            result = subprocess.run(
                [hipflask, "--app", "examples.tutorial.app", "db", *args, "-d", migrations],
                capture_output=True,
                text=True,
                env=env,
                cwd=str(tmp_path),
                timeout=120,
                check=False,
            )
            assert result.returncode == 0, result.stdout + result.stderr
            return result.stdout + result.stderr

        run("init")
        run("migrate", "-m", "users and posts")
        run("upgrade")
        assert "(head)" in run("current")
        assert "users and posts" in run("history")
        run("downgrade")
        run("stamp", "head")
