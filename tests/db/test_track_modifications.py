from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.pool import NullPool

from hipflask import Hipflask
from hipflask.db import SQLAlchemy
from hipflask.db.track_modifications import before_models_committed
from hipflask.db.track_modifications import models_committed

from .conftest import backend_database
from .conftest import make_app


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mariadb"])
def track_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database of this suite's own on each backend."""
    with backend_database(request.param, "track", tmp_path_factory) as url:
        yield url


class Tracked:
    """An app whose views write ``Entry`` rows, and the changes its commits sent."""

    def __init__(self, url: str, tmp_path: Path, **config: Any) -> None:
        config.setdefault("SQLALCHEMY_TRACK_MODIFICATIONS", True)
        # Each test client runs its own event loop: no pooled async connection
        # may outlive it.
        self.app = make_app(
            tmp_path,
            SQLALCHEMY_DATABASE_URI=url,
            SQLALCHEMY_ASYNC_ENGINE_OPTIONS={"poolclass": NullPool},
            **config,
        )
        self.app.testing = False  # a failing view is a 500, as in production
        self.db = db = SQLAlchemy(self.app)
        self.sent: list[tuple[str, Any, list[tuple[str, str]]]] = []
        self.view_loops: list[asyncio.AbstractEventLoop] = []

        class Entry(db.Model):
            __tablename__ = "tracked_entry"
            id = db.Column(db.Integer, primary_key=True)
            text = db.Column(db.String(80), unique=True, nullable=False)

        self.Entry = Entry
        with self.app.app_context():
            db.drop_all()
            db.create_all()
        self._add_views()

    def _add_views(self) -> None:
        app, db, Entry = self.app, self.db, self.Entry

        def one(text: str) -> Any:
            return db.session.execute(db.select(Entry).filter_by(text=text)).scalar_one()

        @app.post("/entries/<text>")
        def create(text: str) -> Any:
            db.session.add(Entry(text=text))
            db.session.commit()
            return {"ok": True}

        @app.post("/entries/<text>/to/<new>")
        def rename(text: str, new: str) -> Any:
            one(text).text = new
            db.session.commit()
            return {"ok": True}

        @app.delete("/entries/<text>")
        def delete(text: str) -> Any:
            db.session.delete(one(text))
            db.session.commit()
            return {"ok": True}

        @app.post("/fail/<text>")
        def fail(text: str) -> Any:
            db.session.add(Entry(text=text))
            db.session.flush()
            raise RuntimeError("fails after writing")

        @app.post("/rollback/<text>/then/<kept>")
        def rollback(text: str, kept: str) -> Any:
            db.session.add(Entry(text=text))
            db.session.flush()
            db.session.rollback()
            db.session.add(Entry(text=kept))
            db.session.commit()
            return {"ok": True}

        @app.post("/savepoint/<kept>/<dropped>/<released>")
        def savepoint(kept: str, dropped: str, released: str) -> Any:
            db.session.add(Entry(text=kept))
            nested = db.session.begin_nested()
            db.session.add(Entry(text=dropped))
            db.session.flush()
            nested.rollback()
            with db.session.begin_nested():
                db.session.add(Entry(text=released))
            sent_before_commit = len(self.sent)
            db.session.commit()
            return {"sent_before_commit": sent_before_commit}

        @app.post("/async/entries/<text>")
        async def async_create(text: str) -> Any:
            self.view_loops.append(asyncio.get_running_loop())
            db.async_session.add(Entry(text=text))
            await db.async_session.commit()
            return {"ok": True}

        @app.post("/async/entries/<text>/to/<new>")
        async def async_rename(text: str, new: str) -> Any:
            entry = (await db.async_session.scalars(db.select(Entry).filter_by(text=text))).one()
            entry.text = new
            await db.async_session.commit()
            return {"ok": True}

        @app.delete("/async/entries/<text>")
        async def async_delete(text: str) -> Any:
            entry = (await db.async_session.scalars(db.select(Entry).filter_by(text=text))).one()
            await db.async_session.delete(entry)
            await db.async_session.commit()
            return {"ok": True}

        @app.post("/async/rollback/<text>/then/<kept>")
        async def async_rollback(text: str, kept: str) -> Any:
            db.async_session.add(Entry(text=text))
            await db.async_session.flush()
            await db.async_session.rollback()
            db.async_session.add(Entry(text=kept))
            await db.async_session.commit()
            return {"ok": True}

    def _receiver(self, name: str) -> Any:
        def receive(sender: Any, changes: list[tuple[Any, str]]) -> None:
            # Reading the attribute after the commit proves the instance is
            # usable there (expired attributes load in a new transaction).
            self.sent.append((name, sender, [(entry.text, op) for entry, op in changes]))

        return receive

    @contextlib.contextmanager
    def receiving(self, sender: Any = None) -> Iterator[list[tuple[str, Any, list[Any]]]]:
        sender = self.app if sender is None else sender
        before = self._receiver("before")
        after = self._receiver("after")
        with (
            before_models_committed.connected_to(before, sender),
            models_committed.connected_to(after, sender),
        ):
            yield self.sent

    def texts(self) -> list[str]:
        with self.app.app_context():
            return list(self.db.session.scalars(self.db.select(self.Entry.text).order_by("text")))

    def close(self) -> None:
        with self.app.app_context():
            self.db.session.remove()
            self.db.drop_all()
            for engine in self.db.engines.values():
                engine.dispose()


