"""Flask-Admin's SQLAlchemy list filters: the same class names, as SQL.

A filter's value comes from the URL. ``clean`` parses it (and ``validate``
refuses what it cannot parse, so the list view drops a tampered filter
instead of answering 500); ``apply`` adds a bound-parameter condition, never
text. Negative filters (``not equal``, ``not in list``...) also match NULL,
which SQL's three-valued logic would otherwise leave out silently.
"""

from __future__ import annotations

import enum
import re
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from ...model import filters
from .filter_base import BaseSQLAFilter as BaseSQLAFilter
from .filter_base import FilterEmpty as FilterEmpty
from .filter_base import FilterEqual as FilterEqual
from .filter_base import FilterGreater as FilterGreater
from .filter_base import FilterInList as FilterInList
from .filter_base import FilterLike as FilterLike
from .filter_base import FilterNotEqual as FilterNotEqual
from .filter_base import FilterNotInList as FilterNotInList
from .filter_base import FilterNotLike as FilterNotLike
from .filter_base import FilterSmaller as FilterSmaller
from .filter_base import or_null


class BooleanEqualFilter(FilterEqual, filters.BaseBooleanFilter):
    def clean(self, value: str) -> bool:
        return value == "1"


class BooleanNotEqualFilter(FilterNotEqual, filters.BaseBooleanFilter):
    def clean(self, value: str) -> bool:
        return value == "1"


class IntEqualFilter(FilterEqual, filters.BaseIntFilter):
    pass


class IntNotEqualFilter(FilterNotEqual, filters.BaseIntFilter):
    pass


class IntGreaterFilter(FilterGreater, filters.BaseIntFilter):
    pass


class IntSmallerFilter(FilterSmaller, filters.BaseIntFilter):
    pass


class IntInListFilter(filters.BaseIntListFilter, FilterInList):
    pass


class IntNotInListFilter(filters.BaseIntListFilter, FilterNotInList):
    pass


class FloatEqualFilter(FilterEqual, filters.BaseFloatFilter):
    pass


class FloatNotEqualFilter(FilterNotEqual, filters.BaseFloatFilter):
    pass


class FloatGreaterFilter(FilterGreater, filters.BaseFloatFilter):
    pass


class FloatSmallerFilter(FilterSmaller, filters.BaseFloatFilter):
    pass


class FloatInListFilter(filters.BaseFloatListFilter, FilterInList):
    pass


class FloatNotInListFilter(filters.BaseFloatListFilter, FilterNotInList):
    pass


class DateEqualFilter(FilterEqual, filters.BaseDateFilter):
    pass


class DateNotEqualFilter(FilterNotEqual, filters.BaseDateFilter):
    pass


class DateGreaterFilter(FilterGreater, filters.BaseDateFilter):
    pass


class DateSmallerFilter(FilterSmaller, filters.BaseDateFilter):
    pass


class DateBetweenFilter(BaseSQLAFilter, filters.BaseDateBetweenFilter):
    """``2024-01-01 to 2024-12-31``, both ends included."""

    def __init__(
        self, column: Any, name: str, options: Any = None, data_type: str | None = None
    ) -> None:
        super().__init__(column, name, options, data_type="daterangepicker")

    def condition(self, column: Any, value: Any) -> Any:
        start, end = value
        return column.between(start, end)


class DateNotBetweenFilter(DateBetweenFilter):
    def condition(self, column: Any, value: Any) -> Any:
        start, end = value
        return or_null(column, sa.not_(column.between(start, end)))

    def operation(self) -> str:
        return "not between"


class DateTimeEqualFilter(FilterEqual, filters.BaseDateTimeFilter):
    pass


class DateTimeNotEqualFilter(FilterNotEqual, filters.BaseDateTimeFilter):
    pass


class DateTimeGreaterFilter(FilterGreater, filters.BaseDateTimeFilter):
    pass


class DateTimeSmallerFilter(FilterSmaller, filters.BaseDateTimeFilter):
    pass


class DateTimeBetweenFilter(BaseSQLAFilter, filters.BaseDateTimeBetweenFilter):
    def __init__(
        self, column: Any, name: str, options: Any = None, data_type: str | None = None
    ) -> None:
        super().__init__(column, name, options, data_type="datetimerangepicker")

    def condition(self, column: Any, value: Any) -> Any:
        start, end = value
        return column.between(start, end)


class DateTimeNotBetweenFilter(DateTimeBetweenFilter):
    def condition(self, column: Any, value: Any) -> Any:
        start, end = value
        return or_null(column, sa.not_(column.between(start, end)))

    def operation(self) -> str:
        return "not between"


