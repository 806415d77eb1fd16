"""The file manager's forms: upload, name (mkdir and rename), edit, delete, actions.

Built on the view's ``form_base_class`` (the admin's ``BaseForm``, which
carries a CSRF token), so each state-changing page refuses a forged post
from another site. Names typed into a form are checked here and then passed
through ``secure_filename`` by the view: the check gives the user a clear
error for a name that is not one (``../x``, ``a/b``), the function makes
sure what reaches the disk is a plain name whatever the check missed.
"""

from __future__ import annotations

import re
from typing import Any

from wtforms import fields
from wtforms import validators

from ... import babel

__all__ = [
    "make_action_form",
    "make_delete_form",
    "make_edit_form",
    "make_name_form",
    "make_upload_form",
    "validate_name",
]

#: Names Windows reserves for devices, whatever the extension: a folder or file
#: called ``CON`` or ``nul.txt`` cannot be opened there, and is refused everywhere.
_RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|CLOCK\$|COM\d|LPT\d)(\..*)?$", re.IGNORECASE)
#: Separators, control characters and what Windows forbids in names.
_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


def validate_name(form: Any, field: Any) -> None:
    """Refuse a name that is a path, hidden, or not valid on both POSIX and Windows."""
    name = str(field.data or "")
    if not name.strip() or name.startswith(".") or _FORBIDDEN.search(name) or _RESERVED.match(name):
        raise validators.ValidationError(babel.gettext("Invalid name"))


def make_upload_form(base: type[Any]) -> type[Any]:
    """The upload form: one file, whose type the view must allow."""

    class UploadForm(base):  # type: ignore[misc]
        """Asks ``admin.is_file_allowed`` about the uploaded name."""

        upload = fields.FileField(babel.lazy_gettext("File to upload"))

        def __init__(self, *args: Any, admin: Any = None, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.admin = admin

        def validate_upload(self, field: Any) -> None:
            data = field.data
            if not data or not getattr(data, "filename", None):
                raise validators.ValidationError(babel.gettext("File required."))
            if self.admin is not None and not self.admin.is_file_allowed(data.filename):
                raise validators.ValidationError(babel.gettext("Invalid file type."))

    return UploadForm


def make_name_form(base: type[Any]) -> type[Any]:
    """The form of mkdir and rename: a name, and the path it applies to."""

    class NameForm(base):  # type: ignore[misc]
        name = fields.StringField(
            babel.lazy_gettext("Name"), validators=[validators.InputRequired(), validate_name]
        )
        path = fields.HiddenField()

    return NameForm


def make_edit_form(base: type[Any]) -> type[Any]:
    """The edit form: the file's whole text."""

    class EditForm(base):  # type: ignore[misc]
        content = fields.TextAreaField(babel.lazy_gettext("Content"), (validators.InputRequired(),))

    return EditForm


def make_delete_form(base: type[Any]) -> type[Any]:
    """The delete form: the path to delete."""

    class DeleteForm(base):  # type: ignore[misc]
        path = fields.HiddenField(validators=[validators.InputRequired()])

    return DeleteForm


def make_action_form(base: type[Any]) -> type[Any]:
    """The bulk actions form: the action's name and the page to return to.

    The selected paths are read with ``request.form.getlist("rowid")``.
    """

    class ActionForm(base):  # type: ignore[misc]
        action = fields.HiddenField()
        url = fields.HiddenField()

    return ActionForm
