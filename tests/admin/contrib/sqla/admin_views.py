"""What the SQLAlchemy ModelView tests share: the views, their admin, list reads."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import orm
from tests.admin.contrib.sqla.models import Author
from tests.admin.contrib.sqla.models import Pair
from tests.admin.contrib.sqla.models import Post

from hipflask import Hipflask
from hipflask import get_flashed_messages
from hipflask.admin import Admin
from hipflask.admin.contrib.sqla import ModelView
from hipflask.admin.contrib.sqla import filters
from hipflask.testing.client import HipflaskClient


class JsonRender:
    """Answer with the page's data as JSON instead of rendering its template.

    The list page's arguments are still parsed by the real views, so these
    tests see exactly what ``get_list`` and ``get_one`` gave them.
    """

    def render(self, template: str, **kwargs: Any) -> Any:
        answer: dict[str, Any] = {"flashes": get_flashed_messages(with_categories=True)}
        if "data" in kwargs:
            answer["count"] = kwargs["count"]
            answer["titles"] = [str(row) for row in kwargs["data"]]
        if "form" in kwargs:
            answer["errors"] = kwargs["form"].errors
        return answer


class PostView(JsonRender, ModelView):
    column_list = ("title", "author.name", "views", "tags")
    column_searchable_list = ("title", "author.name", "tags.name", "views")
    column_filters = (
        "views",
        "author.name",
        "status",
        filters.FilterLike("author.email", "Author email"),
        filters.FilterEqual(Author.name, "Author name"),
    )
    column_sortable_list = ("title", "views", ("author.name", "author.name"))
    column_default_sort = ("views", True)
    page_size = 2
    can_view_details = True


class AuthorView(JsonRender, ModelView):
    column_list = ("name", "email")


class PairView(JsonRender, ModelView):
    column_list = ("code", "number", "label")
    column_display_pk = True


@pytest.fixture
def views(app: Hipflask, seeded: orm.scoped_session[orm.Session]) -> dict[str, ModelView]:
    app.config["WTF_CSRF_ENABLED"] = False
    admin = Admin(app)
    found = {
        "post": PostView(Post, seeded),
        "author": AuthorView(Author, seeded),
        "pair": PairView(Pair, seeded),
    }
    for view in found.values():
        admin.add_view(view)
    return found


@pytest.fixture
def admin_client(views: dict[str, ModelView], client: HipflaskClient) -> HipflaskClient:
    return client


def filter_index(view: ModelView, name: str, operation: str) -> int:
    for index, flt in enumerate(view._filters or ()):
        if flt.name == name and flt.operation() == operation:
            return index
    raise LookupError(name, operation)


def listing(client: HipflaskClient, url: str = "/admin/post/", **args: Any) -> dict[str, Any]:
    response = client.get(url, query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.json
    return body