class TimeEqualFilter(FilterEqual, filters.BaseTimeFilter):
    pass


class TimeNotEqualFilter(FilterNotEqual, filters.BaseTimeFilter):
    pass


class TimeGreaterFilter(FilterGreater, filters.BaseTimeFilter):
    pass


class TimeSmallerFilter(FilterSmaller, filters.BaseTimeFilter):
    pass


class TimeBetweenFilter(BaseSQLAFilter, filters.BaseTimeBetweenFilter):
    def __init__(
        self, column: Any, name: str, options: Any = None, data_type: str | None = None
    ) -> None:
        super().__init__(column, name, options, data_type="timerangepicker")

    def condition(self, column: Any, value: Any) -> Any:
        start, end = value
        return column.between(start, end)


class TimeNotBetweenFilter(TimeBetweenFilter):
    def condition(self, column: Any, value: Any) -> Any:
        start, end = value
        return or_null(column, sa.not_(column.between(start, end)))

    def operation(self) -> str:
        return "not between"


class _EnumMixin:
    """Offer an enum column's members as options and parse a value back to one.

    A value that is not a member fails ``clean`` (and so ``validate``), so a
    tampered value drops the filter instead of reaching the database.
    """

    column: Any
    options: Any
    #: The column's ``enum.Enum`` class (``None`` for a string enum), once resolved.
    enum_class: type[enum.Enum] | None = None

    def _on_column_resolved(self) -> None:
        enum_class = getattr(self.column.type, "enum_class", None)
        self.enum_class = enum_class
        if self.options is None:
            if enum_class is not None:
                self.options = [(member.name, member.name) for member in enum_class]
            else:
                self.options = [(value, value) for value in self.column.type.enums]

    def _clean_one(self, value: str) -> Any:
        enum_class: type[enum.Enum] | None = self.enum_class
        if enum_class is None:
            if value not in self.column.type.enums:
                raise ValueError(f"{value!r} is not one of the column's values.")
            return value
        try:
            return enum_class[value]
        except KeyError as exc:
            raise ValueError(f"{value!r} is not a member of {enum_class.__name__}.") from exc


class EnumEqualFilter(_EnumMixin, FilterEqual):
    def clean(self, value: str) -> Any:
        return self._clean_one(value)


class EnumFilterNotEqual(_EnumMixin, FilterNotEqual):
    def clean(self, value: str) -> Any:
        return self._clean_one(value)


class EnumFilterEmpty(_EnumMixin, FilterEmpty):
    def _on_column_resolved(self) -> None:
        self.enum_class = getattr(self.column.type, "enum_class", None)


class EnumFilterInList(_EnumMixin, FilterInList):
    def clean(self, value: str) -> list[Any]:
        return [self._clean_one(part) for part in super().clean(value)]


class EnumFilterNotInList(_EnumMixin, FilterNotInList):
    def clean(self, value: str) -> list[Any]:
        return [self._clean_one(part) for part in super().clean(value)]


class _UuidMixin:
    """Compare as ``uuid.UUID`` where the column holds them, as text otherwise.

    A UUID column's bind processor reads ``.hex`` from what it is given; the
    generic filter's string value would fail there with a 500.
    """

    column: Any

    def _as_column_value(self, value: str) -> Any:
        parsed = uuid.UUID(str(value).strip())
        if getattr(self.column.type, "as_uuid", False):
            return parsed
        return str(parsed)


class UuidFilterEqual(_UuidMixin, FilterEqual, filters.BaseUuidFilter):
    def clean(self, value: str) -> Any:
        return self._as_column_value(value)


class UuidFilterNotEqual(_UuidMixin, FilterNotEqual, filters.BaseUuidFilter):
    def clean(self, value: str) -> Any:
        return self._as_column_value(value)


class UuidFilterInList(_UuidMixin, FilterInList):
    def clean(self, value: str) -> list[Any]:
        return [self._as_column_value(part) for part in super().clean(value)]


class UuidFilterNotInList(_UuidMixin, FilterNotInList):
    def clean(self, value: str) -> list[Any]:
        return [self._as_column_value(part) for part in super().clean(value)]


_UNSTORABLE = object()
_INTEGER = re.compile("-?[0-9]+")


def _stored_type(column: Any) -> Any:
    """The type the database holds a ``ChoiceType`` column's keys in (its ``impl``)."""
    impl = getattr(column.type, "impl", None)
    return sa.types.to_instance(impl) if impl is not None else column.type


