"""An app with a database, and the real servers the model suite runs on."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import SECRET
from tests.real_servers import mariadb_database
from tests.real_servers import postgresql_database

from hipflask import Hipflask
from hipflask.db import SQLAlchemy


def make_app(tmp_path: Path, **config: Any) -> Hipflask:
    app = Hipflask("db_tests", instance_path=str(tmp_path / "instance"))
    app.config.update(TESTING=True, SECRET_KEY=SECRET, **config)
    return app


def define_models(db: SQLAlchemy) -> tuple[Any, Any]:
    class User(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        username = db.Column(db.String(80), unique=True, nullable=False)
        email = db.Column(db.String(120))
        posts = db.relationship("Post", backref="author", lazy="dynamic")

    class Post(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        title = db.Column(db.String(200), nullable=False)
        user_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False)

    return User, Post


@pytest.fixture
def db_app(tmp_path: Path) -> Hipflask:
    return make_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'test.db'}")


@pytest.fixture
def db(db_app: Hipflask) -> Iterator[SQLAlchemy]:
    db = SQLAlchemy(db_app)
    yield db
    with db_app.app_context():
        for engine in db.engines.values():
            engine.dispose()


@contextlib.contextmanager
def backend_database(
    backend: str, suite: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database of the suite's own on ``backend``, dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / f'{suite}.db'}"
    elif backend == "postgresql":
        with postgresql_database(suite) as url:
            yield url
    else:
        with mariadb_database(suite) as url:
            yield url


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mariadb"])
def server_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database URL on each backend the model suite must pass on."""
    with backend_database(request.param, "db", tmp_path_factory) as url:
        yield url


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mariadb"])
def bind_server_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database on each backend, for a bind of an app with no default database."""
    with backend_database(request.param, "binds", tmp_path_factory) as url:
        yield url
