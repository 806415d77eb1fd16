from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool
from sqlalchemy.pool import StaticPool
from tests.real_servers import mariadb_database
from tests.sync_drivers import without_c_drivers as without_c_drivers  # a shared fixture

from hipflask.db import SQLAlchemy
from hipflask.db.engines import async_engine_arguments
from hipflask.db.engines import engine_arguments

from .conftest import make_app


def test_mysql_gets_utf8mb4_and_connection_recycling(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    url, options = engine_arguments(app, {"url": "mysql://root@127.0.0.1/test"})
    assert url.drivername == "mysql+pymysql"
    assert url.query["charset"] == "utf8mb4"
    assert options["pool_recycle"] == 7200
    url, _ = engine_arguments(app, {"url": "mysql+pymysql://root@h/test?charset=latin1"})
    assert url.query["charset"] == "latin1"


@pytest.mark.usefixtures("without_c_drivers")
def test_a_tutorial_postgresql_url_uses_psycopg_3(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    url, _ = engine_arguments(app, {"url": "postgresql://u@h/db"})
    assert url.drivername == "postgresql+psycopg"


def test_in_memory_sqlite_is_one_shared_connection(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    _, options = engine_arguments(app, {"url": "sqlite://"})
    assert options["poolclass"] is StaticPool
    assert options["connect_args"] == {"check_same_thread": False}


def test_an_absolute_sqlite_path_is_kept(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    url, _ = engine_arguments(app, {"url": f"sqlite:///{tmp_path / 'x' / 'abs.db'}"})
    assert url.database == str(tmp_path / "x" / "abs.db")
    assert (tmp_path / "x").is_dir()


def test_a_relative_sqlite_uri_file_is_in_the_instance_folder(tmp_path: Path) -> None:
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite:///file:uri.db?uri=true")
    db = SQLAlchemy(app)
    with app.app_context():
        db.create_all()
        assert db.engine.url.database == "file:" + os.path.join(app.instance_path, "uri.db")
        with db.engine.connect() as connection:
            connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    assert os.path.exists(os.path.join(app.instance_path, "uri.db"))


def test_an_absolute_sqlite_uri_is_kept(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    url, _ = engine_arguments(app, {"url": f"sqlite:///file:{tmp_path / 'abs.db'}?uri=true"})
    assert url.database == f"file:{tmp_path / 'abs.db'}"
    assert (tmp_path / "abs.db").exists()  # created private before SQLite opens it
    assert not os.path.exists(app.instance_path)


def test_a_localhost_sqlite_uri_names_a_local_file(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    engine_arguments(app, {"url": f"sqlite:///file://localhost{tmp_path / 'local.db'}?uri=true"})
    assert (tmp_path / "local.db").exists()


def test_an_in_memory_sqlite_uri_is_one_shared_connection(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    url, options = engine_arguments(app, {"url": "sqlite:///file::memory:?uri=true"})
    assert url.database == "file::memory:"
    assert options["poolclass"] is StaticPool
    assert not os.path.exists(app.instance_path)


def test_a_new_sqlite_file_is_readable_by_its_owner_alone(tmp_path: Path) -> None:
    import stat

    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'private.db'}")
    db = SQLAlchemy(app)
    existing = tmp_path / "shared.db"
    existing.touch(mode=0o644)
    existing.chmod(0o644)
    engine_arguments(app, {"url": f"sqlite:///{existing}"})
    with app.app_context():
        db.create_all()

    assert stat.S_IMODE((tmp_path / "private.db").stat().st_mode) == 0o600
    # A file that exists keeps the permissions its owner gave it.
    assert stat.S_IMODE(existing.stat().st_mode) == 0o644


def test_async_engines_are_derived_from_the_sync_ones(tmp_path: Path) -> None:
    app = make_app(
        tmp_path,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'a.db'}",
        SQLALCHEMY_BINDS={"pg": "postgresql://u@127.0.0.1/db", "my": "mysql://root@127.0.0.1/db"},
    )
    db = SQLAlchemy(app)
    with app.app_context():
        sqlite_url, sqlite_options = async_engine_arguments(app, db.engine) or ("", {})
        assert sqlite_url.startswith("sqlite+aiosqlite:///")
        assert "poolclass" not in sqlite_options
        app.config["SQLALCHEMY_ASYNC_ENGINE_OPTIONS"] = {"poolclass": NullPool}
        _, options = async_engine_arguments(app, db.engine) or ("", {})
        assert options["poolclass"] is NullPool
        pg = async_engine_arguments(app, db.engines["pg"])
        assert pg is not None
        assert pg[0] == "postgresql+psycopg://u@127.0.0.1/db"
        my = async_engine_arguments(app, db.engines["my"])
        assert my is not None
        assert my[0].startswith("mysql+asyncmy://root@127.0.0.1/db")
        for engine in db.engines.values():
            engine.dispose()


@pytest.mark.parametrize(
    ("configured", "sync_driver", "async_driver"),
    [
        ("postgresql+asyncpg://u@127.0.0.1/db", "psycopg", "asyncpg"),
        ("postgresql+psycopg://u@127.0.0.1/db", "psycopg", "psycopg"),
        ("postgresql://u@127.0.0.1/db", None, "psycopg"),
        ("mysql+aiomysql://root@127.0.0.1/db", "pymysql", "aiomysql"),
        ("mysql+asyncmy://root@127.0.0.1/db", "pymysql", "asyncmy"),
    ],
)
def test_an_async_driver_the_settings_name_is_the_async_engine_s(
    tmp_path: Path, configured: str, sync_driver: str | None, async_driver: str
) -> None:
    # One setting serves both engines: the sync one on the database's sync
    # driver, the async one on the driver the URL names, if it is async.
    app = make_app(tmp_path, SQLALCHEMY_BINDS={"named": configured})
    db = SQLAlchemy(app)
    with app.app_context():
        engine = db.engines["named"]
        if sync_driver is not None:
            assert engine.url.get_driver_name() == sync_driver
        arguments = async_engine_arguments(app, engine)
        assert arguments is not None
        assert arguments[0].split("://")[0].split("+")[1] == async_driver
        for each in db.engines.values():
            each.dispose()


def test_an_async_driver_named_but_not_installed_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    import sys

    from hipflask.errors import ConfigurationError

    monkeypatch.setitem(sys.modules, "asyncpg", None)  # not installed
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI="postgresql+asyncpg://u@127.0.0.1/db")
    db = SQLAlchemy(app)

    async def use() -> None:
        with app.app_context():
            db.get_async_engine()

    with pytest.raises(ConfigurationError, match="'asyncpg'"):
        asyncio.run(use())
    with app.app_context():
        db.engine.dispose()


def test_a_missing_driver_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from hipflask.errors import MissingExtraError

    monkeypatch.setitem(sys.modules, "psycopg", None)
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI="postgresql+psycopg://u@127.0.0.1/db")
    with pytest.raises(MissingExtraError, match=r"hipflask\[postgresql\]"):
        SQLAlchemy(app)


@pytest.mark.parametrize("uri", ["not a url", "nosuchdb://u@h/db", "postgresql://u@h:notaport/db"])
def test_a_bad_database_uri_is_a_configuration_error(tmp_path: Path, uri: str) -> None:
    from hipflask.errors import ConfigurationError

    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=uri)
    with pytest.raises(ConfigurationError, match="URL"):
        SQLAlchemy(app)


@pytest.mark.usefixtures("without_c_drivers")
def test_a_url_object_keeps_its_password(tmp_path: Path) -> None:
    # str(url) would mask the password as '***' and the engine could not log in.
    secret = sa.URL.create("postgresql", username="u", password="s3cret", host="h", database="d")
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=secret, SQLALCHEMY_BINDS={"other": secret})
    db = SQLAlchemy(app)
    with app.app_context():
        for engine in db.engines.values():
            assert engine.url.password == "s3cret"
            assert engine.url.drivername == "postgresql+psycopg"
        assert "s3cret" not in repr(db)


def test_an_unparsable_url_is_reported_without_its_password(tmp_path: Path) -> None:
    from hipflask.errors import ConfigurationError

    for url in (
        "postgresql://u:s3cret@h:port/db",
        "u:s3cret@127.0.0.1:5432/db",  # no scheme
        "host=127.0.0.1 user=u password=s3cret dbname=db",  # a libpq string
        "jdbc:postgresql://h/db?user=u&password=s3cret",
    ):
        app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=url)
        with pytest.raises(ConfigurationError) as info:
            SQLAlchemy(app)
        assert "s3cret" not in str(info.value), url
        # Nor in the traceback: the parser's error is not chained.
        assert info.value.__cause__ is None and info.value.__suppress_context__
    assert "'postgresql'" in str(_refusal(tmp_path, "postgresql://u:s3cret@h:port/db"))


