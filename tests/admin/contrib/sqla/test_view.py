"""SQLAlchemy ModelView: the list, sorting, create, edit, delete, keys and CSRF."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import orm
from tests.admin.contrib.sqla.admin_views import AuthorView
from tests.admin.contrib.sqla.admin_views import admin_client as admin_client
from tests.admin.contrib.sqla.admin_views import listing
from tests.admin.contrib.sqla.admin_views import views as views
from tests.admin.contrib.sqla.models import Author
from tests.admin.contrib.sqla.models import Pair
from tests.admin.contrib.sqla.models import Post
from tests.admin.contrib.sqla.models import Tag

from hipflask import Hipflask
from hipflask.admin import Admin
from hipflask.admin.contrib.sqla import ModelView
from hipflask.testing.client import HipflaskClient


def test_the_list_is_paged_in_default_order(admin_client: HipflaskClient) -> None:
    first = listing(admin_client)
    second = listing(admin_client, page=1)

    assert first["count"] == 3
    assert first["titles"] == ["Hello world", "100% pure_fun"]
    assert second["titles"] == ["Third"]


@pytest.mark.parametrize(
    "page", ["99", "-5", "abc", str(10**30)], ids=["past-end", "negative", "text", "huge"]
)
def test_a_page_out_of_range_is_a_clean_page(admin_client: HipflaskClient, page: str) -> None:
    body = listing(admin_client, page=page)

    assert body["count"] == 3
    assert body["titles"] in ([], ["Hello world", "100% pure_fun"])


def test_sorting_by_own_and_related_columns(admin_client: HipflaskClient) -> None:
    by_title = listing(admin_client, sort=0)
    by_author_desc = listing(admin_client, sort=1, desc=1)

    assert by_title["titles"] == ["100% pure_fun", "Hello world"]
    assert by_author_desc["titles"][0] == "100% pure_fun"
    assert by_author_desc["count"] == 3


@pytest.mark.parametrize("sort", ["3", "99", "-1", "abc"], ids=str)
def test_an_unknown_sort_column_falls_back_to_the_default(
    admin_client: HipflaskClient, sort: str
) -> None:
    assert listing(admin_client, sort=sort)["titles"] == ["Hello world", "100% pure_fun"]


def test_create_inserts_a_row_and_runs_the_hooks(
    app: Hipflask,
    views: dict[str, ModelView],
    client: HipflaskClient,
    seeded: orm.scoped_session[orm.Session],
) -> None:
    calls: list[tuple[str, bool]] = []
    view = views["author"]
    view.on_model_change = lambda form, model, created: calls.append(("on", created))  # type: ignore[method-assign]
    view.after_model_change = lambda form, model, created: calls.append(("after", created))  # type: ignore[method-assign]

    response = client.post("/admin/author/new/", data={"name": "cleo", "email": ""})

    assert response.status_code == 302
    cleo = seeded.query(Author).filter_by(name="cleo").one()
    assert cleo.email is None
    assert calls == [("on", True), ("after", True)]


def test_a_unique_clash_is_a_form_error_and_writes_nothing(
    admin_client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    response = admin_client.post("/admin/author/new/", data={"name": "ann"})

    assert response.status_code == 200
    assert response.json["errors"] == {"name": ["Already exists."]}
    assert seeded.query(Author).count() == 2


def test_a_database_error_rolls_back_and_is_flashed(
    views: dict[str, ModelView], client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    def fail(form: Any, model: Any, created: bool) -> None:
        seeded.flush()
        seeded.execute(sa.text("INSERT INTO hfa_tag (id, name) VALUES (1, 'dup')"))

    views["author"].on_model_change = fail  # type: ignore[method-assign]

    response = client.post("/admin/author/new/", data={"name": "dora"})

    assert response.status_code == 200
    flashes = response.json["flashes"]
    assert flashes[0][0] == "error"
    assert flashes[0][1].startswith("Integrity error.")
    assert "INSERT" not in flashes[0][1]
    assert seeded.query(Author).filter_by(name="dora").count() == 0
    assert seeded.query(Tag).count() == 2


def test_edit_updates_and_a_relationship_can_be_changed(
    admin_client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    post = seeded.query(Post).filter_by(title="Third").one()
    bob = seeded.query(Author).filter_by(name="bob").one()
    red = seeded.query(Tag).filter_by(name="red").one()

    response = admin_client.post(
        f"/admin/post/edit/?id={post.id}",
        data={"title": "Third, edited", "author": str(bob.id), "tags": [str(red.id)], "views": "4"},
    )

    assert response.status_code == 302
    seeded.expire_all()
    post = seeded.get(Post, post.id)
    assert post is not None
    assert (post.title, post.author.name, [t.name for t in post.tags]) == (
        "Third, edited",
        "bob",
        ["red"],
    )


def test_a_tampered_relationship_id_is_a_form_error(
    admin_client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    post = seeded.query(Post).filter_by(title="Third").one()

    response = admin_client.post(
        f"/admin/post/edit/?id={post.id}",
        data={"title": "Third", "author": "1 OR 1=1", "tags": ["999"]},
    )

    assert response.status_code == 200
    assert response.json["errors"] == {
        "author": ["Not a valid choice"],
        "tags": ["Not a valid choice"],
    }
    seeded.expire_all()
    assert seeded.get(Post, post.id).author.name == "ann"  # type: ignore[union-attr]


@pytest.mark.parametrize("record_id", ["abc", "1.5", str(10**30), "", "1,2", "%00"], ids=str)
def test_a_bad_id_is_not_found_not_a_500(
    admin_client: HipflaskClient, seeded: orm.scoped_session[orm.Session], record_id: str
) -> None:
    edit = admin_client.get("/admin/post/edit/", query_string={"id": record_id})
    details = admin_client.get("/admin/post/details/", query_string={"id": record_id})
    delete = admin_client.post("/admin/post/delete/", data={"id": record_id})
    pair = admin_client.get("/admin/pair/edit/", query_string={"id": record_id})

    assert [edit.status_code, details.status_code, delete.status_code, pair.status_code] == [
        302
    ] * 4
    assert seeded.query(Post).count() == 3


def test_delete_removes_the_row_and_runs_the_hooks(
    views: dict[str, ModelView], client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    seen: list[str] = []
    view = views["post"]
    view.on_model_delete = lambda model: seen.append("on:" + model.title)  # type: ignore[method-assign]
    view.after_model_delete = lambda model: seen.append("after:" + model.title)  # type: ignore[method-assign]
    post = seeded.query(Post).filter_by(title="Third").one()

    response = client.post("/admin/post/delete/", data={"id": str(post.id)})

    assert response.status_code == 302
    assert seeded.query(Post).filter_by(title="Third").count() == 0
    assert seen == ["on:Third", "after:Third"]


def test_a_delete_the_database_refuses_is_rolled_back(
    admin_client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    ann = seeded.query(Author).filter_by(name="ann").one()

    response = admin_client.post("/admin/author/delete/", data={"id": str(ann.id)})

    assert response.status_code == 302
    seeded.expire_all()
    assert seeded.query(Author).filter_by(name="ann").count() == 1
    assert seeded.query(Post).count() == 3


def test_the_delete_action_deletes_the_selected_rows(
    admin_client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    ids = [str(post.id) for post in seeded.query(Post).filter(Post.views > 2)]

    response = admin_client.post(
        "/admin/post/action/", data={"action": "delete", "rowid": [*ids, "abc", str(10**30)]}
    )

    assert response.status_code == 302
    assert [post.title for post in seeded.query(Post)] == ["Third"]


def test_fast_mass_delete_uses_one_statement(
    views: dict[str, ModelView], client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    views["pair"].fast_mass_delete = True
    seeded.add_all(
        [Pair(code="a,b", number=1), Pair(code="c.d", number=2), Pair(code="x", number=3)]
    )
    seeded.commit()
    ids = [views["pair"].get_pk_value(pair) for pair in seeded.query(Pair).filter(Pair.number < 3)]

    response = client.post("/admin/pair/action/", data={"action": "delete", "rowid": ids})

    assert response.status_code == 302
    assert [pair.code for pair in seeded.query(Pair)] == ["x"]


def test_the_delete_action_is_not_offered_without_can_delete(
    views: dict[str, ModelView], client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    views["post"].can_delete = False
    ids = [str(post.id) for post in seeded.query(Post)]

    client.post("/admin/post/action/", data={"action": "delete", "rowid": ids})

    assert seeded.query(Post).count() == 3


def test_composite_keys_round_trip_through_urls(
    admin_client: HipflaskClient,
    views: dict[str, ModelView],
    seeded: orm.scoped_session[orm.Session],
) -> None:
    pair = Pair(code="a,b.c", number=7, label="odd")
    seeded.add(pair)
    seeded.commit()
    record_id = views["pair"].get_pk_value(pair)

    response = admin_client.post(
        "/admin/pair/edit/",
        query_string={"id": record_id},
        data={"code": "a,b.c", "number": "7", "label": "even"},
    )

    assert record_id == "a.,b..c,7"
    assert response.status_code == 302
    seeded.expire_all()
    assert seeded.get(Pair, ("a,b.c", 7)).label == "even"  # type: ignore[union-attr]
    assert views["pair"].get_one("a.,b..c,x") is None
    assert views["pair"].get_one("only-one-part") is None


def test_a_create_without_a_csrf_token_writes_nothing(
    app: Hipflask, seeded: orm.scoped_session[orm.Session], client: HipflaskClient
) -> None:
    admin = Admin(app)
    admin.add_view(AuthorView(Author, seeded))

    response = client.post("/admin/author/new/", data={"name": "mallory"})

    assert response.status_code in (200, 400, 403)
    assert seeded.query(Author).filter_by(name="mallory").count() == 0


def test_a_hook_raising_validation_error_refuses_the_change_with_its_message(
    views: dict[str, ModelView], client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    from wtforms.validators import ValidationError

    def refuse(*args: Any) -> None:
        raise ValidationError("Authors named eve are not allowed.")

    views["author"].on_model_change = refuse  # type: ignore[method-assign]
    views["author"].on_model_delete = refuse  # type: ignore[method-assign]
    # cleo has no posts: only the hook can stop her deletion.
    cleo = Author(name="cleo")
    seeded.add(cleo)
    seeded.commit()

    created = client.post("/admin/author/new/", data={"name": "eve"})
    client.post("/admin/author/delete/", data={"id": str(cleo.id)})

    assert created.json["flashes"] == [["error", "Authors named eve are not allowed."]]
    seeded.rollback()
    assert sorted(author.name for author in seeded.query(Author)) == ["ann", "bob", "cleo"]
