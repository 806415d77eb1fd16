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

The name is walked down the form's definition, not matched against a
pattern of every name: a form may hold a list of itself (a tree), whose
names no finite pattern lists, and the client chooses the names, so the
answer must take time in proportion to the name, never backtrack.

The same walk bounds how deep a submission reaches into such a tree
(:func:`without_deep_names`): WTForms builds an entry for each level a
name goes down, recursing every time, so one name a few hundred levels
deep exhausted the stack (a 500); and how many entries holding a list it
makes (:func:`without_excess_entries`): WTForms looks at every name once
for each list it builds, so names each a path of their own down a tree
took seconds of CPU.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from collections.abc import Iterator
from typing import Any

from werkzeug.datastructures import ImmutableMultiDict
from wtforms.fields import FieldList
from wtforms.fields import FormField
from wtforms.fields.core import UnboundField

__all__ = [
    "FieldNames",
    "without_deep_names",
    "without_excess_entries",
    "without_unreadable_indices",
]

#: Forms nested deeper than this are not looked into: no form definition
#: is, and only a tree's names go that deep, which WTForms' own processing
#: cannot follow either (it recurses once per level). A ``FormField`` is a
#: level, and so is a ``FieldList``: a tree of ``FieldList(FormField(...))``
#: is read 32 levels down.
_MAX_DEPTH = 64

#: How many times, in all, WTForms may look at the submitted names to find
#: the entries of the lists it builds. It builds a list for each entry that
#: holds one and looks at every name for each, so a submission may make
#: ``_MAX_LOOKS // names`` entries that hold a list: 4,444 for a tree
#: posted as 900 names thirty levels deep (which made 27,900 and took 3 s
#: of CPU; now about 0.4 s), 800 for 5,000 names one level down (1.5 s).
#: A form of 200 rows holding 10 each (2,000 names, 200 entries holding a
#: list) is far below it, and entries holding no list (a flat list of any
#: length, the rows inside those rows) are not counted.
_MAX_LOOKS = 4_000_000

_INDEX = re.compile("[0-9]+")


class FieldNames:
    """The names read by the fields of ``kind`` among ``fields`` and the fields inside them.

    ``fields`` are bound fields (a form); the fields of a ``FormField`` and
    the entries of a ``FieldList`` are found from their definitions, bound
    with the form's ``meta`` without being processed.
    """

    def __init__(self, fields: Iterable[Any], kind: type | tuple[type, ...], meta: Any) -> None:
        self._fields = [(field.name, field) for field in fields]
        self._kind = kind
        self._meta = meta
        # Bound once per definition: a name is checked for every key sent.
        self._children: dict[type, list[tuple[str, Any]]] = {}
        self._entries: dict[int, Any] = {}

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._in(self._fields, name, 0)

    def _in(self, fields: list[tuple[str, Any]], name: str, depth: int) -> bool:
        """Whether ``name`` is read by a field of the kind among ``fields`` (or inside one)."""
        return depth <= _MAX_DEPTH and any(
            name.startswith(own) and self._reads(field, name[len(own) :], depth)
            for own, field in fields
        )

    def _reads(self, field: Any, rest: str, depth: int) -> bool:
        """Whether ``field``, its own name taken off, reads what is left (``rest``)."""
        if isinstance(field, self._kind):
            return rest == ""
        if isinstance(field, FormField):
            # FormField names its fields "<its name><separator><their name>".
            if not rest.startswith(field.separator):
                return False
            children = self._form_fields(field.form_class)
            return self._in(children, rest[len(field.separator) :], depth + 1)
        if isinstance(field, FieldList):
            # An entry is "<its name><separator><index>"; the separator is not
            # public, so it is read where WTForms keeps it.
            separator = getattr(field, "_separator", "-")
            if not isinstance(separator, str) or not rest.startswith(separator):
                return False
            index = _INDEX.match(rest, len(separator))
            if index is None:
                return False
            return self._into_entry(field, rest, index, depth)
        return False

    def _into_entry(
        self, field: FieldList[Any], rest: str, index: re.Match[str], depth: int
    ) -> bool:
        """Whether the entry of ``field`` that ``rest`` names (at ``index``) reads what follows."""
        return self._reads(self._entry(field), rest[index.end() :], depth + 1)

    def _form_fields(self, form_class: type) -> list[tuple[str, Any]]:
        found = self._children.get(form_class)
        if found is None:
            found = [
                (name, _bind(unbound, name, self._meta))
                for name, unbound in _unbound_fields(form_class)
            ]
            self._children[form_class] = found
        return found

    def _entry(self, field: FieldList[Any]) -> Any:
        key = id(field.unbound_field)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _bind(field.unbound_field, "entry", self._meta)
        return entry