def _refusal(tmp_path: Path, url: str) -> Exception:
    from hipflask.errors import ConfigurationError

    with pytest.raises(ConfigurationError) as info:
        SQLAlchemy(make_app(tmp_path, SQLALCHEMY_DATABASE_URI=url))
    return info.value


def test_a_url_object_with_a_password_logs_in_to_mariadb(tmp_path: Path) -> None:
    import os

    import pymysql

    with mariadb_database("urlobj") as server_url:
        database = sa.make_url(server_url).database
        user = f"hipflask_urlobj_{os.getpid()}"
        password = "S3cret!pw@x"
        admin = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="")
        try:
            with admin.cursor() as cursor:
                cursor.execute(f"CREATE USER '{user}'@'%%' IDENTIFIED BY %s", (password,))
                cursor.execute(f"GRANT ALL ON `{database}`.* TO '{user}'@'%'")
            url = sa.URL.create(
                "mysql",
                username=user,
                password=password,
                host="127.0.0.1",
                port=3306,
                database=database,
            )
            app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=url)
            db = SQLAlchemy(app)
            with app.app_context():
                assert db.session.execute(db.text("SELECT 1")).scalar() == 1
                db.engine.dispose()
        finally:
            with admin.cursor() as cursor:
                cursor.execute(f"DROP USER IF EXISTS '{user}'@'%'")
            admin.close()


