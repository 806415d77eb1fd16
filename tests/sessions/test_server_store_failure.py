"""Server-side sessions: a store that is down or fails answers 503, or skips a renewal."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from tests.redis_helper import closed_port
from tests.sessions.server_sessions import app as app
from tests.sessions.server_sessions import kind as kind
from tests.sessions.server_sessions import make_app
from tests.sessions.server_sessions import sid_of
from tests.sessions.server_sessions import store_of

from hipflask import Hipflask
from hipflask import session
from hipflask.db import SQLAlchemy
from hipflask.sessions import Session


def _down_store_app(backend: str, tmp_path: Path) -> Hipflask:
    """An app whose sessions live on a real server's driver, pointed at a closed port."""
    port = closed_port()
    if backend == "redis":
        app = make_app(tmp_path, SESSION_TYPE="redis", SESSION_REDIS=f"redis://127.0.0.1:{port}/0")
    else:
        url = (
            f"postgresql+psycopg://postgres@127.0.0.1:{port}/test"
            if backend == "postgresql"
            else f"mysql+pymysql://root@127.0.0.1:{port}/test"
        )
        app = make_app(tmp_path, SESSION_TYPE="sqlalchemy", SQLALCHEMY_DATABASE_URI=url)
        SQLAlchemy(app)
    Session(app)
    return app