class _DeepNames(FieldNames):
    """The names that go further down the form's definition than ``_MAX_DEPTH`` levels."""

    def __init__(self, fields: Iterable[Any], meta: Any) -> None:
        super().__init__(fields, (), meta)

    def _in(self, fields: list[tuple[str, Any]], name: str, depth: int) -> bool:
        return depth > _MAX_DEPTH or super()._in(fields, name, depth)


def without_deep_names(formdata: Any, fields: Iterable[Any], meta: Any) -> Any:
    """``formdata`` without the names that reach past ``_MAX_DEPTH`` levels of nested fields.

    Such a name is one no field reads (no form is that deep), so it is
    left out as any other unknown name is ignored; the levels above it
    that other names reach are still read. ``formdata`` is returned as it
    is when it holds none, which is every submission but a crafted one.
    """
    if formdata is None or not hasattr(formdata, "getlist"):
        return formdata
    # Each level takes at least one character of the name, so only a name
    # longer than the limit can go past it.
    long = [key for key in formdata if isinstance(key, str) and len(key) > _MAX_DEPTH]
    if not long:
        return formdata
    deep = _DeepNames(fields, meta)
    dropped = {key for key in long if key in deep}
    if not dropped:
        return formdata
    return ImmutableMultiDict(
        [(key, value) for key in formdata if key not in dropped for value in formdata.getlist(key)]
    )


class _ListEntries(FieldNames):
    """The entries holding a list that a name makes WTForms create, found down the definition.

    Each ``FieldList`` a name passes through makes an entry for its index;
    an entry is known by the one it is inside and the name between them, so
    that ``tags-01`` and ``tags-1`` (both index 1) are one entry and no
    prefix of the name is copied: a name is walked in time in proportion to
    its length (and its depth, bounded by ``_MAX_DEPTH``). WTForms also
    reads an index spelled otherwise than it names entries (``01``, another
    character than the separator before it, digits of another script) but
    names the entry it makes its own way, so such a name reaches nothing
    inside that entry: the walk stops there, and a name makes at most one
    entry that is not counted, its last.
    """

    def __init__(self, fields: Iterable[Any], meta: Any) -> None:
        super().__init__(fields, (), meta)
        self._ids: dict[tuple[int, str, str], int] = {}
        self._holds: dict[int, bool] = {}
        self._name = ""
        # The entry the walk is in (0: none) and where its name ends.
        self._inside = (0, 0)
        self._made: set[int] = set()

    def made_by(self, name: str) -> set[int]:
        """The entries holding a list that ``name`` makes, each as an id."""
        self._name, self._inside, self._made = name, (0, 0), set()
        self._in(self._fields, name, 0)
        return self._made

    def _into_entry(
        self, field: FieldList[Any], rest: str, index: re.Match[str], depth: int
    ) -> bool:
        outer, outer_end = self._inside
        start = len(self._name) - len(rest)
        number = index.group().lstrip("0") or "0"
        ident = self._ids.setdefault(
            (outer, self._name[outer_end:start], number), len(self._ids) + 1
        )
        if self._holds_list(field):
            self._made.add(ident)
        if number != index.group():
            # WTForms makes the entry ("01" is index 1) but names it "1", so
            # this name, spelled otherwise, reaches nothing inside it.
            return False
        self._inside = (ident, start + index.end())
        try:
            return super()._into_entry(field, rest, index, depth)
        finally:
            self._inside = (outer, outer_end)

    def _holds_list(self, field: FieldList[Any]) -> bool:
        """Whether an entry of ``field`` is a list or holds one (in its ``FormField``s)."""
        key = id(field.unbound_field)
        holds = self._holds.get(key)
        if holds is None:
            holds = self._holds[key] = self._has_list(self._entry(field), set())
        return holds

    def _has_list(self, field: Any, seen: set[type]) -> bool:
        if isinstance(field, FieldList):
            return True
        if not isinstance(field, FormField) or field.form_class in seen:
            return False
        seen.add(field.form_class)
        fields = self._form_fields(field.form_class)
        return any(self._has_list(child, seen) for _, child in fields)


