"""List filters, at Flask-Admin's path (``flask_admin.model.filters``).

A filter is a named operation on one column (``Name equals``, ``Age greater
than``). The base classes here parse and validate the value a user typed in
the list page's query string; a backend subclasses them and implements
:meth:`BaseFilter.apply` on its own query type. ``validate`` must reject
anything ``clean`` cannot parse, so that a malformed ``?flt0_3=`` value is
reported on the page instead of failing the request.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from collections.abc import Sequence
from typing import Any

from ..babel import lazy_gettext

__all__ = [
    "BaseBooleanFilter",
    "BaseDateBetweenFilter",
    "BaseDateFilter",
    "BaseDateTimeBetweenFilter",
    "BaseDateTimeFilter",
    "BaseFilter",
    "BaseFilterConverter",
    "BaseFloatFilter",
    "BaseFloatListFilter",
    "BaseIntFilter",
    "BaseIntListFilter",
    "BaseTimeBetweenFilter",
    "BaseTimeFilter",
    "BaseUuidFilter",
    "BaseUuidListFilter",
    "convert",
]

OptionList = Sequence[tuple[Any, str]]
Options = OptionList | Callable[[], OptionList] | None

_DATE = "%Y-%m-%d"
_DATETIME = "%Y-%m-%d %H:%M:%S"
_TIME = "%H:%M:%S"
_BETWEEN_SEPARATOR = " to "


class BaseFilter:
    """A filter: a display name, an operation, and optional fixed choices.

    :param options: fixed ``(value, label)`` choices (a select instead of a
        text box), or a callable returning them, read on each render.
    :param data_type: the widget hint the list page uses for the value box.
    :param key_name: an optional stable name for the filter.
    """

    def __init__(
        self,
        name: str,
        options: Options = None,
        data_type: str | None = None,
        key_name: str | None = None,
    ) -> None:
        self.name = name
        self.options = options
        self.data_type = data_type
        self.key_name = key_name

    def get_options(self, view: Any) -> OptionList | None:
        """The fixed choices for ``view``'s list page, or ``None`` for a free value."""
        options = self.options
        if not options:
            return None
        return options() if callable(options) else options

    def validate(self, value: Any) -> bool:
        """Whether :meth:`clean` accepts ``value``."""
        try:
            self.clean(value)
        except (ValueError, TypeError):
            return False
        return True

    def clean(self, value: Any) -> Any:
        """Turn the query-string text into the value :meth:`apply` receives."""
        return value

    def apply(self, query: Any, value: Any) -> Any:
        """Return ``query`` narrowed by this filter; the backend implements it."""
        raise NotImplementedError(f"{type(self).__name__}.apply is not implemented.")

    def operation(self) -> str:
        """The operation's label (``equals``, ``greater than``)."""
        raise NotImplementedError(f"{type(self).__name__}.operation is not implemented.")

    def __str__(self) -> str:
        return str(self.name)


class BaseBooleanFilter(BaseFilter):
    """A yes/no filter: its value is ``"1"`` or ``"0"``."""

    def __init__(self, name: str, options: Options = None, data_type: str | None = None) -> None:
        super().__init__(
            name, options or (("1", lazy_gettext("Yes")), ("0", lazy_gettext("No"))), data_type
        )

    def validate(self, value: Any) -> bool:
        return value in ("0", "1")


class BaseIntFilter(BaseFilter):
    """A filter on an integer value."""

    def clean(self, value: Any) -> int:
        return int(value)


class BaseFloatFilter(BaseFilter):
    """A filter on a number."""

    def clean(self, value: Any) -> float:
        return float(value)


class BaseIntListFilter(BaseFilter):
    """A filter on a comma-separated list of integers (``in list``)."""

    def clean(self, value: Any) -> list[int]:
        return [int(part.strip()) for part in str(value).split(",") if part.strip()]


class BaseFloatListFilter(BaseFilter):
    """A filter on a comma-separated list of numbers."""

    def clean(self, value: Any) -> list[float]:
        return [float(part.strip()) for part in str(value).split(",") if part.strip()]


def _parse_between(value: Any, parse: Callable[[str], Any]) -> list[Any]:
    parts = str(value).split(_BETWEEN_SEPARATOR)
    if len(parts) != 2:
        raise ValueError("A range is written 'start to end'.")
    start, end = parse(parts[0].strip()), parse(parts[1].strip())
    if start > end:
        raise ValueError("A range starts before it ends.")
    return [start, end]