def _break_store(app: Hipflask, kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make an embedded store fail from now on, as a full disk or a lost volume would."""
    store: Any = store_of(app)
    if kind == "filesystem":
        for thread in threading.enumerate():
            if thread.name == "hipflask-file-sweep":
                thread.join(5)  # the first write's sweep, done before the directory goes
        directory = Path(store.directory)
        for path in directory.iterdir():
            path.unlink()
        directory.rmdir()
        directory.write_bytes(b"not a directory")
    elif kind == "sqlalchemy":
        (tmp_path / "s.db").write_bytes(b"not a database" * 1024)
    else:

        def fail(*args: Any, **kwargs: Any) -> Any:
            raise OSError("the store is gone")

        async def afail(*args: Any, **kwargs: Any) -> Any:
            raise OSError("the store is gone")

        for name in ("get", "set", "add", "delete", "touch", "compare_and_set"):
            monkeypatch.setattr(store, name, fail)
            monkeypatch.setattr(store, "a" + name, afail)


def _session_cookie(tmp_path: Path) -> str:
    """A valid signed session cookie, made by a working app with the same key."""
    working = make_app(tmp_path / "working")
    Session(working)
    client = working.test_client()
    client.get("/set/a/1")
    cookie = client.get_cookie("session")
    assert cookie is not None
    return str(cookie.value)


def _assert_unavailable(answer: Any) -> None:
    text = answer.get_data(as_text=True)
    assert answer.status_code == 503, text
    assert "session service is unavailable" in text
    assert "Traceback" not in text


def _requests(client: Any, cookie: str) -> list[Any]:
    """A write without a cookie, then reads and writes with one, sync and async views."""
    answers = [client.get("/set/a/2")]
    client.set_cookie("session", cookie)
    answers += [client.get("/get/a"), client.get("/async/a"), client.get("/set/a/3")]
    return answers


def _assert_renewal_skipped(client: Any) -> None:
    """A page that never uses the session answers normally: only its renewal was skipped."""
    answer = client.get("/nothing")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_data(as_text=True) == "no session here"
    assert "Set-Cookie" not in answer.headers


@pytest.mark.parametrize("backend", ["redis", "postgresql", "mariadb"])
def test_a_session_store_that_is_down_answers_503(
    backend: str, tmp_path: Path, protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    cookie = _session_cookie(tmp_path)
    app = _down_store_app(backend, tmp_path)
    client = app.test_client(protocol=protocol)
    for answer in _requests(client, cookie):
        _assert_unavailable(answer)
    _assert_renewal_skipped(client)
    failures = [r for r in caplog.records if "Session store" in r.getMessage()]
    # One line a request: the error page's own save asked the store nothing.
    assert len(failures) == 5
    assert all(r.levelname == "WARNING" and r.exc_info is None for r in failures)
    assert [r.name for r in failures] == ["hipflask.sessions"] * 5
    assert ["answering 503" in r.getMessage() for r in failures] == [True] * 4 + [False]
    assert "not renewed" in failures[-1].getMessage()
    assert "Traceback" not in caplog.text


def test_an_embedded_session_store_that_fails_answers_503(
    app: Hipflask,
    kind: str,
    tmp_path: Path,
    protocol: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = app.test_client(protocol=protocol)
    client.get("/set/a/1")
    cookie = client.get_cookie("session")
    assert cookie is not None
    _break_store(app, kind, tmp_path, monkeypatch)
    for answer in _requests(client, str(cookie.value)):
        _assert_unavailable(answer)
    _assert_renewal_skipped(client)
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_the_apps_503_handler_renders_a_session_store_failure(
    tmp_path: Path, protocol: str, accept: str
) -> None:
    cookie = _session_cookie(tmp_path)
    app = _down_store_app("redis", tmp_path)

    @app.errorhandler(503)
    def unavailable(error: Any) -> Any:
        # A layout reading the session (flashed messages) still renders.
        return {"custom": error.description, "flashes": session.get("_flashes", [])}, 503

    client = app.test_client(protocol=protocol)
    # Failing where the new session is saved, after the view, then where it is read.
    answers = [client.get("/set/a/2", headers={"Accept": accept})]
    client.set_cookie("session", cookie)
    for path in ("/get/a", "/async/a", "/set/a/3"):
        answers.append(client.get(path, headers={"Accept": accept}))
    for answer in answers:
        assert answer.status_code == 503
        assert answer.json is not None
        assert "session service is unavailable" in answer.json["custom"]
        assert answer.json["flashes"] == []
    # A page that never used the session is not the 503 handler's.
    _assert_renewal_skipped(client)


def test_a_json_client_gets_the_session_store_failure_as_json(
    tmp_path: Path, protocol: str
) -> None:
    cookie = _session_cookie(tmp_path)
    app = _down_store_app("redis", tmp_path)
    client = app.test_client(protocol=protocol)
    client.set_cookie("session", cookie)
    answer = client.get("/get/a", headers={"Accept": "application/json"})
    assert answer.status_code == 503
    assert answer.json["code"] == 503
    assert "session service is unavailable" in answer.json["description"]


def _fail_renewals(app: Hipflask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the store refuse to move a record's expiry, while it still reads."""
    store: Any = store_of(app)

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise OSError("the store is read-only")

    async def afail(*args: Any, **kwargs: Any) -> Any:
        raise OSError("the store is read-only")

    monkeypatch.setattr(store, "touch", fail)
    monkeypatch.setattr(store, "atouch", afail)


@pytest.mark.parametrize("permanent", [True, False])
def test_a_failed_renewal_of_an_untouched_session_is_logged_and_skipped(
    tmp_path: Path,
    protocol: str,
    permanent: bool,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = make_app(tmp_path, SESSION_TYPE="memory", SESSION_PERMANENT=permanent)
    Session(app)
    client = app.test_client(protocol=protocol)
    client.get("/set/a/1")
    sid = sid_of(client, app)
    record = store_of(app).get(sid)
    _fail_renewals(app, monkeypatch)
    _assert_renewal_skipped(client)
    # Nothing lost: the record and the cookie are as they were.
    assert store_of(app).get(sid) == record
    assert sid_of(client, app) == sid
    failures = [r for r in caplog.records if "Session store" in r.getMessage()]
    assert len(failures) == 1
    assert failures[0].name == "hipflask.sessions"
    assert "not renewed" in failures[0].getMessage()
    assert "OSError: the store is read-only" in failures[0].getMessage()


def test_a_failed_renewal_of_a_session_the_view_read_answers_503(
    tmp_path: Path, protocol: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(tmp_path, SESSION_TYPE="memory")
    Session(app)
    client = app.test_client(protocol=protocol)
    client.get("/set/a/1")
    _fail_renewals(app, monkeypatch)
    # The view's answer depended on the session: a failing store fails closed.
    _assert_unavailable(client.get("/get/a"))
    _assert_unavailable(client.get("/async/a"))
    assert client.get("/set/a/2").status_code == 200  # a write is no renewal: saved
    assert store_of(app).get(sid_of(client, app)) is not None


def test_a_session_opened_on_a_failed_store_fails_only_when_used(
    tmp_path: Path, protocol: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(tmp_path, SESSION_TYPE="memory")
    Session(app)

    @app.get("/peek")
    def peek() -> Any:
        # Each way of reading fails closed; writing is never silently lost.
        outcomes = []
        for use in (
            lambda: "a" in session,
            lambda: len(session),
            lambda: session.permanent,
            lambda: session.__setitem__("a", "2"),
        ):
            try:
                use()
            except Exception as exc:
                outcomes.append(getattr(exc, "code", type(exc).__name__))
            else:
                outcomes.append("read")
        return {"outcomes": outcomes}

    client = app.test_client(protocol=protocol)
    client.get("/set/a/1")
    _break_store(app, "memory", tmp_path, monkeypatch)
    # After the first failure the rest of the request sees an empty session
    # that still refuses writes (the error page renders).
    assert client.get("/peek").json == {"outcomes": [503, "read", "read", 503]}
    _assert_renewal_skipped(client)
