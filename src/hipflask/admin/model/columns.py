"""Columns of a model view: their labels, their order, and the values shown in them.

Mixed into :class:`~hipflask.admin.model.BaseModelView`. A value goes through
the view's ``column_formatters`` (``f(view, context, model, name)``), then
``column_choices``, then the formatter of its type; list and details cells
are rendered with autoescaping, so a formatter returns plain text unless it
deliberately builds :class:`~markupsafe.Markup`.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any

from jinja2 import pass_context

from .. import babel
from .helpers import prettify_name
from .helpers import shown

__all__ = ["ColumnsMixin"]


def _get_attr_path(obj: Any, path: str) -> Any:
    """``obj.a.b`` for the column name ``"a.b"``; ``None`` when a link is missing."""
    for part in path.split("."):
        if obj is None:
            return None
        obj = obj.get(part) if isinstance(obj, dict) else getattr(obj, part, None)
    return obj


class ColumnsMixin:
    """Column lists, labels and cell values; see :class:`~hipflask.admin.model.BaseModelView`."""

    if TYPE_CHECKING:
        # The settings and the backend contract live on BaseModelView.
        def __getattr__(self, name: str) -> Any: ...

    # -- columns ------------------------------------------------------------
    def get_column_name(self, field: str) -> str:
        """The label of a column: ``column_labels``, else its prettified name."""
        if self.column_labels and field in self.column_labels:
            return str(self.column_labels[field])
        return self._prettify_name(field)

    def get_column_names(
        self, only_columns: Sequence[Any], excluded_columns: Sequence[str] | None
    ) -> list[tuple[Any, str]]:
        """``(name, label)`` pairs for ``only_columns`` minus ``excluded_columns``."""
        excluded = set(excluded_columns or ())
        return [(c, self.get_column_name(c)) for c in only_columns if c not in excluded]

    def get_list_columns(self) -> list[tuple[Any, str]]:
        """The list page's columns."""
        return self.get_column_names(
            self.column_list or self.scaffold_list_columns(), self.column_exclude_list
        )

    def get_details_columns(self) -> list[tuple[Any, str]]:
        """The details page's columns."""
        return self.get_column_names(
            self.column_details_list or self.scaffold_list_columns(),
            self.column_details_exclude_list,
        )

    def get_export_columns(self) -> list[tuple[Any, str]]:
        """The export's columns: ``column_export_list``, else the list's.

        The list's less ``column_exclude_list`` too, where Flask-Admin keeps
        them: a column hidden from the list (a password hash) would otherwise
        be in the file of anyone who may export. Named in
        ``column_export_list``, a column is exported.
        """
        if self.column_export_list:
            return self.get_column_names(self.column_export_list, self.column_export_exclude_list)
        return self.get_column_names(
            self.column_list or self.scaffold_list_columns(),
            [*(self.column_exclude_list or ()), *(self.column_export_exclude_list or ())],
        )

    def get_sortable_columns(self) -> dict[Any, Any]:
        """``{column name: sort key}`` from ``column_sortable_list`` or the backend."""
        if self.column_sortable_list is None:
            return self.scaffold_sortable_columns() or {}
        result: dict[Any, Any] = {}
        for column in self.column_sortable_list:
            if isinstance(column, tuple):
                result[column[0]] = column[1]
            else:
                result[column] = column
        return result

    def is_sortable(self, name: str) -> bool:
        return name.lower() in (str(c).lower() for c in self._sortable_columns)

    def is_editable(self, name: str) -> bool:
        return bool(self.can_edit and name in (self.column_editable_list or ()))

    def _get_column_by_idx(self, idx: int | None) -> tuple[Any, str] | None:
        if idx is None or idx < 0 or idx >= len(self._list_columns):
            return None
        column: tuple[Any, str] = self._list_columns[idx]
        return column

    def _get_default_order(self) -> list[tuple[str, bool]] | None:
        """``column_default_sort`` as a list of ``(column, descending)``."""
        sort = self.column_default_sort
        if not sort:
            return None
        if isinstance(sort, list):
            return sort
        if isinstance(sort, tuple):
            return [sort]
        return [(sort, False)]

    # -- values ---------------------------------------------------------------
    def _prettify_name(self, name: str) -> str:
        return prettify_name(name)

    def get_empty_list_message(self) -> str:
        return babel.gettext("There are no items in the table.")

    def _get_field_value(self, model: Any, name: Any) -> Any:
        return _get_attr_path(model, str(name))

    def _get_list_value(
        self,
        context: Any,
        model: Any,
        name: Any,
        column_formatters: dict[str, Callable[..., Any]],
        column_type_formatters: dict[Any, Callable[..., Any]],
    ) -> Any:
        formatter = column_formatters.get(name)
        if formatter is not None:
            value = formatter(self, context, model, name)
        else:
            value = self._get_field_value(model, name)
        choices = self._column_choices_map.get(name)
        if choices:
            return choices.get(value, value)
        for value_type, type_formatter in column_type_formatters.items():
            if isinstance(value_type, type) and isinstance(value, value_type):
                return type_formatter(self, value, name)
        return shown(value)

    @pass_context
    def get_list_value(self, context: Any, model: Any, name: str) -> Any:
        """A list cell's value, through ``column_formatters`` and type formatters."""
        return self._get_list_value(
            context, model, name, self.column_formatters or {}, self.column_type_formatters or {}
        )

    @pass_context
    def get_detail_value(self, context: Any, model: Any, name: str) -> Any:
        """A details row's value, through the ``_detail`` formatters."""
        return self._get_list_value(
            context,
            model,
            name,
            self.column_formatters_detail or {},
            self.column_type_formatters_detail or {},
        )

    def get_export_value(self, model: Any, name: Any) -> Any:
        """An export cell's value, through the ``_export`` formatters."""
        return self._get_list_value(
            None,
            model,
            name,
            self.column_formatters_export or {},
            self.column_type_formatters_export or {},
        )