def test_echo_debug_and_text_settings_reach_the_engine_as_sqlalchemy_reads_them(
    tmp_path: Path,
) -> None:
    # Settings read from the environment arrive as text: create_engine's
    # configuration rules turn them into the numbers and flags it needs.
    app = make_app(
        tmp_path,
        SQLALCHEMY_DATABASE_URI="sqlite:///main.db",
        SQLALCHEMY_ECHO="debug",
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": "3", "pool_recycle": "30"},
        SQLALCHEMY_BINDS={"logs": {"url": "sqlite:///logs.db", "echo": "false"}},
    )
    db = SQLAlchemy(app)
    with app.app_context():
        assert (db.engine.echo, db.engine.pool.echo) == ("debug", "debug")
        assert db.engine.pool.size() == 3
        assert db.engine.pool._recycle == 30
        assert db.engines["logs"].echo is False
        assert db.engines["logs"].pool.echo == "debug"
        db.engine.dispose()
        db.engines["logs"].dispose()


def test_echo_false_as_text_is_off(tmp_path: Path) -> None:
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite://", SQLALCHEMY_ECHO="false")
    db = SQLAlchemy(app)
    with app.app_context():
        assert (db.engine.echo, db.engine.pool.echo) == (False, False)


def test_the_none_bind_configures_the_default_engine_under_the_main_settings(
    tmp_path: Path,
) -> None:
    main = f"sqlite:///{tmp_path / 'main.db'}"
    app = make_app(
        tmp_path,
        SQLALCHEMY_BINDS={None: {"url": "sqlite://", "pool_pre_ping": True, "pool_recycle": 5}},
        SQLALCHEMY_DATABASE_URI=main,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_recycle": 60},
    )
    db = SQLAlchemy(app)
    with app.app_context():
        assert list(db.engines) == [None]
        # The URI and SQLALCHEMY_ENGINE_OPTIONS take precedence; the rest is kept.
        assert db.engine.url.database == str(tmp_path / "main.db")
        assert (db.engine.pool._pre_ping, db.engine.pool._recycle) == (True, 60)
        db.engine.dispose()


def test_the_none_bind_alone_is_the_default_database(tmp_path: Path) -> None:
    app = make_app(tmp_path, SQLALCHEMY_BINDS={None: "sqlite://", "logs": "sqlite://"})
    db = SQLAlchemy(app)
    with app.app_context():
        assert sorted(db.engines, key=str) == [None, "logs"]
        assert db.engine.url.database is None
        db.create_all()


@pytest.mark.parametrize("where", ["setting", "constructor"])
def test_a_url_among_the_engine_options_is_the_default_database(tmp_path: Path, where: str) -> None:
    url = f"sqlite:///{tmp_path / 'given.db'}"
    setting = {"SQLALCHEMY_ENGINE_OPTIONS": {"url": url}} if where == "setting" else {}
    app = make_app(tmp_path, SQLALCHEMY_BINDS={"logs": "sqlite://"}, **setting)
    db = SQLAlchemy(app, engine_options={"url": url} if where == "constructor" else None)
    with app.app_context():
        assert db.engine.url.database == str(tmp_path / "given.db")
        assert db.engines["logs"].url.database is None
        db.engine.dispose()
