from __future__ import annotations

import sqlalchemy as sa

from hipflask import Hipflask
from hipflask.db import Session
from hipflask.db import SQLAlchemy
from hipflask.db.session import bind_key_of

from .conftest import define_models


def test_db_session_is_a_hipflask_session(db: SQLAlchemy, db_app: Hipflask) -> None:
    with db_app.app_context():
        assert isinstance(db.session(), Session)


def test_bind_key_of_a_model_and_of_a_statement(db: SQLAlchemy) -> None:
    class Remote(db.Model):
        __bind_key__ = "remote"
        id = db.Column(db.Integer, primary_key=True)

    User, _ = define_models(db)
    assert bind_key_of(mapper=Remote) == (True, "remote")
    assert bind_key_of(mapper=User) == (True, None)
    assert bind_key_of(clause=sa.select(Remote.id)) == (True, "remote")
    assert bind_key_of(clause=sa.text("SELECT 1")) == (False, None)


def test_an_explicit_bind_is_used(db: SQLAlchemy, db_app: Hipflask) -> None:
    other = sa.create_engine("sqlite://")
    with db_app.app_context():
        assert db.session().get_bind(bind=other) is other
        assert db.session().get_bind() is db.engine
    other.dispose()


def test_session_options_reach_the_session(db_app: Hipflask) -> None:
    db = SQLAlchemy(db_app, session_options={"autoflush": False, "expire_on_commit": False})
    with db_app.app_context():
        assert db.session().autoflush is False
        assert db.session().expire_on_commit is False
