from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from hipflask import Hipflask
from hipflask import request
from hipflask.db import SQLAlchemy
from hipflask.db.pagination import Pagination

from .conftest import define_models


@pytest.fixture
def users(db: SQLAlchemy, db_app: Hipflask) -> Any:
    User, _ = define_models(db)
    with db_app.app_context():
        db.create_all()
        db.session.add_all(
            [User(username=f"user{n:03}", email="a" if n % 2 else "b") for n in range(1, 96)]
        )
        db.session.commit()
    return User


@pytest.fixture
def paged_app(db: SQLAlchemy, db_app: Hipflask, users: Any) -> Hipflask:
    @db_app.get("/select")
    def select_page() -> Any:
        page = db.paginate(db.select(users).order_by(users.id))
        return {"items": [u.username for u in page], "page": page.page, "per_page": page.per_page}

    @db_app.get("/query")
    def query_page() -> Any:
        page = users.query.filter_by(email="a").order_by(users.id).paginate()
        return {"items": [u.username for u in page], "total": page.total, "pages": page.pages}

    @db_app.get("/capped")
    def capped() -> Any:
        page = db.paginate(db.select(users).order_by(users.id), max_per_page=10)
        return {"per_page": page.per_page}

    @db_app.get("/lenient")
    def lenient() -> Any:
        page = db.paginate(db.select(users).order_by(users.id), error_out=False)
        return {"page": page.page, "per_page": page.per_page, "n": len(page.items)}

    return db_app


def test_pagination_attributes(db: SQLAlchemy, db_app: Hipflask, users: Any) -> None:
    with db_app.app_context():
        page = db.paginate(db.select(users).order_by(users.id), page=2, per_page=10)
        assert [u.username for u in page.items] == [f"user{n:03}" for n in range(11, 21)]
        assert page.total == 95
        assert page.pages == 10
        assert (page.page, page.per_page) == (2, 10)
        assert (page.has_prev, page.prev_num, page.has_next, page.next_num) == (True, 1, True, 3)
        assert (page.first, page.last) == (11, 20)
        assert list(page) == page.items
        last = db.paginate(db.select(users), page=10, per_page=10)
        assert (last.has_next, last.next_num, len(last.items), last.last) == (False, None, 5, 95)
        first = db.paginate(db.select(users), page=1, per_page=10)
        assert (first.has_prev, first.prev_num) == (False, None)


def test_prev_and_next_query_the_neighbouring_pages(
    db: SQLAlchemy, db_app: Hipflask, users: Any
) -> None:
    with db_app.app_context():
        page = users.query.order_by(users.id).paginate(page=2, per_page=30)
        assert page.next().items[0].username == "user061"
        assert page.prev().items[0].username == "user001"
        assert page.next().next().next().items == []


def test_prev_and_next_carry_the_total_over_without_counting_again(
    db: SQLAlchemy, db_app: Hipflask, users: Any
) -> None:
    with db_app.app_context():
        page = db.paginate(db.select(users).order_by(users.id), per_page=10, count=False)
        # count=False leaves the total to the caller, as a count would be slow.
        page.total = 95
        following = page.next()
        assert (following.page, following.total, following.pages) == (2, 95, 10)
        assert (following.has_next, following.next_num) == (True, 3)
        assert following.prev().total == 95
        legacy = users.query.order_by(users.id).paginate(per_page=10, count=False)
        legacy.total = 95
        assert legacy.next().next_num == 3


def test_prev_and_next_run_no_count_query(db: SQLAlchemy, db_app: Hipflask, users: Any) -> None:
    statements: list[str] = []
    with db_app.app_context():
        page = db.paginate(db.select(users).order_by(users.id), page=2, per_page=10)
        sa.event.listen(
            db.engine, "before_cursor_execute", lambda *args: statements.append(args[2])
        )
        assert (page.next().total, page.prev().total) == (95, 95)
    assert len(statements) == 2
    assert not any("count(" in statement.lower() for statement in statements)


def test_count_false_skips_the_total(db: SQLAlchemy, db_app: Hipflask, users: Any) -> None:
    with db_app.app_context():
        page = db.paginate(db.select(users), page=1, per_page=5, count=False)
        assert page.total is None
        assert page.pages == 0
        assert len(page.items) == 5


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        (1, [1, 2, 3, 4, 5, None, 19, 20]),
        (10, [1, 2, None, 8, 9, 10, 11, 12, 13, 14, None, 19, 20]),
        (20, [1, 2, None, 18, 19, 20]),
        (4, [1, 2, 3, 4, 5, 6, 7, 8, None, 19, 20]),
    ],
)
def test_iter_pages_shows_edges_and_neighbours_with_gaps(
    db: SQLAlchemy, db_app: Hipflask, page: int, expected: list[int | None]
) -> None:
    User, _ = define_models(db)
    with db_app.app_context():
        db.create_all()
        db.session.add_all([User(username=str(n)) for n in range(40)])
        db.session.commit()
        pagination = db.paginate(db.select(User), page=page, per_page=2)
        assert list(pagination.iter_pages()) == expected