def _as_stored(key: Any, stored_type: Any) -> Any:
    """``key`` as a value of ``stored_type`` (``1`` for a string column is ``"1"``).

    ``_UNSTORABLE`` when no such value could be it (the text ``"x"`` for an
    integer column); a type whose Python side is unknown takes it as it is.
    """
    try:
        python_type = stored_type.python_type
    except NotImplementedError:
        return key
    if python_type is str:
        return key if isinstance(key, str) else str(key)
    if python_type is int and not isinstance(key, int):
        text = str(key).strip()
        return int(text) if _INTEGER.fullmatch(text) else _UNSTORABLE
    return key


def _choice_keys(column: Any, matches: Callable[[str], bool]) -> tuple[list[Any], bool]:
    """The stored keys of a SQLAlchemy-Utils ``ChoiceType`` column whose label matches.

    The list shows a choice's label (an Enum member's name), so that is what
    users filter by; the database holds the keys, in the column's ``impl``
    type, which need not be the keys' own: an int ``Enum`` may be kept in a
    string column, text keys in an integer one. Compared as they are, such
    keys are an error on PostgreSQL (``integer = 'x'``), so they are
    converted to the stored type; the second item says whether a matching
    key could not be, which no row then holds.
    """
    choices = getattr(column.type, "choices", None) or ()
    if isinstance(choices, enum.EnumMeta):
        members: list[enum.Enum] = list(choices)
        keys = [member.value for member in members if matches(member.name)]
    else:
        keys = [key for key, label in choices if matches(str(label))]
    stored_type = _stored_type(column)
    stored = [_as_stored(key, stored_type) for key in keys]
    kept = [key for key in stored if key is not _UNSTORABLE]
    return kept, len(kept) < len(stored)


def _stored_column(column: Any) -> Any:
    """``column`` binding its values as its ``impl`` does.

    The ``ChoiceType``'s own bind processor would read the converted keys as
    members of its choices again (``Enum("2")`` fails for an int ``Enum``).
    """
    return sa.type_coerce(column, _stored_type(column))


class _ChoiceEqualityMixin:
    """Equal and not equal: a label whose key the column cannot hold is an invalid filter."""

    column: Any

    def clean(self, value: str) -> Any:
        _, has_unstorable = _choice_keys(self.column, lambda label: label == value)
        if has_unstorable:
            raise ValueError(f"{value!r} is stored as a key the column cannot hold.")
        return value


class ChoiceTypeEqualFilter(_ChoiceEqualityMixin, FilterEqual):
    takes_column_values = False

    def condition(self, column: Any, value: Any) -> Any:
        keys, _ = _choice_keys(column, lambda label: label == value)
        return _stored_column(column).in_(keys)


class ChoiceTypeNotEqualFilter(_ChoiceEqualityMixin, FilterNotEqual):
    takes_column_values = False

    def condition(self, column: Any, value: Any) -> Any:
        keys, _ = _choice_keys(column, lambda label: label == value)
        return or_null(column, _stored_column(column).not_in(keys))


class ChoiceTypeLikeFilter(FilterLike):
    def condition(self, column: Any, value: Any) -> Any:
        needle = str(value).lower()
        keys, _ = _choice_keys(column, lambda label: needle in label.lower())
        return _stored_column(column).in_(keys)


class ChoiceTypeNotLikeFilter(FilterNotLike):
    def condition(self, column: Any, value: Any) -> Any:
        needle = str(value).lower()
        keys, _ = _choice_keys(column, lambda label: needle in label.lower())
        return or_null(column, _stored_column(column).not_in(keys))


#: SQLAlchemy-Utils types, by name as Flask-Admin matches them: their storage
#: type alone (a UUID in BINARY(16), a colour in a string) picks the wrong set
#: or none, and a view naming such a column in ``column_filters`` would not start.
_SETS_BY_TYPE_NAME = {
    "uuidtype": "string_key_filters",
    "colortype": "string_key_filters",
    "timezonetype": "string_key_filters",
    "currencytype": "string_key_filters",
    "emailtype": "strings",
    "urltype": "strings",
    "ipaddresstype": "strings",
    # Flask-Admin offers three; more would shift the index of every later
    # filter, so bookmarked filter URLs would name other filters.
    "arrowtype": "arrow_type_filters",
    "choicetype": "choice_type_filters",
}


