"""The scoped session: one per app context, removed at teardown, also for streamed bodies."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from hipflask import Hipflask
from hipflask import Response
from hipflask import stream_with_context
from hipflask.db import SQLAlchemy

from .conftest import define_models


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
