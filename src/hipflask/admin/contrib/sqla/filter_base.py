"""The SQL filters every typed filter builds on: a condition on one column.

:class:`BaseSQLAFilter` resolves the filter's column (through relationship
paths) and applies a condition with bound parameters; the generic
operations below (equal, like, greater, empty, in list...) are what
:mod:`hipflask.admin.contrib.sqla.filters` combines with a type's parsing.
Negative operations also match NULL (see :func:`or_null`).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ....db.keys import dialect_name
from ....db.keys import is_outside_column
from ....errors import ConfigurationError
from ...model import filters
from . import tools
from .query import as_text
from .query import coerce_key_part
from .query import is_storable
from .validators import resolve_session

__all__ = [
    "BaseSQLAFilter",
    "FilterEmpty",
    "FilterEqual",
    "FilterGreater",
    "FilterInList",
    "FilterLike",
    "FilterNotEqual",
    "FilterNotInList",
    "FilterNotLike",
    "FilterSmaller",
    "or_null",
]


class BaseSQLAFilter(filters.BaseFilter):
    """A filter on one column: an attribute (``Post.title``) or a dotted path.

    A path such as ``"author.name"`` is resolved when the view binds the
    filter to its model; the relationships to join are kept in ``join_path``.
    """

    def __init__(
        self, column: Any, name: str, options: Any = None, data_type: str | None = None
    ) -> None:
        super().__init__(name, options, data_type)
        self.column = column
        self.join_path: list[Any] = []
        self._bound_model: Any = None
        self._rows: tuple[Any, Any] | None = None
        if not isinstance(column, str):
            self._on_column_resolved()

    #: Whether the value is compared with the column as one of its values
    #: (``False`` for LIKE patterns and the empty/not-empty switch).
    takes_column_values = True

    def read_rows_from(self, session: Any, model: Any) -> None:
        """Judge values against the database ``session`` keeps ``model``'s rows on.

        Called by the view that shows the filter. PostgreSQL's and MariaDB's
        ``INTEGER`` stops at 2**31 - 1, where SQLite's goes to 2**63 - 1:
        only the view's session tells which applies (:mod:`hipflask.db.keys`).
        """
        self._rows = (session, model)

    def validate(self, value: Any) -> bool:
        """Refuse a value that parses but the column cannot hold.

        ``10**40`` is a valid Python int, and SQLite, PostgreSQL and MariaDB
        all answer it with an error instead of no rows; so does PostgreSQL
        for ``"abc"`` compared with an integer column by an untyped filter
        such as ``FilterEqual(Post.views, ...)``, and for ``3000000000``
        compared with an ``INTEGER`` column ("integer out of range").
        """
        if not super().validate(value):
            return False
        try:
            cleaned = self.clean(value)
        except (ValueError, TypeError, ArithmeticError):
            return False
        values = cleaned if isinstance(cleaned, list | tuple) else [cleaned]
        column = getattr(getattr(self.column, "property", None), "columns", [self.column])[0]
        backend = self._backend()
        return all(self._fits_column(column, item, backend) for item in values)

    def column_values(self, cleaned: Any) -> Any:
        """``cleaned`` with its text parsed into the column's Python type.

        An untyped filter (``FilterEqual(Post.views, "Views")``) cleans
        nothing, and SQLAlchemy binds text compared with an ``Integer`` or
        ``Date`` column as ``VARCHAR``: PostgreSQL has no ``integer =
        character varying``, so every use of the filter failed the list there.
        Typed filters have parsed their values already; :meth:`validate` has
        refused text that does not parse.
        """
        column = getattr(getattr(self.column, "property", None), "columns", [self.column])[0]
        if not self.takes_column_values or not isinstance(column, sa.Column):
            return cleaned
        if isinstance(cleaned, list | tuple):
            return type(cleaned)(_parsed(column, item) for item in cleaned)
        return _parsed(column, cleaned)

    def _backend(self) -> str | None:
        if self._rows is None:
            return None
        session, model = self._rows
        return dialect_name(resolve_session(session), model)

    def _fits_column(self, column: Any, value: Any, backend: str | None) -> bool:
        if not is_storable(value):
            return False
        if not self.takes_column_values:
            return True
        if isinstance(value, str):
            if not isinstance(column, sa.Column):
                return True
            try:
                value = coerce_key_part(column, value)
            except ValueError:
                return False
        column_type = getattr(column, "type", None)
        return backend is None or not is_outside_column(value, column_type, backend)

    def bind(self, model: Any) -> None:
        """Resolve a dotted-path column against ``model``; a no-op for an attribute.

        A path filter resolved for one model and given to a view of another
        is refused: its column and joins are the first model's, so the
        second view would filter on the wrong table without a word.
        """
        if self._bound_model is not None and self._bound_model is not model:
            raise ConfigurationError(
                f"Filter {self.name!r} is bound to {self._bound_model.__name__} and cannot"
                f" rebind to {model.__name__}; give each view its own filter object."
            )
        if not isinstance(self.column, str):
            return
        path = self.column
        try:
            attr, join_path = tools.get_field_with_path(model, path)
        except AttributeError as exc:
            raise ValueError(
                f"Filter path {path!r} does not resolve on {model.__name__}: {exc}"
            ) from exc
        if attr is None or tools.is_relationship(attr):
            raise ValueError(
                f"Filter path {path!r} on {model.__name__} names a relationship;"
                " name one of its columns, such as 'author.name'."
            )
        self.key_name = path
        self.column = attr
        self.join_path = join_path
        self._bound_model = model
        self._on_column_resolved()

    def _on_column_resolved(self) -> None:
        """Hook for subclasses that read the column's type (enum options)."""

    def get_column(self, alias: Any) -> Any:
        """The column, re-pointed at ``alias`` when its table was joined under one."""
        if isinstance(self.column, str):
            raise RuntimeError(f"Filter {self.name!r} is used before being bound to a model.")
        return self.column if alias is None else getattr(alias, self.column.key)

    def apply(self, query: Any, value: Any, alias: Any = None) -> Any:
        return query.filter(self.condition(self.get_column(alias), value))

    def condition(self, column: Any, value: Any) -> Any:
        """The SQL condition for one cleaned value; each filter defines its own."""
        raise NotImplementedError


