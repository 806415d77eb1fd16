"""Form fields that hold model instances: ``QuerySelectField`` and friends.

The browser sends primary keys; these fields turn them back into rows by
comparing against the keys of the rows their query offers, as strings. A key
that is not offered (tampered, deleted, or of the wrong type) is a form error,
and no user-supplied value is ever cast to a column's type in SQL, where
PostgreSQL would answer a malformed integer with an error instead of no row.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import widgets
from wtforms.fields import FieldList
from wtforms.fields import FormField
from wtforms.fields import SelectFieldBase
from wtforms.fields.choices import Choice  # type: ignore[attr-defined]  # stubs predate 3.3
from wtforms.utils import unset_value
from wtforms.validators import ValidationError

from ...form.widgets import Select2Widget
from .tools import get_primary_key
from .tools import iterencode
from .tools import row_label
from .validators import resolve_session


def get_pk_from_identity(obj: Any) -> str:
    """The key a form sends for ``obj``: its identity, encoded as one string."""
    identity = sa.inspect(obj).identity
    if identity is None:
        return ""
    return iterencode(identity) if len(identity) > 1 else str(identity[0])


def get_obj_pk(obj: Any, pk: str | tuple[str, ...]) -> str | tuple[str, ...]:
    """Read the primary key attribute(s) ``pk`` of ``obj`` as strings."""
    if isinstance(pk, tuple):
        return tuple(str(getattr(obj, name)) for name in pk)
    return str(getattr(obj, pk))


def _label_getter(get_label: str | Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    if get_label is None:
        return row_label
    if isinstance(get_label, str):
        return operator.attrgetter(get_label)
    return get_label


class QuerySelectField(SelectFieldBase):
    """A drop-down of the rows a query returns; ``data`` is a model instance.

    ``query_factory`` is called each time the choices are needed (per request),
    or ``field.query`` can be set by a view for one form. ``get_label`` is an
    attribute name or a callable; ``allow_blank`` adds an empty choice that
    sets ``data`` to ``None``.
    """

    widget = Select2Widget()

    def __init__(
        self,
        label: str | None = None,
        validators: Any = None,
        query_factory: Callable[[], Any] | None = None,
        get_pk: Callable[[Any], Any] | None = None,
        get_label: str | Callable[[Any], Any] | None = None,
        allow_blank: bool = False,
        blank_text: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.query_factory = query_factory
        self.get_pk = get_pk or get_pk_from_identity
        self.get_label = _label_getter(get_label)
        self.allow_blank = allow_blank
        self.blank_text = blank_text
        self.query: Any = None
        self._object_list: list[tuple[str, Any]] | None = None
        self._formdata: Any = None
        self._data: Any = None

    def _get_data(self) -> Any:
        if self._formdata is not None:
            for key, obj in self._get_object_list():
                if key == self._formdata:
                    self._set_data(obj)
                    break
        return self._data

    def _set_data(self, data: Any) -> None:
        self._data = data
        self._formdata = None

    data = property(_get_data, _set_data)

    def _get_object_list(self) -> list[tuple[str, Any]]:
        if self._object_list is None:
            query = self.query if self.query is not None else self._call_factory()
            self._object_list = [(str(self.get_pk(obj)), obj) for obj in query]
        return self._object_list

    def _call_factory(self) -> Any:
        if self.query_factory is None:
            return []
        return self.query_factory()

    def iter_choices(self) -> Iterator[Any]:
        if self.allow_blank:
            # WTForms shows an option's value when its label is empty, and
            # "__None" is no text for a person to read.
            yield Choice("__None", self.blank_text or " ", self.data is None, {})
        for key, obj in self._get_object_list():
            yield Choice(key, self.get_label(obj), obj == self.data, {})

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        if self.allow_blank and valuelist[0] in ("__None", ""):
            self.data = None
        else:
            self._data = None
            self._formdata = str(valuelist[0])

    def pre_validate(self, form: Any) -> None:
        submitted = self._formdata
        data = self.data
        if submitted is not None and data is None:
            raise ValidationError(self.gettext("Not a valid choice"))
        if data is None and not self.allow_blank:
            raise ValidationError(self.gettext("Not a valid choice"))
        if data is not None and all(obj != data for _, obj in self._get_object_list()):
            raise ValidationError(self.gettext("Not a valid choice"))


class QuerySelectMultipleField(QuerySelectField):
    """A multiple-select of the rows a query returns; ``data`` is a list of instances.

    Any submitted key not among the query's rows makes the whole field invalid:
    silently dropping it would save a different set than the one submitted.
    """

    widget: Any = Select2Widget(multiple=True)

    def __init__(
        self, label: str | None = None, validators: Any = None, default: Any = None, **kwargs: Any
    ) -> None:
        kwargs.pop("allow_blank", None)
        super().__init__(
            label, validators, default=default if default is not None else [], **kwargs
        )
        self._invalid_formdata = False

    def _get_data(self) -> Any:
        formdata = self._formdata
        if formdata is not None:
            found = [obj for key, obj in self._get_object_list() if key in formdata]
            known = {key for key, _ in self._get_object_list()}
            self._invalid_formdata = any(key not in known for key in formdata)
            self._set_data(found)
        return self._data

    def _set_data(self, data: Any) -> None:
        self._data = data
        self._formdata = None

    data = property(_get_data, _set_data)

    def iter_choices(self) -> Iterator[Any]:
        selected = self.data or []
        for key, obj in self._get_object_list():
            yield Choice(key, self.get_label(obj), obj in selected, {})

    def process_formdata(self, valuelist: list[Any]) -> None:
        self._formdata = {str(value) for value in valuelist}

    def pre_validate(self, form: Any) -> None:
        data = self.data
        if self._invalid_formdata:
            raise ValidationError(self.gettext("Not a valid choice"))
        if data:
            offered = [obj for _, obj in self._get_object_list()]
            if any(obj not in offered for obj in data):
                raise ValidationError(self.gettext("Not a valid choice"))


class CheckboxListField(QuerySelectMultipleField):
    """A :class:`QuerySelectMultipleField` drawn as a list of checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class InlineListWidget:
    """Draw each inline row as a fieldset, with a delete box for saved rows.

    Plain HTML, no script: a form always carries one blank row, and saving
    it adds one related row at a time.
    """

    def __call__(self, field: InlineModelFormList, **kwargs: Any) -> Markup:
        parts = [Markup('<div class="admin-inline-list" id="{}">').format(field.id)]
        for index, entry in enumerate(field.entries):
            parts.append(Markup('<fieldset class="admin-inline-row">'))
            widget_args = getattr(field.inline_view, "form_widget_args", None) or {}
            for subfield in entry.form:
                if isinstance(subfield.widget, widgets.HiddenInput):
                    parts.append(subfield())
                    continue
                attrs = widget_args.get(subfield.short_name, {})
                parts.append(Markup("<p>{} {}</p>").format(subfield.label(), subfield(**attrs)))
                for error in subfield.errors:
                    parts.append(Markup('<span class="admin-error">{}</span>').format(error))
            if field.saved_key(entry):
                parts.append(
                    Markup(
                        '<label><input type="checkbox" name="del-{name}-{index}"> {text}</label>'
                    ).format(name=field.name, index=index, text=field.gettext("Delete?"))
                )
            parts.append(Markup("</fieldset>"))
        parts.append(Markup("</div>"))
        return Markup("").join(parts)