@pytest.fixture
def tracked(track_url: str, tmp_path: Path) -> Iterator[Tracked]:
    tracked = Tracked(track_url, tmp_path)
    yield tracked
    tracked.close()


@pytest.fixture
def sqlite_tracked(tmp_path: Path) -> Iterator[Tracked]:
    tracked = Tracked(f"sqlite:///{tmp_path / 'track.db'}", tmp_path)
    yield tracked
    tracked.close()


def both(changes: list[tuple[str, str]]) -> list[tuple[str, list[tuple[str, str]]]]:
    return [("before", changes), ("after", changes)]


def without_sender(sent: list[tuple[str, Any, list[Any]]]) -> list[tuple[str, list[Any]]]:
    return [(name, changes) for name, _, changes in sent]


@pytest.mark.parametrize("prefix", ["", "/async"], ids=["db.session", "db.async_session"])
def test_insert_update_and_delete_in_requests_are_sent_with_the_app(
    tracked: Tracked, protocol: str, prefix: str
) -> None:
    client = tracked.app.test_client(protocol=protocol)
    with tracked.receiving() as sent:
        assert client.post(f"{prefix}/entries/ann").status_code == 200
        assert without_sender(sent) == both([("ann", "insert")])
        assert [sender for _, sender, _ in sent] == [tracked.app, tracked.app]
        sent.clear()
        assert client.post(f"{prefix}/entries/ann/to/bob").status_code == 200
        assert without_sender(sent) == both([("bob", "update")])
        sent.clear()
        assert client.delete(f"{prefix}/entries/bob").status_code == 200
        assert without_sender(sent) == both([("bob", "delete")])
    assert tracked.texts() == []


@pytest.mark.parametrize("prefix", ["", "/async"], ids=["db.session", "db.async_session"])
def test_a_rollback_discards_what_was_recorded(
    tracked: Tracked, protocol: str, prefix: str
) -> None:
    client = tracked.app.test_client(protocol=protocol)
    with tracked.receiving() as sent:
        assert client.post(f"{prefix}/rollback/gone/then/kept").status_code == 200
        assert without_sender(sent) == both([("kept", "insert")])
    assert tracked.texts() == ["kept"]


def test_a_request_that_fails_sends_nothing_and_leaves_nothing_to_send(
    tracked: Tracked, protocol: str
) -> None:
    client = tracked.app.test_client(protocol=protocol)
    with tracked.receiving() as sent:
        assert client.post("/fail/lost").status_code == 500
        assert sent == []
        assert client.post("/entries/next").status_code == 200
        assert without_sender(sent) == both([("next", "insert")])
    assert tracked.texts() == ["next"]


