"""ChoiceType filters compare with keys of the type the database stores.

A SQLAlchemy-Utils ``ChoiceType`` may keep an int ``Enum``'s values in a
string column (``impl=String``), or text keys in an integer one. Its bind
processor hands the key over as it is, so ``WHERE size IN ('x')`` on an
integer column is an error on PostgreSQL (a 500) where SQLite answers
without a word.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import orm

from hipflask import Hipflask
from hipflask import get_flashed_messages
from hipflask.admin import Admin
from hipflask.admin.contrib.sqla import ModelView
from hipflask.testing.client import HipflaskClient


class Mood(enum.Enum):
    calm = 1
    loud = 2


class Seat(enum.Enum):
    front = "1"
    back = "2"
    standing = "x"  # a key no integer column can hold


class ChoiceType(sa.TypeDecorator[Any]):
    """Stands for SQLAlchemy-Utils' ``ChoiceType``, whose storage ``impl`` may be given.

    As there, an ``Enum`` member is stored as its value, handed to the
    driver as it is; a value read back is matched by its text, as an app
    storing an int ``Enum`` in a string column needs.
    """

    impl = sa.Unicode(255)
    cache_ok = True

    def __init__(self, choices: Any, impl: Any = None) -> None:
        super().__init__()
        self.choices = choices
        if impl is not None:
            self.impl = impl

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None or not isinstance(self.choices, enum.EnumMeta):
            return value
        return self.choices(value).value

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if value is None or not isinstance(self.choices, enum.EnumMeta):
            return value
        return next(member for member in self.choices if str(member.value) == str(value))


class _Base(orm.DeclarativeBase):
    pass


class Show(_Base):
    __tablename__ = "hfa_show"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    title: orm.Mapped[str] = orm.mapped_column(sa.String(20))
    mood: orm.Mapped[Any] = orm.mapped_column(ChoiceType(Mood, impl=sa.String(10)), nullable=True)
    seat: orm.Mapped[Any] = orm.mapped_column(ChoiceType(Seat, impl=sa.Integer()), nullable=True)
    hall: orm.Mapped[Any] = orm.mapped_column(
        ChoiceType(((1, "Main hall"), (2, "Side room")), impl=sa.String(10)), nullable=True
    )


@pytest.fixture
def shows(app: Hipflask, backend_url: str) -> Iterator[orm.scoped_session[orm.Session]]:
    engine = sa.create_engine(backend_url)
    _Base.metadata.create_all(engine)
    scoped = orm.scoped_session(orm.sessionmaker(engine))
    app.teardown_appcontext(lambda exc: scoped.remove())
    scoped.add_all(
        [
            Show(title="calm", mood=Mood.calm, seat=Seat.front, hall=1),
            Show(title="loud", mood=Mood.loud, seat=Seat.back, hall=2),
            Show(title="none"),
        ]
    )
    scoped.commit()

    class ShowView(ModelView):
        column_filters = ("mood", "seat", "hall")
        column_default_sort = "title"

        def render(self, template: str, **kwargs: Any) -> Any:
            return {
                "rows": [row.title for row in kwargs["data"]],
                "flashes": get_flashed_messages(),
            }

    Admin(app).add_view(ShowView(Show, scoped))
    yield scoped
    scoped.remove()
    _Base.metadata.drop_all(engine)
    engine.dispose()


# Five filters per column: equals, not equal, contains, not contains, empty.
_MOOD, _SEAT, _HALL = 0, 5, 10


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({f"flt0_{_MOOD}": "loud"}, ["loud"]),
        ({f"flt0_{_MOOD + 1}": "loud"}, ["calm", "none"]),
        ({f"flt0_{_MOOD + 2}": "AL"}, ["calm"]),
        ({f"flt0_{_MOOD + 3}": "al"}, ["loud", "none"]),
        ({f"flt0_{_SEAT}": "back"}, ["loud"]),
        ({f"flt0_{_SEAT + 1}": "back"}, ["calm", "none"]),
        # "standing" is stored as "x", which no integer column holds: no row.
        ({f"flt0_{_SEAT + 2}": "a"}, ["loud"]),
        ({f"flt0_{_SEAT + 3}": "n"}, ["loud", "none"]),
        ({f"flt0_{_HALL}": "Side room"}, ["loud"]),
        ({f"flt0_{_HALL + 1}": "Side room"}, ["calm", "none"]),
        ({f"flt0_{_HALL + 2}": "hall"}, ["calm"]),
    ],
)
def test_choice_filters_compare_with_keys_of_the_stored_type(
    shows: Any, client: HipflaskClient, query: dict[str, str], expected: list[str]
) -> None:
    answer = client.get("/admin/show/", query_string=query)
    assert answer.status_code == 200
    assert answer.get_json() == {"rows": expected, "flashes": []}


@pytest.mark.parametrize("operation", [0, 1], ids=["equals", "not equal"])
def test_a_choice_whose_key_the_column_cannot_hold_is_an_invalid_filter(
    shows: Any, client: HipflaskClient, operation: int
) -> None:
    answer = client.get("/admin/show/", query_string={f"flt0_{_SEAT + operation}": "standing"})
    assert answer.status_code == 200
    assert answer.get_json() == {
        "rows": ["calm", "loud", "none"],
        "flashes": ["Invalid Filter Value: standing"],
    }
