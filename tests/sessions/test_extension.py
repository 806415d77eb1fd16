"""``Session(app)``: the settings, the store types, and two processes sharing Redis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import redis
from tests.conftest import SECRET
from tests.real_servers import mariadb_database
from tests.real_servers import postgresql_database
from tests.real_servers import redis_prefix
from tests.real_servers import redis_url
from tests.sessions.backends import entries

from hipflask import Hipflask
from hipflask import session
from hipflask.db import SQLAlchemy
from hipflask.errors import ConfigurationError
from hipflask.sessions import FileSystemSessionInterface
from hipflask.sessions import MemorySessionInterface
from hipflask.sessions import RedisSessionInterface
from hipflask.sessions import Session
from hipflask.sessions import SqlAlchemySessionInterface
from hipflask.sessions.extension import SessionConfigError
from hipflask.stores.filesweep import HEADER
from hipflask.stores.filesweep import SWEEP_INTERVAL

HERE = Path(__file__).parent


def make_app(tmp_path: Path, **config: Any) -> Hipflask:
    app = Hipflask("ext", instance_path=str(tmp_path / "instance"))
    app.config.update(TESTING=True, SECRET_KEY=SECRET, **config)

    @app.get("/login/<name>")
    def login(name: str) -> Any:
        session.regenerate()
        session["user"] = name
        return {"ok": True}

    @app.get("/whoami")
    def whoami() -> Any:
        return {"user": session.get("user")}

    return app


def other_process(prefix: str, cookie: str, action: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, str(HERE / "shared_session_app.py"), prefix, cookie, action],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=str(HERE.parent.parent),
    )
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_two_processes_sharing_redis_see_one_session(tmp_path: Path, protocol: str) -> None:
    with redis_prefix("sessions_shared") as prefix:
        app = make_app(
            tmp_path, SESSION_TYPE="redis", SESSION_REDIS=redis_url(), SESSION_KEY_PREFIX=prefix
        )
        Session(app)
        client = app.test_client(protocol=protocol)
        client.get("/login/ann")
        cookie = client.get_cookie("session").value
        sid = cookie.split(".")[0]

        seen = other_process(prefix, cookie, "whoami")
        assert seen["body"] == {"user": "ann"}
        assert other_process(prefix, cookie, "visit")["body"] == {"visits": 1}
        assert other_process(prefix, cookie, "visit")["body"] == {"visits": 2}
        assert client.get("/whoami").json == {"user": "ann"}

        # Logout in the other process: the record is gone from Redis, for both.
        assert other_process(prefix, cookie, "logout")["body"] == {"ok": True}
        raw = redis.Redis.from_url(redis_url())
        try:
            assert raw.exists(prefix + sid) == 0
        finally:
            raw.close()
        assert client.get("/whoami").json == {"user": None}
        if protocol == "asgi":
            client._shim._run(app.session_interface.store.aclose())


def test_session_redis_accepts_a_client(tmp_path: Path) -> None:
    with redis_prefix("sessions_client") as prefix:
        client = redis.Redis.from_url(redis_url())
        app = make_app(
            tmp_path, SESSION_TYPE="redis", SESSION_REDIS=client, SESSION_KEY_PREFIX=prefix
        )
        Session(app)
        assert isinstance(app.session_interface, RedisSessionInterface)
        for protocol in ("wsgi", "asgi"):
            test_client = app.test_client(protocol=protocol)
            test_client.get("/login/bob")
            assert test_client.get("/whoami").json == {"user": "bob"}
        client.close()


def test_the_defaults(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    Session(app)
    assert isinstance(app.session_interface, MemorySessionInterface)
    assert app.config["SESSION_PERMANENT"] is True
    assert app.config["SESSION_KEY_PREFIX"] == "session:"
    assert app.config["SESSION_ID_LENGTH"] == 32
    assert app.session_interface.store.prefix == "session:"


def test_filesystem_sessions_live_in_the_instance_folder(tmp_path: Path, protocol: str) -> None:
    app = make_app(tmp_path, SESSION_TYPE="filesystem")
    Session(app)
    assert isinstance(app.session_interface, FileSystemSessionInterface)
    client = app.test_client(protocol=protocol)
    client.get("/login/ann")
    assert len(entries(tmp_path / "instance" / "sessions")) == 1
    assert client.get("/whoami").json == {"user": "ann"}


@pytest.mark.parametrize("server", ["sqlite", "postgresql", "mariadb"])
def test_sqlalchemy_sessions_on_each_database(tmp_path: Path, server: str) -> None:
    if server == "sqlite":
        run_sqlalchemy_sessions(tmp_path, f"sqlite:///{tmp_path / 's.db'}")
    elif server == "postgresql":
        with postgresql_database("sessions") as url:
            run_sqlalchemy_sessions(tmp_path, url)
    else:
        with mariadb_database("sessions") as url:
            run_sqlalchemy_sessions(tmp_path, url)


def run_sqlalchemy_sessions(tmp_path: Path, url: str) -> None:
    app = make_app(tmp_path, SESSION_TYPE="sqlalchemy", SQLALCHEMY_DATABASE_URI=url)
    db = SQLAlchemy(app)
    Session(app)
    assert isinstance(app.session_interface, SqlAlchemySessionInterface)
    # The table is part of the models' metadata: create_all makes it, migrations keep it.
    assert "hipflask_sessions" in db.metadata.tables
    with app.app_context():
        db.create_all()
    for protocol in ("wsgi", "asgi"):
        client = app.test_client(protocol=protocol)
        client.get("/login/ann")
        assert client.get("/whoami").json == {"user": "ann"}
        if protocol == "asgi":
            client._shim._run(app.session_interface.store.aclose())
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def test_sqlalchemy_sessions_in_a_bind_of_their_own(tmp_path: Path, protocol: str) -> None:
    app = make_app(
        tmp_path,
        SESSION_TYPE="sqlalchemy",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'main.db'}",
        SQLALCHEMY_BINDS={"sessions": f"sqlite:///{tmp_path / 'sessions.db'}"},
        SESSION_SQLALCHEMY_BIND_KEY="sessions",
        SESSION_SQLALCHEMY_TABLE="web_sessions",
    )
    db = SQLAlchemy(app)
    Session(app)
    client = app.test_client(protocol=protocol)
    client.get("/login/ann")
    assert client.get("/whoami").json == {"user": "ann"}
    import sqlalchemy as sa

    with app.app_context():
        assert sa.inspect(db.engines["sessions"]).has_table("web_sessions")
        assert not sa.inspect(db.engine).has_table("web_sessions")
        for engine in db.engines.values():
            engine.dispose()
    if protocol == "asgi":
        client._shim._run(app.session_interface.store.aclose())


def test_an_app_factory_builds_two_apps_on_one_db_object(tmp_path: Path, protocol: str) -> None:
    # Flask-Session's own backend fails on the second app: "Table 'sessions'
    # is already defined for this MetaData instance".
    db = SQLAlchemy()
    extension = Session()

    def create_app(name: str) -> Hipflask:
        app = make_app(
            tmp_path / name,
            SESSION_TYPE="sqlalchemy",
            SESSION_SQLALCHEMY=db,
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / name}.db",
        )
        db.init_app(app)
        extension.init_app(app)
        with app.app_context():
            db.create_all()
        return app

    apps = [create_app("first"), create_app("second")]
    assert list(db.metadata.tables) == ["hipflask_sessions"]
    for app, user in zip(apps, ("ann", "bob"), strict=True):
        client = app.test_client(protocol=protocol)
        client.get(f"/login/{user}")
        assert client.get("/whoami").json == {"user": user}
        if protocol == "asgi":
            client._shim._run(app.session_interface.store.aclose())
        with app.app_context():
            db.engine.dispose()


def test_sqlalchemy_sessions_need_the_database(tmp_path: Path) -> None:
    app = make_app(tmp_path, SESSION_TYPE="sqlalchemy")
    with pytest.raises(ConfigurationError, match="SQLAlchemy"):
        Session(app)


def test_an_unknown_type_names_the_supported_ones(tmp_path: Path) -> None:
    app = make_app(tmp_path, SESSION_TYPE="couchdb")
    with pytest.raises(ConfigurationError, match=r"'redis'.*'cachelib'"):
        Session(app)


def test_an_unknown_type_is_the_value_error_flask_session_raises(tmp_path: Path) -> None:
    app = make_app(tmp_path, SESSION_TYPE="null")
    with pytest.raises(ValueError, match="SESSION_TYPE 'null'"):
        Session(app)


@pytest.mark.parametrize("value", ["msgpack", "json"])
def test_flask_session_s_serialization_formats_are_accepted(tmp_path: Path, value: str) -> None:
    app = make_app(tmp_path, SESSION_SERIALIZATION_FORMAT=value)
    Session(app)
    client = app.test_client()
    client.get("/login/ann")
    assert client.get("/whoami").get_json() == {"user": "ann"}


@pytest.mark.parametrize("value", ["jsno", "pickle", None])
def test_an_unknown_serialization_format_is_refused(tmp_path: Path, value: Any) -> None:
    app = make_app(tmp_path, SESSION_SERIALIZATION_FORMAT=value)
    with pytest.raises(SessionConfigError, match="SESSION_SERIALIZATION_FORMAT") as caught:
        Session(app)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("length", ["many", None])
def test_an_id_length_that_is_no_number_is_refused(tmp_path: Path, length: Any) -> None:
    app = make_app(tmp_path, SESSION_ID_LENGTH=length)
    with pytest.raises(SessionConfigError, match="SESSION_ID_LENGTH must be a number"):
        Session(app)


def test_a_short_id_length_is_refused(tmp_path: Path) -> None:
    app = make_app(tmp_path, SESSION_ID_LENGTH=8)
    with pytest.raises(ConfigurationError, match="128 random bits"):
        Session(app)


def test_signing_without_a_secret_key_says_what_to_set(tmp_path: Path) -> None:
    app = make_app(tmp_path, SESSION_USE_SIGNER=True)
    app.config["SECRET_KEY"] = None
    Session(app)
    app.testing = False
    app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        app.test_client().get("/login/x")


def test_signing_without_a_secret_key_is_flask_session_s_key_error(tmp_path: Path) -> None:
    app = make_app(tmp_path, SESSION_USE_SIGNER=True)
    app.config["SECRET_KEY"] = None
    Session(app)
    app.testing = False
    app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(KeyError) as caught:
        app.test_client().get("/login/x")
    assert str(caught.value).startswith("SESSION_USE_SIGNER is on but SECRET_KEY is empty.")


@pytest.mark.parametrize("length", [16, 200, 1000])
def test_a_long_id_length_keeps_the_session(tmp_path: Path, protocol: str, length: int) -> None:
    app = make_app(tmp_path, SESSION_ID_LENGTH=length)
    Session(app)
    client = app.test_client(protocol=protocol)
    client.get("/login/ann")
    assert client.get("/whoami").get_json() == {"user": "ann"}


def test_init_app_later(tmp_path: Path) -> None:
    extension = Session()
    app = make_app(tmp_path)
    extension.init_app(app)
    assert isinstance(app.session_interface, MemorySessionInterface)


def test_the_interface_regenerate_of_flask_session(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    Session(app)

    @app.get("/rotate")
    def rotate() -> Any:
        app.session_interface.regenerate(session)
        return {"ok": True}

    client = app.test_client()
    client.get("/login/ann")
    before = client.get_cookie("session").value
    client.get("/rotate")
    assert client.get_cookie("session").value != before
    assert client.get("/whoami").json == {"user": "ann"}


def expire_file(path: Path) -> None:
    """Make a file store entry one written an hour ago that expired a minute ago."""
    data = path.read_bytes()
    path.write_bytes(HEADER.pack(int((time.time() - 60) * 1000)) + data[HEADER.size :])
    then = time.time() - 3600
    os.utime(path, (then, then))


def test_expired_filesystem_sessions_are_swept_and_live_ones_kept(
    tmp_path: Path, protocol: str
) -> None:
    app = make_app(tmp_path, SESSION_TYPE="filesystem", SESSION_FILE_SWEEP_INTERVAL=None)
    Session(app)
    directory = tmp_path / "instance" / "sessions"
    gone = app.test_client(protocol=protocol)
    gone.get("/login/ann")
    [ann] = entries(directory)
    expire_file(ann)
    kept = app.test_client(protocol=protocol)
    kept.get("/login/bob")
    assert len(entries(directory)) == 2
    assert app.session_interface.store.sweep().expired == 1
    assert entries(directory) != [ann]
    assert len(entries(directory)) == 1
    assert kept.get("/whoami").json == {"user": "bob"}
    assert gone.get("/whoami").json == {"user": None}


def test_filesystem_sessions_sweep_in_the_background_on_saves(
    tmp_path: Path, protocol: str
) -> None:
    directory = tmp_path / "instance" / "sessions"
    directory.mkdir(parents=True)
    # An abandoned session, left by an earlier run of the app.
    abandoned = directory / ("a" * 64)
    abandoned.write_bytes(b"{}")
    expire_file(abandoned)
    app = make_app(tmp_path, SESSION_TYPE="filesystem", SESSION_FILE_SWEEP_INTERVAL=60)
    Session(app)
    client = app.test_client(protocol=protocol)
    client.get("/login/ann")
    thread = app.session_interface.store._schedule.thread
    assert thread is not None
    thread.join(timeout=30)
    assert not abandoned.exists()
    assert client.get("/whoami").json == {"user": "ann"}


def test_the_sweep_interval_reaches_both_file_types(tmp_path: Path) -> None:
    for config in ({"SESSION_TYPE": "filesystem"}, {"SESSION_TYPE": "cachelib"}):
        app = make_app(tmp_path, SESSION_FILE_SWEEP_INTERVAL=120, **config)
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(tmp_path)
            Session(app)
        assert app.session_interface.store._schedule.interval == 120.0
    app = make_app(tmp_path, SESSION_TYPE="filesystem")
    Session(app)
    assert app.session_interface.store._schedule.interval == SWEEP_INTERVAL


@pytest.mark.parametrize("interval", [-5, "hourly"])
def test_a_bad_sweep_interval_is_refused_at_init(tmp_path: Path, interval: Any) -> None:
    app = make_app(tmp_path, SESSION_TYPE="filesystem", SESSION_FILE_SWEEP_INTERVAL=interval)
    with pytest.raises(ConfigurationError, match="SESSION_FILE_SWEEP_INTERVAL must be"):
        Session(app)


@pytest.mark.skipif(os.name == "nt", reason="POSIX permission bits")
@pytest.mark.parametrize("kind", ["filesystem", "cachelib"])
def test_a_session_directory_anyone_can_write_to_is_refused_at_init(
    tmp_path: Path, kind: str
) -> None:
    shared = tmp_path / "tmp"
    shared.mkdir()
    shared.chmod(0o1777)
    app = make_app(tmp_path, SESSION_TYPE=kind, SESSION_FILE_DIR=str(shared))
    with pytest.raises(ConfigurationError, match="writable by other users"):
        Session(app)
