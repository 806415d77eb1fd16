"""SQLAlchemy ModelView: inline models, edited with their parent."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import orm
from tests.admin.contrib.sqla.admin_views import JsonRender
from tests.admin.contrib.sqla.models import Author
from tests.admin.contrib.sqla.models import Post
from tests.admin.contrib.sqla.models import Tag

from hipflask import Hipflask
from hipflask.admin import Admin
from hipflask.admin.contrib.sqla import ModelView
from hipflask.testing.client import HipflaskClient


@pytest.fixture
def inline_admin(
    app: Hipflask, seeded: orm.scoped_session[orm.Session]
) -> tuple[ModelView, list[tuple[str, bool]]]:
    from hipflask.admin.model.form import InlineFormAdmin

    app.config["WTF_CSRF_ENABLED"] = False
    changes: list[tuple[str, bool]] = []

    class PostInline(InlineFormAdmin):
        form_columns = ("id", "title", "views")

        def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
            changes.append((model.title, is_created))

    class AuthorWithPosts(JsonRender, ModelView):
        inline_models = (PostInline(Post),)

    view = AuthorWithPosts(Author, seeded)
    Admin(app).add_view(view)
    return view, changes


def test_inline_rows_are_edited_added_and_deleted_with_the_parent(
    inline_admin: tuple[ModelView, list[tuple[str, bool]]],
    client: HipflaskClient,
    seeded: orm.scoped_session[orm.Session],
) -> None:
    _view, changes = inline_admin
    ann = seeded.query(Author).filter_by(name="ann").one()
    hello, third = sorted(ann.posts, key=lambda post: post.title)
    data = {
        "name": "ann",
        "posts-0-id": str(hello.id),
        "posts-0-title": "Hello again",
        "posts-0-views": "11",
        "posts-1-id": str(third.id),
        "posts-1-title": "Third",
        "del-posts-1": "on",
        "posts-2-id": "",
        "posts-2-title": "Brand new",
        "posts-3-id": "",
        "posts-3-title": "",
    }

    response = client.post(f"/admin/author/edit/?id={ann.id}", data=data)

    assert response.status_code == 302, response.get_data(as_text=True)
    seeded.rollback()
    titles = sorted(post.title for post in seeded.query(Author).filter_by(name="ann").one().posts)
    assert titles == ["Brand new", "Hello again"]
    assert seeded.query(Post).filter_by(title="Third").count() == 0
    assert sorted(changes) == [("Brand new", True), ("Hello again", False)]


def test_an_inline_row_of_another_parent_cannot_be_taken_over(
    inline_admin: tuple[ModelView, list[tuple[str, bool]]],
    client: HipflaskClient,
    seeded: orm.scoped_session[orm.Session],
) -> None:
    ann = seeded.query(Author).filter_by(name="ann").one()
    bobs = seeded.query(Post).filter(Post.author.has(Author.name == "bob")).one()
    data = {
        "name": "ann",
        "posts-0-id": str(bobs.id),
        "posts-0-title": "stolen",
        "del-posts-0": "",
    }

    client.post(f"/admin/author/edit/?id={ann.id}", data=data)

    seeded.rollback()
    assert seeded.get(Post, bobs.id).title == "100% pure_fun"  # type: ignore[union-attr]
    assert seeded.get(Post, bobs.id).author.name == "bob"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "key",
    ["posts-\u00b2-title", "del-posts-\u00b2", "posts-\u0663-title"],
    ids=["sup", "del", "arabic"],
)
def test_an_inline_row_number_that_is_not_ascii_digits_is_ignored(
    inline_admin: tuple[ModelView, list[tuple[str, bool]]],
    client: HipflaskClient,
    seeded: orm.scoped_session[orm.Session],
    key: str,
) -> None:
    ann = seeded.query(Author).filter_by(name="ann").one()
    hello = seeded.query(Post).filter_by(title="Hello world").one()
    data = {
        "name": "ann",
        "posts-0-id": str(hello.id),
        "posts-0-title": "Hello again",
        "posts-0-views": "10",
        key: "x",
    }

    response = client.post(f"/admin/author/edit/?id={ann.id}", data=data)

    assert response.status_code == 302, response.get_data(as_text=True)
    seeded.rollback()
    assert seeded.get(Post, hello.id).title == "Hello again"  # type: ignore[union-attr]
    assert seeded.query(Post).filter_by(title="x").count() == 0


def test_an_invalid_inline_row_is_a_form_error(
    inline_admin: tuple[ModelView, list[tuple[str, bool]]],
    client: HipflaskClient,
    seeded: orm.scoped_session[orm.Session],
) -> None:
    ann = seeded.query(Author).filter_by(name="ann").one()

    response = client.post(
        f"/admin/author/edit/?id={ann.id}",
        data={"name": "ann", "posts-0-id": "", "posts-0-views": "many"},
    )

    assert response.status_code == 200
    assert "posts" in response.json["errors"]
    assert seeded.query(Post).count() == 3


def test_the_inline_rows_render_escaped_with_a_blank_row(
    app: Hipflask, seeded: orm.scoped_session[orm.Session], client: HipflaskClient
) -> None:
    class AuthorWithPosts(ModelView):
        inline_models = (Post,)

    Admin(app).add_view(AuthorWithPosts(Author, seeded))
    ann = seeded.query(Author).filter_by(name="ann").one()
    ann.posts[0].title = "<script>x</script>"
    seeded.commit()

    body = client.get(f"/admin/author/edit/?id={ann.id}").get_data(as_text=True)

    assert "<script>x" not in body
    assert "&lt;script&gt;x&lt;/script&gt;" in body
    assert 'name="del-posts-0"' in body
    assert 'name="posts-2-title"' in body
    assert 'name="del-posts-2"' not in body


def test_inline_models_need_one_one_to_many_relationship(
    app: Hipflask, seeded: orm.scoped_session[orm.Session]
) -> None:
    from hipflask.errors import ConfigurationError

    class Wrong(ModelView):
        inline_models = (Tag,)

    with pytest.raises(ConfigurationError, match="Tag"):
        Wrong(Post, seeded)
