"""The same model suite on SQLite, PostgreSQL (psycopg 3) and MariaDB (PyMySQL).

Each server gets a database of its own for this module, dropped at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import orm
from tests.conftest import SECRET
from tests.db.conftest import server_url as server_url
from tests.real_servers import postgresql_database
from tests.real_servers import require_driver

from hipflask import Hipflask
from hipflask import request
from hipflask.db import SQLAlchemy
from hipflask.db.refusals import NulCharacterError

INJECTION = "x' OR '1'='1'; DROP TABLE member; --"


@pytest.fixture
def suite(server_url: str, tmp_path: Path) -> Iterator[tuple[Hipflask, SQLAlchemy, Any, Any]]:
    app = Hipflask("db_suite", instance_path=str(tmp_path))
    app.config.update(
        TESTING=True,
        SECRET_KEY=SECRET,
        SQLALCHEMY_DATABASE_URI=server_url,
        SQLALCHEMY_ASYNC_ENGINE_OPTIONS={"poolclass": sa.pool.NullPool},
    )

    class Base(orm.DeclarativeBase):
        pass

    db = SQLAlchemy(app, model_class=Base)

    class Member(db.Model):
        id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
        username: orm.Mapped[str] = orm.mapped_column(sa.String(80), unique=True)
        city: orm.Mapped[str] = orm.mapped_column(sa.String(80), default="")
        notes: orm.Mapped[list[Note]] = orm.relationship(back_populates="member")

    class Note(db.Model):
        id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
        body: orm.Mapped[str] = orm.mapped_column(sa.Text)
        member_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("member.id"))
        member: orm.Mapped[Member] = orm.relationship(back_populates="notes")

    with app.app_context():
        db.drop_all()
        db.create_all()
        members = [
            Member(username=f"m{n:02}", city="Oslo" if n % 3 == 0 else "Lima") for n in range(1, 51)
        ]
        db.session.add_all(members)
        db.session.add(Note(body="Grüße, 你好 ✓", member=members[0]))
        db.session.commit()

    @app.get("/members/<int:member_id>")
    def show(member_id: int) -> Any:
        member = Member.query.get_or_404(member_id)
        return {"username": member.username, "notes": [n.body for n in member.notes]}

    @app.get("/cities/<city>")
    def by_city(city: str) -> Any:
        page = Member.query.filter_by(city=city).order_by(Member.id).paginate(per_page=5)
        return {
            "items": [m.username for m in page.items],
            "total": page.total,
            "pages": list(page.iter_pages()),
        }

    @app.get("/search")
    def search() -> Any:
        rows = db.session.execute(
            sa.text("SELECT username FROM member WHERE username = :name"),
            {"name": request.args.get("name", "")},
        )
        return [row.username for row in rows]

    @app.post("/members/<name>")
    def add(name: str) -> Any:
        db.session.add(Member(username=name))
        db.session.commit()
        return {"ok": True}

    @app.post("/notes")
    def add_note() -> Any:
        db.session.add(Note(body=request.form["body"], member_id=1))
        db.session.commit()
        return {"ok": True}

    @app.get("/async-search")
    async def async_search() -> Any:
        rows = await db.async_session.scalars(
            sa.select(Member.username).filter_by(username=request.args["name"])
        )
        return list(rows)

    @app.post("/broken/<name>")
    def broken(name: str) -> Any:
        db.session.add(Member(username=name))
        db.session.flush()
        raise RuntimeError("after a flush")

    yield app, db, Member, Note
    with app.app_context():
        db.drop_all()
        for engine in db.engines.values():
            engine.dispose()


def test_the_model_suite(suite: tuple[Hipflask, SQLAlchemy, Any, Any], protocol: str) -> None:
    app, _, Member, _ = suite
    client = app.test_client(protocol=protocol)
    assert client.get("/members/1").json == {"username": "m01", "notes": ["Grüße, 你好 ✓"]}
    assert client.get("/members/999").status_code == 404
    oslo = client.get("/cities/Oslo?page=2").json
    assert oslo["items"] == ["m18", "m21", "m24", "m27", "m30"]
    assert oslo["total"] == 16
    assert oslo["pages"] == [1, 2, 3, 4]
    assert client.get("/cities/Oslo?page=abc").status_code == 404
    assert client.get("/cities/Oslo?page=" + "9" * 25).status_code == 404
    assert client.post("/members/new-one").json == {"ok": True}
    with app.app_context():
        assert Member.query.filter_by(username="new-one").one().city == ""


def test_an_injection_payload_stays_data(
    suite: tuple[Hipflask, SQLAlchemy, Any, Any], protocol: str
) -> None:
    app, db, Member, _ = suite
    client = app.test_client(protocol=protocol)
    assert client.get("/search", query_string={"name": INJECTION}).json == []
    assert client.get("/search", query_string={"name": "m02"}).json == ["m02"]
    assert client.post(f"/members/{INJECTION.replace('/', '')}").status_code == 200
    assert client.get("/cities/" + "x' OR '1'='1").json["total"] == 0
    with app.app_context():
        assert Member.query.count() == 51
        assert sa.inspect(db.engine).has_table("member")


def test_a_failed_request_is_rolled_back(
    suite: tuple[Hipflask, SQLAlchemy, Any, Any], protocol: str
) -> None:
    app, _, Member, _ = suite
    app.testing = False
    client = app.test_client(protocol=protocol)
    assert client.post("/broken/ghost").status_code == 500
    with app.app_context():
        assert Member.query.filter_by(username="ghost").first() is None


def test_a_unique_violation_in_a_request_is_a_clean_error(
    suite: tuple[Hipflask, SQLAlchemy, Any, Any], protocol: str
) -> None:
    app = suite[0]
    app.testing = False
    client = app.test_client(protocol=protocol)
    assert client.post("/members/m01").status_code == 500
    # The failed transaction did not poison the next request's connection.
    assert client.get("/members/2").json["username"] == "m02"


def test_a_nul_character_in_a_value_is_a_400_where_the_database_refuses_it(
    suite: tuple[Hipflask, SQLAlchemy, Any, Any], protocol: str
) -> None:
    app, _, _, Note = suite
    app.testing = False
    client = app.test_client(protocol=protocol, environ_base={"HTTP_ACCEPT": "application/json"})
    responses = [
        client.get("/search", query_string={"name": "m02\x00"}),
        client.get("/async-search", query_string={"name": "m02\x00"}),
        client.get("/cities/Oslo", query_string={"page": "1"}),
        client.post("/notes", data={"body": "a\x00b"}),
    ]
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # PostgreSQL text cannot hold a NUL: the client sent what no row can store.
        assert [r.status_code for r in responses] == [400, 400, 200, 400]
        assert "NUL" in responses[0].json["description"]
    else:
        assert [r.status_code for r in responses] == [200, 200, 200, 200]
    # The refused statement did not poison the next request's connection.
    assert client.get("/members/2").json["username"] == "m02"
    with app.app_context():
        assert Note.query.filter(Note.body.startswith("a")).count() in (0, 1)


# Only PostgreSQL refuses a NUL character: these run on it alone, rather
# than skipping on the other servers.
@pytest.mark.parametrize("server_url", ["postgresql"], indirect=True)
def test_a_nul_character_keeps_the_data_error_apps_catch(
    suite: tuple[Hipflask, SQLAlchemy, Any, Any],
) -> None:
    app, db, Member, _ = suite
    query = sa.select(Member).filter_by(username="a\x00")
    with app.app_context(), pytest.raises(sa.exc.DataError) as outside:
        db.session.execute(query).all()
    assert not isinstance(outside.value, NulCharacterError)  # a script's error stays the driver's
    with app.test_request_context(), pytest.raises(NulCharacterError) as inside:
        db.session.execute(query).all()
    assert isinstance(inside.value, sa.exc.DataError)
    assert inside.value.code == 400
    assert "a\x00" not in str(inside.value)


def _refuse_like_psycopg2(
    conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    # psycopg2 refuses a NUL while it quotes the parameters, before anything
    # reaches the server, and with a ValueError rather than a DBAPI error.
    rows = parameters if isinstance(parameters, (list, tuple)) else [parameters]
    values = [v for row in rows for v in (row.values() if isinstance(row, dict) else row)]
    if any(isinstance(value, str) and "\x00" in value for value in values):
        raise ValueError("A string literal cannot contain NUL (0x00) characters.")


@pytest.mark.parametrize("server_url", ["postgresql"], indirect=True)
def test_a_nul_character_refused_by_the_driver_itself_is_a_400_too(
    suite: tuple[Hipflask, SQLAlchemy, Any, Any], protocol: str
) -> None:
    app, db, _, _ = suite
    app.testing = False
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", _refuse_like_psycopg2)
    try:
        client = app.test_client(
            protocol=protocol, environ_base={"HTTP_ACCEPT": "application/json"}
        )
        searched = client.get("/search", query_string={"name": "m02\x00"})
        posted = client.post("/notes", data={"body": "a\x00b"})
        assert [searched.status_code, posted.status_code] == [400, 400]
        assert "NUL" in searched.json["description"]
        # The refused statement did not poison the next request's connection.
        assert client.get("/members/2").json["username"] == "m02"
    finally:
        sa.event.remove(engine, "before_cursor_execute", _refuse_like_psycopg2)


def test_a_nul_character_is_a_400_on_psycopg2(tmp_path: Path, protocol: str) -> None:
    require_driver("psycopg2")
    with postgresql_database("nul_psycopg2") as url:
        app = Hipflask("nul_psycopg2", instance_path=str(tmp_path))
        app.config.update(
            SECRET_KEY=SECRET,
            SQLALCHEMY_DATABASE_URI=url.replace("+psycopg:", "+psycopg2:", 1),
        )
        db = SQLAlchemy(app)

        @app.get("/search")
        def search() -> Any:
            rows = db.session.execute(sa.text("SELECT :name AS name"), {"name": request.args["q"]})
            return [row.name for row in rows]

        try:
            client = app.test_client(protocol=protocol)
            assert client.get("/search?q=a").json == ["a"]
            assert client.get("/search?q=a%00").status_code == 400
        finally:
            with app.app_context():
                for engine in db.engines.values():
                    engine.dispose()
