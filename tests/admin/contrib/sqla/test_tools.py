from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import orm
from tests.admin.contrib.sqla.models import Author
from tests.admin.contrib.sqla.models import Pair
from tests.admin.contrib.sqla.models import Post
from tests.admin.contrib.sqla.models import Tag

from hipflask.admin.contrib.sqla import tools


@pytest.mark.parametrize(
    "parts",
    [("1",), ("a,b", "c.d"), ("", ""), (".,", ",,", "..")],
    ids=["one", "separator-and-escape", "empty", "only-specials"],
)
def test_iterencode_round_trips_through_iterdecode(parts: tuple[str, ...]) -> None:
    assert tools.iterdecode(tools.iterencode(parts)) == parts


def test_iterencode_matches_flask_admins_encoding() -> None:
    assert tools.iterencode([1, "a,b", "c.d"]) == "1,a.,b,c..d"


@pytest.mark.parametrize(
    ("term", "pattern"),
    [
        ("fun", "%fun%"),
        ("^fun", "fun%"),
        ("=fun", "fun"),
        ("100%", "%100\\%%"),
        ("a_b", "%a\\_b%"),
        ("back\\slash", "%back\\\\slash%"),
    ],
    ids=["contains", "starts", "exact", "percent", "underscore", "backslash"],
)
def test_parse_like_term_escapes_the_users_wildcards(term: str, pattern: str) -> None:
    assert tools.parse_like_term(term) == pattern


def test_primary_keys_are_read_from_the_mapper() -> None:
    assert tools.get_primary_key(Post) == "id"
    assert tools.get_primary_key(Pair) == ("code", "number")
    assert tools.has_multiple_pks(Pair)
    assert not tools.has_multiple_pks(Post)


def test_get_field_with_path_follows_relationships() -> None:
    attr, path = tools.get_field_with_path(Post, "author.name")

    assert attr is Author.name
    assert path == [Post.author]


def test_get_field_with_path_puts_a_foreign_table_in_the_path() -> None:
    attr, path = tools.get_field_with_path(Post, Author.name)

    assert attr is Author.name
    assert path == [Author.__table__]


def test_get_field_with_path_refuses_an_unknown_name() -> None:
    with pytest.raises(AttributeError):
        tools.get_field_with_path(Post, "author.nope")


def test_relationship_and_join_checks() -> None:
    assert tools.is_relationship(Post.tags)
    assert not tools.is_relationship(Post.title)
    assert tools.need_join(Post, Tag.__table__)
    assert not tools.need_join(Post, Post.__table__)
    assert tools.get_columns_for_field(Post.title) == [Post.__table__.c.title]
    with pytest.raises(TypeError):
        tools.get_columns_for_field(Post.tags)


def test_get_query_for_ids_matches_composite_keys_and_skips_malformed_ones(
    session: orm.scoped_session[orm.Session],
) -> None:
    session.add_all([Pair(code="a,b", number=1), Pair(code="x", number=2)])
    session.commit()
    ids = [tools.iterencode(["a,b", 1]), "too,many,parts"]

    rows = tools.get_query_for_ids(session.query(Pair), Pair, ids).all()

    assert [(row.code, row.number) for row in rows] == [("a,b", 1)]


def test_tuple_operator_in_with_no_ids_matches_nothing(
    session: orm.scoped_session[orm.Session],
) -> None:
    session.add(Pair(code="x", number=2))
    session.commit()
    clause = tools.tuple_operator_in([Pair.code, Pair.number], [])

    assert session.query(Pair).filter(clause).count() == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(Pair)) == 1
