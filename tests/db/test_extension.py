from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hipflask import Hipflask
from hipflask import Response
from hipflask import stream_with_context
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


def test_the_session_is_one_per_app_context_and_removed_at_teardown(
    db: SQLAlchemy, db_app: Hipflask
) -> None:
    with db_app.app_context():
        first = db.session()
        assert db.session() is first
        with db_app.app_context():
            assert db.session() is not first
    with db_app.app_context():
        assert db.session() is not first


def test_a_failed_request_leaves_no_half_written_transaction(
    db: SQLAlchemy, db_app: Hipflask, protocol: str
) -> None:
    User, _ = define_models(db)
    with db_app.app_context():
        db.create_all()

    @db_app.route("/half")
    def half() -> str:
        db.session.add(User(username="half"))
        db.session.flush()
        raise RuntimeError("fails after writing")

    @db_app.route("/count")
    def count() -> str:
        return str(User.query.filter_by(username="half").count())

    client = db_app.test_client(protocol=protocol)
    db_app.testing = False
    assert client.get("/half").status_code == 500
    assert client.get("/count").text == "0"
    with db_app.app_context():
        assert User.query.count() == 0


def test_a_committed_request_is_seen_by_the_next(
    db: SQLAlchemy, db_app: Hipflask, protocol: str
) -> None:
    User, _ = define_models(db)
    with db_app.app_context():
        db.create_all()

    @db_app.post("/users/<name>")
    def add(name: str) -> str:
        db.session.add(User(username=name))
        db.session.commit()
        return "ok"

    @db_app.get("/users")
    def names() -> Any:
        return [u.username for u in db.session.scalars(db.select(User).order_by(User.id))]

    client = db_app.test_client(protocol=protocol)
    client.post("/users/ann")
    client.post("/users/bob")
    assert client.get("/users").json == ["ann", "bob"]


def test_a_streamed_body_reads_the_database_and_its_end_closes_the_session(
    db: SQLAlchemy, db_app: Hipflask, protocol: str
) -> None:
    User, _ = define_models(db)
    with db_app.app_context():
        db.create_all()
        db.session.add(User(username="ann"))
        db.session.commit()
    sessions: list[Any] = []

    @db_app.get("/names")
    def names() -> Any:
        def generate() -> Iterator[str]:
            sessions.append(db.session())
            yield "names:"
            yield from (u.username for u in db.session.scalars(db.select(User)))

        return Response(stream_with_context(generate()))

    @db_app.get("/async-names")
    async def async_names() -> Any:
        async def generate() -> AsyncIterator[str]:
            sessions.append(db.session())
            yield "names:"
            for user in db.session.scalars(db.select(User)):
                yield user.username

        return Response(stream_with_context(generate()))

    client = db_app.test_client(protocol=protocol)
    assert client.get("/names").text == "names:ann"
    assert client.get("/async-names").text == "names:ann"
    # The end of each stream tore its app context down, closing its session.
    assert [session.in_transaction() for session in sessions] == [False, False]


def _on_a_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def test_a_stream_its_client_leaves_is_closed_off_the_loop_and_closes_its_session(
    db: SQLAlchemy, db_app: Hipflask, protocol: str
) -> None:
    sessions: list[Any] = []
    on_loop: list[bool] = []

    @db_app.get("/numbers")
    def numbers() -> Any:
        def generate() -> Iterator[str]:
            sessions.append(db.session())
            try:
                for number in range(100):
                    yield str(db.session.execute(sa.text(f"SELECT {number}")).scalar())
            finally:
                # Clean-up may block (a query, a lock): never on the server's loop.
                on_loop.append(_on_a_loop())

        return Response(stream_with_context(generate()))

    client = db_app.test_client(protocol=protocol)
    response = client.get("/numbers")
    chunks = iter(response.response)
    assert next(chunks) == b"0"
    response.close()  # the client leaves
    assert on_loop == [False]
    assert not sessions[0].in_transaction()


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


def test_the_shell_gets_db_and_the_models(db: SQLAlchemy, db_app: Hipflask) -> None:
    User, Post = define_models(db)
    with db_app.app_context():
        names = db_app.make_shell_context()
    assert names["db"] is db
    assert names["User"] is User
    assert names["Post"] is Post


def test_repr_names_the_database(db: SQLAlchemy, db_app: Hipflask) -> None:
    assert repr(db) == "<SQLAlchemy>"
    with db_app.app_context():
        assert "test.db" in repr(db)


def test_engine_options_given_to_the_constructor(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    db = SQLAlchemy(app, engine_options={"echo": True})
    with app.app_context():
        assert db.engine.echo is True


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


def test_a_second_sqlalchemy_on_the_same_app_is_refused(db: SQLAlchemy, db_app: Hipflask) -> None:
    with pytest.raises(RuntimeError, match="already been registered") as info:
        SQLAlchemy(db_app)
    assert isinstance(info.value, ConfigurationError)
    assert db_app.extensions["sqlalchemy"] is db
    db.init_app(db_app)  # the same object again keeps its engines
    assert db_app.extensions["sqlalchemy"] is db
