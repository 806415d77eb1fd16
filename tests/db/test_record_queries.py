from __future__ import annotations

from pathlib import Path

import pytest

from hipflask.db import DatabaseContextError
from hipflask.db import SQLAlchemy
from hipflask.db import get_recorded_queries

from .conftest import define_models
from .conftest import make_app


def test_queries_are_recorded_when_configured(tmp_path: Path, protocol: str) -> None:
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite://", SQLALCHEMY_RECORD_QUERIES=True)
    db = SQLAlchemy(app)
    User, _ = define_models(db)
    with app.app_context():
        db.create_all()

    @app.get("/")
    def index() -> object:
        User.query.filter_by(username="ann").first()
        queries = get_recorded_queries()
        return {
            "n": len(queries),
            "sql": queries[-1].statement,
            "params": queries[-1].parameters,
            "location": queries[-1].location,
            "line": index.__code__.co_firstlineno + 2,  # the decorator, def, then the query
            "duration_ok": queries[-1].duration >= 0,
        }

    body = app.test_client(protocol=protocol).get("/").json
    assert body["n"] == 1
    assert "FROM user" in body["sql"]
    # A list of parameter sets, as Flask-SQLAlchemy gives them.
    assert body["params"] == [["ann", 1, 0]]
    assert body["location"] == f"{__file__}:{body['line']} (index)"
    assert body["duration_ok"] is True


def test_nothing_is_recorded_by_default(tmp_path: Path) -> None:
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite://")
    db = SQLAlchemy(app)
    User, _ = define_models(db)
    with app.app_context():
        db.create_all()
        User.query.all()
        assert get_recorded_queries() == []


def test_outside_an_app_context_it_raises() -> None:
    # As Flask-SQLAlchemy's (which reads flask.g) does: a RuntimeError.
    with pytest.raises(DatabaseContextError):
        get_recorded_queries()
    assert issubclass(DatabaseContextError, RuntimeError)


def test_an_executemany_records_every_parameter_set(tmp_path: Path) -> None:
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite://", SQLALCHEMY_RECORD_QUERIES=True)
    db = SQLAlchemy(app)
    table = db.Table("word", db.Column("text", db.String(10)))
    with app.app_context():
        db.create_all()
        db.session.execute(table.insert(), [{"text": "a"}, {"text": "b"}])
        query = get_recorded_queries()[-1]
        assert query.statement.startswith("INSERT INTO word")
        assert query.parameters == [("a",), ("b",)]


def test_the_list_is_the_app_contexts_own_so_clearing_it_starts_afresh(tmp_path: Path) -> None:
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite://", SQLALCHEMY_RECORD_QUERIES=True)
    db = SQLAlchemy(app)
    User, _ = define_models(db)
    with app.app_context():
        db.create_all()
        User.query.all()
        recorded = get_recorded_queries()
        assert recorded
        recorded.clear()
        User.query.count()
        assert len(get_recorded_queries()) == 1
        assert recorded == get_recorded_queries()