def test_a_rolled_back_savepoint_drops_only_its_own_changes(
    tracked: Tracked, protocol: str
) -> None:
    client = tracked.app.test_client(protocol=protocol)
    with tracked.receiving() as sent:
        response = client.post("/savepoint/kept/dropped/released")
        # Releasing the savepoint committed nothing, so nothing was sent then.
        assert response.json == {"sent_before_commit": 0}
        assert without_sender(sent) == both([("kept", "insert"), ("released", "insert")])
    assert tracked.texts() == ["kept", "released"]


def test_tracking_off_sends_nothing(track_url: str, tmp_path: Path, protocol: str) -> None:
    tracked = Tracked(track_url, tmp_path, SQLALCHEMY_TRACK_MODIFICATIONS=False)
    try:
        client = tracked.app.test_client(protocol=protocol)
        with tracked.receiving() as sent:
            assert client.post("/entries/ann").status_code == 200
            assert client.post("/async/entries/bob").status_code == 200
            assert client.post("/entries/ann/to/carl").status_code == 200
            assert client.delete("/entries/bob").status_code == 200
            assert sent == []
        assert tracked.texts() == ["carl"]
    finally:
        tracked.close()


def test_tracking_is_off_by_default(tmp_path: Path) -> None:
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite://")
    SQLAlchemy(app)
    assert app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] is False


def test_changes_outside_a_request_are_sent_in_an_app_context(sqlite_tracked: Tracked) -> None:
    tracked, db, Entry = sqlite_tracked, sqlite_tracked.db, sqlite_tracked.Entry
    with tracked.receiving() as sent, tracked.app.app_context():
        db.session.add(Entry(text="cli"))
        db.session.commit()
        assert without_sender(sent) == both([("cli", "insert")])


def test_each_instance_is_sent_once_with_its_net_effect(sqlite_tracked: Tracked) -> None:
    tracked, db, Entry = sqlite_tracked, sqlite_tracked.db, sqlite_tracked.Entry
    with tracked.app.app_context():
        db.session.add_all([Entry(text="old"), Entry(text="doomed")])
        db.session.commit()
    with tracked.receiving() as sent, tracked.app.app_context():
        new = Entry(text="new")
        db.session.add(new)
        db.session.flush()
        new.text = "newer"  # inserted, then changed: still an insert
        ghost = Entry(text="ghost")
        db.session.add(ghost)
        db.session.flush()
        db.session.delete(ghost)  # inserted and deleted: never committed
        old = db.session.execute(db.select(Entry).filter_by(text="old")).scalar_one()
        old.text = "old"  # set to the value it had: not an update
        doomed = db.session.execute(db.select(Entry).filter_by(text="doomed")).scalar_one()
        doomed.text = "renamed"
        db.session.flush()
        db.session.delete(doomed)  # changed, then deleted: a delete
        db.session.commit()
        assert without_sender(sent) == both([("newer", "insert"), ("renamed", "delete")])


def test_a_commit_without_changes_sends_nothing(sqlite_tracked: Tracked) -> None:
    tracked, db = sqlite_tracked, sqlite_tracked.db
    with tracked.receiving() as sent, tracked.app.app_context():
        db.session.execute(db.select(tracked.Entry)).all()
        db.session.commit()
        assert sent == []


def test_before_models_committed_receivers_may_add_to_the_commit(sqlite_tracked: Tracked) -> None:
    tracked, db, Entry = sqlite_tracked, sqlite_tracked.db, sqlite_tracked.Entry

    def audit(sender: Any, changes: list[tuple[Any, str]]) -> None:
        if not any(entry.text == "audit" for entry, _ in changes):
            db.session.add(Entry(text="audit"))

    with (
        tracked.receiving() as sent,
        before_models_committed.connected_to(audit, tracked.app),
        tracked.app.app_context(),
    ):
        db.session.add(Entry(text="ann"))
        db.session.commit()
        assert sent[-1][0] == "after"
        assert sorted(sent[-1][2]) == [("ann", "insert"), ("audit", "insert")]
    assert tracked.texts() == ["ann", "audit"]


