from __future__ import annotations

from pathlib import Path

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
            "params": list(queries[-1].parameters),
            "location": queries[-1].location,
            "duration_ok": queries[-1].duration >= 0,
        }

    body = app.test_client(protocol=protocol).get("/").json
    assert body["n"] == 1
    assert "FROM user" in body["sql"]
    assert "ann" in body["params"]
    assert "test_record_queries" in body["location"]
    assert body["duration_ok"] is True


def test_nothing_is_recorded_by_default(tmp_path: Path) -> None:
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite://")
    db = SQLAlchemy(app)
    User, _ = define_models(db)
    with app.app_context():
        db.create_all()
        User.query.all()
        assert get_recorded_queries() == []


def test_outside_an_app_context_there_is_nothing() -> None:
    assert get_recorded_queries() == []