def _is_row_index(text: str) -> bool:
    """Whether ``text`` is a row number as forms write it: ASCII digits only."""
    return text.isascii() and text.isdigit()


class InlineModelFormList(FieldList):  # type: ignore[type-arg]  # not generic at runtime
    """The rows of a one-to-many relationship, edited inside the parent's form.

    A submitted row is matched to a related row of *this* parent by its key;
    a key that is not among them makes a new row instead, so posting another
    parent's key cannot move or edit that row. Rows marked ``del-<name>-<n>``
    are deleted; a new row left blank is ignored.
    """

    widget = InlineListWidget()

    def __init__(
        self,
        form_class: type[Any],
        session: Any,
        model: Any,
        prop: str,
        inline_view: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(FormField(form_class), **kwargs)
        self.session = session
        self.model = model
        self.prop = prop
        self.inline_view = inline_view
        self.key_name = str(get_primary_key(model))
        self._deleted: set[int] = set()

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        if formdata:
            formdata = self._without_malformed_rows(formdata)
        super().process(formdata, data, extra_filters)
        self._deleted = set()
        if formdata:
            prefix = f"del-{self.name}-"
            for key in formdata:
                suffix = str(key)[len(prefix) :] if str(key).startswith(prefix) else ""
                if _is_row_index(suffix):
                    self._deleted.add(int(suffix))
        else:
            self.append_entry()

    def _without_malformed_rows(self, formdata: Any) -> Any:
        """``formdata`` without the row fields whose row number is not ASCII digits.

        WTForms reads ``notes-<n>-title`` with ``str.isdigit``, which accepts
        ``²`` and other digits ``int`` refuses: a posted ``notes-²-title``
        would be a 500 instead of an ignored field.
        """
        prefix = f"{self.name}-"

        def is_malformed(key: str) -> bool:
            return key.startswith(prefix) and not _is_row_index(key[len(prefix) :].split("-")[0])

        if not any(is_malformed(str(key)) for key in formdata):
            return formdata
        return MultiDict(
            [(k, v) for k, v in formdata.items(multi=True) if not is_malformed(str(k))]
        )

    def saved_key(self, entry: Any) -> str:
        """The key a row was shown with, or ``""`` for a new row."""
        key_field = entry.form[self.key_name]
        return str(key_field.data or "")

    def should_delete(self, entry: Any) -> bool:
        return self.entries.index(entry) in self._deleted

    def _is_blank(self, entry: Any) -> bool:
        for subfield in entry.form:
            if subfield.short_name == self.key_name:
                continue
            if any(str(value).strip() for value in subfield.raw_data or ()):
                return False
        return True

    def is_skipped(self, entry: Any) -> bool:
        """Whether saving leaves ``entry`` out: marked for deletion, or new and blank."""
        return self.should_delete(entry) or (not self.saved_key(entry) and self._is_blank(entry))

    def validate(self, form: Any, extra_validators: Any = ()) -> bool:
        self.errors: list[Any] = []
        for entry in self.entries:
            if not self.is_skipped(entry) and not entry.validate(form):
                self.errors.append(entry.errors)
        for validator in [*self.validators, *extra_validators]:
            try:
                validator(form, self)
            except ValidationError as exc:
                self.errors.append(str(exc))
        return not self.errors

    def populate_obj(self, obj: Any, name: str) -> None:
        related = list(getattr(obj, name) or [])
        by_key = {str(getattr(row, self.key_name)): row for row in related}
        for entry in self.entries:
            existing = by_key.get(self.saved_key(entry))
            if self.should_delete(entry):
                if existing is not None:
                    related.remove(existing)
                    resolve_session(self.session).delete(existing)
                continue
            if existing is None and self._is_blank(entry):
                continue
            row = existing if existing is not None else self.model()
            for subfield in entry.form:
                if subfield.short_name != self.key_name:
                    subfield.populate_obj(row, subfield.short_name)
            if existing is None:
                related.append(row)
            on_change = getattr(self.inline_view, "_on_model_change", None)
            if on_change is not None:
                on_change(entry.form, row, existing is None)
        setattr(obj, name, related)
