"""Form fields, at Flask-Admin's path (``flask_admin.form.fields``).

The date and time fields accept what the browser's HTML5 inputs send
(``2024-05-01T09:30``) as well as Flask-Admin's spaced format, so a form
posted by the admin's own widgets and one posted by a script both parse.
"""

from __future__ import annotations

import datetime
import enum
import json
from typing import Any

from wtforms import fields
from wtforms.fields import choices as wtforms_choices

from .widgets import DateTimePickerWidget
from .widgets import Select2TagsWidget
from .widgets import Select2Widget
from .widgets import TimePickerWidget

# WTForms 3.3 takes choices as SelectChoice objects (tuples are deprecated)
# and hands them out as Choice objects; earlier versions use tuples for both.
_Choice: Any = getattr(wtforms_choices, "Choice", None)
_SelectChoice: Any = getattr(wtforms_choices, "SelectChoice", None)


def _normalise_choices(choices: Any) -> Any:
    """Flask-Admin's choice forms (pairs, an ``Enum`` class) in this WTForms' own form."""
    if isinstance(choices, type) and issubclass(choices, enum.Enum):
        choices = [(member.value, member.name) for member in choices]
    if _SelectChoice is None or not isinstance(choices, (list, tuple)):
        return choices
    return [_SelectChoice(*choice) if isinstance(choice, tuple) else choice for choice in choices]


__all__ = ["DateTimeField", "JSONField", "Select2Field", "Select2TagsField", "TimeField"]

_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
)
_TIME_FORMATS = ("%H:%M:%S", "%H:%M")


class DateTimeField(fields.DateTimeField):
    """A date-time field drawn as ``<input type="datetime-local">``."""

    widget = DateTimePickerWidget()

    def __init__(
        self, label: Any = None, validators: Any = None, format: Any = None, **kwargs: Any
    ):
        super().__init__(label, validators, format=format or list(_DATETIME_FORMATS), **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.strftime("%Y-%m-%dT%H:%M:%S") if self.data else ""


class TimeField(fields.Field):
    """A time-of-day field drawn as ``<input type="time">``."""

    widget = TimePickerWidget()

    def __init__(
        self,
        label: Any = None,
        validators: Any = None,
        formats: Any = None,
        default_format: str | None = None,
        widget_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.formats = formats or _TIME_FORMATS
        self.default_format = default_format or "%H:%M:%S"

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.strftime(self.default_format) if self.data else ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        text = " ".join(valuelist).strip()
        if not text:
            self.data = None
            return
        for fmt in self.formats:
            try:
                self.data = datetime.datetime.strptime(text, fmt).time()
            except ValueError:
                continue
            return
        raise ValueError(self.gettext("Invalid time format"))


class Select2Field(fields.SelectField):
    """A select with an optional empty choice (``allow_blank``), as in Flask-Admin."""

    widget = Select2Widget()

    def __init__(
        self,
        label: Any = None,
        validators: Any = None,
        coerce: Any = str,
        choices: Any = None,
        allow_blank: bool = False,
        blank_text: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, coerce, _normalise_choices(choices), **kwargs)
        self.allow_blank = allow_blank
        self.blank_text = blank_text or " "

    def iter_choices(self) -> Any:
        if self.allow_blank:
            blank: tuple[Any, ...] = ("__None", self.blank_text, self.data is None, {})
            yield _Choice(*blank) if _Choice is not None else blank
        yield from super().iter_choices()

    def process_data(self, value: Any) -> None:
        if value is None:
            self.data = None
            return
        try:
            self.data = self.coerce(value)
        except (ValueError, TypeError):
            self.data = None

    def process_formdata(self, valuelist: list[Any]) -> None:
        if self.allow_blank and valuelist and valuelist[0] == "__None":
            self.data = None
            return
        super().process_formdata(valuelist)

    def pre_validate(self, form: Any) -> None:
        if self.allow_blank and self.data is None:
            return
        super().pre_validate(form)


class Select2TagsField(fields.StringField):
    """Comma-separated tags, kept as a list (``save_as_list``) or as the text."""

    widget = Select2TagsWidget()

    def __init__(
        self,
        label: Any = None,
        validators: Any = None,
        save_as_list: bool = False,
        coerce: Any = str,
        allow_duplicates: bool = False,
        **kwargs: Any,
    ) -> None:
        self.save_as_list = save_as_list
        self.allow_duplicates = allow_duplicates
        self.coerce = coerce
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        if self.save_as_list:
            tags = [self.coerce(v.strip()) for v in valuelist[0].split(",") if v.strip()]
            if not self.allow_duplicates:
                tags = list(dict.fromkeys(tags))
            self.data = tags  # type: ignore[assignment]  # a list when save_as_list
        else:
            self.data = self.coerce(valuelist[0])

    def _value(self) -> str:
        data: Any = self.data
        if isinstance(data, (list, tuple)):
            return ",".join(str(v) for v in data)
        return str(data) if data is not None else ""


class JSONField(fields.TextAreaField):
    """A text area holding JSON; the data is the parsed value."""

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return json.dumps(self.data, ensure_ascii=False) if self.data is not None else ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        text = valuelist[0]
        if not text.strip():
            self.data = None
            return
        try:
            self.data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            # Nested deeper than the interpreter's recursion limit ("[" a few
            # thousand times), the parser raises RecursionError: invalid input
            # all the same, not a 500.
            raise ValueError(self.gettext("Invalid JSON")) from exc
