"""A tiny in-memory backend for BaseModelView, written against Flask-Admin's contract.

It implements exactly the methods a data backend provides (get_pk_value,
scaffold_*, init_search, get_list, get_one, create/update/delete_model), so
the generic pages are tested without a database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import fields
from operator import attrgetter
from typing import Any

from wtforms import Form
from wtforms import IntegerField
from wtforms import StringField
from wtforms import validators

from hipflask.admin.model import BaseModelView
from hipflask.admin.model import filters


@dataclass
class Person:
    id: int
    name: str
    age: int
    email: str = ""


class EqualFilter(filters.BaseFilter):
    def __init__(self, column: str, name: str, options: Any = None) -> None:
        super().__init__(name, options)
        self.column = column

    def apply(self, query: list[Any], value: Any) -> list[Any]:
        return [m for m in query if str(getattr(m, self.column)) == str(value)]

    def operation(self) -> str:
        return "equals"


class GreaterFilter(filters.BaseIntFilter):
    def __init__(self, column: str, name: str) -> None:
        super().__init__(name)
        self.column = column

    def apply(self, query: list[Any], value: Any) -> list[Any]:
        return [m for m in query if getattr(m, self.column) > value]

    def operation(self) -> str:
        return "greater than"


class MemoryModelView(BaseModelView):
    """BaseModelView over a list of dataclass instances."""

    def __init__(self, model: type[Any], rows: list[Any], **kwargs: Any) -> None:
        self.rows = rows
        super().__init__(model, **kwargs)

    def get_pk_value(self, model: Any) -> Any:
        return model.id

    def scaffold_list_columns(self) -> list[str]:
        return [f.name for f in fields(self.model) if f.name != "id"]

    def scaffold_sortable_columns(self) -> dict[Any, Any]:
        return {name: name for name in self.scaffold_list_columns()}

    def init_search(self) -> bool:
        return bool(self.column_searchable_list)

    def scaffold_filters(self, name: Any) -> list[filters.BaseFilter] | None:
        if name == "age":
            return [EqualFilter("age", "Age"), GreaterFilter("age", "Age")]
        if name in self.scaffold_list_columns():
            return [EqualFilter(name, self.get_column_name(name))]
        return None

    def scaffold_form(self) -> type[Form]:
        class PersonForm(self.form_base_class):  # type: ignore[name-defined,misc]
            name = StringField("Name", validators=[validators.InputRequired()])
            age = IntegerField("Age", validators=[validators.NumberRange(min=0, max=150)])
            email = StringField("Email")

        for name, field in (self.form_extra_fields or {}).items():
            setattr(PersonForm, name, field)
        return PersonForm

    def scaffold_list_form(self, widget: Any = None, validators: Any = None) -> type[Form]:
        return self.scaffold_form()

    def get_list(
        self,
        page: int | None,
        sort_field: Any,
        sort_desc: bool,
        search: str | None,
        filters: Sequence[tuple[int, str, Any]] | None,
        page_size: int | None = None,
    ) -> tuple[int | None, list[Any]]:
        rows = list(self.rows)
        if search:
            needle = search.lower()
            rows = [
                r
                for r in rows
                if any(
                    needle in str(getattr(r, c)).lower() for c in self.column_searchable_list or ()
                )
            ]
        for index, _name, value in filters or ():
            flt = self._filters[index]  # type: ignore[index]
            rows = flt.apply(rows, flt.clean(value))
        if sort_field is not None:
            rows.sort(key=lambda r: getattr(r, sort_field), reverse=sort_desc)
        else:
            for column, desc in reversed(self._get_default_order() or []):
                rows.sort(key=attrgetter(column), reverse=desc)
        count = len(rows)
        if page_size is None:
            page_size = self.page_size
        if page_size:
            start = (page or 0) * page_size
            rows = rows[start : start + page_size]
        return count, rows

    def get_one(self, id: Any) -> Any:
        for row in self.rows:
            if str(row.id) == str(id):
                return row
        return None

    def create_model(self, form: Form) -> Any:
        model = self.model(id=max((r.id for r in self.rows), default=0) + 1, name="", age=0)
        form.populate_obj(model)
        try:
            self._on_model_change(form, model, True)
        except Exception as exc:
            if not self.handle_view_exception(exc):
                raise
            return False
        self.rows.append(model)
        self.after_model_change(form, model, True)
        return model

    def update_model(self, form: Form, model: Any) -> Any:
        form.populate_obj(model)
        try:
            self._on_model_change(form, model, False)
        except Exception as exc:
            if not self.handle_view_exception(exc):
                raise
            return False
        self.after_model_change(form, model, False)
        return True

    def delete_model(self, model: Any) -> Any:
        try:
            self.on_model_delete(model)
        except Exception as exc:
            if not self.handle_view_exception(exc):
                raise
            return False
        self.rows.remove(model)
        self.after_model_delete(model)
        return True


def people() -> list[Person]:
    return [
        Person(1, "Alice", 34, "alice@example.test"),
        Person(2, "Bob", 27, "bob@example.test"),
        Person(3, "Carol", 41, "carol@example.test"),
        Person(4, "Dave", 19, "dave@example.test"),
        Person(5, "Eve", 27, "eve@example.test"),
    ]
