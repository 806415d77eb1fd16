"""Parallel saves of one server-side session: merged, backed off, never overwritten."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import SECRET
from tests.real_servers import redis_url
from tests.sessions.backends import BACKENDS
from tests.sessions.backends import close_clients
from tests.sessions.backends import session_app

from hipflask import Hipflask
from hipflask import session
from hipflask.sessions import Session
from hipflask.sessions import merge
from hipflask.sessions.merge import Backoff
from hipflask.sessions.merge import SessionConflictError
from hipflask.sessions.merge import merge_changes
from hipflask.sessions.server import ServerSideSessionInterface
from hipflask.stores import MemoryStore
from hipflask.stores.redis import RedisStore

# Tabs saving one session at once, and saves each: enough for a save to lose
# the race dozens of times in a row on every backend.
TABS = 12
SAVES = 20


class LaggingMemoryStore(MemoryStore):
    """The memory store with a network's round trip: each answer comes a little late.

    Without it the GIL runs a save's read, merge and write almost at once and
    threads seldom collide; with it they collide as on Redis or SQL.
    """

    lag = 0.002

    def get(self, key: str) -> bytes | None:
        value = super().get(key)
        time.sleep(self.lag)
        return value

    def compare_and_set(
        self, key: str, expected: bytes, value: bytes, ttl: float | None = None
    ) -> bool:
        time.sleep(self.lag)
        return super().compare_and_set(key, expected, value, ttl)

    async def aget(self, key: str) -> bytes | None:
        value = MemoryStore.get(self, key)
        await asyncio.sleep(self.lag)
        return value

    async def acompare_and_set(
        self, key: str, expected: bytes, value: bytes, ttl: float | None = None
    ) -> bool:
        await asyncio.sleep(self.lag)
        return MemoryStore.compare_and_set(self, key, expected, value, ttl)


class LaggingRedisStore(RedisStore):
    """The Redis store as a remote server answers it: a couple of milliseconds late."""

    lag = LaggingMemoryStore.lag

    def get(self, key: str) -> bytes | None:
        value = super().get(key)
        time.sleep(self.lag)
        return value

    def compare_and_set(
        self, key: str, expected: bytes, value: bytes, ttl: float | None = None
    ) -> bool:
        time.sleep(self.lag)
        return super().compare_and_set(key, expected, value, ttl)

    async def aget(self, key: str) -> bytes | None:
        value = await super().aget(key)
        await asyncio.sleep(self.lag)
        return value

    async def acompare_and_set(
        self, key: str, expected: bytes, value: bytes, ttl: float | None = None
    ) -> bool:
        await asyncio.sleep(self.lag)
        return await super().acompare_and_set(key, expected, value, ttl)


class RivalStore(MemoryStore):
    """A memory store where another request saves the session just before each write.

    Once :meth:`arm` is called for a session id, every ``compare_and_set`` or
    ``set`` of that record is preceded by a rival save adding a key
    ``rivalN``, as a parallel request that wins every race would: the
    worst case a save can meet, made exact.
    """

    def __init__(self, interface: ServerSideSessionInterface) -> None:
        super().__init__(prefix="session:")
        self.serializer = interface.serializer
        self.armed: str | None = None
        self.remaining: int | None = 0
        self.landed = 0

    def arm(self, sid: str, rivals: int | None) -> None:
        """Rival saves before the next ``rivals`` writes of ``sid`` (``None``: all of them)."""
        self.armed, self.remaining = sid, rivals

    def _rival_save(self, key: str) -> None:
        if key != self.armed or self.remaining == 0:
            return
        raw = MemoryStore.get(self, key)
        assert raw is not None
        data = self.serializer.loads(raw.decode("utf-8"))
        data[f"rival{self.landed}"] = self.landed
        MemoryStore.set(self, key, self.serializer.dumps(data).encode("utf-8"), 3600)
        self.landed += 1
        if self.remaining is not None:
            self.remaining -= 1

    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        self._rival_save(key)
        super().set(key, value, ttl)

    def compare_and_set(
        self, key: str, expected: bytes, value: bytes, ttl: float | None = None
    ) -> bool:
        self._rival_save(key)
        return super().compare_and_set(key, expected, value, ttl)


def add_views(app: Hipflask) -> None:
    @app.get("/set/<key>")
    def set_key(key: str) -> Any:
        session[key] = True
        return {"ok": True}

    @app.get("/aset/<key>")
    async def aset_key(key: str) -> Any:
        session[key] = True
        return {"ok": True}

    @app.get("/keys")
    def keys() -> Any:
        return sorted(key for key in session if key != "_permanent")


@contextlib.contextmanager
def contended_app(backend: str, tmp_path: Path) -> Iterator[Hipflask]:
    """An app whose session saves collide as they would over a network."""
    with session_app(backend, tmp_path, suite="merge", connections=TABS + 2) as app:
        add_views(app)
        interface = app.session_interface
        store = interface.store
        if backend == "memory":
            interface.store = LaggingMemoryStore(prefix=store.prefix)
        elif backend == "redis":
            # On loopback Redis answers before another thread can run; a
            # remote server's round trip leaves the room parallel saves meet in.
            interface.store = LaggingRedisStore(url=redis_url(), prefix=store.prefix)
        try:
            yield app
        finally:
            if interface.store is not store:
                interface.store.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_parallel_requests_changing_one_session_lose_nothing(
    backend: str, protocol: str, tmp_path: Path
) -> None:
    # Under ASGI the views are async, so the saves go through the async driver.
    path = "/aset/" if protocol == "asgi" else "/set/"
    with contended_app(backend, tmp_path) as app:
        first = app.test_client(protocol=protocol)
        clients: list[Any] = [first]
        statuses: list[int] = []
        errors: list[BaseException] = []
        barrier = threading.Barrier(TABS)

        def tab(n: int) -> None:
            try:
                client = app.test_client(protocol=protocol)
                clients.append(client)
                client.set_cookie("session", cookie)
                barrier.wait()
                for i in range(SAVES):
                    statuses.append(client.get(f"{path}tab{n}-{i}").status_code)
            except BaseException as exc:  # reported below
                errors.append(exc)

        try:
            first.get("/set/start")
            cookie = first.get_cookie("session").value
            threads = [threading.Thread(target=tab, args=(n,)) for n in range(TABS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert errors == []
            assert set(statuses) == {200}
            written = {f"tab{n}-{i}" for n in range(TABS) for i in range(SAVES)}
            missing = written - set(first.get("/keys").json)
            assert sorted(missing) == []
        finally:
            close_clients(app, clients)


@pytest.fixture
def rival_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Hipflask]:
    """An app on a :class:`RivalStore`, with a back-off short enough for many collisions."""
    monkeypatch.setattr(merge, "_BACKOFF_FIRST", 0.0001)
    monkeypatch.setattr(merge, "_BACKOFF_CAP", 0.0005)
    app = Hipflask("rival_app", instance_path=str(tmp_path / "instance"))
    app.config.update(TESTING=True, SECRET_KEY=SECRET)
    add_views(app)
    Session(app)
    app.session_interface.store = RivalStore(app.session_interface)
    yield app


def sid_of(client: Any) -> str:
    return str(client.get_cookie("session").value).split(".")[0]


def test_a_save_that_keeps_colliding_keeps_every_parallel_write(
    rival_app: Hipflask, protocol: str
) -> None:
    # More collisions in a row than the 32 attempts a save once got before
    # writing its merge unchecked, over the rival save that had just landed.
    path = "/aset/" if protocol == "asgi" else "/set/"
    store: RivalStore = rival_app.session_interface.store
    client = rival_app.test_client(protocol=protocol)
    client.get("/set/before")
    store.arm(sid_of(client), rivals=40)
    assert client.get(f"{path}mine").status_code == 200
    assert store.landed == 40
    store.arm(sid_of(client), rivals=0)
    rivals = [f"rival{n}" for n in range(40)]
    assert client.get("/keys").json == sorted(["before", "mine", *rivals])


def test_a_save_that_never_gets_through_fails_and_overwrites_nothing(
    rival_app: Hipflask,
    protocol: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(merge, "_MERGE_PATIENCE", 0.1)
    path = "/aset/" if protocol == "asgi" else "/set/"
    store: RivalStore = rival_app.session_interface.store
    client = rival_app.test_client(protocol=protocol)
    client.get("/set/before")
    store.arm(sid_of(client), rivals=None)
    with pytest.raises(SessionConflictError, match="changes to 'mine' are lost"):
        client.get(f"{path}mine")  # tests see the error itself
    rival_app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get(f"{path}mine")
    assert response.status_code == 500
    assert "SessionConflictError" in caplog.text  # reported, never silent
    assert caplog.text.count("changes to 'mine' are lost") == 1  # the 500 page saves nothing
    store.arm(sid_of(client), rivals=0)
    keys = client.get("/keys").json
    assert "mine" not in keys
    assert keys == sorted(["before", *(f"rival{n}" for n in range(store.landed))])


def test_the_back_off_grows_to_its_cap_and_ends_with_patience() -> None:
    now = [0.0]
    backoff = Backoff(clock=lambda: now[0])
    bound = merge._BACKOFF_FIRST
    for _ in range(12):
        delay = backoff.next_delay()
        assert delay is not None
        assert 0 <= delay <= bound
        bound = min(bound * 2, merge._BACKOFF_CAP)
    assert bound == merge._BACKOFF_CAP
    now[0] = merge._MERGE_PATIENCE
    assert backoff.next_delay() is None
    assert backoff.waited() == merge._MERGE_PATIENCE


def test_merging_applies_only_the_keys_this_request_changed() -> None:
    base = {"kept": 1, "changed": 1, "deleted": 1, "theirs": 1}
    current = {"kept": 1, "changed": 2, "deleted": 1, "theirs": 2, "added_by_them": 1}
    mine = {"kept": 1, "changed": 3, "theirs": 1, "added_by_me": 1}
    assert merge_changes(base, current, mine) == {
        "kept": 1,
        "changed": 3,
        "theirs": 2,
        "added_by_them": 1,
        "added_by_me": 1,
    }