class FilterConverter(filters.BaseFilterConverter):
    """Pick the filters offered for a column from its SQLAlchemy type.

    The class attributes are the filter sets, as Flask-Admin names them, so a
    subclass can narrow one (``int_filters = (IntEqualFilter,)``). Types are
    matched with ``isinstance``, most specific first, so a custom type that
    subclasses ``String`` gets the string filters; :meth:`convert` also takes a
    type name, for converters registered with ``@filters.convert``.
    """

    strings: tuple[type[BaseSQLAFilter], ...] = (
        FilterLike,
        FilterNotLike,
        FilterEqual,
        FilterNotEqual,
        FilterEmpty,
        FilterInList,
        FilterNotInList,
    )
    string_key_filters: tuple[type[BaseSQLAFilter], ...] = (
        FilterEqual,
        FilterNotEqual,
        FilterEmpty,
        FilterInList,
        FilterNotInList,
    )
    int_filters: tuple[type[BaseSQLAFilter], ...] = (
        IntEqualFilter,
        IntNotEqualFilter,
        IntGreaterFilter,
        IntSmallerFilter,
        FilterEmpty,
        IntInListFilter,
        IntNotInListFilter,
    )
    float_filters: tuple[type[BaseSQLAFilter], ...] = (
        FloatEqualFilter,
        FloatNotEqualFilter,
        FloatGreaterFilter,
        FloatSmallerFilter,
        FilterEmpty,
        FloatInListFilter,
        FloatNotInListFilter,
    )
    bool_filters: tuple[type[BaseSQLAFilter], ...] = (BooleanEqualFilter, BooleanNotEqualFilter)
    enum: tuple[type[BaseSQLAFilter], ...] = (
        EnumEqualFilter,
        EnumFilterNotEqual,
        EnumFilterEmpty,
        EnumFilterInList,
        EnumFilterNotInList,
    )
    date_filters: tuple[type[BaseSQLAFilter], ...] = (
        DateEqualFilter,
        DateNotEqualFilter,
        DateGreaterFilter,
        DateSmallerFilter,
        DateBetweenFilter,
        DateNotBetweenFilter,
        FilterEmpty,
    )
    datetime_filters: tuple[type[BaseSQLAFilter], ...] = (
        DateTimeEqualFilter,
        DateTimeNotEqualFilter,
        DateTimeGreaterFilter,
        DateTimeSmallerFilter,
        DateTimeBetweenFilter,
        DateTimeNotBetweenFilter,
        FilterEmpty,
    )
    choice_type_filters: tuple[type[BaseSQLAFilter], ...] = (
        ChoiceTypeEqualFilter,
        ChoiceTypeNotEqualFilter,
        ChoiceTypeLikeFilter,
        ChoiceTypeNotLikeFilter,
        FilterEmpty,
    )
    arrow_type_filters: tuple[type[BaseSQLAFilter], ...] = (
        DateTimeGreaterFilter,
        DateTimeSmallerFilter,
        FilterEmpty,
    )
    time_filters: tuple[type[BaseSQLAFilter], ...] = (
        TimeEqualFilter,
        TimeNotEqualFilter,
        TimeGreaterFilter,
        TimeSmallerFilter,
        TimeBetweenFilter,
        TimeNotBetweenFilter,
        FilterEmpty,
    )
    uuid_filters: tuple[type[BaseSQLAFilter], ...] = (
        UuidFilterEqual,
        UuidFilterNotEqual,
        FilterEmpty,
        UuidFilterInList,
        UuidFilterNotInList,
    )

    def _sets_by_type(self) -> tuple[tuple[type[Any], tuple[type[BaseSQLAFilter], ...]], ...]:
        return (
            (sa.Enum, self.enum),
            (sa.Boolean, self.bool_filters),
            (sa.DateTime, self.datetime_filters),
            (sa.Date, self.date_filters),
            (sa.Time, self.time_filters),
            (sa.Integer, self.int_filters),
            (sa.Float, self.float_filters),
            (sa.Numeric, self.float_filters),
            (sa.Uuid, self.uuid_filters),
            (sa.String, self.strings),
        )

    def convert(
        self, type_name: str, column: Any, name: str, **kwargs: Any
    ) -> list[BaseSQLAFilter] | None:
        """The filters for ``column``, or ``None`` when its type has none."""
        registered = getattr(self, "converters", {}).get(type_name.lower())
        if registered is not None:
            return registered(column, name, **kwargs)  # type: ignore[no-any-return]
        by_name = _SETS_BY_TYPE_NAME.get(type_name.lower())
        if by_name is not None:
            filter_set: tuple[type[BaseSQLAFilter], ...] = getattr(self, by_name)
            return [filter_class(column, name, **kwargs) for filter_class in filter_set]
        column_type = getattr(column, "type", None)
        if isinstance(column_type, sa.TypeDecorator):
            column_type = column_type.impl_instance
        for type_class, filter_set in self._sets_by_type():
            if isinstance(column_type, type_class):
                return [filter_class(column, name, **kwargs) for filter_class in filter_set]
        return None
