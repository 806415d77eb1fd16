"""Ids and filter values an integer column cannot hold, on SQLite, PostgreSQL and MariaDB.

PostgreSQL's and MariaDB's ``INTEGER`` stops at 2**31 - 1, so
``/admin/post/edit/?id=3000000000`` names a row that cannot exist there.
PostgreSQL answered the query with "integer out of range" (a failed,
rolled-back transaction, and in a filter or a bulk action a 500 or an
action that did nothing); MariaDB was asked anyway. Such an id is "Record
does not exist." before any statement is sent, and such a filter value is
an invalid filter; a ``BigInteger`` column, and SQLite's 64-bit integers,
still take it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import orm
from tests.admin.contrib.sqla.admin_views import JsonRender
from tests.admin.contrib.sqla.admin_views import PostView
from tests.admin.contrib.sqla.admin_views import filter_index
from tests.admin.contrib.sqla.admin_views import listing
from tests.admin.contrib.sqla.models import Author
from tests.admin.contrib.sqla.models import Base
from tests.admin.contrib.sqla.models import Pair
from tests.admin.contrib.sqla.models import Post
from tests.admin.contrib.sqla.models import Voucher

from hipflask import Hipflask
from hipflask.admin import Admin
from hipflask.admin.contrib.sqla import ModelView
from hipflask.admin.contrib.sqla import filters
from hipflask.testing.client import HipflaskClient

#: Past a 32-bit INTEGER, within a BIGINT and SQLite's integers.
BIG = "3000000000"


class RangePostView(PostView):
    column_editable_list = ("title",)
    column_filters = (*PostView.column_filters, filters.FilterEqual(Post.views, "Raw views"))
    form_ajax_refs = {"author": {"fields": ("name",)}}  # noqa: RUF012 - Flask-Admin's setting


class RangePairView(JsonRender, ModelView):
    column_list = ("code", "number", "label")
    can_view_details = True


class VoucherView(JsonRender, ModelView):
    column_list = ("id", "label")
    column_filters = ("id",)
    can_view_details = True


class Sent(list[str]):
    """The statements sent with :data:`BIG` among their parameters."""

    post_view: RangePostView

    def record(self, conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if BIG in repr(parameters):
            self.append(statement)


@pytest.fixture
def sent(app: Hipflask, backend_url: str) -> Iterator[Sent]:
    """An admin over its own tables on ``backend_url``; what was sent with BIG."""
    app.config["WTF_CSRF_ENABLED"] = False
    engine = sa.create_engine(backend_url)
    Base.metadata.create_all(engine)
    scoped = orm.scoped_session(orm.sessionmaker(engine))
    app.teardown_appcontext(lambda exc: scoped.remove())
    ann = Author(name="ann")
    scoped.add_all([Post(title=f"p{views}", author=ann, views=views) for views in range(3)])
    scoped.add_all([Pair(code="a", number=1), Pair(code="a", number=2)])
    scoped.add(Voucher(id=int(BIG), label="big"))
    scoped.commit()
    admin = Admin(app)
    found = Sent()
    found.post_view = RangePostView(Post, scoped)
    admin.add_view(found.post_view)
    admin.add_view(RangePairView(Pair, scoped))
    admin.add_view(VoucherView(Voucher, scoped))
    sa.event.listen(engine, "before_cursor_execute", found.record)
    yield found
    scoped.remove()
    Base.metadata.drop_all(engine)
    engine.dispose()


def flashes(client: HipflaskClient) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return [tuple(item) for item in session.pop("_flashes", [])]


def is_sized(backend_url: str) -> bool:
    """Whether INTEGER is 32 bits there (PostgreSQL, MariaDB), not SQLite's 64."""
    return not backend_url.startswith("sqlite")


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("GET", f"/admin/post/edit/?id={BIG}", None),
        ("GET", f"/admin/post/edit/?id=-{BIG}", None),
        ("GET", f"/admin/post/details/?id={BIG}", None),
        ("POST", "/admin/post/delete/", {"id": BIG}),
        ("POST", f"/admin/post/edit/?id={BIG}", {"title": "x"}),
        ("GET", f"/admin/pair/edit/?id=a,{BIG}", None),
        ("GET", f"/admin/pair/details/?id=a,{BIG}", None),
    ],
    ids=[
        "edit",
        "edit-negative",
        "details",
        "delete",
        "edit-post",
        "composite",
        "composite-details",
    ],
)
def test_an_id_its_column_cannot_hold_is_a_record_that_does_not_exist(
    sent: Sent,
    client: HipflaskClient,
    backend_url: str,
    method: str,
    url: str,
    data: dict[str, str] | None,
) -> None:
    response = client.open(url, method=method, data=data)

    assert response.status_code == 302
    assert response.headers["Location"].endswith(url.split("/")[2].join(["/admin/", "/"]))
    assert flashes(client) == [("error", "Record does not exist.")]
    if is_sized(backend_url):
        assert sent == []
    assert listing(client)["count"] == 3  # nothing written, the session still usable


