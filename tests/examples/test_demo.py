"""The demo runs on the embedded defaults: SQLite in the instance folder, in-process sessions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hipflask.sessions import MemorySessionInterface


def test_the_demo_uses_sqlite_and_in_process_sessions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, protocol: str
) -> None:
    from examples.demo.app import create_app

    from hipflask import Hipflask

    for name in ("DATABASE_URL", "SESSION_TYPE", "SESSION_REDIS"):
        monkeypatch.delenv(name, raising=False)
    instance = tmp_path / "instance"
    monkeypatch.setattr(Hipflask, "auto_find_instance_path", lambda self: str(instance))
    app = create_app()
    from examples.demo.notes import db

    with app.app_context():
        assert db.engine.url.get_backend_name() == "sqlite"
        assert db.engine.url.database == os.path.join(str(instance), "app.db")
        db.drop_all()
        db.create_all()
    assert isinstance(app.session_interface, MemorySessionInterface)
    client = app.test_client(protocol=protocol)
    assert client.post("/notes/", data={"text": "first"}).status_code == 302
    assert client.get("/notes/").json["notes"] == ["first"]
    assert client.get("/notes/?page=abc").status_code == 404
    assert client.get("/").status_code == 200
    with app.app_context():
        db.drop_all()
        db.engine.dispose()
