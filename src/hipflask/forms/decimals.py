"""A decimal field refuses a signaling NaN.

WTForms' ``DecimalField`` reads its text with :class:`decimal.Decimal`, which
takes ``"sNaN"`` as a signaling NaN: every comparison and sum with it
raises ``InvalidOperation``, and WTForms' own ``NumberRange`` fails on it
(it converts the value to a float first). One posted word would make a
500. Such a value is refused here as the text WTForms cannot read is, with
the field's "Not a valid decimal value." error.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from wtforms.fields import DecimalField
from wtforms.fields import FieldList
from wtforms.fields import FormField

__all__ = ["refuse_signaling_nans"]


def refuse_signaling_nans(fields: Iterable[Any]) -> None:
    """Turn each decimal field that read a signaling NaN into one with no value and an error."""
    for field in fields:
        if isinstance(field, FormField):
            refuse_signaling_nans(field.form)
        elif isinstance(field, FieldList):
            refuse_signaling_nans(field.entries)
        elif (
            isinstance(field, DecimalField)
            and isinstance(field.data, Decimal)
            and field.data.is_snan()
        ):
            field.data = None
            field.process_errors = [
                *field.process_errors,
                field.gettext("Not a valid decimal value."),
            ]
