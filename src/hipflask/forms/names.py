"""The submitted names a form's fields of one kind read, nested fields included.

A top-level field reads the name it is bound to, but a field inside a
``FormField`` reads ``address-primary`` and one inside a ``FieldList`` reads
``flags-0``, ``flags-1``, ...: names that exist only once the submission has
been processed. Some decisions must be taken before that: reading a JSON
body needs to know which names are checkboxes (a JSON ``0`` unticks one, its
text ``"0"`` would tick it), and the upload split which names are file fields
(a ``FieldList`` makes an entry only for a name the submission still holds).
:class:`FieldNames` answers ``name in names`` for every name a field of the
kind reads, however deeply it is nested.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Iterator
from typing import Any

from wtforms.fields import FieldList
from wtforms.fields import FormField
from wtforms.fields.core import UnboundField

__all__ = ["FieldNames"]


class FieldNames:
    """The names read by the fields of ``kind`` among ``fields`` and the fields inside them.

    ``fields`` are bound fields (a form); the fields of a ``FormField`` and
    the entries of a ``FieldList`` are found from their definitions, bound
    with the form's ``meta`` without being processed.
    """

    def __init__(self, fields: Iterable[Any], kind: type | tuple[type, ...], meta: Any) -> None:
        patterns = [
            pattern
            for field in fields
            for pattern in _patterns(field, re.escape(field.name), kind, meta)
        ]
        self._pattern = (
            re.compile("|".join(f"(?:{pattern})" for pattern in patterns), re.DOTALL)
            if patterns
            else None
        )

    def __contains__(self, name: object) -> bool:
        return (
            isinstance(name, str)
            and self._pattern is not None
            and self._pattern.fullmatch(name) is not None
        )


def _patterns(field: Any, pattern: str, kind: type | tuple[type, ...], meta: Any) -> Iterator[str]:
    """The name patterns of ``field`` (named by ``pattern``) and of the fields inside it."""
    if isinstance(field, kind):
        yield pattern
    elif isinstance(field, FormField):
        # FormField names its fields "<its name><separator><their name>".
        for name, unbound in _unbound_fields(field.form_class):
            child = _bind(unbound, name, meta)
            yield from _patterns(child, pattern + re.escape(field.separator + name), kind, meta)
    elif isinstance(field, FieldList):
        # An entry is named "<its name><separator><index>" (the separator is
        # not public, so read where WTForms keeps it). No digit may stand in
        # for it: names chosen by the client are matched against the
        # pattern, and with several lists deep, digits that could belong to
        # either of two indices would backtrack for seconds on a 2 kB name.
        entry = _bind(field.unbound_field, "entry", meta)
        yield from _patterns(entry, pattern + _entry_separator(field) + "[0-9]+", kind, meta)


def _entry_separator(field: FieldList[Any]) -> str:
    """The pattern of the text between a ``FieldList``'s name and an entry's index."""
    separator = getattr(field, "_separator", None)
    # A separator with digits in it (or none) is the app's own choice of
    # ambiguous names; one that cannot be read is WTForms' "-" or similar.
    return re.escape(separator) if isinstance(separator, str) else "[^0-9]"


def _bind(unbound: UnboundField[Any], name: str, meta: Any) -> Any:
    """A field of its definition, bound outside any form as ``FieldList`` binds its entries."""
    return unbound.bind(form=None, name=name, _meta=meta)  # type: ignore[arg-type]  # None is valid


def _unbound_fields(form_class: type) -> Iterator[tuple[str, UnboundField[Any]]]:
    """The fields a form class declares, under the names its instances bind them to."""
    for attribute in dir(form_class):
        if attribute.startswith("_"):
            continue
        value = getattr(form_class, attribute, None)
        if isinstance(value, UnboundField):
            yield value.name or attribute, value
