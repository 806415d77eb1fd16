"""Ajax relationship fields, at Flask-Admin's path (``flask_admin.model.fields``).

``form_ajax_refs`` turns a relationship's select into one of these. The
browser posts ids; each is looked up through the field's loader, which
searches only the rows the loader offers (its query and ``filters``), so an
id the user could not have picked (tampered, filtered out, deleted) is a
form error and never reaches the model.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wtforms.fields import SelectFieldBase
from wtforms.validators import ValidationError

from .widgets import AjaxSelect2Widget

__all__ = ["AjaxSelectField", "AjaxSelectMultipleField"]

_BLANK = ("", "__None")


class AjaxSelectField(SelectFieldBase):
    """One related row, chosen by typing; ``data`` is the model instance.

    ``loader`` is an :class:`~hipflask.admin.model.ajax.AjaxModelLoader`;
    ``allow_blank`` lets the user clear the value.
    """

    widget = AjaxSelect2Widget()
    separator = ","

    def __init__(
        self,
        loader: Any,
        label: str | None = None,
        validators: Any = None,
        allow_blank: bool = False,
        blank_text: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.loader = loader
        self.allow_blank = allow_blank
        self.blank_text = blank_text
        self._formdata: Any = None
        self._data: Any = None
        self._invalid_formdata = False

    def _get_data(self) -> Any:
        if self._formdata is not None:
            model = self.loader.get_one(self._formdata)
            self._invalid_formdata = model is None
            self._set_data(model)
        return self._data

    def _set_data(self, data: Any) -> None:
        self._data = data
        self._formdata = None

    data = property(_get_data, _set_data)

    def _format(self, model: Any) -> tuple[str, str] | None:
        item = self.loader.format(model)
        if item is None:
            return None
        return str(item[0]), str(item[1])

    def iter_choices(self) -> Iterator[tuple[str, str, bool]]:  # type: ignore[override]
        """The blank choice if allowed, then the current value: never the whole table."""
        data = self.data
        if self.allow_blank:
            yield "", self.blank_text, data is None
        item = self._format(data) if data is not None else None
        if item is not None:
            yield item[0], item[1], True

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        self._invalid_formdata = False
        if valuelist[0] in _BLANK:
            self.data = None
        else:
            self._data = None
            self._formdata = str(valuelist[0])

    def pre_validate(self, form: Any) -> None:
        data = self.data
        if self._invalid_formdata:
            raise ValidationError(self.gettext("Not a valid choice"))
        if data is None and not self.allow_blank:
            raise ValidationError(self.gettext("Not a valid choice"))


class AjaxSelectMultipleField(AjaxSelectField):
    """Several related rows, chosen by typing; ``data`` is a list of instances.

    Ids arrive as repeated values or, as Flask-Admin's select2 sends them,
    joined by ``separator``.
    """

    widget = AjaxSelect2Widget(multiple=True)

    def __init__(
        self,
        loader: Any,
        label: str | None = None,
        validators: Any = None,
        default: Any = None,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("allow_blank", None)
        super().__init__(loader, label, validators, default=default or [], **kwargs)

    def _get_data(self) -> Any:
        if self._formdata is not None:
            found = []
            for key in self._formdata:
                model = self.loader.get_one(key)
                if model is None:
                    self._invalid_formdata = True
                else:
                    found.append(model)
            self._set_data(found)
        return self._data

    data = property(_get_data, AjaxSelectField._set_data)

    def iter_choices(self) -> Iterator[tuple[str, str, bool]]:  # type: ignore[override]
        for model in self.data or ():
            item = self._format(model)
            if item is not None:
                yield item[0], item[1], True

    def process_formdata(self, valuelist: list[Any]) -> None:
        self._invalid_formdata = False
        keys: list[str] = []
        for value in valuelist:
            for key in str(value).split(self.separator):
                if key not in _BLANK and key not in keys:
                    keys.append(key)
        self._data = None
        self._formdata = keys

    def pre_validate(self, form: Any) -> None:
        self._get_data()
        if self._invalid_formdata:
            raise ValidationError(self.gettext("Not a valid choice"))