def _parse_date(text: str) -> datetime.date:
    return datetime.datetime.strptime(text, _DATE).date()


def _parse_datetime(text: str) -> datetime.datetime:
    # HTML5 datetime-local inputs send 'YYYY-MM-DDTHH:MM[:SS]'.
    text = text.replace("T", " ")
    if len(text) == len("2000-01-01 00:00"):
        text += ":00"
    return datetime.datetime.strptime(text, _DATETIME)


def _parse_time(text: str) -> datetime.time:
    if len(text) == len("00:00"):
        text += ":00"
    return datetime.datetime.strptime(text, _TIME).time()


class _ValueFilter(BaseFilter):
    """A filter on one value of a type parsed from text; its widget is ``_widget``."""

    _widget = ""

    def __init__(self, name: str, options: Options = None, data_type: str | None = None) -> None:
        super().__init__(name, options, data_type or self._widget)

    @staticmethod
    def _parse(text: str) -> Any:
        raise NotImplementedError

    def clean(self, value: Any) -> Any:
        return self._parse(str(value))


class _RangeFilter(BaseFilter):
    """A filter on a range, ``start to end``, of values parsed like its single-value kin."""

    _widget = ""

    def __init__(
        self,
        name: str,
        options: Options = None,
        data_type: str | None = None,
        key_name: str | None = None,
    ) -> None:
        super().__init__(name, options, data_type or self._widget, key_name)

    @staticmethod
    def _parse(text: str) -> Any:
        raise NotImplementedError

    def clean(self, value: Any) -> list[Any]:
        return _parse_between(value, self._parse)

    def operation(self) -> str:
        return lazy_gettext("between")


class BaseDateFilter(_ValueFilter):
    """A filter on a date written ``YYYY-MM-DD``."""

    _widget = "datepicker"
    _parse = staticmethod(_parse_date)


class BaseDateBetweenFilter(_RangeFilter):
    """A filter on a date range written ``YYYY-MM-DD to YYYY-MM-DD``."""

    _widget = "daterangepicker"
    _parse = staticmethod(_parse_date)


class BaseDateTimeFilter(_ValueFilter):
    """A filter on a date and time written ``YYYY-MM-DD HH:MM:SS``."""

    _widget = "datetimepicker"
    _parse = staticmethod(_parse_datetime)


class BaseDateTimeBetweenFilter(_RangeFilter):
    """A filter on a range of date-times, ``start to end``."""

    _widget = "datetimerangepicker"
    _parse = staticmethod(_parse_datetime)


class BaseTimeFilter(_ValueFilter):
    """A filter on a time of day written ``HH:MM:SS``."""

    _widget = "timepicker"
    _parse = staticmethod(_parse_time)


class BaseTimeBetweenFilter(_RangeFilter):
    """A filter on a range of times, ``start to end``."""

    _widget = "timerangepicker"
    _parse = staticmethod(_parse_time)


class BaseUuidFilter(BaseFilter):
    """A filter on a UUID; the value is passed on as its canonical text."""

    def __init__(self, name: str, options: Options = None, data_type: str | None = None) -> None:
        super().__init__(name, options, data_type or "uuid")

    def clean(self, value: Any) -> str:
        return str(uuid.UUID(str(value)))


class BaseUuidListFilter(BaseFilter):
    """A filter on a comma-separated list of UUIDs."""

    def clean(self, value: Any) -> list[str]:
        return [str(uuid.UUID(part.strip())) for part in str(value).split(",") if part.strip()]


def convert(*args: str) -> Callable[[Any], Any]:
    """Mark a converter method as the one for the column types named in ``args``."""

    def mark(func: Any) -> Any:
        func._converter_for = [name.lower() for name in args]
        return func

    return mark


class BaseFilterConverter:
    """Map column type names to filter factories, from the methods marked with :func:`convert`."""

    def __init__(self) -> None:
        self.converters: dict[str, Callable[..., Any]] = {}
        for attribute in dir(type(self)):
            method = getattr(self, attribute)
            for type_name in getattr(method, "_converter_for", ()):
                self.converters[type_name] = method
