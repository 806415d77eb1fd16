"""The select fields of model forms: their empty choice, and the labels of any row.

These models are the suite's own: an optional relationship to a model whose
``__str__`` returns its nullable column as it is, as many apps' models do.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from hipflask import Hipflask
from hipflask.admin import Admin
from hipflask.admin.contrib.sqla import ModelView
from hipflask.testing.client import HipflaskClient


class Base(DeclarativeBase):
    pass


class Kind(enum.Enum):
    novel = "novel"
    essay = "essay"


class Shelf(Base):
    __tablename__ = "hfa_shelf"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str | None] = mapped_column(sa.String(20))

    def __str__(self) -> str:
        return self.label  # type: ignore[return-value]  # None for an unlabelled shelf


class Book(Base):
    __tablename__ = "hfa_book"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(40))
    kind: Mapped[Kind | None] = mapped_column(sa.Enum(Kind, name="hfa_book_kind"))
    format: Mapped[str | None] = mapped_column(sa.Enum("paper", "cloth", name="hfa_format"))
    colour: Mapped[str | None] = mapped_column(sa.String(10))
    shelf_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hfa_shelf.id"))
    shelf: Mapped[Shelf | None] = relationship()


class BookView(ModelView):
    form_choices = {"colour": [("red", "Red"), ("blue", "Blue")]}  # noqa: RUF012 - Flask-Admin's class attribute
    column_editable_list = ("shelf",)


class ShelfLookupView(ModelView):
    form_ajax_refs = {"shelf": {"fields": ["label"]}}  # noqa: RUF012 - Flask-Admin's class attribute


@pytest.fixture
def session(tmp_path: Path) -> Iterator[orm.scoped_session[orm.Session]]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'choices.db'}")
    Base.metadata.create_all(engine)
    scoped = orm.scoped_session(orm.sessionmaker(engine))
    scoped.add_all(
        [
            Shelf(label="attic"),
            Shelf(label=None),
            Book(title="Dune", kind=Kind.novel, format="paper", colour="red"),
        ]
    )
    scoped.commit()
    yield scoped
    scoped.remove()
    engine.dispose()


@pytest.fixture
def admin_client(
    app: Hipflask, session: orm.scoped_session[orm.Session], client: HipflaskClient
) -> HipflaskClient:
    app.config["WTF_CSRF_ENABLED"] = False
    admin = Admin(app)
    admin.add_view(BookView(Book, session))
    admin.add_view(ShelfLookupView(Book, session, endpoint="lookup"))
    return client


def select(page: str, name: str) -> str:
    found = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S)
    assert found is not None, page
    return found.group(0)


def test_an_optional_relationship_offers_an_empty_choice_without_its_value_as_text(
    admin_client: HipflaskClient,
) -> None:
    page = admin_client.get("/admin/book/new/").get_data(as_text=True)

    shelf = select(page, "shelf")
    assert 'value="__None"' in shelf
    assert ">__None<" not in shelf


def test_a_row_whose_str_is_none_is_offered_with_an_empty_label(
    admin_client: HipflaskClient, session: orm.scoped_session[orm.Session]
) -> None:
    unlabelled = session.query(Shelf).filter(Shelf.label.is_(None)).one()
    pages = ["/admin/book/", "/admin/book/new/", "/admin/book/edit/?id=1"]

    answers = [admin_client.get(url) for url in pages]
    lookup = admin_client.get("/admin/lookup/ajax/lookup/", query_string={"name": "shelf"})

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert f'<option value="{unlabelled.id}">' in select(answers[1].get_data(as_text=True), "shelf")
    assert lookup.status_code == 200
    assert [unlabelled.id, ""] in lookup.json


class ShownView(ModelView):
    can_view_details = True
    can_export = True
    column_list = ("title", "shelf")
    column_details_list = ("title", "shelf")
    column_export_list = ("title", "shelf")


def test_a_row_on_a_shelf_whose_str_is_none_is_listed_shown_and_exported(
    app: Hipflask, session: orm.scoped_session[orm.Session], client: HipflaskClient
) -> None:
    # The list, the details and the export show the related row as text: its
    # __str__ returning None made each of them a 500.
    Admin(app).add_view(ShownView(Book, session, endpoint="shown"))
    unlabelled = session.query(Shelf).filter(Shelf.label.is_(None)).one()
    session.add(Book(title="Emma", shelf=unlabelled))
    session.commit()
    urls = ["/admin/shown/", "/admin/shown/details/?id=2", "/admin/shown/export/csv/"]

    answers = [client.get(url) for url in urls]

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert "Emma" in answers[0].get_data(as_text=True)
    assert "Emma," in answers[2].get_data(as_text=True)


@pytest.mark.parametrize("blank", ["__None", ""])
def test_the_empty_choice_of_an_enum_or_form_choices_select_clears_it(
    admin_client: HipflaskClient, session: orm.scoped_session[orm.Session], blank: str
) -> None:
    response = admin_client.post(
        "/admin/book/edit/?id=1",
        data={"title": "Dune", "kind": blank, "format": blank, "colour": blank, "shelf": blank},
    )

    assert response.status_code == 302, response.get_data(as_text=True)
    session.expire_all()
    book = session.get(Book, 1)
    assert book is not None
    assert (book.kind, book.format, book.colour, book.shelf) == (None, None, None, None)
