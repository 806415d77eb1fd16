"""Ajax relationship fields: posted ids are looked up through the loader, never trusted."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict
from wtforms import Form

from hipflask.admin.model.ajax import DEFAULT_PAGE_SIZE
from hipflask.admin.model.ajax import AjaxModelLoader
from hipflask.admin.model.fields import AjaxSelectField
from hipflask.admin.model.fields import AjaxSelectMultipleField


class Row:
    def __init__(self, id: int, name: str) -> None:
        self.id = id
        self.name = name


ROWS = [Row(1, "ann"), Row(2, "bob"), Row(3, "cy")]


class RowLoader(AjaxModelLoader):
    """Offers rows 1 and 2 only: row 3 exists but is filtered out."""

    def __init__(self) -> None:
        super().__init__("row", {})
        self.looked_up: list[Any] = []

    def format(self, model: Any) -> tuple[Any, str] | None:
        return None if model is None else (model.id, model.name)

    def get_one(self, pk: Any) -> Any:
        self.looked_up.append(pk)
        return next((r for r in ROWS[:2] if str(r.id) == str(pk)), None)

    def get_list(self, query: str, offset: int = 0, limit: int = DEFAULT_PAGE_SIZE) -> list[Any]:
        return ROWS[:2]


LOADER = RowLoader()


class One(Form):
    row = AjaxSelectField(LOADER)


class Optional(Form):
    row = AjaxSelectField(LOADER, allow_blank=True)


class Many(Form):
    rows = AjaxSelectMultipleField(LOADER)


def test_a_posted_id_becomes_the_loaders_row() -> None:
    form = One(MultiDict({"row": "2"}))

    assert form.validate()
    assert form.row.data is ROWS[1]


def test_a_tampered_id_is_a_form_error() -> None:
    form = One(MultiDict({"row": "999"}))

    assert not form.validate()
    assert form.row.errors == ["Not a valid choice"]
    assert form.row.data is None


def test_an_id_the_loader_does_not_offer_is_a_form_error() -> None:
    form = Optional(MultiDict({"row": "3"}))

    assert not form.validate()
    assert form.row.data is None


def test_blank_is_none_when_allowed_and_an_error_otherwise() -> None:
    assert Optional(MultiDict({"row": ""})).validate()
    assert Optional(MultiDict({"row": "__None"})).data["row"] is None
    assert not One(MultiDict({"row": ""})).validate()


def test_the_choices_are_the_current_value_only() -> None:
    form = Optional(obj=None, data={"row": ROWS[0]})

    assert list(form.row.iter_choices()) == [("", "", False), ("1", "ann", True)]


def test_a_form_filled_from_a_model_does_not_look_anything_up() -> None:
    LOADER.looked_up.clear()

    form = One(data={"row": ROWS[1]})

    assert form.row.data is ROWS[1]
    assert LOADER.looked_up == []


def test_several_ids_come_repeated_or_comma_joined() -> None:
    repeated = Many(MultiDict([("rows", "1"), ("rows", "2")]))
    joined = Many(MultiDict({"rows": "2,1"}))

    assert repeated.validate() and joined.validate()
    assert repeated.rows.data == [ROWS[0], ROWS[1]]
    assert joined.rows.data == [ROWS[1], ROWS[0]]
    assert [c[0] for c in joined.rows.iter_choices()] == ["2", "1"]


def test_one_tampered_id_among_several_is_a_form_error() -> None:
    form = Many(MultiDict([("rows", "1"), ("rows", "3")]))

    assert not form.validate()
    assert form.rows.errors == ["Not a valid choice"]


def test_nothing_posted_clears_a_multiple_field() -> None:
    form = Many(MultiDict({"other": "x"}), data={"rows": [ROWS[0]]})

    assert form.validate()
    assert form.rows.data == []
