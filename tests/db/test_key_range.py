"""``get_or_404`` with an id no row can have: a 404, not the database's error.

``/users/<int:id>`` with ``db.get_or_404(User, id)`` is the usual view, and
the ``int`` converter takes any number of digits. PostgreSQL refuses an
``INTEGER`` parameter past 2**31 - 1 and SQLite's driver any integer past
64 bits, each with an error that made a 500 of a URL any client can type,
and PostgreSQL's aborts the transaction, so the app's 404 page could not
query the database either. Such an id is a row that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from hipflask import abort
from hipflask.db import SQLAlchemy
from hipflask.db.keys import dialect_name
from hipflask.db.keys import integer_range
from hipflask.db.keys import is_outside_column
from hipflask.testing import HipflaskClient

from .conftest import make_app


@pytest.fixture
def client(server_url: str, tmp_path: Path, protocol: str) -> Iterator[HipflaskClient]:
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=server_url)
    db = SQLAlchemy(app)

    class RangeUser(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    class RangeEvent(db.Model):
        id = db.Column(db.BigInteger, primary_key=True)

    class RangeSlot(db.Model):
        day = db.Column(db.SmallInteger, primary_key=True)
        room = db.Column(db.Integer, primary_key=True)

    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.add_all([RangeUser(id=1), RangeEvent(id=2**40), RangeSlot(day=3, room=4)])
        db.session.commit()

    @app.get("/users/<int(signed=True):user_id>")
    def user(user_id: int) -> str:
        return str(db.get_or_404(RangeUser, user_id).id)

    @app.get("/legacy/<int(signed=True):user_id>")
    def legacy(user_id: int) -> str:
        return str(RangeUser.query.get_or_404(user_id).id)

    @app.get("/events/<int:event_id>")
    def event(event_id: int) -> str:
        return str(db.get_or_404(RangeEvent, event_id).id)

    @app.get("/slots/<int:day>/<int:room>")
    def slot(day: int, room: int) -> str:
        return str(db.get_or_404(RangeSlot, {"day": day, "room": room}).day)

    @app.get("/session-get/<int:user_id>")
    def session_get(user_id: int) -> str:
        user = db.session.get(RangeUser, user_id)
        return str(user.id) if user else abort(404)

    @app.get("/filter/<int:user_id>")
    def filtered(user_id: int) -> str:
        found = db.session.execute(db.select(RangeUser).filter_by(id=user_id)).scalar()
        return str(found.id) if found else abort(404)

    @app.errorhandler(404)
    def not_found(error: Any) -> tuple[str, int]:
        # The 404 page may ask the database too: the transaction must be usable.
        with db.session.begin_nested():
            count = db.session.execute(sa.select(sa.func.count()).select_from(RangeUser))
        return f"missing ({count.scalar()} users)", 404

    yield app.test_client(protocol=protocol)
    with app.app_context():
        db.drop_all()
        for engine in db.engines.values():
            engine.dispose()


@pytest.mark.parametrize(
    "path",
    [
        "/users/2147483648",
        "/users/-2147483649",
        "/users/99999999999999999999999",
        "/legacy/2147483648",
        "/legacy/-99999999999999999999999",
        "/events/9223372036854775808",
        "/events/1180591620717411303424",
        "/slots/40000/1",
        "/slots/1/2147483648",
    ],
)
def test_an_id_past_the_column_s_range_is_a_404(client: HipflaskClient, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 404
    assert response.text == "missing (1 users)"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/users/1", 200),
        ("/users/2147483647", 404),
        ("/legacy/1", 200),
        ("/events/1099511627776", 200),
        ("/events/2147483648", 404),
        ("/slots/3/4", 200),
    ],
)
def test_ids_the_column_can_hold_are_looked_up(
    client: HipflaskClient, path: str, status: int
) -> None:
    assert client.get(path).status_code == status


@pytest.mark.parametrize("path", ["/session-get", "/filter"])
@pytest.mark.parametrize("number", [2**31, 2**70])
def test_a_number_the_database_refuses_in_any_query_is_a_400(
    client: HipflaskClient, server_url: str, path: str, number: int
) -> None:
    # Where no row lookup can tell the key is out of range, the database's
    # refusal of the client's number is the client's error, as a NUL is.
    response = client.get(f"{path}/{number}", headers={"Accept": "application/json"})

    refuses = server_url.startswith("postgresql") or (
        server_url.startswith("sqlite") and number >= 2**63
    )
    if refuses:
        assert response.status_code == 400
        assert response.get_json()["description"] == (
            "A number in the request is outside the range the database can store."
        )
    else:
        assert response.status_code == 404


def test_the_database_s_refusal_outside_a_request_is_left_as_it_is(
    server_url: str, tmp_path: Path
) -> None:
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=server_url)
    db = SQLAlchemy(app)

    class RangeScript(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    with app.app_context():
        db.create_all()
        try:
            if server_url.startswith("mysql"):
                # MySQL/MariaDB compares such a number without an error.
                assert db.session.get(RangeScript, 2**70) is None
            else:
                with pytest.raises((sa.exc.DataError, OverflowError)) as info:
                    db.session.get(RangeScript, 2**70)
                assert type(info.value).__name__ != "NumberOutOfRangeError"
        finally:
            db.session.rollback()
            db.drop_all()
            for engine in db.engines.values():
                engine.dispose()


@pytest.mark.parametrize(
    ("column_type", "backend", "expected"),
    [
        (sa.Integer(), "postgresql", (-(2**31), 2**31 - 1)),
        (sa.SmallInteger(), "mariadb", (-(2**15), 2**15 - 1)),
        (sa.BigInteger(), "mysql", (-(2**63), 2**63 - 1)),
        (mysql.INTEGER(unsigned=True), "mysql", (0, 2**32 - 1)),
        (sa.Integer(), "sqlite", (-(2**63), 2**63 - 1)),
        (sa.Integer(), "oracle", None),
        (sa.String(), "postgresql", None),
    ],
    ids=["pg-int", "mariadb-small", "mysql-big", "unsigned", "sqlite", "unsized", "text"],
)
def test_integer_range_is_the_column_s_own_on_its_backend(
    column_type: Any, backend: str, expected: tuple[int, int] | None
) -> None:
    # Public for the admin's ?id= and filters, which answer from the same table.
    assert integer_range(column_type, backend) == expected


def test_only_an_integer_past_the_range_is_outside_a_column() -> None:
    assert is_outside_column(2**31, sa.Integer(), "postgresql")
    assert not is_outside_column(2**31, sa.BigInteger(), "postgresql")
    assert not is_outside_column(2**31, sa.Integer(), "sqlite")
    assert not is_outside_column(True, sa.Integer(), "postgresql")
    assert not is_outside_column("2147483648", sa.Integer(), "postgresql")
    assert not is_outside_column(2**40, sa.Integer(), "oracle")


def test_the_dialect_of_an_unmapped_object_or_an_unbound_session_is_unknown() -> None:
    class Plain:
        pass

    assert dialect_name(sa.orm.Session(), Plain) is None
    assert dialect_name(None, Plain) is None