def test_iter_pages_with_custom_edges(db: SQLAlchemy, db_app: Hipflask, users: Any) -> None:
    with db_app.app_context():
        page = db.paginate(db.select(users), page=5, per_page=10)
        pages = list(page.iter_pages(left_edge=1, left_current=1, right_current=1, right_edge=1))
        assert pages == [1, None, 4, 5, 6, None, 10]


@pytest.mark.parametrize(
    ("edges", "expected"),
    [
        ({"right_edge": 0}, [1, 2, 3, 4, 5, 6, 7, 8, 9, None]),
        ({"left_edge": 0, "right_edge": 0}, [None, 3, 4, 5, 6, 7, 8, 9, None]),
        ({"left_edge": 0}, [None, 3, 4, 5, 6, 7, 8, 9, None, 11, 12]),
    ],
)
def test_iter_pages_marks_hidden_pages_at_either_end(
    db: SQLAlchemy, db_app: Hipflask, users: Any, edges: dict[str, int], expected: list[int | None]
) -> None:
    # 95 users, 8 a page: 12 pages, on page 5.
    with db_app.app_context():
        page = db.paginate(db.select(users), page=5, per_page=8)
        assert page.pages == 12
        assert list(page.iter_pages(**edges)) == expected


@pytest.mark.parametrize(
    ("page", "edges", "expected"),
    [
        (1, {"left_edge": 3, "right_current": 1}, [1, 2, 3, 4]),
        (1, {"left_edge": 3, "left_current": 0, "right_current": 0, "right_edge": 1}, [1, 2, 3, 4]),
        (4, {"left_edge": 1, "left_current": 0, "right_current": 0}, [1, None, 3, 4]),
        (
            2,
            {"left_edge": 0, "left_current": 0, "right_current": 0, "right_edge": 3},
            [None, 2, 3, 4],
        ),
    ],
)
def test_iter_pages_yields_each_page_once_and_gaps_only_where_pages_are_left_out(
    db: SQLAlchemy, db_app: Hipflask, users: Any, page: int, edges: dict[str, int], expected: Any
) -> None:
    # 95 users, 24 a page: 4 pages.
    with db_app.app_context():
        pagination = db.paginate(db.select(users), page=page, per_page=24)
        assert list(pagination.iter_pages(**edges)) == expected


def test_page_and_per_page_come_from_the_query_string(paged_app: Hipflask, protocol: str) -> None:
    client = paged_app.test_client(protocol=protocol)
    body = client.get("/select?page=3&per_page=7").json
    assert (body["page"], body["per_page"]) == (3, 7)
    assert body["items"][0] == "user015"
    assert client.get("/select").json["per_page"] == 20
    assert client.get("/query?page=2").json["items"][0] == "user041"
    assert client.get("/query").json["total"] == 48


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=1.5",
        "page=",
        "page=0",
        "page=-1",
        "per_page=0",
        "per_page=-5",
        "per_page=x",
        "page=99",
        "page=" + "9" * 30,
        "page=" + "9" * 5000,
        "page=4611686018427387904&per_page=2",
    ],
)
def test_bad_page_arguments_are_404_never_500(
    paged_app: Hipflask, protocol: str, query: str
) -> None:
    client = paged_app.test_client(protocol=protocol)
    assert client.get(f"/select?{query}").status_code == 404
    assert client.get(f"/query?{query}").status_code == 404


def test_error_out_false_falls_back_to_the_defaults(paged_app: Hipflask, protocol: str) -> None:
    client = paged_app.test_client(protocol=protocol)
    assert client.get("/lenient?page=abc&per_page=-3").json == {
        "page": 1,
        "per_page": 20,
        "n": 20,
    }
    assert client.get("/lenient?page=99").json["n"] == 0


def test_max_per_page_caps_what_a_client_asks_for(paged_app: Hipflask, protocol: str) -> None:
    client = paged_app.test_client(protocol=protocol)
    assert client.get("/capped?per_page=1000").json["per_page"] == 10


def test_a_huge_per_page_from_the_query_string_is_capped_by_default(
    paged_app: Hipflask, protocol: str
) -> None:
    client = paged_app.test_client(protocol=protocol)
    assert client.get("/select?per_page=1000000").json["per_page"] == 100
    paged_app.config["SQLALCHEMY_MAX_PER_PAGE"] = None
    assert client.get("/select?per_page=1000000").json["per_page"] == 1000000


def test_an_explicit_per_page_is_not_capped_by_the_setting(
    db: SQLAlchemy, db_app: Hipflask, users: Any
) -> None:
    with db_app.test_request_context("/?per_page=500"):
        assert request.args["per_page"] == "500"
        assert db.paginate(db.select(users), per_page=500).per_page == 500


def test_outside_a_request_the_defaults_apply(db: SQLAlchemy, db_app: Hipflask, users: Any) -> None:
    with db_app.app_context():
        page = db.paginate(db.select(users))
        assert (page.page, page.per_page) == (1, 20)


def test_pagination_is_abstract() -> None:
    with pytest.raises(NotImplementedError):
        Pagination(page=1, per_page=1)
