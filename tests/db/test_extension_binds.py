"""SQLALCHEMY_BINDS: models routed to their database, unknown keys refused, no default database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.sync_drivers import without_c_drivers as without_c_drivers  # a shared fixture

from hipflask import Hipflask
from hipflask.db import SQLAlchemy
from hipflask.errors import ConfigurationError

from .conftest import make_app


def test_binds_route_models_to_their_database(tmp_path: Path) -> None:
    app = make_app(
        tmp_path,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'main.db'}",
        SQLALCHEMY_BINDS={
            "audit": f"sqlite:///{tmp_path / 'audit.db'}",
            "cache": {"url": f"sqlite:///{tmp_path / 'cache.db'}", "echo": False},
        },
    )
    db = SQLAlchemy(app)

    class Entry(db.Model):
        __bind_key__ = "audit"
        id = db.Column(db.Integer, primary_key=True)
        text = db.Column(db.String(50))

    class Thing(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    counters = db.Table("counters", db.Column("n", db.Integer), bind_key="cache")

    with app.app_context():
        assert set(db.engines) == {None, "audit", "cache"}
        db.create_all()
        db.session.add(Entry(text="x"))
        db.session.add(Thing())
        db.session.execute(counters.insert().values(n=1))
        db.session.commit()
        assert sa.inspect(db.engines["audit"]).get_table_names() == ["entry"]
        assert sa.inspect(db.engine).get_table_names() == ["thing"]
        assert sa.inspect(db.engines["cache"]).get_table_names() == ["counters"]
        assert db.session.scalar(db.select(Entry.text)) == "x"
        assert db.session.scalar(sa.select(counters.c.n)) == 1
        db.drop_all(bind_key="audit")
        assert sa.inspect(db.engines["audit"]).get_table_names() == []
        with pytest.raises(ConfigurationError, match="SQLALCHEMY_BINDS"):
            db.get_engine("nope")


def test_a_bind_without_a_url_is_a_configuration_error(tmp_path: Path) -> None:
    app = make_app(tmp_path, SQLALCHEMY_BINDS={"x": {"echo": True}})
    with pytest.raises(ConfigurationError, match="url"):
        SQLAlchemy(app)
    app = make_app(tmp_path, SQLALCHEMY_BINDS={None: {"echo": True}, "x": "sqlite://"})
    with pytest.raises(ConfigurationError, match=r"SQLALCHEMY_BINDS\[None\] has no 'url'"):
        SQLAlchemy(app)


# Flask-SQLAlchemy's message when only SQLALCHEMY_BINDS is set; hipflask adds what to do.
NO_DEFAULT_DATABASE = (
    "'SQLALCHEMY_DATABASE_URI' config is not set. Bind key 'None' is not in"
    " 'SQLALCHEMY_BINDS' config."
)


def binds_only_app(
    tmp_path: Path, url: str, *, default_models: bool = True
) -> tuple[Hipflask, SQLAlchemy, Any, Any]:
    app = make_app(tmp_path, SQLALCHEMY_BINDS={"a": url})
    db = SQLAlchemy(app)

    class Entry(db.Model):
        __bind_key__ = "a"
        id = db.Column(db.Integer, primary_key=True)
        text = db.Column(db.String(50))

    user: Any = None
    if default_models:

        class User(db.Model):
            id = db.Column(db.Integer, primary_key=True)

        user = User
    return app, db, Entry, user


@pytest.mark.parametrize("default_models", [True, False], ids=["default-models", "no-models"])
@pytest.mark.parametrize("operation", ["create_all", "drop_all", "reflect"])
@pytest.mark.parametrize(
    "bind_key", ["omitted", "__all__", None, ["a", None]], ids=["omitted", "all", "none", "list"]
)
def test_without_a_default_database_a_call_that_includes_it_is_refused(
    tmp_path: Path, operation: str, bind_key: Any, default_models: bool
) -> None:
    from hipflask.db.session import UnknownBindError

    url = f"sqlite:///{tmp_path / 'a.db'}"
    app, db, _, _ = binds_only_app(tmp_path, url, default_models=default_models)
    call = getattr(db, operation)
    with app.app_context():
        assert set(db.engines) == {"a"}
        # As in Flask-SQLAlchemy, with or without default models: skipping the
        # default would leave them without tables, to fail at the first query.
        with pytest.raises(sa.exc.UnboundExecutionError) as info:
            call() if bind_key == "omitted" else call(bind_key=bind_key)
        assert isinstance(info.value, UnknownBindError)
        assert isinstance(info.value, ConfigurationError)
        assert str(info.value).startswith(NO_DEFAULT_DATABASE)
        assert "set SQLALCHEMY_DATABASE_URI" in str(info.value)
        # Refused before the first statement: not even bind "a" was touched.
        assert sa.inspect(db.engines["a"]).get_table_names() == []
        db.engines["a"].dispose()


def test_without_a_default_database_the_binds_named_are_created_dropped_and_reflected(
    bind_server_url: str, tmp_path: Path
) -> None:
    from hipflask.db.session import UnknownBindError

    app, db, Entry, _ = binds_only_app(tmp_path, bind_server_url)
    with app.app_context():
        engine = db.engines["a"]
        try:
            db.create_all(bind_key=["a"])
            assert sa.inspect(engine).get_table_names() == ["entry"]
            db.session.add(Entry(text="x"))
            db.session.commit()
            assert db.session.scalar(db.select(Entry.text)) == "x"
            db.session.close()  # its transaction would hold up the DROP on a server
            with pytest.raises(UnknownBindError, match="SQLALCHEMY_DATABASE_URI"):
                db.drop_all()
            assert sa.inspect(engine).get_table_names() == ["entry"]
            db.reflect(bind_key="a")
            assert "entry" in db.metadatas["a"].tables
            db.drop_all(bind_key="a")
            assert sa.inspect(engine).get_table_names() == []
        finally:
            db.session.remove()
            engine.dispose()


def test_a_default_model_without_a_default_database_is_refused_naming_the_setting(
    tmp_path: Path, protocol: str
) -> None:
    app, db, _, User = binds_only_app(tmp_path, f"sqlite:///{tmp_path / 'a.db'}")

    @app.get("/users")
    def users() -> Any:
        try:
            db.session.scalars(db.select(User)).all()
        except sa.exc.UnboundExecutionError as exc:
            return f"{type(exc).__name__}: {exc}", 500
        return "ok"

    @app.get("/async-users")
    async def async_users() -> Any:
        try:
            await db.async_session.scalars(db.select(User))
        except sa.exc.UnboundExecutionError as exc:
            return f"{type(exc).__name__}: {exc}", 500
        return "ok"

    client = app.test_client(protocol=protocol)
    for path in ("/users", "/async-users"):
        response = client.get(path)
        assert response.status_code == 500
        assert response.text.startswith(f"UnknownBindError: {NO_DEFAULT_DATABASE}")
    with app.app_context():
        db.engines["a"].dispose()


def test_an_unknown_bind_key_is_refused_not_sent_to_the_default_database(
    tmp_path: Path, protocol: str
) -> None:
    from hipflask.db.session import UnknownBindError

    app = make_app(
        tmp_path,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'main.db'}",
        SQLALCHEMY_BINDS={"audit": f"sqlite:///{tmp_path / 'audit.db'}"},
    )
    db = SQLAlchemy(app)

    class Note(db.Model):
        __bind_key__ = "auditt"  # a typo
        id = db.Column(db.Integer, primary_key=True)

    message = "Bind key 'auditt' is not in 'SQLALCHEMY_BINDS' config."
    with app.app_context():
        with pytest.raises(sa.exc.UnboundExecutionError) as info:
            db.create_all()
        assert str(info.value) == message
        assert isinstance(info.value, ConfigurationError)
        with pytest.raises(UnknownBindError):
            db.create_all(bind_key="auditt")
        # The same table in the default database must not receive the rows.
        with db.engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE note (id INTEGER PRIMARY KEY)"))

    @app.post("/notes")
    def add() -> str:
        db.session.add(Note())
        try:
            db.session.commit()
        except sa.exc.UnboundExecutionError as exc:
            return str(exc), 500
        return "ok"

    @app.get("/async-notes")
    async def read() -> str:
        try:
            await db.async_session.scalars(db.select(Note))
        except sa.exc.UnboundExecutionError as exc:
            return str(exc), 500
        return "ok"

    client = app.test_client(protocol=protocol)
    response = client.post("/notes")
    assert (response.status_code, response.text) == (500, message)
    response = client.get("/async-notes")
    assert (response.status_code, response.text) == (500, message)
    with app.app_context():
        assert db.session.scalar(sa.text("SELECT count(*) FROM note")) == 0


def test_get_engine_of_an_unknown_bind_is_a_key_error(db: SQLAlchemy, db_app: Hipflask) -> None:
    with db_app.app_context():
        with pytest.raises(KeyError) as info:
            db.get_engine("nope")
        assert isinstance(info.value, ConfigurationError)
        assert str(info.value).startswith("No database bind 'nope'")
        with pytest.raises(KeyError):
            db.engines["nope"]


def test_get_engine_takes_the_bind_key_as_bind_too(tmp_path: Path) -> None:
    app = make_app(
        tmp_path, SQLALCHEMY_DATABASE_URI="sqlite://", SQLALCHEMY_BINDS={"audit": "sqlite://"}
    )
    db = SQLAlchemy(app)
    with app.app_context():
        assert db.get_engine(bind="audit") is db.engines["audit"]
        assert db.get_engine(bind=None) is db.engine
        with pytest.raises(KeyError):
            db.get_engine(bind="nope")


@pytest.mark.usefixtures("without_c_drivers")
def test_repr_counts_the_extra_binds(tmp_path: Path) -> None:
    app = make_app(
        tmp_path,
        SQLALCHEMY_DATABASE_URI="sqlite://",
        SQLALCHEMY_BINDS={"a": "sqlite://", "b": "sqlite://"},
    )
    db = SQLAlchemy(app)
    assert repr(db) == "<SQLAlchemy>"
    with app.app_context():
        assert repr(db) == "<SQLAlchemy sqlite:// +2>"
    url = sa.URL.create("postgresql", username="u", password="pw", host="h", database="d")
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=url)
    db = SQLAlchemy(app)
    with app.app_context():
        assert repr(db) == "<SQLAlchemy postgresql+psycopg://u:***@h/d>"


def test_engine_options_apply_to_every_bind_and_stay_out_of_the_config(tmp_path: Path) -> None:
    app = make_app(
        tmp_path,
        SQLALCHEMY_ECHO=True,
        SQLALCHEMY_BINDS={
            "other": f"sqlite:///{tmp_path / 'other.db'}",
            "own": {"url": f"sqlite:///{tmp_path / 'own.db'}", "pool_pre_ping": False},
        },
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'main.db'}",
    )
    db = SQLAlchemy(app, engine_options={"pool_pre_ping": True})
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {}
    with app.app_context():
        assert db.engines[None].pool._pre_ping is True
        assert db.engines["other"].pool._pre_ping is True
        # A bind's own options win over the constructor's.
        assert db.engines["own"].pool._pre_ping is False
        for engine in db.engines.values():
            assert engine.echo is True
            assert engine.pool.echo is True