def test_an_in_list_edit_of_such_an_id_is_a_404(
    sent: Sent, client: HipflaskClient, backend_url: str
) -> None:
    response = client.post("/admin/post/ajax/update/", data={"list_form_pk": BIG, "title": "x"})

    assert response.status_code == 404
    assert response.get_data(as_text=True) == "Record does not exist."
    if is_sized(backend_url):
        assert sent == []


def test_an_ajax_field_given_such_an_id_is_a_form_error(
    sent: Sent, client: HipflaskClient, backend_url: str
) -> None:
    response = client.post("/admin/post/new/", data={"title": "x", "author": BIG, "views": "1"})

    assert response.status_code == 200
    assert list(response.json["errors"]) == ["author"]
    if is_sized(backend_url):
        assert sent == []


def test_a_bigint_key_past_2_31_is_found_on_every_backend(
    sent: Sent, client: HipflaskClient
) -> None:
    opened = client.get(f"/admin/voucher/details/?id={BIG}")
    filtered = listing(client, "/admin/voucher/", flt0_0=BIG)

    assert opened.status_code == 200
    assert flashes(client) == []
    assert filtered["titles"] == ["big"]
    assert filtered["flashes"] == []


@pytest.mark.parametrize("fast", [False, True], ids=["per-row", "fast"])
@pytest.mark.parametrize(
    ("url", "rowids", "deleted", "message"),
    [
        ("/admin/post/", ["1", BIG, f"-{BIG}", "abc"], 1, "Record was successfully deleted."),
        ("/admin/post/", ["1", "2", BIG], 2, "2 records were successfully deleted."),
        ("/admin/post/", [BIG], 0, "0 records were successfully deleted."),
        ("/admin/pair/", ["a,1", f"a,{BIG}"], 1, "Record was successfully deleted."),
    ],
    ids=["mixed", "two-and-one", "only-impossible", "composite"],
)
def test_the_delete_action_deletes_the_possible_ids_and_skips_the_rest(
    sent: Sent,
    client: HipflaskClient,
    backend_url: str,
    fast: bool,
    url: str,
    rowids: list[str],
    deleted: int,
    message: str,
) -> None:
    RangePostView.fast_mass_delete = RangePairView.fast_mass_delete = fast
    try:
        response = client.post(f"{url}action/", data={"action": "delete", "rowid": rowids})
    finally:
        del RangePostView.fast_mass_delete, RangePairView.fast_mass_delete

    assert response.status_code == 302
    assert flashes(client) == [("success", message)]
    if is_sized(backend_url):
        assert sent == []
    assert listing(client, url)["count"] == (3 if url == "/admin/post/" else 2) - deleted


@pytest.mark.parametrize(
    ("name", "operation", "value", "on_sqlite"),
    [
        ("Views", "equals", BIG, []),
        ("Views", "greater than", BIG, []),
        ("Views", "smaller than", f"-{BIG}", []),
        ("Views", "in list", f"1,{BIG}", ["p1"]),
        ("Views", "not in list", f"1,{BIG}", ["p2", "p0"]),
        ("Raw views", "equals", BIG, []),
    ],
    ids=["equals", "greater", "smaller", "in-list", "not-in-list", "untyped"],
)
def test_a_filter_value_its_column_cannot_hold_is_an_invalid_filter(
    sent: Sent,
    client: HipflaskClient,
    backend_url: str,
    name: str,
    operation: str,
    value: str,
    on_sqlite: list[str],
) -> None:
    index = filter_index(sent.post_view, name, operation)

    body = listing(client, **{f"flt0_{index}": value})

    if is_sized(backend_url):
        assert body["titles"] == ["p2", "p1"]
        assert body["count"] == 3
        assert body["flashes"] == [["error", f"Invalid Filter Value: {value}"]]
        assert sent == []
    else:
        assert body["titles"] == on_sqlite
        assert body["flashes"] == []


def test_a_filter_value_the_column_holds_still_filters(sent: Sent, client: HipflaskClient) -> None:
    typed = filter_index(sent.post_view, "Views", "equals")

    assert listing(client, **{f"flt0_{typed}": "1"})["titles"] == ["p1"]
    assert listing(client, **{f"flt0_{typed}": str(2**31 - 1)})["titles"] == []
