"""Admin form validators, at Flask-Admin's path (``flask_admin.form.validators``)."""

from __future__ import annotations

from typing import Any

from wtforms.validators import StopValidation

from .. import babel

__all__ = ["FieldListInputRequired"]


class FieldListInputRequired:
    """Require at least one entry in a ``FieldList``.

    WTForms' ``InputRequired`` looks at the field's raw data, which a list of
    subfields does not have: an empty list would pass. This counts the
    entries instead, and marks the field required so it renders as such.
    """

    field_flags = {"required": True}  # noqa: RUF012 - WTForms reads it from the class

    def __call__(self, form: Any, field: Any) -> None:
        entries = getattr(field, "entries", None)
        if entries is None:
            raise TypeError(
                f"FieldListInputRequired on {type(field).__name__} {field.name!r}:"
                " it validates a FieldList; use InputRequired for a single field."
            )
        if not entries:
            # Replace, not add to, what the entries reported: there are none.
            field.errors[:] = []
            raise StopValidation(babel.gettext("This field requires at least one item."))