def _parsed(column: sa.Column[Any], value: Any) -> Any:
    return coerce_key_part(column, value) if isinstance(value, str) else value


def or_null(column: Any, clause: Any) -> Any:
    """``clause``, or the column is NULL: SQL's three-valued logic would drop those rows."""
    return sa.or_(clause, column.is_(None))


class FilterEqual(BaseSQLAFilter):
    def condition(self, column: Any, value: Any) -> Any:
        return column == value

    def operation(self) -> str:
        return "equals"


class FilterNotEqual(BaseSQLAFilter):
    def condition(self, column: Any, value: Any) -> Any:
        return or_null(column, column != value)

    def operation(self) -> str:
        return "not equal"


class FilterLike(BaseSQLAFilter):
    takes_column_values = False

    def condition(self, column: Any, value: Any) -> Any:
        pattern = tools.parse_like_term(str(value))
        return as_text(column).ilike(pattern, escape=tools.LIKE_ESCAPE)

    def operation(self) -> str:
        return "contains"


class FilterNotLike(BaseSQLAFilter):
    takes_column_values = False

    def condition(self, column: Any, value: Any) -> Any:
        pattern = tools.parse_like_term(str(value))
        return or_null(column, as_text(column).not_ilike(pattern, escape=tools.LIKE_ESCAPE))

    def operation(self) -> str:
        return "not contains"


class FilterGreater(BaseSQLAFilter):
    def condition(self, column: Any, value: Any) -> Any:
        return column > value

    def operation(self) -> str:
        return "greater than"


class FilterSmaller(BaseSQLAFilter):
    def condition(self, column: Any, value: Any) -> Any:
        return column < value

    def operation(self) -> str:
        return "smaller than"


class FilterEmpty(BaseSQLAFilter, filters.BaseBooleanFilter):
    """``1`` keeps the rows where the column is NULL, ``0`` the others."""

    takes_column_values = False

    def condition(self, column: Any, value: Any) -> Any:
        return column.is_(None) if value == "1" else column.is_not(None)

    def operation(self) -> str:
        return "empty"


class FilterInList(BaseSQLAFilter):
    """A comma-separated list of values; the widget lets users type several."""

    def __init__(
        self, column: Any, name: str, options: Any = None, data_type: str | None = None
    ) -> None:
        super().__init__(column, name, options, data_type="select2-tags")

    def clean(self, value: str) -> list[Any]:
        return [part.strip() for part in str(value).split(",") if part.strip()]

    def condition(self, column: Any, value: Any) -> Any:
        return column.in_(value)

    def operation(self) -> str:
        return "in list"


class FilterNotInList(FilterInList):
    def condition(self, column: Any, value: Any) -> Any:
        return or_null(column, column.not_in(value))

    def operation(self) -> str:
        return "not in list"
