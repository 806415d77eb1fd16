"""A decimal field refuses a signaling NaN, and numbers with too many digits.

WTForms' ``DecimalField`` reads its text with :class:`decimal.Decimal`, which
takes ``"sNaN"`` as a signaling NaN: every comparison and sum with it
raises ``InvalidOperation``, and WTForms' own ``NumberRange`` fails on it
(it converts the value to a float first). One posted word would make a
500. Such a value is refused here as the text WTForms cannot read is, with
the field's "Not a valid decimal value." error.

It also takes ``1e999999`` and ``1e-9999999999``, whose ``int()`` in the
view takes half a minute and whose ``f"{value:f}"`` runs out of memory. A
number with more digits before or after its point than the REST parser
takes (:mod:`hipflask.wrappers.decimals`) is an "Out of range" error.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from wtforms.fields import DecimalField
from wtforms.fields import FieldList
from wtforms.fields import FormField

from ..wrappers.decimals import is_out_of_range
from ..wrappers.decimals import range_rule

__all__ = ["refuse_unusable_decimals"]


def refuse_unusable_decimals(fields: Iterable[Any]) -> None:
    """Turn each decimal field that read a number no view can use into one with an error."""
    for field in fields:
        if isinstance(field, FormField):
            refuse_unusable_decimals(field.form)
        elif isinstance(field, FieldList):
            refuse_unusable_decimals(field.entries)
        elif isinstance(field, DecimalField) and isinstance(field.data, Decimal):
            error = _refusal(field, field.data)
            if error is not None:
                field.data = None
                field.process_errors = [*field.process_errors, error]


def _refusal(field: Any, number: Decimal) -> str | None:
    if number.is_snan():
        return str(field.gettext("Not a valid decimal value."))
    # Only the client's text: a value the app gave the form (``obj=``) is its own.
    if field.raw_data and number.is_finite() and is_out_of_range(number):
        return f"Out of range: {range_rule()}."
    return None