def test_a_before_models_committed_receiver_that_raises_stops_the_commit(
    sqlite_tracked: Tracked,
) -> None:
    tracked, db, Entry = sqlite_tracked, sqlite_tracked.db, sqlite_tracked.Entry

    def refuse(sender: Any, changes: list[tuple[Any, str]]) -> None:
        raise ValueError("refused")

    with tracked.receiving() as sent, tracked.app.app_context():
        with before_models_committed.connected_to(refuse, tracked.app):
            db.session.add(Entry(text="refused"))
            with pytest.raises(ValueError, match="refused"):
                db.session.commit()
            db.session.rollback()
        assert "after" not in [name for name, _, _ in sent]
    assert tracked.texts() == []


def test_only_apps_that_turn_it_on_send(tmp_path: Path) -> None:
    db = SQLAlchemy()

    class Entry(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    on = make_app(tmp_path / "on", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'on.db'}")
    on.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = True
    off = make_app(tmp_path / "off", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'off.db'}")
    db.init_app(on)
    db.init_app(off)
    senders: list[Any] = []

    def receive(sender: Any, changes: list[Any]) -> None:
        senders.append(sender)

    with models_committed.connected_to(receive):
        for app in (on, off):
            with app.app_context():
                db.create_all()
                db.session.add(Entry())
                db.session.commit()
                for engine in db.engines.values():
                    engine.dispose()
    assert senders == [on]


def test_async_receivers_are_awaited_for_both_sessions(
    sqlite_tracked: Tracked, protocol: str
) -> None:
    tracked = sqlite_tracked
    received: list[list[tuple[str, str]]] = []
    loops: list[asyncio.AbstractEventLoop] = []

    async def receive(sender: Any, changes: list[tuple[Any, str]]) -> None:
        await asyncio.sleep(0)
        loops.append(asyncio.get_running_loop())
        received.append([(entry.text, op) for entry, op in changes])

    client = tracked.app.test_client(protocol=protocol)
    with models_committed.connected_to(receive, tracked.app):
        assert client.post("/entries/sync").status_code == 200
        assert client.post("/async/entries/async").status_code == 200
    assert received == [[("sync", "insert")], [("async", "insert")]]
    # The async session's commit awaited it on the view's own event loop.
    assert loops[1] is tracked.view_loops[0]


def test_a_released_savepoint_of_a_transaction_never_committed_sends_nothing(
    sqlite_tracked: Tracked,
) -> None:
    tracked, db, Entry = sqlite_tracked, sqlite_tracked.db, sqlite_tracked.Entry
    with tracked.receiving() as sent, tracked.app.app_context():
        with db.session.begin_nested():
            db.session.add(Entry(text="released"))
        db.session.close()  # ends the transaction without a commit
        assert sent == []
        db.session.add(Entry(text="later"))
        db.session.commit()
        assert without_sender(sent) == both([("later", "insert")])


def test_an_async_session_made_before_init_app_is_tracked(tmp_path: Path) -> None:
    db = SQLAlchemy()
    registry = db.async_session  # made before any app turns tracking on

    class Entry(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    app = make_app(
        tmp_path,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'early.db'}",
        SQLALCHEMY_TRACK_MODIFICATIONS=True,
        SQLALCHEMY_ASYNC_ENGINE_OPTIONS={"poolclass": NullPool},
    )
    db.init_app(app)
    sent: list[list[tuple[Any, str]]] = []

    def receive(sender: Any, changes: list[tuple[Any, str]]) -> None:
        sent.append(changes)

    async def main() -> None:
        async with app.app_context():
            entry = Entry()
            registry.add(entry)
            await registry.commit()
            assert sent == [[(entry, "insert")]]
            await db.dispose_async_engines()

    with app.app_context():
        db.create_all()
    with models_committed.connected_to(receive, app):
        asyncio.run(main())
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


def test_the_signals_import_from_both_paths() -> None:
    import hipflask.db
    import hipflask.db.track_modifications as module

    assert hipflask.db.models_committed is module.models_committed
    assert hipflask.db.before_models_committed is module.before_models_committed
    assert module.models_committed.name == "models-committed"
    assert module.before_models_committed.name == "before-models-committed"


def test_receivers_of_another_app_hear_nothing(sqlite_tracked: Tracked, protocol: str) -> None:
    other = Hipflask("other")
    with sqlite_tracked.receiving(sender=other) as sent:
        client = sqlite_tracked.app.test_client(protocol=protocol)
        assert client.post("/entries/ann").status_code == 200
        assert sent == []
