"""SQLAlchemy ModelView: search and filters, tampered values included."""

from __future__ import annotations

import pytest
from sqlalchemy import orm
from tests.admin.contrib.sqla.admin_views import admin_client as admin_client
from tests.admin.contrib.sqla.admin_views import filter_index
from tests.admin.contrib.sqla.admin_views import listing
from tests.admin.contrib.sqla.admin_views import views as views
from tests.admin.contrib.sqla.models import Post

from hipflask.admin.contrib.sqla import ModelView
from hipflask.testing.client import HipflaskClient


@pytest.mark.parametrize(
    ("term", "titles"),
    [
        ("hello", ["Hello world"]),
        ("ANN", ["Hello world", "Third"]),
        ("blue", ["100% pure_fun"]),
        ("10", ["Hello world", "100% pure_fun"]),
        ("100%", ["100% pure_fun"]),
        ("o_w", []),
        ("%", ["100% pure_fun"]),
        ("_", ["100% pure_fun"]),
        ("hello world", ["Hello world"]),
        ("=Third", ["Third"]),
    ],
    ids=[
        "title",
        "related-case-insensitive",
        "many-to-many",
        "number-as-text",
        "percent-is-literal",
        "underscore-is-literal",
        "lone-percent",
        "lone-underscore",
        "every-word",
        "exact",
    ],
)
def test_search(admin_client: HipflaskClient, term: str, titles: list[str]) -> None:
    body = listing(admin_client, search=term, page_size=0)

    assert sorted(body["titles"]) == sorted(titles)
    assert body["count"] == len(titles)


def test_a_match_in_two_related_rows_is_one_row(admin_client: HipflaskClient) -> None:
    # "100% pure_fun" has the tags red and blue: both match "e", and it is listed once.
    body = listing(admin_client, search="e")

    assert body["count"] == 2
    assert sorted(body["titles"]) == ["100% pure_fun", "Hello world"]


@pytest.mark.parametrize(
    "term",
    ["' OR '1'='1", "'; DROP TABLE hfa_post; --", '" OR ""="', "\\", "%' --"],
    ids=["or-true", "drop", "double-quote", "backslash", "percent-comment"],
)
def test_sql_looking_search_terms_match_literally(
    admin_client: HipflaskClient, seeded: orm.scoped_session[orm.Session], term: str
) -> None:
    body = listing(admin_client, search=term)

    assert body["count"] == 0
    assert seeded.query(Post).count() == 3


def test_filters_on_own_and_related_columns(
    admin_client: HipflaskClient, views: dict[str, ModelView]
) -> None:
    view = views["post"]
    greater = filter_index(view, "Views", "greater than")
    related = filter_index(view, "author / Hfa Author / Name", "equals")
    email = filter_index(view, "Author email", "contains")
    by_attribute = filter_index(view, "Author name", "equals")

    assert listing(admin_client, **{f"flt0_{greater}": "4"})["count"] == 2
    assert listing(admin_client, **{f"flt0_{related}": "bob"})["titles"] == ["100% pure_fun"]
    assert listing(admin_client, **{f"flt0_{email}": "example"})["count"] == 2
    assert listing(admin_client, **{f"flt0_{by_attribute}": "ann"})["count"] == 2
    both = listing(admin_client, **{f"flt0_{greater}": "4", f"flt1_{related}": "ann"})
    assert both["titles"] == ["Hello world"]


def test_negative_filters_keep_null_rows(
    admin_client: HipflaskClient, views: dict[str, ModelView]
) -> None:
    not_equal = filter_index(views["post"], "Author email", "contains")
    not_like = filter_index(views["post"], "author / Hfa Author / Name", "not equal")

    assert listing(admin_client, **{f"flt0_{not_equal}": "nobody"})["count"] == 0
    assert listing(admin_client, **{f"flt0_{not_like}": "ann"})["count"] == 1


@pytest.mark.parametrize(
    ("name", "operation", "value"),
    [
        ("Views", "equals", "ten"),
        ("Views", "in list", "1,x"),
        ("Views", "greater than", str(10**40)),
        ("Views", "in list", f"1,{10**40}"),
        ("Status", "equals", "archived"),
        ("Status", "in list", "draft,nope"),
    ],
    ids=[
        "not-int",
        "list-not-int",
        "huge-int",
        "huge-int-in-list",
        "enum-unknown",
        "enum-list-unknown",
    ],
)
def test_a_tampered_filter_value_is_dropped_not_a_500(
    admin_client: HipflaskClient,
    views: dict[str, ModelView],
    name: str,
    operation: str,
    value: str,
) -> None:
    index = filter_index(views["post"], name, operation)

    body = listing(admin_client, **{f"flt0_{index}": value})

    assert body["count"] in (0, 3)


@pytest.mark.parametrize("arg", ["flt0_999", "flt0_-1", "flt0_abc", "flt0_", "flt_0_1"], ids=str)
def test_a_tampered_filter_index_is_ignored(admin_client: HipflaskClient, arg: str) -> None:
    assert listing(admin_client, **{arg: "1"})["count"] == 3


def test_an_enum_filter_matches_members(
    admin_client: HipflaskClient,
    views: dict[str, ModelView],
    seeded: orm.scoped_session[orm.Session],
) -> None:
    from tests.admin.contrib.sqla.models import Status

    seeded.query(Post).filter_by(title="Third").one().status = Status.published
    seeded.commit()
    index = filter_index(views["post"], "Status", "equals")

    assert listing(admin_client, **{f"flt0_{index}": "published"})["titles"] == ["Third"]
