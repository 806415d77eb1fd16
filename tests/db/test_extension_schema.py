"""The names db carries from SQLAlchemy, its metadata, create_all/drop_all/reflect and the shell."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from hipflask import Hipflask
from hipflask.db import SQLAlchemy

from .conftest import define_models
from .conftest import make_app


def test_create_all_drop_all_and_reflect(db: SQLAlchemy, db_app: Hipflask) -> None:
    define_models(db)
    with db_app.app_context():
        db.create_all()
        assert set(sa.inspect(db.engine).get_table_names()) == {"user", "post"}
        # Another app on the same database (one app has one SQLAlchemy).
        other_app = make_app(
            Path(db_app.instance_path),
            SQLALCHEMY_DATABASE_URI=db_app.config["SQLALCHEMY_DATABASE_URI"],
        )
        reflected = SQLAlchemy(other_app)
        with other_app.app_context():
            reflected.reflect()
            reflected.engine.dispose()
        assert "user" in reflected.metadata.tables
        db.drop_all()
        assert sa.inspect(db.engine).get_table_names() == []


def test_sqlalchemy_names_are_available_on_db(db: SQLAlchemy) -> None:
    assert db.Column is sa.Column
    assert db.String is sa.String
    assert db.select is sa.select
    assert db.ForeignKey is sa.ForeignKey
    assert db.Mapped is sa.orm.Mapped
    assert db.mapped_column is sa.orm.mapped_column
    with pytest.raises(AttributeError):
        db.no_such_name  # noqa: B018


def test_db_relation_is_the_older_name_of_relationship(db: SQLAlchemy, db_app: Hipflask) -> None:
    class Owner(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        pets = db.relation("Pet", backref="owner", lazy="dynamic")

    class Pet(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        owner_id = db.Column(db.ForeignKey("owner.id"))

    with db_app.app_context():
        db.create_all()
        db.session.add(Owner(pets=[Pet(), Pet()]))
        db.session.commit()
        owner = db.session.get(Owner, 1)
        assert owner.pets.paginate(page=1, per_page=1).total == 2
        assert db.session.get(Pet, 2).owner is owner


def test_db_table_lands_in_the_metadata(db: SQLAlchemy, db_app: Hipflask) -> None:
    tags = db.Table("tags", db.Column("id", db.Integer, primary_key=True))
    assert tags.metadata is db.metadata
    with db_app.app_context():
        db.create_all()
        assert sa.inspect(db.engine).has_table("tags")


def test_the_shell_gets_db_and_the_models(db: SQLAlchemy, db_app: Hipflask) -> None:
    User, Post = define_models(db)
    with db_app.app_context():
        names = db_app.make_shell_context()
    assert names["db"] is db
    assert names["User"] is User
    assert names["Post"] is Post
