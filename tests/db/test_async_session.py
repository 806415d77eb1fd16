from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.pool import NullPool

from hipflask import Hipflask
from hipflask.db import SQLAlchemy
from hipflask.errors import ConfigurationError

from .conftest import define_models
from .conftest import make_app


def make_async_app(url: str, tmp_path: Path) -> tuple[Hipflask, SQLAlchemy, Any]:
    # Each test client has its own event loop; pooled connections would
    # outlive it. A server has one loop and closes the pool at shutdown.
    app = make_app(
        tmp_path,
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ASYNC_ENGINE_OPTIONS={"poolclass": NullPool},
    )
    db = SQLAlchemy(app)
    User, _ = define_models(db)
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.add(User(username="ann"))
        db.session.commit()

    @app.get("/users/<int:user_id>")
    async def show(user_id: int) -> Any:
        user = await db.async_session.get(User, user_id)
        if user is None:
            return {"error": "missing"}, 404
        return {"username": user.username}

    @app.post("/users/<name>")
    async def add(name: str) -> Any:
        db.async_session.add(User(username=name))
        await db.async_session.commit()
        return {"ok": True}

    @app.get("/users")
    async def names() -> Any:
        result = await db.async_session.scalars(db.select(User.username).order_by(User.id))
        return list(result)

    @app.post("/fail/<name>")
    async def fail(name: str) -> Any:
        db.async_session.add(User(username=name))
        await db.async_session.flush()
        raise RuntimeError("fails after writing")

    return app, db, User


def run_requests(app: Hipflask, db: SQLAlchemy, protocol: str) -> None:
    app.testing = False
    client = app.test_client(protocol=protocol)
    assert client.get("/users/1").json == {"username": "ann"}
    assert client.get("/users/9").status_code == 404
    assert client.post("/users/bob").json == {"ok": True}
    assert client.post("/fail/carl").status_code == 500
    assert client.get("/users").json == ["ann", "bob"]


def test_async_views_use_the_async_session(tmp_path: Path, protocol: str) -> None:
    app, db, _ = make_async_app(f"sqlite:///{tmp_path / 'a.db'}", tmp_path)
    run_requests(app, db, protocol)


def test_async_session_on_each_server(server_url: str, tmp_path: Path) -> None:
    app, db, _ = make_async_app(server_url, tmp_path)
    for protocol in ("asgi", "wsgi"):
        with app.app_context():
            db.drop_all()
            db.create_all()
            db.session.add(db.Model.registry._class_registry["User"](username="ann"))
            db.session.commit()
        run_requests(app, db, protocol)
    with app.app_context():
        db.drop_all()
        for engine in db.engines.values():
            engine.dispose()


def test_one_async_session_per_app_context(tmp_path: Path) -> None:
    app, db, _ = make_async_app(f"sqlite:///{tmp_path / 'a.db'}", tmp_path)

    async def main() -> None:
        with app.app_context():
            first = db.async_session()
            assert db.async_session() is first
            await db.async_session.remove()
            assert db.async_session() is not first
            await db.async_session.remove()
            await db.dispose_async_engines()

    asyncio.run(main())


def test_in_memory_sqlite_has_no_async_engine(tmp_path: Path) -> None:
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite://")
    db = SQLAlchemy(app)

    async def main() -> None:
        with app.app_context():
            db.async_engine  # noqa: B018

    with pytest.raises(ConfigurationError, match="async driver"):
        asyncio.run(main())


def test_sync_views_under_asgi_run_off_the_event_loop(tmp_path: Path) -> None:
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'a.db'}")
    db = SQLAlchemy(app)
    User, _ = define_models(db)
    with app.app_context():
        db.create_all()
    seen: dict[str, Any] = {}

    @app.get("/sync")
    def sync_view() -> str:
        try:
            asyncio.get_running_loop()
            seen["on_loop"] = True
        except RuntimeError:
            seen["on_loop"] = False
        seen["thread"] = threading.current_thread()
        return str(User.query.count())

    client = app.test_client(protocol="asgi")
    assert client.get("/sync").text == "0"
    assert seen["on_loop"] is False
    assert seen["thread"] is not threading.main_thread()


def test_a_task_outliving_its_request_gets_a_clear_error_not_a_leaked_session(
    tmp_path: Path,
) -> None:
    # A task started from a view inherits the request's app context, which
    # is torn down when the response is sent: a session opened there would
    # never be closed, one connection each, until the pool runs out.
    from hipflask import current_app
    from hipflask.db.extension import DatabaseContextError

    app, db, User = make_async_app(f"sqlite:///{tmp_path / 'a.db'}", tmp_path)
    outcome: dict[str, Any] = {}
    done = asyncio.Event()

    async def late() -> None:
        await asyncio.sleep(0.01)  # after the response
        try:
            await db.async_session.get(User, 1)
        except DatabaseContextError as error:
            outcome["error"] = str(error)
        # The way the error names: a context of the task's own.
        async with outcome["app"].app_context():
            user = await db.async_session.get(User, 1)
            outcome["user"] = user.username
        done.set()

    @app.get("/later")
    async def later() -> Any:
        outcome["app"] = current_app._get_current_object()
        outcome["task"] = asyncio.create_task(late())
        return {"queued": True}

    async def drive() -> None:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            await asyncio.Event().wait()
            return {}  # pragma: no cover

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {
            "type": "http", "method": "GET", "path": "/later", "raw_path": b"/later",
            "root_path": "", "query_string": b"", "headers": [(b"host", b"localhost")],
            "scheme": "http", "server": ("localhost", 80), "http_version": "1.1",
        }  # fmt: skip
        await app(scope, receive, send)
        await asyncio.wait_for(done.wait(), timeout=5)

    asyncio.run(drive())
    assert "runs after its request ended" in outcome["error"]
    assert outcome["user"] == "ann"
    assert not db.async_session.registry.registry  # nothing left open
