"""The SQL sessions' table: one of another layout under its name is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import SECRET
from tests.sessions.test_cleanup import make_app

from hipflask import Hipflask
from hipflask.db import SQLAlchemy
from hipflask.errors import ConfigurationError
from hipflask.sessions import Session


def flask_session_table(url: str) -> None:
    """The table Flask-Session 0.8 creates under its default name."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    sa.Table(
        "sessions",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.String(255), unique=True),
        sa.Column("data", sa.LargeBinary),
        sa.Column("expiry", sa.DateTime),
    )
    metadata.create_all(engine)
    engine.dispose()


def test_a_flask_session_table_under_the_configured_name_is_named_as_the_cause(
    tmp_path: Path, protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    # A ported config keeps SESSION_SQLALCHEMY_TABLE = "sessions", where
    # Flask-Session's table, of another layout, already is.
    url = f"sqlite:///{tmp_path / 'ported.db'}"
    flask_session_table(url)
    app, _ = make_app(url, tmp_path, SESSION_SQLALCHEMY_TABLE="sessions")

    response = app.test_client(protocol=protocol).post("/login/ann")

    assert response.status_code == 503
    assert "Flask-Session" in caplog.text
    assert "SESSION_SQLALCHEMY_TABLE" in caplog.text


def test_a_model_s_table_under_the_configured_name_is_refused_at_start(tmp_path: Path) -> None:
    app = Hipflask("cleanup", instance_path=str(tmp_path / "instance"))
    app.config.update(
        SECRET_KEY=SECRET,
        SESSION_TYPE="sqlalchemy",
        SESSION_SQLALCHEMY_TABLE="sessions",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'models.db'}",
    )
    db = SQLAlchemy(app)

    class Sessions(db.Model):  # type: ignore[name-defined, misc]
        __tablename__ = "sessions"
        id = db.Column(db.Integer, primary_key=True)
        title = db.Column(db.String(80))

    with pytest.raises(ConfigurationError, match="SESSION_SQLALCHEMY_TABLE"):
        Session(app)
