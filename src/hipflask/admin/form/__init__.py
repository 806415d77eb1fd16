"""Admin form bases, at Flask-Admin's path (``flask_admin.form``).

Flask-Admin's ``BaseForm`` carries no CSRF token unless a view opts in with
``SecureForm``. Here ``BaseForm`` is built on :class:`hipflask.forms.FlaskForm`,
so every admin form (create, edit, delete, actions) carries a token tied to
the session and refuses a submission without it (cross-site request forgery
against a signed-in administrator). The origin checks already refuse
cross-site POSTs; the token is the second layer. ``WTF_CSRF_ENABLED = False``
turns it off, for tests only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from werkzeug.datastructures import FileStorage
from werkzeug.datastructures import MultiDict
from wtforms.fields import FieldList
from wtforms.fields import FileField
from wtforms.fields import FormField
from wtforms.fields.core import UnboundField

from ...forms.form import FlaskForm
from . import rules as rules
from .fields import DateTimeField as DateTimeField
from .fields import JSONField as JSONField
from .fields import Select2Field as Select2Field
from .fields import Select2TagsField as Select2TagsField
from .fields import TimeField as TimeField
from .widgets import DatePickerWidget as DatePickerWidget
from .widgets import DateTimePickerWidget as DateTimePickerWidget
from .widgets import RenderTemplateWidget as RenderTemplateWidget
from .widgets import Select2TagsWidget as Select2TagsWidget
from .widgets import Select2Widget as Select2Widget
from .widgets import TimePickerWidget as TimePickerWidget

__all__ = [
    "BaseForm",
    "DatePickerWidget",
    "DateTimeField",
    "DateTimePickerWidget",
    "FormOpts",
    "JSONField",
    "RenderTemplateWidget",
    "SecureForm",
    "Select2Field",
    "Select2TagsField",
    "Select2TagsWidget",
    "Select2Widget",
    "TimeField",
    "TimePickerWidget",
    "recreate_field",
    "rules",
]


#: Read the submission from the current request (``FlaskForm``'s behaviour).
_FROM_REQUEST: Any = object()


class BaseForm(FlaskForm):
    """The base of admin forms: a WTForms form with a session-bound CSRF token.

    Views pass the submitted data explicitly (``form_class(get_form_data(),
    obj=model)``), as Flask-Admin does; built without arguments in a view it
    reads the request itself.
    """

    _translations: Any = None

    def __init__(
        self, formdata: Any = _FROM_REQUEST, obj: Any = None, prefix: str = "", **kwargs: Any
    ) -> None:
        if formdata is _FROM_REQUEST:
            super().__init__(obj=obj, prefix=prefix, **kwargs)
            return
        files = _uploads(formdata)
        if files:
            formdata = MultiDict(
                (k, v) for k, v in formdata.items(multi=True) if not isinstance(v, FileStorage)
            )
        super().__init__(formdata, obj=obj, prefix=prefix, **kwargs)
        if files:
            _place_uploads(self, files)


def _uploads(formdata: Any) -> MultiDict[str, FileStorage] | None:
    if not isinstance(formdata, MultiDict):
        return None
    found = [(k, v) for k, v in formdata.items(multi=True) if isinstance(v, FileStorage)]
    return MultiDict(found) if found else None


def _place_uploads(fields: Iterable[Any], files: MultiDict[str, FileStorage]) -> None:
    """Give the uploads to the file fields they were posted for, and only to them.

    Admin forms read uploads with the rest of the submission, as Flask-Admin
    does; a crafted multipart body can put a file where a text, date or
    JSON field expects a string, which that field cannot parse or validate
    (a 500). Such a field is processed without it and says why instead.
    """
    for field in fields:
        if isinstance(field, FormField):
            _place_uploads(field.form, files)
        elif isinstance(field, FieldList):
            _place_uploads(field.entries, files)
        elif isinstance(field, FileField):
            field.process(files, data=field.object_data)
        elif field.name in files:
            field.process_errors.append(field.gettext("A file is not a valid value here."))


class SecureForm(BaseForm):
    """Flask-Admin's CSRF-protected form; :class:`BaseForm` is protected already."""


class FormOpts:
    """Rendering options handed to the form templates: widget arguments and rules."""

    __slots__ = ("form_rules", "widget_args")

    def __init__(self, widget_args: dict[str, Any] | None = None, form_rules: Any = None) -> None:
        self.widget_args = widget_args or {}
        self.form_rules = form_rules


def recreate_field(unbound: UnboundField[Any]) -> Any:
    """A fresh unbound copy of ``unbound``, to reuse a field definition in another form."""
    if not isinstance(unbound, UnboundField):
        raise TypeError(f"recreate_field expects an unbound field, got {unbound!r}.")
    return unbound.field_class(*unbound.args, **unbound.kwargs)
