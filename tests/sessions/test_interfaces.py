"""Flask-Session's interface classes, made directly with Flask-Session's arguments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import redis
from cachelib.file import FileSystemCache
from cachelib.simple import SimpleCache
from tests.conftest import SECRET
from tests.real_servers import redis_prefix
from tests.real_servers import redis_url

from hipflask import Hipflask
from hipflask import session
from hipflask.db import SQLAlchemy
from hipflask.errors import ConfigurationError
from hipflask.sessions import Session
from hipflask.sessions.cachelib import CacheLibSessionInterface
from hipflask.sessions.extension import SessionConfigError
from hipflask.sessions.filesystem import FileSystemSessionInterface
from hipflask.sessions.redis import RedisSessionInterface
from hipflask.sessions.sqlalchemy import SqlAlchemySessionInterface


def make_app(tmp_path: Path, **config: Any) -> Hipflask:
    app = Hipflask("interfaces", instance_path=str(tmp_path / "instance"))
    app.config.update(TESTING=True, SECRET_KEY=SECRET, **config)

    @app.get("/login/<name>")
    def login(name: str) -> Any:
        session["user"] = name
        return {"ok": True}

    @app.get("/whoami")
    def whoami() -> Any:
        return {"user": session.get("user")}

    return app


def logs_in(app: Hipflask, protocol: str) -> bool:
    client = app.test_client(protocol=protocol)
    client.get("/login/ann")
    return bool(client.get("/whoami").get_json() == {"user": "ann"})


def test_a_redis_interface_takes_flask_session_s_arguments(tmp_path: Path, protocol: str) -> None:
    with redis_prefix("sessions_direct") as prefix:
        app = make_app(tmp_path)
        client = redis.Redis.from_url(redis_url())
        app.session_interface = RedisSessionInterface(
            app, client=client, key_prefix=prefix, use_signer=False, sid_length=24
        )
        assert logs_in(app, protocol)
        keys = client.keys(prefix + "*")
        assert len(keys) == 1
        assert len(keys[0]) == len(prefix) + 32


def test_a_file_system_interface_keeps_its_files_in_cache_dir(
    tmp_path: Path, protocol: str
) -> None:
    app = make_app(tmp_path)
    directory = tmp_path / "sessions_here"
    app.session_interface = FileSystemSessionInterface(app, cache_dir=str(directory), mode=0o600)
    assert logs_in(app, protocol)
    assert [path for path in directory.iterdir() if not path.name.startswith(".")]


def test_a_cachelib_interface_takes_the_cache(tmp_path: Path, protocol: str) -> None:
    app = make_app(tmp_path)
    app.session_interface = CacheLibSessionInterface(app, client=SimpleCache())
    assert logs_in(app, protocol)


def test_a_cachelib_interface_without_an_app_takes_a_simple_cache(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    app.session_interface = CacheLibSessionInterface(client=SimpleCache(), key_prefix="p:")
    assert app.session_interface.store.prefix == "p:"
    assert logs_in(app, "wsgi")


def test_an_sqlalchemy_interface_takes_the_database(tmp_path: Path, protocol: str) -> None:
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 's.db'}")
    db = SQLAlchemy(app)
    app.session_interface = SqlAlchemySessionInterface(app, client=db, table="web_sessions")
    assert "web_sessions" in db.metadata.tables
    with app.app_context():
        db.create_all()
    assert logs_in(app, protocol)
    with app.app_context():
        db.engine.dispose()


def test_the_arguments_are_checked_as_the_settings_are(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    with pytest.raises(SessionConfigError, match="SESSION_SERIALIZATION_FORMAT"):
        CacheLibSessionInterface(app, client=SimpleCache(), serialization_format="yaml")
    with pytest.raises(ConfigurationError, match="128 random bits"):
        CacheLibSessionInterface(app, client=SimpleCache(), sid_length=8)


def test_the_arguments_do_not_change_the_app_s_config(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    FileSystemSessionInterface(app, cache_dir=str(tmp_path / "elsewhere"))
    assert "SESSION_FILE_DIR" not in app.config
    assert "SESSION_TYPE" not in app.config


def test_session_app_still_makes_the_type_s_interface(tmp_path: Path) -> None:
    app = make_app(tmp_path, SESSION_TYPE="filesystem")
    Session(app)
    assert type(app.session_interface) is FileSystemSessionInterface
    assert logs_in(app, "wsgi")


def session_type_seen_by_a_view(app: Hipflask, protocol: str) -> str:
    @app.get("/session-type")
    def session_type() -> Any:
        session["seen"] = True
        return {"type": type(session._get_current_object()).__name__}

    return str(app.test_client(protocol=protocol).get("/session-type").get_json()["type"])


@pytest.mark.parametrize(
    ("session_type", "cache", "expected"),
    [
        ("filesystem", None, "FileSystemSession"),
        ("redis", None, "RedisSession"),
        # Whichever store the cache maps to, the session class follows the type.
        ("cachelib", "simple", "CacheLibSession"),
        ("cachelib", "files", "CacheLibSession"),
    ],
)
def test_each_store_type_s_session_has_flask_session_s_class(
    tmp_path: Path, protocol: str, session_type: str, cache: str | None, expected: str
) -> None:
    # Ported code checks isinstance(session, RedisSession), or subclasses the
    # class and names it in its own interface's session_class.
    from hipflask.sessions import ServerSideSession
    from hipflask.sessions.cachelib import CacheLibSession
    from hipflask.sessions.filesystem import FileSystemSession
    from hipflask.sessions.redis import RedisSession
    from hipflask.sessions.sqlalchemy import SqlAlchemySession

    classes = (CacheLibSession, FileSystemSession, RedisSession, SqlAlchemySession)
    assert all(issubclass(cls, ServerSideSession) for cls in classes)
    caches: dict[str | None, Any] = {
        None: lambda: None,
        "simple": SimpleCache,
        "files": lambda: FileSystemCache(str(tmp_path / "files")),
    }
    with redis_prefix("sessions_class") as prefix:
        app = make_app(
            tmp_path,
            SESSION_TYPE=session_type,
            SESSION_REDIS=redis_url(),
            SESSION_KEY_PREFIX=prefix,
            SESSION_CACHELIB=caches[cache](),
            SESSION_FILE_DIR=str(tmp_path / "files"),
        )
        Session(app)
        assert session_type_seen_by_a_view(app, protocol) == expected


def test_an_interface_made_directly_opens_its_type_s_session(tmp_path: Path, protocol: str) -> None:
    from hipflask.sessions.cachelib import CacheLibSession

    app = make_app(tmp_path)
    app.session_interface = CacheLibSessionInterface(app, client=SimpleCache())
    assert session_type_seen_by_a_view(app, protocol) == CacheLibSession.__name__


def test_a_subclass_s_session_class_is_used(tmp_path: Path, protocol: str) -> None:
    from hipflask.sessions.filesystem import FileSystemSession

    class AuditedSession(FileSystemSession):
        pass

    class AuditedInterface(FileSystemSessionInterface):
        session_class = AuditedSession

    app = make_app(tmp_path)
    app.session_interface = AuditedInterface(app, cache_dir=str(tmp_path / "audited"))
    assert session_type_seen_by_a_view(app, protocol) == "AuditedSession"
    assert logs_in(app, protocol)
