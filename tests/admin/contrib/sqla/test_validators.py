from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import orm
from tests.admin.contrib.sqla.models import Author
from tests.admin.contrib.sqla.models import Post
from tests.admin.contrib.sqla.models import Tag
from werkzeug.datastructures import MultiDict
from wtforms import Form
from wtforms import StringField

from hipflask import Hipflask
from hipflask import request
from hipflask.admin import Admin
from hipflask.admin.contrib.sqla import ModelView
from hipflask.admin.contrib.sqla.fields import QuerySelectMultipleField
from hipflask.admin.contrib.sqla.validators import ItemsRequired
from hipflask.admin.contrib.sqla.validators import Unique
from hipflask.admin.contrib.sqla.validators import resolve_session
from hipflask.testing.client import HipflaskClient


class Holder:
    """Stands for a ``SQLAlchemy`` object: something with a ``session``."""

    def __init__(self, session: Any) -> None:
        self.session = session


@pytest.fixture
def app(app: Hipflask, seeded: orm.scoped_session[orm.Session]) -> Hipflask:
    class NameForm(Form):
        name = StringField(validators=[Unique(Holder(seeded), Author, Author.name)])

        def __init__(self, formdata: Any = None, obj: Any = None) -> None:
            self._obj = obj
            super().__init__(formdata, obj)

    @app.post("/authors/<int:author_id>")
    def edit(author_id: int) -> dict[str, Any]:
        obj = seeded.get(Author, author_id) if author_id else None
        form = NameForm(request.form, obj)
        return {"valid": form.validate(), "errors": form.errors}

    return app


def author_id(session: orm.scoped_session[orm.Session], name: str) -> int:
    return session.query(Author).filter_by(name=name).one().id


def test_a_taken_value_is_a_form_error_not_an_integrity_error(
    client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    response = client.post("/authors/0", data={"name": "ann"})

    assert response.json == {"valid": False, "errors": {"name": ["Already exists."]}}


def test_saving_a_row_with_its_own_value_is_not_a_clash(
    client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    response = client.post(f"/authors/{author_id(seeded, 'ann')}", data={"name": "ann"})

    assert response.json == {"valid": True, "errors": {}}


def test_taking_another_rows_value_is_a_clash(
    client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    response = client.post(f"/authors/{author_id(seeded, 'bob')}", data={"name": "ann"})

    assert response.json["errors"] == {"name": ["Already exists."]}


def test_a_free_value_passes(
    client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    assert client.post("/authors/0", data={"name": "cleo"}).json["valid"] is True


def test_resolve_session_unwraps_a_db_object_but_not_a_session(
    session: orm.scoped_session[orm.Session],
) -> None:
    plain = session()

    assert resolve_session(Holder(session)) is session
    assert resolve_session(session) is session
    assert resolve_session(plain) is plain


def test_items_required_counts_selected_rows(seeded: orm.scoped_session[orm.Session]) -> None:
    class TagsForm(Form):
        tags = QuerySelectMultipleField(
            query_factory=lambda: seeded.query(Tag), validators=[ItemsRequired(min=2)]
        )

    red = seeded.query(Tag).filter_by(name="red").one()
    blue = seeded.query(Tag).filter_by(name="blue").one()

    one = TagsForm(MultiDict([("tags", str(red.id))]))
    two = TagsForm(MultiDict([("tags", str(red.id)), ("tags", str(blue.id))]))

    assert not one.validate()
    assert one.errors == {"tags": ["At least 2 items are required"]}
    assert two.validate()
    assert seeded.query(Post).count() == 3


class _AuthorWithRequiredPosts(ModelView):
    inline_models = (Post,)
    form_args = {"posts": {"validators": [ItemsRequired()]}}  # noqa: RUF012

    def render(self, template: str, **kwargs: Any) -> Any:
        return {"errors": kwargs["form"].errors}


def test_items_required_does_not_count_a_blank_inline_row(
    app: Hipflask, seeded: orm.scoped_session[orm.Session], client: HipflaskClient
) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    Admin(app).add_view(_AuthorWithRequiredPosts(Author, seeded))

    blank = client.post(
        "/admin/author/new/", data={"name": "cleo", "posts-0-id": "", "posts-0-title": " "}
    )
    filled = client.post(
        "/admin/author/new/", data={"name": "dora", "posts-0-id": "", "posts-0-title": "Hi"}
    )

    assert blank.status_code == 200
    assert blank.json == {"errors": {"posts": ["At least 1 item is required"]}}
    assert seeded.query(Author).filter_by(name="cleo").count() == 0
    assert filled.status_code == 302
    assert [post.title for post in seeded.query(Author).filter_by(name="dora").one().posts] == [
        "Hi"
    ]
