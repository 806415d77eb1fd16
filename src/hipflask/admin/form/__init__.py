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

from typing import Any

from wtforms.fields.core import UnboundField

from ...forms.form import FlaskForm
from . import rules as rules
from .fields import DateTimeField as DateTimeField
from .fields import JSONField as JSONField
from .fields import Select2Field as Select2Field
from .fields import Select2TagsField as Select2TagsField
from .fields import TimeField as TimeField
from .upload import FileUploadField as FileUploadField
from .upload import FileUploadInput as FileUploadInput
from .upload import ImageUploadField as ImageUploadField
from .upload import ImageUploadInput as ImageUploadInput
from .upload import namegen_filename as namegen_filename
from .upload import thumbgen_filename as thumbgen_filename
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
    "FileUploadField",
    "FileUploadInput",
    "FormOpts",
    "ImageUploadField",
    "ImageUploadInput",
    "JSONField",
    "RenderTemplateWidget",
    "SecureForm",
    "Select2Field",
    "Select2TagsField",
    "Select2TagsWidget",
    "Select2Widget",
    "TimeField",
    "TimePickerWidget",
    "namegen_filename",
    "recreate_field",
    "rules",
    "thumbgen_filename",
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
        # Uploads go to file fields only (hipflask.forms.uploads), as in any FlaskForm.
        if formdata is _FROM_REQUEST:
            super().__init__(obj=obj, prefix=prefix, **kwargs)
        else:
            super().__init__(formdata, obj=obj, prefix=prefix, **kwargs)


class SecureForm(BaseForm):
    """Flask-Admin's CSRF-protected form: its token is checked whatever the settings say.

    :class:`BaseForm` carries a token too, but follows ``WTF_CSRF_ENABLED``
    like any ``FlaskForm``; a view that asks for ``SecureForm`` keeps its
    token even in an app that turned Flask-WTF's off, as in Flask-Admin.
    """

    class Meta:
        csrf = True


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
