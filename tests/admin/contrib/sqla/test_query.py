from __future__ import annotations

import datetime
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy import orm
from tests.admin.contrib.sqla.models import Author
from tests.admin.contrib.sqla.models import Pair
from tests.admin.contrib.sqla.models import Post
from tests.admin.contrib.sqla.models import Tag

from hipflask.admin.contrib.sqla import query
from hipflask.errors import ConfigurationError


def test_resolve_path_turns_a_table_into_its_relationship() -> None:
    assert query.resolve_path(Post, [Author.__table__]) == [Post.author]


def test_resolve_path_refuses_a_table_with_no_single_relationship() -> None:
    with pytest.raises(ConfigurationError, match="hfa_pair"):
        query.resolve_path(Post, [Pair.__table__])


def test_through_path_counts_each_row_once(seeded: orm.scoped_session[orm.Session]) -> None:
    condition = query.through_path([Post.tags], Tag.name.in_(["red", "blue"]))

    assert seeded.query(Post).filter(condition).count() == 2


def test_join_path_joins_each_path_once(seeded: orm.scoped_session[orm.Session]) -> None:
    joins: dict[tuple[str, ...], object] = {}
    statement, alias = query.join_path(seeded.query(Post), joins, [Post.author])
    statement, again = query.join_path(statement, joins, [Post.author])

    assert alias is again
    rows = statement.order_by(query.on_alias(Author.name, alias).desc()).all()
    assert rows[0].title == "100% pure_fun"
    assert str(statement).count("JOIN") == 1


@pytest.mark.parametrize(
    ("column", "text", "value"),
    [
        (Post.__table__.c.views, "12", 12),
        (Post.__table__.c.score, "2.5", 2.5),
        (Post.__table__.c.uid, str(uuid.UUID(int=3)), uuid.UUID(int=3)),
        (Post.__table__.c.day, "2024-05-01", datetime.date(2024, 5, 1)),
        (Post.__table__.c.title, "any text", "any text"),
    ],
    ids=["int", "float", "uuid", "date", "text"],
)
def test_key_parts_are_parsed_to_the_column_type(
    column: sa.Column[object], text: str, value: object
) -> None:
    assert query.coerce_key_part(column, text) == value


@pytest.mark.parametrize("text", ["abc", "1.5", str(2**63), str(-(2**63) - 1), ""], ids=str)
def test_an_integer_key_part_that_cannot_exist_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        query.coerce_key_part(Post.__table__.c.id, text)


def test_coerce_key_checks_the_number_of_parts() -> None:
    assert query.coerce_key(Pair, "a.,b,7") == ("a,b", 7)
    assert query.coerce_key(Pair, ("a", "7")) == ("a", 7)
    assert query.coerce_key(Pair, "a") is None
    assert query.coerce_key(Post, "1,2") is None
    assert query.coerce_key(Post, "x") is None


def test_filter_by_keys_skips_ids_that_cannot_exist(
    seeded: orm.scoped_session[orm.Session],
) -> None:
    first = seeded.query(Post).order_by(Post.id).first()
    assert first is not None

    rows = query.filter_by_keys(seeded.query(Post), Post, [str(first.id), "abc", str(10**30)]).all()

    assert rows == [first]
    assert query.filter_by_keys(seeded.query(Post), Post, ["abc"]).count() == 0


@pytest.mark.parametrize(
    ("page", "size", "expected"),
    [(0, 2, 2), (1, 2, 1), (-3, 2, 2), (50, 2, 0), (0, 0, 3)],
    ids=["first", "second", "negative", "past-end", "no-limit"],
)
def test_paginate(
    seeded: orm.scoped_session[orm.Session], page: int, size: int, expected: int
) -> None:
    paged = query.paginate(seeded.query(Post).order_by(Post.id), page, size)

    assert paged is not None
    assert len(paged.all()) == expected


def test_paginate_past_any_possible_row_runs_no_query(
    seeded: orm.scoped_session[orm.Session],
) -> None:
    assert query.paginate(seeded.query(Post), 10**30, 20) is None


@pytest.mark.parametrize("text", ["1e-9999999999", "1e999999", "NaN", "-Infinity"], ids=str)
def test_a_decimal_key_part_no_driver_can_send_is_refused(text: str) -> None:
    # PyMySQL writes a Decimal out in full: "1e-9999999999" in an edit URL
    # would be ten billion zeros (out of memory), and NaN a driver error.
    column = sa.Column("amount", sa.Numeric(12, 2), primary_key=True)
    with pytest.raises(ValueError):
        query.coerce_key_part(column, text)
    assert str(query.coerce_key_part(column, "12.50")) == "12.50"
