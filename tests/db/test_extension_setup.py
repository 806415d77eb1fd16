"""SQLAlchemy(app): the database URI, config defaults, engine options and init_app."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hipflask import Hipflask
from hipflask.db import DatabaseContextError
from hipflask.db import SQLAlchemy
from hipflask.errors import ConfigurationError

from .conftest import define_models
from .conftest import make_app


def test_no_uri_means_an_sqlite_file_in_the_instance_folder(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    db = SQLAlchemy(app)
    with app.app_context():
        assert db.engine.url.database == os.path.join(app.instance_path, "app.db")
        db.create_all()
    assert os.path.isdir(app.instance_path)


def test_a_relative_sqlite_path_is_relative_to_the_instance_folder(tmp_path: Path) -> None:
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite:///project.db")
    db = SQLAlchemy(app)
    define_models(db)
    with app.app_context():
        db.create_all()
    assert os.path.exists(os.path.join(app.instance_path, "project.db"))


def test_in_memory_sqlite_is_shared_by_every_thread_and_request(tmp_path: Path) -> None:
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite://")
    db = SQLAlchemy(app)
    User, _ = define_models(db)
    with app.app_context():
        db.create_all()
        db.session.add(User(username="ann"))
        db.session.commit()

    @app.route("/count")
    def count() -> str:
        return str(User.query.count())

    for protocol in ("wsgi", "asgi"):
        assert app.test_client(protocol=protocol).get("/count").text == "1"


def test_config_keys_get_their_defaults(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    SQLAlchemy(app)
    assert app.config["SQLALCHEMY_ECHO"] is False
    assert app.config["SQLALCHEMY_RECORD_QUERIES"] is False
    assert app.config["SQLALCHEMY_BINDS"] == {}
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {}
    assert app.extensions["sqlalchemy"] is not None


def test_engine_options_and_echo_reach_the_engine(tmp_path: Path) -> None:
    app = make_app(
        tmp_path,
        SQLALCHEMY_ECHO=True,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
    )
    db = SQLAlchemy(app)
    with app.app_context():
        assert db.engine.echo is True
        assert db.engine.pool._pre_ping is True


def test_init_app_later_with_an_app_factory(tmp_path: Path) -> None:
    db = SQLAlchemy()
    User, _ = define_models(db)
    first = make_app(tmp_path / "a", SQLALCHEMY_DATABASE_URI="sqlite://")
    second = make_app(tmp_path / "b", SQLALCHEMY_DATABASE_URI="sqlite://")
    db.init_app(first)
    db.init_app(second)
    db.init_app(first)  # a second call changes nothing
    with first.app_context():
        db.create_all()
        db.session.add(User(username="only-in-first"))
        db.session.commit()
    with second.app_context():
        db.create_all()
        assert User.query.count() == 0
    with first.app_context():
        assert User.query.count() == 1


def test_create_all_outside_an_app_context_says_how_to_enter_one(db: SQLAlchemy) -> None:
    for call in (db.create_all, db.drop_all, db.reflect, lambda: db.engine, db.session):
        with pytest.raises(DatabaseContextError, match="app_context"):
            call()
    with pytest.raises(RuntimeError):
        db.create_all()


def test_an_app_that_was_not_set_up_is_named(db: SQLAlchemy, tmp_path: Path) -> None:
    other = make_app(tmp_path / "other")
    with other.app_context(), pytest.raises(DatabaseContextError, match="init_app"):
        db.create_all()


def test_repr_names_the_database(db: SQLAlchemy, db_app: Hipflask) -> None:
    assert repr(db) == "<SQLAlchemy>"
    with db_app.app_context():
        assert "test.db" in repr(db)


def test_engine_options_given_to_the_constructor(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    db = SQLAlchemy(app, engine_options={"echo": True})
    with app.app_context():
        assert db.engine.echo is True


def test_a_second_sqlalchemy_on_the_same_app_is_refused(db: SQLAlchemy, db_app: Hipflask) -> None:
    with pytest.raises(RuntimeError, match="already been registered") as info:
        SQLAlchemy(db_app)
    assert isinstance(info.value, ConfigurationError)
    assert db_app.extensions["sqlalchemy"] is db
    db.init_app(db_app)  # the same object again keeps its engines
    assert db_app.extensions["sqlalchemy"] is db