def without_excess_entries(formdata: Any, fields: Iterable[Any], meta: Any) -> Any:
    """``formdata`` without the names that would make WTForms look at it too often.

    WTForms finds a ``FieldList``'s entries by looking at every name
    submitted, once for each ``FieldList`` it builds, and it builds one for
    each entry that holds a list: a tree's names, each a path of its own
    thirty levels down, made it build tens of thousands of lists and look
    at every name for each (seconds of CPU for a 300 KB post), and so did
    thousands of names one level down. The entries holding a list are
    counted here in the order the names came, and a name that would make
    more than ``_MAX_LOOKS`` divided by the number of names is left out,
    as a name no field reads is (and as :func:`without_deep_names` leaves
    out a name too deep): the form is still read, its validators decide
    whether what is left is enough, and real forms stay far below it.
    ``formdata`` is returned as it is when it is within the limit.
    """
    if formdata is None or not hasattr(formdata, "getlist"):
        return formdata
    keys = [key for key in formdata if isinstance(key, str)]
    limit = _MAX_LOOKS // max(1, len(keys))
    # Each entry a name makes is an index in it, a run of digits: the
    # names of most forms hold too few to be walked at all.
    if sum(len(_INDEX.findall(key)) for key in keys) <= limit:
        return formdata
    entries = _ListEntries(fields, meta)
    kept: set[int] = set()
    dropped: set[str] = set()
    for key in keys:
        new = entries.made_by(key) - kept
        if len(kept) + len(new) > limit:
            dropped.add(key)
        else:
            kept |= new
    if not dropped:
        return formdata
    return ImmutableMultiDict(
        [(key, value) for key in formdata if key not in dropped for value in formdata.getlist(key)]
    )


class _UnreadableIndices(FieldNames):
    """The names WTForms would take a list index from that ``int()`` cannot read."""

    def __init__(self, fields: Iterable[Any], meta: Any) -> None:
        super().__init__(fields, (), meta)

    def _reads(self, field: Any, rest: str, depth: int) -> bool:
        if isinstance(field, FieldList) and rest:
            # As WTForms reads an index: the character after the list's name
            # skipped, up to the separator of the entry's own fields.
            separator = field.unbound_field.kwargs.get("separator", "-")
            if isinstance(separator, str) and separator:
                index = rest[1:].split(separator, 1)[0]
                if index.isdigit() and not _int_readable(index):
                    return True
        return super()._reads(field, rest, depth)


def _int_readable(digits: str) -> bool:
    """Whether ``int()`` reads ``digits`` (text ``str.isdigit`` accepts)."""
    limit = sys.get_int_max_str_digits()
    return digits.isdecimal() and (limit == 0 or len(digits) <= limit)


def without_unreadable_indices(formdata: Any, fields: Iterable[Any], meta: Any) -> Any:
    """``formdata`` without the names whose list index WTForms would fail to read.

    WTForms takes a ``FieldList`` entry's index from any name that starts
    with the list's name and goes on with ``str.isdigit()`` text, then
    calls ``int()`` on it: a superscript digit (``tags-²``) or an index of
    more digits than ``sys.get_int_max_str_digits()`` raised ``ValueError``,
    a 500. No field reads such a name, so it is left out as any name no
    field reads is ignored. Only a name with a character outside ASCII or
    a run of digits past the limit is walked.
    """
    if formdata is None or not hasattr(formdata, "getlist"):
        return formdata
    limit = sys.get_int_max_str_digits()
    suspect = [
        key
        for key in formdata
        if isinstance(key, str)
        and (
            not key.isascii()
            or (limit and len(key) > limit and any(len(run) > limit for run in _INDEX.findall(key)))
        )
    ]
    if not suspect:
        return formdata
    unreadable = _UnreadableIndices(fields, meta)
    dropped = {key for key in suspect if key in unreadable}
    if not dropped:
        return formdata
    return ImmutableMultiDict(
        [(key, value) for key in formdata if key not in dropped for value in formdata.getlist(key)]
    )


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
