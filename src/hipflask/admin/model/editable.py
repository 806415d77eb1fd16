"""In-list editing: ``column_editable_list`` and the ``ajax_update`` page.

A cell of a column in ``column_editable_list`` turns into the field's input
when clicked (see :class:`~hipflask.admin.model.widgets.XEditableWidget`);
the admin's script posts the one value, the row's key (``list_form_pk``) and
the CSRF token to ``ajax_update``. The page is an exposed method, so the
view's access check runs first; it then refuses a view without ``can_edit``,
a missing or forged token, and a field that is not one of the editable
columns, and validates the value with the field's own validators before the
model hooks run and the row is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any

from ...contexts.globals import current_app
from ...contexts.globals import request
from ...contexts.globals import session
from ...core.helpers import abort
from .. import babel
from ..base import expose
from ..form.file_changes import save_with_files
from ..helpers import is_field_error

if TYPE_CHECKING:
    from wtforms import Form

__all__ = ["EditableListMixin"]

#: Fields of the list form that are not editable columns.
_CONTROL_FIELDS = ("csrf_token", "list_form_pk")
#: Where flashed messages wait in the session (see hipflask.core.flashing).
_FLASHES = "_flashes"


def _failure_messages(save: Callable[[], Any]) -> str | None:
    """Run ``save``; ``None`` if it succeeded, else the messages it flashed, joined.

    The backend says why a save failed by flashing it. Only what this save
    flashed is its error: messages queued earlier (the user's own notices
    from another page) stay in the session for the next page, and this
    save's messages are taken out, since the answer carries them.
    """
    queued = session.get(_FLASHES)
    before = len(queued) if queued else 0
    if save():
        return None
    flashes = list(session.get(_FLASHES) or ())
    before = min(before, len(flashes))
    mine = flashes[before:]
    if mine:
        if before:
            session[_FLASHES] = flashes[:before]
        else:
            session.pop(_FLASHES, None)
    return ", ".join(str(message) for _category, message in mine)


def _first_error(errors: Any) -> str:
    if isinstance(errors, (list, tuple)):
        for error in errors:
            found = _first_error(error)
            if found:
                return found
        return ""
    return str(errors)


class EditableListMixin:
    """The in-list editing of a model view; see :class:`~hipflask.admin.model.BaseModelView`."""

    if TYPE_CHECKING:
        # The configuration, the forms and the backend contract live on BaseModelView.
        def __getattr__(self, name: str) -> Any: ...

    def _get_list_forms(self, data: Any) -> dict[Any, Form]:
        """One list form per shown row, filled from it, keyed by the row's key."""
        if not self.column_editable_list or not self.can_edit:
            return {}
        return {self.get_pk_value(row): self.list_form(obj=row) for row in data}

    @staticmethod
    def _answer(message: str, status: int = 200) -> Any:
        # Plain text: a message that repeats a posted value must never be
        # read as HTML (reflected XSS through a crafted form post).
        return current_app.response_class(message, status=status, mimetype="text/plain")

    def _failed(self, error: str, status: int = 400) -> Any:
        return self._answer(
            babel.gettext("Failed to update record. %(error)s", error=error).strip(), status
        )

    @expose("/ajax/update/", methods=("POST",))
    def ajax_update(self) -> Any:
        """Save one edited cell: ``list_form_pk``, the column's value, the CSRF token."""
        if not self.column_editable_list:
            abort(404)
        if not self.can_edit:
            return self._answer(babel.gettext("Permission denied."), 403)
        form = self.list_form()
        posted = [
            field.name
            for field in form
            if field.name in request.form and field.name not in _CONTROL_FIELDS
        ]
        if not posted:
            return self._failed(babel.gettext("No editable column was sent."))
        # Validate only what was sent: the other columns keep their values.
        for field in list(form):
            if field.name not in posted and field.name not in _CONTROL_FIELDS:
                del form[field.name]
        if not self.validate_form(form):
            for field in form:
                if is_field_error(field.errors):
                    return self._failed(_first_error(field.errors))
            return self._failed(babel.gettext("Invalid form."))
        record = self.get_one(form.list_form_pk.data)
        if record is None:
            return self._answer(babel.gettext("Record does not exist."), 404)
        reasons = _failure_messages(
            lambda: save_with_files(lambda: self.update_model(form, record))
        )
        if reasons is not None:
            # The backend flashed why; the answer carries it instead of the next page.
            return self._failed(reasons)
        return self._answer(babel.gettext("Record was successfully saved."))
